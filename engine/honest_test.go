package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/host"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/store"
)

// A failed upstream export — a 0-byte or blank JSON Lines file, a header
// with no rows — passed as a clean night ("completed", exit 0). It fails
// now, unless the operator says a night without orders is expected.
func TestEmptyLedgerFailsTheRun(t *testing.T) {
	tests := []struct{ name, file, content string }{
		{"empty jsonl", "orders.jsonl", ""},
		{"blank jsonl", "orders.jsonl", "\n\n  \n"},
		{"header-only csv", "orders.csv", "account,order_no,amount,status\n"},
	}
	for _, tt := range tests {
		for _, allow := range []bool{false, true} {
			t.Run(tt.name, func(t *testing.T) {
				cfg, db, dir := emptyNight(t)
				path := filepath.Join(dir, tt.file)
				if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
				run, _, err := Run(context.Background(), Options{Config: cfg, Store: db, LedgerPath: path,
					AllowEmpty: allow, Host: host.InProcess(map[string]func() plugins.Provider{})})
				switch {
				case allow && (err != nil || run.Status != store.StatusCompleted):
					t.Fatalf("--allow-empty: %v, %+v", err, run)
				case !allow && (!errors.Is(err, ErrEmptyLedger) || run == nil || run.Status != store.StatusFailed ||
					!strings.Contains(run.Error, "--allow-empty")):
					t.Fatalf("without --allow-empty: %v, %+v; want a failed run saying ErrEmptyLedger", err, run)
				}
			})
		}
	}
}

// A replay of an interrupted run was stored and reported as "completed"
// with 585 of 4,199 rows. It is refused now, saying how to finish it.
func TestReplayOfAnIncompleteRunIsRefused(t *testing.T) {
	cfg, db, _ := emptyNight(t)
	for _, st := range []store.Status{store.StatusInterrupted, store.StatusRunning, store.StatusFailed} {
		src := &store.Run{ID: "src-" + string(st), Command: store.CommandRun, Status: st, StartedAt: time.Now(),
			Ledger: store.LedgerInfo{Path: "orders.csv", Rows: 3}}
		if err := db.PutRun(src); err != nil {
			t.Fatal(err)
		}
		w := db.NewWriter(src.ID)
		if err := w.Put(store.Record{Result: recon.Result{Line: 2, Account: "shop", OrderNo: "A1", Kind: recon.Payment,
			Verdict: recon.VerdictInvalid, Severity: recon.SeverityWarn, Action: recon.ActionReview}}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		res, err := Replay(context.Background(), ReplayOptions{Config: cfg, Store: db, Of: src.ID})
		if !errors.Is(err, ErrIncompleteRun) || res != nil || !strings.Contains(err.Error(), "1 rows stored") {
			t.Fatalf("replay of a %s run with 1 of 3 rows: %+v, %v; want ErrIncompleteRun", st, res, err)
		}
	}
	runs, err := db.Runs()
	if err != nil || len(runs) != 3 {
		t.Fatalf("a refused replay stored a run: %d runs, %v", len(runs), err)
	}
}

func emptyNight(t *testing.T) (*config.Config, *store.DB, string) {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	writeYAML(t, cfgPath, map[string]any{"store": "recon.db", "accounts": map[string]any{"shop": map[string]any{
		"plugin": "upay", "endpoint": "http://127.0.0.1:1",
		"credentials": map[string]string{"terminal_sn": "1", "terminal_key": "k"}}}})
	cfg, db := openConfigured(t, cfgPath)
	return cfg, db, dir
}

// A resume compared only the config's path: after fail_on changed in the
// same file the run resumed, its report said warn and its exit status was
// computed with critical. The content is compared now: a run of the same
// ledger starts afresh (saying so), and a --run-id resume is refused.
func TestResumeComparesTheConfigsContent(t *testing.T) {
	cfg, db, dir := emptyNight(t)
	ledgerPath := filepath.Join(dir, "orders.csv")
	if err := os.WriteFile(ledgerPath, []byte("account,order_no,amount,status\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opt := Options{Config: cfg, Store: db, LedgerPath: ledgerPath, AllowEmpty: true,
		Host: host.InProcess(map[string]func() plugins.Provider{})}
	first, _, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	first.Status = store.StatusInterrupted // as a SIGTERM would have left it
	if err := db.PutRun(first); err != nil {
		t.Fatal(err)
	}

	// The same file, fail_on changed.
	b, err := os.ReadFile(cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.Path, append(b, []byte("fail_on: critical\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	changed, err := config.Load(cfg.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	opt.Config = changed
	second, _, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if second.ID == first.ID || second.Resumes != 0 || second.FailOn != recon.SeverityCritical {
		t.Fatalf("resumed %s (resumes %d, fail_on %s) under a changed config", second.ID, second.Resumes, second.FailOn)
	}

	first.Status = store.StatusInterrupted
	if err := db.PutRun(first); err != nil {
		t.Fatal(err)
	}
	opt.RunID = first.ID
	if _, _, err := Run(context.Background(), opt); !errors.Is(err, ErrConfigChanged) {
		t.Fatalf("--run-id %s under a changed config: %v; want ErrConfigChanged", first.ID, err)
	}
}
