package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

func mustOpen(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "recon.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The JSON report's head is the stored run: the contract's keys in the
// order they have always had, times to the second, and nothing of the
// process that ran it.
func TestJSONHead(t *testing.T) {
	db := mustOpen(t)
	run := &store.Run{ID: "20261122-0200-7f3a", Command: store.CommandRun, Status: store.StatusCompleted,
		StartedAt:  time.Date(2026, 11, 22, 2, 0, 1, 987654321, time.UTC),
		FinishedAt: time.Date(2026, 11, 22, 2, 3, 4, 5, time.UTC),
		Ledger:     store.LedgerInfo{Path: "orders.csv", Rows: 1, SHA256: "ab"},
		Rules:      []recon.RuleFile{{File: "(built-in)/upay.lua", SHA256: "cd"}}, RuleSet: "rs1", FailOn: recon.SeverityWarn,
		Accounts: map[string]store.Plugin{"shop": {Provider: "upay", Version: "1"}},
		Stats:    store.RunStats{Rows: 1}, Config: "recon.yaml", PID: 4242, Host: "night-1"}
	if err := db.PutRun(run); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := JSON(&buf, db, run); err != nil {
		t.Fatal(err)
	}
	want := `{
  "run_id": "20261122-0200-7f3a",
  "command": "run",
  "status": "completed",
  "started_at": "2026-11-22T02:00:01Z",
  "finished_at": "2026-11-22T02:03:04Z",
  "ledger": {
    "path": "orders.csv",
    "rows": 1,
    "sha256": "ab"
  },
  "rules": [
    {
      "file": "(built-in)/upay.lua",
      "sha256": "cd"
    }
  ],
  "rule_set": "rs1",
  "fail_on": "warn",
  "accounts": {
    "shop": {
      "provider": "upay",
      "version": "1"
    }
  },
  "totals": {},
  "stats": {
    "rows": 1,
    "queried": 0,
    "answered": 0,
    "failed": 0,
    "reused": 0,
    "resumed": 0,
    "queries": 0,
    "retries": 0,
    "plugin_restarts": 0
  },
  "config": "recon.yaml",
  "results": []
}
`
	if got := buf.String(); got != want {
		t.Fatalf("report:\n%s\nwant:\n%s", got, want)
	}
	if !json.Valid(buf.Bytes()) {
		t.Fatal("not JSON")
	}
	if run.PID != 4242 || run.StartedAt.Nanosecond() == 0 {
		t.Fatal("rendering the report changed the run")
	}

	buf.Reset()
	if err := HTML(&buf, db, run); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "started 2026-11-22T02:00:01Z · finished 2026-11-22T02:03:04Z") {
		t.Fatalf("html head: %s", buf.String())
	}
}
