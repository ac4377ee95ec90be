package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/reconhq/recon/engine/outfile"
)

// writeFile writes a file through fn, whole or not at all where it can
// (outfile): if fn fails, what was at path is left as it was.
func writeFile(path string, fn func(io.Writer) error) error {
	f, err := outfile.Create(path, 0o600)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Abort()
		return fmt.Errorf("writing %s: %w (%w)", path, err, f.NotWritten())
	}
	return f.Commit()
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// table lines up what a command lists in columns, the same for every
// command; Flush it when done.
func table(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
}
