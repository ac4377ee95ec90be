package preflight

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/reconhq/recon/engine/outfile"
)

// ClashError is an output that names a file the command reads, keeps or
// writes already: writing it would destroy that file (a ledger replaced by
// the CSV report, a config by the JSON one) or leave two reports in one.
type ClashError struct {
	Out  Output // the output at fault
	With Output // the input, or the other output, that is the same file
}

func (e *ClashError) Error() string {
	return fmt.Sprintf("%s %s is the same file as %s %s: writing it would destroy that", e.Out.Flag, e.Out.Path,
		e.With.Flag, e.With.Path)
}

// Clash is the first output that is one of inputs (what the command reads
// or keeps: its ledger, config, store, statements) or an earlier output,
// as a *ClashError; nil when each output is a file of its own. Paths are
// compared as files, not as text: relative or absolute, through a symbolic
// link, or a hard link to the same file, it is the same file. An empty
// Path is no file, and neither is a device, a pipe or recon's own stdout
// or stderr (/dev/null, /dev/stdout, a FIFO): many may write one, which
// destroys nothing.
func Clash(inputs, outputs []Output) error {
	seen := make([]resolved, 0, len(inputs)+len(outputs))
	for _, in := range inputs {
		if in.Path != "" && !outfile.Special(in.Path) {
			seen = append(seen, resolve(in))
		}
	}
	for _, out := range outputs {
		if out.Path == "" || outfile.Special(out.Path) {
			continue
		}
		o := resolve(out)
		for _, s := range seen {
			if o.same(s) {
				return &ClashError{Out: out, With: s.Output}
			}
		}
		seen = append(seen, o)
	}
	return nil
}

// resolved is a file as given and where it resolves to.
type resolved struct {
	Output
	real string      // absolute, symbolic links resolved as far as they exist
	fi   os.FileInfo // nil when the file does not exist (yet)
}

func resolve(o Output) resolved {
	n := resolved{Output: o, real: o.Path}
	if abs, err := filepath.Abs(o.Path); err == nil {
		n.real = abs
	}
	if r, err := filepath.EvalSymlinks(n.real); err == nil {
		n.real = r
	} else if d, err := filepath.EvalSymlinks(filepath.Dir(n.real)); err == nil {
		// A file not written yet, in a folder reached by a link.
		n.real = filepath.Join(d, filepath.Base(n.real))
	}
	if fi, err := os.Stat(o.Path); err == nil {
		n.fi = fi
	}
	return n
}

func (n resolved) same(o resolved) bool {
	if n.real == o.real {
		return true
	}
	return n.fi != nil && o.fi != nil && os.SameFile(n.fi, o.fi)
}
