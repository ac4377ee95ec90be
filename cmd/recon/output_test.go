package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWriteFileWholeOrNot: a report written is 0600 when new and keeps the
// mode of the file it replaces; one that fails leaves that file as it was,
// and no temporary file stays behind either way.
func TestWriteFileWholeOrNot(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	fresh := filepath.Join(dir, "new.json")
	if err := writeFile(fresh, write("one")); err != nil {
		t.Fatal(err)
	}
	shared := filepath.Join(dir, "shared.json")
	writeText(t, shared, "old")
	if err := os.Chmod(shared, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(shared, write("two")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("the store is damaged")
	if err := writeFile(shared, func(w io.Writer) error { io.WriteString(w, "half"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("a failed write: %v", err)
	}
	for path, want := range map[string]struct {
		text string
		mode os.FileMode
	}{fresh: {"one", 0o600}, shared: {"two", 0o640}} {
		b, err := os.ReadFile(path)
		fi, serr := os.Stat(path)
		if err != nil || serr != nil || string(b) != want.text || fi.Mode().Perm() != want.mode {
			t.Errorf("%s: %q %v, %v %v; want %q %v", path, b, err, fi.Mode(), serr, want.text, want.mode)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// A report to a pipe or a device (--out /dev/stdout) is written to it, not
// renamed over it: the pipe is still one afterwards, and its reader has
// the report.
func TestWriteFileToAPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- string(b)
	}()
	if err := writeFile(fifo, func(w io.Writer) error { _, err := io.WriteString(w, "report"); return err }); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "report" {
		t.Errorf("the pipe's reader got %q", s)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe is now %v, %v", fi.Mode(), err)
	}
}

// A report named through a symbolic link is written to the link's target:
// the link stays a link.
func TestWriteFileThroughALink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.json")
	writeText(t, real, "old")
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(link, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(real)
	if fi, lerr := os.Lstat(link); err != nil || string(b) != "new" || lerr != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("target %q (%v); the link is now %v (%v)", b, err, fi.Mode(), lerr)
	}
}

// TestReportFormatFromOut (operator review): `report --out night.html`
// without --format is the HTML page, not the text summary in a .html file;
// a --format given wins, and an extension recon does not know is text.
func TestReportFormatFromOut(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "recon.db")
	storedRuns(t, db, "r1")
	for _, tt := range []struct {
		out, format, starts string
	}{
		{"night.html", "", "<!doctype html>"},
		{"NIGHT.JSON", "", "{"},
		{"night.csv", "", "account,order_no,"},
		{"night.txt", "", "run r1"},
		{"night.html", "json", "{"},
	} {
		t.Run(tt.out+" "+tt.format, func(t *testing.T) {
			out := filepath.Join(dir, tt.out)
			args := []string{"report", "--store", db, "--run", "r1", "--out", out}
			if tt.format != "" {
				args = append(args, "--format", tt.format)
			}
			if _, stderr, code := runRecon(t, nil, args...); code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			b, err := os.ReadFile(out)
			if err != nil || !strings.HasPrefix(string(b), tt.starts) {
				t.Fatalf("%s starts %.40q (%v), want %q", tt.out, b, err, tt.starts)
			}
		})
	}
}
