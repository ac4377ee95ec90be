package preflight

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestWritable(t *testing.T) {
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
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Writable(tt.path)
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("Writable: %v", err)
			case tt.want != nil && (err == nil || !errors.Is(err, tt.want) && err.Error() != tt.want.Error()):
				t.Fatalf("Writable: %v, want %v", err, tt.want)
			}
		})
	}
	// The check leaves no trace: a new file is removed, an old one kept whole.
	if _, err := os.Stat(filepath.Join(dir, "new.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the checked new file is left behind: %v", err)
	}
	if b, _ := os.ReadFile(kept); string(b) != "last night's report" {
		t.Errorf("the existing file was changed: %q", b)
	}
}
