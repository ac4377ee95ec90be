package store

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// Prune then Compact returns the file to the size of a store that only
// ever held the runs kept; what is kept still reads, replies and all.
func TestPruneCompactKeepsOnlyWhatIsKept(t *testing.T) {
	nights := nightOf(demoRecords(t), 3)
	per := len(nights) / 3
	at := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	ids := []string{"n1", "n2", "n3"}

	all := filepath.Join(t.TempDir(), "all.db")
	d, err := Open(all, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		writeNight(t, d, id, at.Add(time.Duration(i)*24*time.Hour), nights[i*per:(i+1)*per])
	}
	// A run in progress is never dropped, however old.
	if err := d.PutRun(&Run{ID: "n0-running", Status: StatusRunning, StartedAt: at.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Prune(PruneOptions{}); !errors.Is(err, ErrNoPruneRule) {
		t.Errorf("Prune without a rule: %v", err)
	}
	dropped, err := d.Prune(PruneOptions{Keep: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dropped, []string{"n1", "n2"}) {
		t.Errorf("dropped %v; want n1 n2", dropped)
	}
	if err := d.Verify(); err != nil {
		t.Errorf("Verify after Prune: %v", err)
	}
	d.Close()
	st, err := Compact(all, time.Second)
	if err != nil {
		t.Fatal(err)
	}

	kept := filepath.Join(t.TempDir(), "kept.db")
	k, err := Open(kept, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.PutRun(&Run{ID: "n0-running", Status: StatusRunning, StartedAt: at.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	writeNight(t, k, "n3", at.Add(48*time.Hour), nights[2*per:])
	k.Close()
	want, err := Compact(kept, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pruned and compacted: %d -> %d bytes; a store of the kept runs alone: %d", st.Before, st.After, want.After)
	if st.After > want.After+want.After/100 || st.After >= st.Before {
		t.Errorf("pruned and compacted to %d bytes (from %d); a store of the kept runs alone compacts to %d", st.After, st.Before, want.After)
	}
	if fi, err := os.Stat(all); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("compacted store: %v, %v", fi, err)
	}

	d, err = OpenReadOnly(all, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Verify(); err != nil {
		t.Errorf("Verify after Compact: %v", err)
	}
	runs, err := d.Runs()
	if err != nil || len(runs) != 2 || runs[0].ID != "n0-running" || runs[1].ID != "n3" {
		t.Fatalf("runs after prune: %v, %v", runs, err)
	}
	n := 0
	if err := d.Exchanges("n3", func(Exchange) error { n++; return nil }); err != nil || n == 0 {
		t.Errorf("the kept run's exchanges: %d, %v", n, err)
	}
	for _, r := range nights[:per] {
		if _, ok, err := d.Latest(r.Result.Key()); ok || err != nil {
			t.Fatalf("order %s still points at a dropped run (%v)", r.Result.Key(), err)
		}
	}
}

// --older-than drops by age, and with Keep a run is dropped only when both
// would drop it.
func TestPruneOlderThan(t *testing.T) {
	d := MustOpen(t)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i, id := range []string{"a", "b", "c"} {
		if err := d.PutRun(&Run{ID: id, Status: StatusCompleted, StartedAt: now.Add(-time.Duration(30-10*i) * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	dropped, err := d.Prune(PruneOptions{OlderThan: 15 * 24 * time.Hour, Keep: 2, Now: now})
	if err != nil || !slices.Equal(dropped, []string{"a"}) {
		t.Fatalf("dropped %v, %v; want a", dropped, err)
	}
	dropped, err = d.Prune(PruneOptions{OlderThan: 5 * 24 * time.Hour, Now: now})
	if err != nil || !slices.Equal(dropped, []string{"b", "c"}) {
		t.Fatalf("dropped %v, %v; want b c", dropped, err)
	}
}

// A compaction killed before its rename left its copy behind: the next
// one removes it (and only copies of this store).
func TestCompactRemovesAKilledCompactionsCopy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "night[1].db")
	d, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	stale := path + ".compact-123"
	other := filepath.Join(dir, "other.db.compact-456")
	for _, p := range []string{stale, other} {
		if err := os.WriteFile(p, []byte("left by a kill"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Compact(path, time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("%s: %v; want it removed", stale, err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another store's copy: %v; want it kept", err)
	}
}
