package engine

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

// Options.Accounts (a shard's) runs the rows of the accounts it accepts
// and no other: those rows get the verdicts of the whole-ledger run, the
// others are neither stored nor counted. A shard with no rows of its own,
// of a ledger that has rows, is not an empty night.
func TestAccountsLimitTheRun(t *testing.T) {
	f := newFixture(t, 80)
	whole, _, err := f.run(t, context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	all := map[int]recon.Result{}
	if err := f.db.Results(whole.ID, func(r recon.Result) error { all[r.Line] = r; return nil }); err != nil {
		t.Fatal(err)
	}
	const mine = "demo-upay"
	for _, tt := range []struct {
		name   string
		accept func(string) bool
	}{
		{"one account", func(a string) bool { return a == mine }},
		{"no account", func(string) bool { return false }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db, err := store.Open(filepath.Join(t.TempDir(), "shard.db"), time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			run, st, err := Run(context.Background(), Options{Config: f.cfg, Store: db, LedgerPath: f.plan.LedgerPath, Accounts: tt.accept})
			if err != nil {
				t.Fatalf("%v (a shard without rows of its own is not an empty ledger)", err)
			}
			want := 0
			for _, r := range all {
				if tt.accept(r.Account) {
					want++
				}
			}
			got := 0
			err = db.Results(run.ID, func(r recon.Result) error {
				got++
				if !tt.accept(r.Account) {
					t.Errorf("line %d of account %s was run", r.Line, r.Account)
				}
				if w := all[r.Line]; w.Verdict != r.Verdict || w.Detail != r.Detail {
					t.Errorf("line %d: %s (%s); the whole ledger's run gave %s (%s)", r.Line, r.Verdict, r.Detail, w.Verdict, w.Detail)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got != want || st.Rows != want || run.Ledger.Rows != want || run.Status != store.StatusCompleted {
				t.Errorf("%d results, %d rows counted, ledger rows %d, status %s; want %d of the account's, completed",
					got, st.Rows, run.Ledger.Rows, run.Status, want)
			}
			if want > 0 && (len(run.Accounts) != 1 || run.AccountStats[mine].Rows != want) {
				t.Errorf("accounts %v, stats %v; want %s alone", run.Accounts, run.AccountStats, mine)
			}
		})
	}
}
