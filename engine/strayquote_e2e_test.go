package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reconhq/recon/store"
)

// A stray opening quote on line 4 of a ledger of 10 rows (the operator
// review's shop-upay,"UP-9,... line) costs that row alone: the night reads
// 10 rows, stores 10 results, line 4 INVALID, and the 9 others are queried
// and judged as ever. encoding/csv alone made lines 4 to 11 one INVALID row.
func TestStrayQuoteCostsOneRow(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.yaml")
	writeYAML(t, cfgPath, map[string]any{"store": "recon.db", "accounts": map[string]any{
		"vb": e2eServe(t, dir, "vb", e2eAccount{plugin: "vborder", scenario: "vborder.yaml"})}})
	var rows []e2eRow
	for _, o := range []string{"VB-PAID", "VB-WAITPAY", "VB-PROCESSING", "VB-TIME_OUT", "VB-CLOSE",
		"VB-FAIL", "VB-MISSED", "VB-AMOUNT", "VB-NOSUCH", "VB-CHECK-FAIL"} {
		rows = append(rows, e2eRow{acct: "vb", order: o, amount: "12.34", status: "PAID"})
	}
	ledgerPath := filepath.Join(dir, "ledger.csv")
	writeLedger(t, ledgerPath, rows)
	b, err := os.ReadFile(ledgerPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	lines[3] = strings.Replace(lines[3], "vb,", `vb,"`, 1) // line 4
	if err := os.WriteFile(ledgerPath, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}

	_, run, st, got := runNight(t, cfgPath, ledgerPath)
	if run.Status != store.StatusCompleted || st.Rows != len(rows) || len(got) != len(rows) || st.Queried != len(rows)-1 {
		t.Fatalf("run %s: %d rows read, %d queried, %d results; want completed, %d read, %d queried, %d results",
			run.Status, st.Rows, st.Queried, len(got), len(rows), len(rows)-1, len(rows))
	}
	for line := 2; line <= len(rows)+1; line++ {
		r, ok := got[line]
		switch {
		case !ok:
			t.Errorf("line %d: no result", line)
		case line == 4 && (r.Verdict != "INVALID" || !strings.Contains(r.Detail, "opens a field that does not close")):
			t.Errorf("line 4: %s %q; want INVALID for its quote", r.Verdict, r.Detail)
		case line != 4 && (r.Verdict == "INVALID" || r.OrderNo != rows[line-2].order):
			t.Errorf("line %d: %s for %q; want %s judged", line, r.Verdict, r.OrderNo, rows[line-2].order)
		}
	}
}
