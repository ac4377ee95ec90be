package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon/store"
)

// recon prune refuses to run without a rule (exit 2), drops the runs its
// rule selects, never a running one, and compacts the store.
func TestPruneCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "recon.db")
	db, err := store.Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, r := range []store.Run{
		{ID: "old", Status: store.StatusCompleted, StartedAt: now.Add(-100 * 24 * time.Hour)},
		{ID: "killed", Status: store.StatusRunning, StartedAt: now.Add(-99 * 24 * time.Hour)},
		{ID: "new", Status: store.StatusCompleted, StartedAt: now.Add(-time.Hour)},
	} {
		if err := db.PutRun(&r); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	tests := []struct {
		args []string
		want int
		says string
	}{
		{[]string{"prune", "--store", path}, exitUsage, "needs --keep or --older-than"},
		{[]string{"prune", "--store", path, "--older-than", "soon"}, exitUsage, `--older-than "soon"`},
		{[]string{"prune", "--store", path, "--keep", "0"}, exitUsage, "--keep must be at least 1"},
		{[]string{"prune", "--store", path, "--older-than", "90d"}, exitOK, "dropped 1 runs: old"},
		{[]string{"prune", "--store", path, "--keep", "1"}, exitOK, "no run to drop"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		got := Main(context.Background(), append([]string{"recon"}, tt.args...), &out, &errOut)
		if got != tt.want || !strings.Contains(out.String()+errOut.String(), tt.says) {
			t.Errorf("%v: exit %d, %q %q; want %d saying %q", tt.args, got, out.String(), errOut.String(), tt.want, tt.says)
		}
	}
	db, err = store.OpenReadOnly(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.Runs()
	if err != nil || len(runs) != 2 || runs[0].ID != "killed" || runs[1].ID != "new" {
		t.Errorf("runs after prune: %v, %v", runs, err)
	}
}
