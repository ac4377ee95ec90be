package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

// A merchant rule that keeps a count in a global gave NOT_FOUND on a pooled
// state's first row and MATCHED after, so the same ledger got different
// verdicts on two runs. The same ledger run twice on fresh stores must give
// identical verdicts, line by line.
func TestStatefulRuleGivesTheSameVerdictsTwice(t *testing.T) {
	f := newFixture(t, 60)
	rule := filepath.Join(t.TempDir(), "stateful.lua")
	src := `recon.judge(function(row, a, super)
  seen = (seen or 0) + 1
  if seen % 3 == 0 then return {verdict = "NOT_FOUND"} end
  return super(row, a)
end)`
	if err := os.WriteFile(rule, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	f.cfg.Rules = append(f.cfg.Rules, rule)
	verdicts := func() map[int]recon.Verdict {
		db, err := store.Open(filepath.Join(t.TempDir(), "recon.db"), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		run, _, err := Run(context.Background(), Options{Config: f.cfg, Store: db, LedgerPath: f.plan.LedgerPath})
		if err != nil {
			t.Fatal(err)
		}
		out := map[int]recon.Verdict{}
		if err := db.Results(run.ID, func(r recon.Result) error { out[r.Line] = r.Verdict; return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	first, second := verdicts(), verdicts()
	if len(first) == 0 || len(first) != len(second) {
		t.Fatalf("%d and %d results", len(first), len(second))
	}
	for line, v := range first {
		if second[line] != v {
			t.Errorf("line %d: %s on the first run, %s on the second", line, v, second[line])
		}
	}
}
