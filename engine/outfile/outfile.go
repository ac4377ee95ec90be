// Package outfile is how recon writes an output file (a report, a metrics
// file): whole or not at all where it can, and never by replacing what is
// not a file of its own.
//
// A regular file, or a new one, is written to a temporary file beside it
// and renamed over it: a reader never sees half of one, and a write that
// fails halfway (a damaged store, a full disk) leaves the one that was
// there whole. Everything else is written in place: a symbolic link (a
// rename would replace the link itself, and /dev/stdout is one), a device
// or a pipe (/dev/null, a FIFO a script reads), and a file recon may write
// in a folder it may not (a shared reports folder). recon's own standard
// output or error, by any name (/dev/stdout, /dev/fd/1, or cron's log it
// goes to), is written to as it is: never truncated, reopened or closed.
package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File is an output being written. Commit puts it in place; Abort drops it.
type File struct {
	w      *os.File
	path   string
	tmp    bool // written to a temporary file, renamed by Commit
	stream bool // recon's own stdout or stderr: never closed
}

// Write writes to the file.
func (f *File) Write(p []byte) (int, error) { return f.w.Write(p) }

// InPlace reports whether the file is written where it is (not replaced
// whole by Commit): what a failed write leaves there is partly written.
func (f *File) InPlace() bool { return !f.tmp }

// Create starts writing path. A new file gets perm (0600 for a report,
// which names orders and amounts; 0644 for metrics node_exporter reads); a
// file replaced keeps its mode, and its owner as far as this process may
// give it (keepOwner).
func Create(path string, perm fs.FileMode) (*File, error) {
	if s := stream(path); s != nil {
		return &File{w: s, path: path, stream: true}, nil
	}
	fi, statErr := os.Lstat(path)
	if statErr == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		return inPlace(path, perm)
	}
	w, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil && errors.Is(err, fs.ErrPermission) && statErr == nil && fi.Mode().IsRegular() {
		// A file this user may write in a folder it may not: in place,
		// as before (never for a full disk: that would cut the last one).
		if f, err := inPlace(path, perm); err == nil {
			return f, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("cannot write in %s: %w", filepath.Dir(path), bare(err))
	}
	mode := perm
	if statErr == nil && fi.Mode().IsRegular() {
		mode = fi.Mode().Perm()
		keepOwner(w, fi)
	}
	if mode != 0o600 { // CreateTemp's
		if err := w.Chmod(mode); err != nil {
			w.Close()
			os.Remove(w.Name())
			return nil, err
		}
	}
	return &File{w: w, path: path, tmp: true}, nil
}

func inPlace(path string, perm fs.FileMode) (*File, error) {
	w, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return nil, err
	}
	return &File{w: w, path: path}, nil
}

// Commit puts the file written in place of path.
func (f *File) Commit() error {
	switch {
	case f.stream:
		return nil
	case !f.tmp:
		return f.w.Close()
	}
	err := f.w.Sync()
	if cerr := f.w.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.w.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.w.Name())
	}
	return err
}

// Abort drops the file written: path is left as it was, unless it is
// written in place (InPlace), which has had what was written.
func (f *File) Abort() {
	switch {
	case f.stream:
	case !f.tmp:
		f.w.Close()
	default:
		f.w.Close()
		os.Remove(f.w.Name())
	}
}

// NotWritten says that the output was not made, and what is there instead.
func (f *File) NotWritten() error {
	if !f.tmp {
		return errors.New("not written whole")
	}
	if _, err := os.Stat(f.path); err == nil {
		return errors.New("not written: the file there is the previous one")
	}
	return errors.New("not written")
}

// Check reports whether path can be written as Create will, without
// writing it: an existing file is opened for writing (not truncated: one
// made read-only is not to be replaced), and a folder is checked to take a
// temporary file only where Create needs one. The error is the operating
// system's, without the path.
func Check(path string) error {
	if Special(path) {
		return nil // a device, a pipe (never opened here: a pipe's reader would see its end), or our own output
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return errors.New("it is a folder")
	case err == nil:
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return bare(err)
		}
		w.Close()
		if lfi, err := os.Lstat(path); err == nil && lfi.Mode()&fs.ModeSymlink != 0 {
			return nil // written through the link
		}
	case !errors.Is(err, fs.ErrNotExist):
		return bare(err)
	}
	w, err := os.CreateTemp(filepath.Dir(path), ".recon-check-*")
	if err != nil {
		if errors.Is(err, fs.ErrPermission) && fi != nil {
			return nil // an existing file, written in place
		}
		return bare(err)
	}
	w.Close()
	return os.Remove(w.Name())
}

// Special reports whether path is no file of its own an output could
// destroy: a device, a pipe, or recon's own stdout or stderr.
func Special(path string) bool {
	if stream(path) != nil {
		return true
	}
	fi, err := os.Stat(path)
	return err == nil && !fi.Mode().IsRegular() && !fi.IsDir()
}

// IsStdout reports whether path is recon's own standard output, by any name
// (/dev/stdout, /proc/self/fd/1, the file cron redirects it to).
func IsStdout(path string) bool { return stream(path) == os.Stdout }

// stream is os.Stdout or os.Stderr when path is that file, by any name.
func stream(path string) *os.File {
	fi, err := os.Stat(path)
	if err != nil {
		return nil
	}
	for _, s := range []*os.File{os.Stdout, os.Stderr} {
		if sfi, err := s.Stat(); err == nil && os.SameFile(fi, sfi) {
			return s
		}
	}
	return nil
}

func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
