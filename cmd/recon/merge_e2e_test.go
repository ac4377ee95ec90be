package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestMergeOutputsCheckedBeforeTheWait (review, defect 4): merge's outputs
// are checked before it looks for a single shard (with --wait, hours
// before its end), and a report merge cannot write says to merge again:
// the merge's store goes with it.
func TestMergeOutputsCheckedBeforeTheWait(t *testing.T) {
	dir := t.TempDir()
	for _, flag := range []string{"--report", "--csv", "--html"} {
		t.Run(flag, func(t *testing.T) {
			bad := filepath.Join(dir, "nonexistent", "night.out")
			stdout, stderr, code := runRecon(t, nil, "merge", "--shards", "2", "--from", dir, flag, bad)
			if code != exitFailed || !strings.Contains(stderr, flag+" "+bad+" cannot be written") {
				t.Fatalf("exit %d, want 1 for the output\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
		})
	}
	err := &reportError{Flag: "--html", Path: "night.html", Format: "html", RunID: "night-1", Merged: true, Err: errors.New("no space left on device")}
	if msg := err.Error(); !strings.Contains(msg, "recon merge again") || strings.Contains(msg, "recon report") {
		t.Errorf("a merged night's report not written says %q", msg)
	}
	err.Merged = false
	if msg := err.Error(); !strings.Contains(msg, "recon report --run night-1 --format html --out FILE") {
		t.Errorf("a stored run's report not written says %q", msg)
	}
}
