package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"
)

// writeFile writes a file through fn, whole or not at all (atomicFile):
// if fn fails, what was at path is left as it was.
func writeFile(path string, fn func(io.Writer) error) error {
	f, err := createAtomic(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.abort()
		return fmt.Errorf("writing %s: %w (%w)", path, err, errNotWritten(f))
	}
	return f.commit()
}

// atomicFile is a report being written: a temporary file beside path,
// renamed over it by commit, so that a reader never sees half a report and
// a report that fails halfway (a damaged store, a full disk) leaves last
// night's whole (for a regular file or a new one; through a link, to a
// device or a pipe it is written in place). A new file is 0600 (reports name orders and amounts); a
// file replaced keeps its mode.
type atomicFile struct {
	*os.File
	path   string
	direct bool // path is no regular file of its own: written in place
}

func createAtomic(path string) (*atomicFile, error) {
	inPlace := func() (*atomicFile, error) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, err
		}
		return &atomicFile{File: f, path: path, direct: true}, nil
	}
	fi, statErr := os.Lstat(path)
	if statErr == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		// A symbolic link, a device or a pipe is written through, never
		// renamed over: a rename would replace the link itself (and
		// /dev/stdout, a link to wherever cron sends the output), or a
		// pipe a script reads, with a file.
		return inPlace()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil && statErr == nil && fi.Mode().IsRegular() {
		// A report file this user may write in a folder it may not (a
		// shared reports folder): written in place, as before.
		if a, err := inPlace(); err == nil {
			return a, nil
		}
	}
	if err != nil {
		// The operating system's reason: the temporary name is no one's.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot write in %s: %w", filepath.Dir(path), err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		if err := f.Chmod(fi.Mode().Perm()); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, err
		}
	}
	return &atomicFile{File: f, path: path}, nil
}

// commit puts the file written in place of path.
func (a *atomicFile) commit() error {
	if a.direct {
		return a.Close()
	}
	err := a.Sync()
	if cerr := a.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.Name(), a.path)
	}
	if err != nil {
		os.Remove(a.Name())
	}
	return err
}

// abort drops the file written; path is left as it was (but for a device
// or a pipe, which has had what was written).
func (a *atomicFile) abort() {
	a.Close()
	if !a.direct {
		os.Remove(a.Name())
	}
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
