package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/ledger"
	"github.com/reconhq/recon/store"
)

// TestOperatorErrors: every mistake an operator can make about a run is an
// error of a type the CLI maps to an exit status, not prose to match.
func TestOperatorErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	orders := write("orders.csv", "account,order_no,amount,status\nacct,A1,1.00,PAID\nacct,A2,2.00,PAID\n")
	other := write("other.csv", "account,order_no,amount,status\nacct,B1,1.00,PAID\n")
	rule := write("merchant.lua", "-- a rule file of the merchant's, with no hook yet\n")
	db, err := store.Open(filepath.Join(dir, "recon.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := &config.Config{Path: filepath.Join(dir, "recon.yaml"), FailOn: recon.SeverityWarn,
		Accounts: map[string]*config.Account{"acct": fakeAccount(0, time.Millisecond)}}
	h := newFakeHost(outcomes(), nil)
	run := func(ctx context.Context, cfg *config.Config, ledgerPath, runID string) (*store.Run, error) {
		r, _, err := Run(ctx, Options{Config: cfg, Store: db, LedgerPath: ledgerPath, RunID: runID, Host: h})
		return r, err
	}

	completed, err := run(context.Background(), cfg, orders, "night-1")
	if err != nil || completed.Status != store.StatusCompleted {
		t.Fatalf("first night: %+v, %v", completed, err)
	}
	replay, err := Replay(context.Background(), ReplayOptions{Config: cfg, Store: db, Of: completed.ID, RunID: "what-if"})
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	interrupted, err := run(cancelled, cfg, other, "")
	if !errors.Is(err, ErrInterrupted) || interrupted.Status != store.StatusInterrupted {
		t.Fatalf("interrupted night: %+v, %v", interrupted, err)
	}
	withRule := *cfg
	withRule.Rules = []string{rule}

	runIDErr := func(sentinel error, id string) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			var re *RunIDError
			if !errors.Is(err, sentinel) || !errors.As(err, &re) || re.RunID != id {
				t.Fatalf("err %v; want a *RunIDError of run %s wrapping %v", err, id, sentinel)
			}
		}
	}
	ledgerErr := func(sentinel error) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			var le *ledger.Error
			if !errors.As(err, &le) || sentinel != nil && !errors.Is(err, sentinel) {
				t.Fatalf("err %v; want a *ledger.Error wrapping %v", err, sentinel)
			}
		}
	}
	tests := []struct {
		name  string
		do    func() error
		check func(*testing.T, error)
	}{
		{"--run-id of a completed run", func() error { _, err := run(context.Background(), cfg, orders, "night-1"); return err },
			runIDErr(ErrRunIDTaken, "night-1")},
		{"--run-id of a replay", func() error { _, err := run(context.Background(), cfg, orders, "what-if"); return err },
			runIDErr(ErrRunIDTaken, "what-if")},
		{"--run-id of a run of another ledger", func() error {
			_, err := run(context.Background(), cfg, orders, interrupted.ID)
			return err
		}, runIDErr(ErrRunIDTaken, interrupted.ID)},
		{"resuming under other rules", func() error { _, err := run(context.Background(), &withRule, other, ""); return err },
			runIDErr(ErrRulesChanged, interrupted.ID)},
		{"a replay under an existing ID", func() error {
			_, err := Replay(context.Background(), ReplayOptions{Config: cfg, Store: db, Of: completed.ID, RunID: replay.Run.ID})
			return err
		}, runIDErr(ErrRunIDTaken, "what-if")},
		{"a replay of no run", func() error {
			_, err := Replay(context.Background(), ReplayOptions{Config: cfg, Store: db, Of: "nope"})
			return err
		}, func(t *testing.T, err error) {
			if !errors.Is(err, store.ErrRunNotFound) {
				t.Fatalf("err %v; want store.ErrRunNotFound", err)
			}
		}},
		{"a ledger that is not there", func() error {
			_, err := run(context.Background(), cfg, filepath.Join(dir, "none.csv"), "")
			return err
		}, ledgerErr(os.ErrNotExist)},
		{"a ledger of no known format", func() error {
			_, err := run(context.Background(), cfg, write("orders.txt", "x"), "")
			return err
		}, ledgerErr(ledger.ErrFormat)},
		{"a ledger without its header", func() error {
			_, err := run(context.Background(), cfg, write("bare.csv", "acct,A1,1.00,PAID\n"), "")
			return err
		}, ledgerErr(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := db.Runs()
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, tt.do())
			if after, err := db.Runs(); err != nil || len(after) != len(before) {
				t.Fatalf("%d runs before, %d after (%v): a refused run was stored", len(before), len(after), err)
			}
		})
	}
}
