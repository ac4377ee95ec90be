package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

// storedRuns makes a store of runs with ids, oldest first, an hour apart,
// each with three MATCHED results; each run record carries its id in its
// Config, and the last run's line 3 the amount 649.75, for damage to find.
func storedRuns(t *testing.T, path string, ids ...string) {
	t.Helper()
	db, err := store.Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	for i, id := range ids {
		at := start.Add(time.Duration(i) * time.Hour)
		run := &store.Run{ID: id, Command: store.CommandRun, Status: store.StatusCompleted, StartedAt: at,
			FinishedAt: at.Add(time.Minute), Config: "config-of-" + id, FailOn: recon.SeverityWarn,
			Totals: map[recon.Verdict]int{recon.VerdictMatched: 3}, Stats: store.RunStats{Rows: 3}}
		if err := db.PutRun(run); err != nil {
			t.Fatal(err)
		}
		w := db.NewWriter(id)
		for line := 2; line <= 4; line++ {
			local := "10.00"
			if line == 3 && i == len(ids)-1 {
				local = "649.75" // a marker for damage
			}
			res := recon.Result{Line: line, Account: "a", OrderNo: "O" + strconv.Itoa(line), Kind: recon.Payment,
				Verdict: recon.VerdictMatched, Local: recon.Local{Status: "PAID", Amount: local, Currency: "CNY"},
				Provider: &recon.ProviderView{Status: "PAID", RawStatus: "SUCCESS", Amount: "10.00"}}
			if err := w.Put(store.Record{Result: res}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// damage flips one bit of the one place marker is in the store file.
func damage(t *testing.T, path, marker string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte(marker)); n != 1 {
		t.Fatalf("%q is %d times in %s; want once", marker, n, path)
	}
	b[bytes.Index(b, []byte(marker))+len(marker)-1] ^= 0x01
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestFailedReportKeepsTheLastOne (review, defect 2): a report that fails
// halfway, here on a damaged result, leaves the file that was there whole
// and nothing beside it.
func TestFailedReportKeepsTheLastOne(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "recon.db")
	storedRuns(t, db, "r1")
	damage(t, db, "649.75")
	keep := filepath.Join(dir, "keep.json")
	writeText(t, keep, `{"last night": "good"}`)
	for _, format := range []string{"json", "csv", "html"} {
		stdout, stderr, code := runRecon(t, nil, "report", "--store", db, "--run", "r1", "--format", format, "--out", keep)
		if code != exitFailed || !strings.Contains(stderr, "damaged") || !strings.Contains(stderr, "the file there is the previous one") {
			t.Fatalf("--format %s: exit %d, want 1 on the damaged store\nstdout:\n%s\nstderr:\n%s", format, code, stdout, stderr)
		}
		if b, err := os.ReadFile(keep); err != nil || string(b) != `{"last night": "good"}` {
			t.Fatalf("--format %s: the report there before is now %q, %v", format, b, err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestLatestOnADamagedRunRecord (review, defect 3): when a run record does
// not read, latest may be that run: report and diff fail as on a damaged
// store (exit 1) instead of reporting, or comparing, older runs.
func TestLatestOnADamagedRunRecord(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "recon.db")
	storedRuns(t, db, "r1", "r2", "r3")
	damage(t, db, "config-of-r3")
	for _, args := range [][]string{
		{"report", "--store", db, "--run", "latest"},
		{"report", "--store", db, "--run", "latest~1", "--format", "json"},
		{"diff", "--store", db, "latest~1", "latest"},
	} {
		t.Run(strings.Join(args[:1], " ")+" "+strings.Join(args[3:], " "), func(t *testing.T) {
			stdout, stderr, code := runRecon(t, nil, args...)
			if code != exitFailed || !strings.Contains(stderr, "damaged") || !strings.Contains(stderr, `run "r3"`) {
				t.Fatalf("exit %d, want 1 naming the damaged run\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
		})
	}
	// A run named by its ID still reads.
	if stdout, stderr, code := runRecon(t, nil, "report", "--store", db, "--run", "r2"); code != exitOK {
		t.Fatalf("report --run r2: exit %d\n%s\n%s", code, stdout, stderr)
	}
}
