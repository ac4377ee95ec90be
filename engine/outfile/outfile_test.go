package outfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func write(t *testing.T, path, text string, perm os.FileMode) error {
	t.Helper()
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, text); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A regular or new file is replaced whole: a new one gets the mode asked,
// a replaced one keeps its own, an aborted one leaves what was there, and
// nothing is left beside it.
func TestRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fresh, metrics, kept := filepath.Join(dir, "r.json"), filepath.Join(dir, "m.prom"), filepath.Join(dir, "k.json")
	if err := os.WriteFile(kept, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		perm os.FileMode
		want os.FileMode
	}{{fresh, 0o600, 0o600}, {metrics, 0o644, 0o644}, {kept, 0o600, 0o640}} {
		if err := write(t, tt.path, "new", tt.perm); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(tt.path)
		if err != nil || read(t, tt.path) != "new" || fi.Mode().Perm() != tt.want {
			t.Errorf("%s: %q, mode %v (%v); want %v", tt.path, read(t, tt.path), fi.Mode(), err, tt.want)
		}
	}
	f, err := Create(kept, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "half")
	if f.InPlace() {
		t.Error("a regular file is written in place")
	}
	f.Abort()
	if got := read(t, kept); got != "new" {
		t.Errorf("aborted: %q", got)
	}
	if err := f.NotWritten(); err == nil || !strings.Contains(err.Error(), "previous one") {
		t.Errorf("NotWritten: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// A link, a device or a pipe is written through, and stays what it was.
func TestWrittenInPlace(t *testing.T) {
	dir := t.TempDir()
	target, link := filepath.Join(dir, "target.json"), filepath.Join(dir, "link.json")
	if err := os.WriteFile(target, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := write(t, link, "new", 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 || read(t, target) != "new" {
		t.Errorf("through a link: the link is %v (%v), its target %q", fi.Mode(), err, read(t, target))
	}
	if err := write(t, os.DevNull, "new", 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode()&os.ModeDevice == 0 {
		t.Fatalf("%s is now %v, %v", os.DevNull, fi.Mode(), err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Checked without being opened: its reader would see its end (and
	// with no reader the open would wait).
	if err := Check(fifo); err != nil || !Special(fifo) {
		t.Fatalf("Check(fifo) = %v, Special %v", err, Special(fifo))
	}
	got := make(chan string, 1)
	go func() { b, _ := os.ReadFile(fifo); got <- string(b) }()
	if err := write(t, fifo, "report", 0o600); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "report" {
		t.Errorf("the pipe's reader got %q", s)
	}
}

// recon's own standard output, by whatever name (cron's log it goes to
// here), is written to as it is: not truncated, nor closed.
func TestOwnStdout(t *testing.T) {
	log := filepath.Join(t.TempDir(), "cron.log")
	f, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	io.WriteString(f, "earlier lines\n")
	saved := os.Stdout
	os.Stdout = f
	defer func() { os.Stdout = saved }()
	if !Special(log) {
		t.Error("recon's stdout is taken for a file of its own")
	}
	if err := write(t, log, "report\n", 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, "later lines\n"); err != nil {
		t.Fatalf("stdout was closed: %v", err)
	}
	if got := read(t, log); got != "earlier lines\nreport\nlater lines\n" {
		t.Errorf("the log is %q", got)
	}
}

// Check says what Create would, and leaves no trace: a new file is
// removed, an old one kept whole.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	kept := filepath.Join(dir, "kept.json")
	if err := os.WriteFile(kept, []byte("last night's report"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, path string
		want       error // nil: writable
	}{
		{"new file", filepath.Join(dir, "new.json"), nil},
		{"existing file", kept, nil},
		{"missing folder", filepath.Join(dir, "nonexistent", "r.json"), fs.ErrNotExist},
		{"a folder", dir, errors.New("it is a folder")},
		{"a device", os.DevNull, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.path)
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("Check: %v", err)
			case tt.want != nil && (err == nil || !errors.Is(err, tt.want) && err.Error() != tt.want.Error()):
				t.Fatalf("Check: %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "new.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the checked new file is left behind: %v", err)
	}
	if b, _ := os.ReadFile(kept); string(b) != "last night's report" {
		t.Errorf("the existing file was changed: %q", b)
	}
}
