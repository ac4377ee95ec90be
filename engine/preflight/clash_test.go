package preflight

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestClash: an output that is an input, or another output, by any path
// to the same file, is refused, naming both flags; files of their own pass.
func TestClash(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, f := range []string{"l.csv", "c.yaml"} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "l.csv"), "link.csv"); err != nil {
		t.Fatal(err)
	}
	if err := os.Link("c.yaml", "hard.yaml"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, "via"); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo("fifo", 0o600); err != nil {
		t.Fatal(err)
	}
	inputs := []Output{{"--ledger", "l.csv"}, {"--config", "c.yaml"}, {"--store", "recon.db"}, {"--statement", ""}}
	for _, tt := range []struct {
		name     string
		outputs  []Output
		out, was string // the flags of the clash; "" for none
	}{
		{"own files", []Output{{"--report", "r.json"}, {"--csv", "r.csv"}, {"--metrics-file", ""}}, "", ""},
		{"the ledger", []Output{{"--csv", "l.csv"}}, "--csv", "--ledger"},
		{"the ledger, absolute", []Output{{"--report", filepath.Join(dir, "l.csv")}}, "--report", "--ledger"},
		{"the ledger through a link", []Output{{"--csv", "link.csv"}}, "--csv", "--ledger"},
		{"the config by a hard link", []Output{{"--report", "hard.yaml"}}, "--report", "--config"},
		{"the store, not there yet", []Output{{"--report", "./recon.db"}}, "--report", "--store"},
		{"the store through a linked folder", []Output{{"--report", "via/recon.db"}}, "--report", "--store"},
		{"two outputs", []Output{{"--report", "same.out"}, {"--csv", "same.out"}}, "--csv", "--report"},
		{"a device and a pipe", []Output{{"--report", "/dev/null"}, {"--csv", "/dev/null"}, {"--html", "fifo"}, {"--metrics-file", "fifo"}}, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Clash(inputs, tt.outputs)
			var ce *ClashError
			switch {
			case tt.out == "" && err != nil:
				t.Fatalf("Clash: %v", err)
			case tt.out == "":
			case !errors.As(err, &ce):
				t.Fatalf("Clash: %v, want a ClashError", err)
			case ce.Out.Flag != tt.out || ce.With.Flag != tt.was:
				t.Fatalf("Clash: %v, want %s clashing with %s", err, tt.out, tt.was)
			}
		})
	}
}
