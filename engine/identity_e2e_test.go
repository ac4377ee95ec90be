package engine

import (
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/store"
)

// The identity check end to end: real plugin processes over loopback
// simulators. Before it, an answer about another order was judged as the
// row's own (the review made every row MATCHED with one paid order's data).

// Every provider answers every query, validly signed, about another paid
// order: no row may be MATCHED, and each answered row is UNVERIFIABLE naming
// both orders.
func TestAnotherOrdersAnswerIsNeverMatched(t *testing.T) {
	f := newFixture(t, 40)
	for name, sim := range f.sb.Sims {
		sim.Faults().Set(simkit.Faults{Extra: map[string]float64{"other_order": 1}})
		t.Logf("%s answers every query about another order", name)
	}
	run, _, err := f.run(t, context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	unverifiable := 0
	if err := f.db.Results(run.ID, func(r recon.Result) error {
		if r.Verdict == recon.VerdictMatched {
			t.Errorf("line %d (%s %s): MATCHED on another order's answer: %s", r.Line, r.Account, r.OrderNo, r.Detail)
		}
		if r.Verdict == recon.VerdictUnverifiable && strings.Contains(r.Detail, "not the") {
			unverifiable++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if run.Totals[recon.VerdictMatched] != 0 || unverifiable == 0 {
		t.Fatalf("totals %v; %d rows UNVERIFIABLE for another order's answer", run.Totals, unverifiable)
	}
}

// A ledger row whose provider_trade_no is another order's: matched before
// (upay even looked the order up by it), never MATCHED now.
func TestLedgerTradeNoOfAnotherOrderIsNeverMatched(t *testing.T) {
	f := newFixture(t, 40)
	first, _, err := f.run(t, context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	// Per account, two orders matched on a payment: give the first one the
	// second's trade number in the ledger.
	type matched struct{ order, trade string }
	byAcct := map[string][]matched{}
	if err := f.db.Results(first.ID, func(r recon.Result) error {
		if r.Verdict == recon.VerdictMatched && r.Kind == recon.Payment && r.Provider != nil && r.Provider.TradeNo != "" {
			byAcct[r.Account] = append(byAcct[r.Account], matched{r.OrderNo, r.Provider.TradeNo})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	swapped := map[string]string{} // account/order -> the trade number written
	rows := readCSV(t, f.plan.LedgerPath)
	for _, row := range rows[1:] {
		acct, order := row[0], row[1]
		if m := byAcct[acct]; len(m) >= 2 && order == m[0].order {
			row[2] = m[1].trade
			swapped[acct+"/"+order] = m[1].trade
		}
	}
	if len(swapped) < 4 {
		t.Fatalf("found matched orders with trade numbers in only %d accounts: %v", len(swapped), byAcct)
	}
	writeCSV(t, f.plan.LedgerPath, rows)

	db2, err := store.Open(filepath.Join(t.TempDir(), "second.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	run, _, err := Run(context.Background(), Options{Config: f.cfg, Store: db2, LedgerPath: f.plan.LedgerPath, Full: true})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	if err := db2.Results(run.ID, func(r recon.Result) error {
		trade, ok := swapped[r.Account+"/"+r.OrderNo]
		if !ok || r.Kind != recon.Payment || r.Verdict == recon.VerdictDuplicate {
			return nil
		}
		seen++
		// The detail names what disagrees: the trade numbers, or (where the
		// provider looked the order up by the trade number) the orders.
		if r.Verdict != recon.VerdictUnverifiable || !strings.Contains(r.Detail, ", not ") {
			t.Errorf("%s %s with another order's trade number %s: %s (%s)", r.Account, r.OrderNo, trade, r.Verdict, r.Detail)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if seen != len(swapped) {
		t.Fatalf("%d of %d swapped rows judged", seen, len(swapped))
	}
}

// A third-party plugin, built from the SDK alone, that swaps the answers of
// concurrent queries: the unknown order must not be MATCHED with the paid
// order's answer.
func TestSwappedAnswersOfAThirdPartyPlugin(t *testing.T) {
	dir := t.TempDir()
	pdir := filepath.Join(dir, "plugins")
	if out, err := exec.Command("go", "build", "-o", filepath.Join(pdir, "swapper"), "./testdata/swapplugin").CombinedOutput(); err != nil {
		t.Fatalf("building the plugin: %v\n%s", err, out)
	}
	rule := `recon.map_payment({provider = "swapper"}, function(a) if a.status == "PAID" then return "PAID" end end)`
	if err := os.WriteFile(filepath.Join(dir, "swapper.lua"), []byte(rule), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	writeYAML(t, cfgPath, map[string]any{"store": "recon.db", "plugin_dir": "./plugins", "rules": []string{"swapper.lua"},
		"accounts": map[string]any{"shop": map[string]any{"plugin": "swapper", "endpoint": "http://127.0.0.1:1",
			"concurrency": 2, "rate_limit": 100, "timeout": "10s", "retries": 0}}})
	ledgerPath := filepath.Join(dir, "ledger.csv")
	writeCSV(t, ledgerPath, [][]string{{"account", "order_no", "amount", "status"},
		{"shop", "PAID-1", "1.00", "PAID"}, {"shop", "GHOST-2", "1.00", "PAID"}})
	cfg, db := openConfigured(t, cfgPath)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, _, err := Run(ctx, Options{Config: cfg, Store: db, LedgerPath: ledgerPath})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]recon.Result{}
	if err := db.Results(run.ID, func(r recon.Result) error { got[r.OrderNo] = r; return nil }); err != nil {
		t.Fatal(err)
	}
	ghost := got["GHOST-2"]
	if ghost.Verdict == recon.VerdictMatched {
		t.Fatalf("GHOST-2 MATCHED on PAID-1's answer: %s", ghost.Detail)
	}
	// The plugin did swap (the two queries met): GHOST-2 got PAID-1's
	// answer, and the host said whose it was.
	if ghost.Verdict != recon.VerdictUnverifiable || !strings.Contains(ghost.Detail, `"PAID-1"`) ||
		!strings.Contains(ghost.Detail, `"GHOST-2"`) {
		t.Fatalf("GHOST-2: %s (%s); want UNVERIFIABLE naming both orders", ghost.Verdict, ghost.Detail)
	}
	if paid := got["PAID-1"]; paid.Verdict == recon.VerdictMatched {
		t.Fatalf("PAID-1 MATCHED on GHOST-2's not-found answer: %s", paid.Detail)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func writeCSV(t *testing.T, path string, rows [][]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
