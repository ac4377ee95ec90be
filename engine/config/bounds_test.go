package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mergeChain is the review's config: each level merges the previous one
// twice, so 24 levels in under a kilobyte stand for 2^24 mappings.
func mergeChain(levels int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 {a: 1}\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "l%d: &l%d {x: {<<: *l%d}, y: {<<: *l%d}}\n", i, i, i-1, i-1)
	}
	b.WriteString("store: ./recon.db\naccounts: {}\n")
	return b.String()
}

func TestConfigBounds(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"merge-key chain", mergeChain(24), "expand to more than"},
		{"alias fan-out", "a: &a [1,2,3,4,5,6,7,8,9,10]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" +
			"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n", "expand to more than"},
		{"too large", "store: ./recon.db\n# " + strings.Repeat("x", MaxFileBytes) + "\n", "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "recon.yaml")
			if err := os.WriteFile(path, []byte(tt.src), 0o600); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, err := Load(path, nil); done <- err }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
					t.Fatalf("Load: %v; want an error naming the file and saying %q", err, tt.want)
				}
			case <-time.After(time.Minute): // a watchdog, not a measurement: the old code ran 29 s to minutes
				t.Fatal("Load did not return")
			}
		})
	}
	// A config that aliases sanely still loads.
	ok := "defaults: &d {plugin: upay, endpoint: \"http://127.0.0.1:1\", credentials: {terminal_sn: \"1\", terminal_key: k}}\n" +
		"store: ./recon.db\naccounts:\n  a: *d\n  b: {<<: *d}\n"
	path := filepath.Join(t.TempDir(), "recon.yaml")
	if err := os.WriteFile(path, []byte(ok), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, nil); err != nil && strings.Contains(err.Error(), "expand") {
		t.Fatalf("a sane alias was refused: %v", err)
	}
}
