package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

// The text summary goes to an operator's terminal: a ledger value with an
// escape sequence or a line break must not clear the screen or forge a
// line of the summary. The machine formats keep the values as they are.
func TestTextQuotesControlCharacters(t *testing.T) {
	db := mustOpen(t)
	run := &store.Run{ID: "20261201-0200-ab12", Command: store.CommandRun, Status: store.StatusCompleted,
		StartedAt: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), Ledger: store.LedgerInfo{Path: "orders.csv", Rows: 2},
		FailOn: recon.SeverityWarn, Totals: map[recon.Verdict]int{recon.VerdictAmountMismatch: 1, recon.VerdictMatched: 1}}
	if err := db.PutRun(run); err != nil {
		t.Fatal(err)
	}
	forged := "  line 9      shop-upay      O9                               MATCHED            info     none        FAKE"
	hostile := []recon.Result{
		{Line: 4, Account: "shop-upay", OrderNo: "O4\x1b[2J\x1b[H\n" + forged, Kind: recon.Payment,
			Verdict: recon.VerdictAmountMismatch, Severity: recon.SeverityCritical, Action: recon.ActionReview,
			Local:  recon.Local{Status: recon.StatePaid, Amount: "12.34", Currency: "CNY"},
			Detail: "provider says 12.00\r" + forged + "\u2028\u009b31m\ttab"},
		{Line: 5, Account: "shop-upay", OrderNo: "O5 plain <ok> & fine", Kind: recon.Refund, RefundNo: "R5\x07",
			Verdict: recon.VerdictMissedPayment, Severity: recon.SeverityWarn, Action: recon.ActionMarkPaid,
			Local: recon.Local{Status: recon.StatePaid, Amount: "1.00", Currency: "CNY"}, Detail: "naïve café 12 000"},
	}
	w := db.NewWriter(run.ID)
	for _, r := range hostile {
		if err := w.Put(store.Record{Result: r}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	var tx, js, cs bytes.Buffer
	if _, err := Render(context.Background(), db, run, "", Outputs{Text: &tx, JSON: &js, CSV: &cs}); err != nil {
		t.Fatal(err)
	}
	text := tx.String()
	for _, c := range text {
		if c != '\n' && (c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 || c == '\u2028' || c == '\u2029') {
			t.Fatalf("the text summary carries the control character %U:\n%s", c, text)
		}
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "  line 9 ") {
			t.Errorf("a ledger value forged a line of the summary:\n%s", text)
		}
	}
	// The head (1), the totals (2), "needs a person" (1), the two findings.
	if len(lines) != 6 {
		t.Errorf("%d lines; want 6:\n%s", len(lines), text)
	}
	for _, want := range []string{
		`"O4\x1b[2J\x1b[H\n  line 9 `,
		`"provider says 12.00\r  line 9 `,
		`\u2028\u009b31m\ttab"`,
		`O5 plain <ok> & fine refund "R5\a"`,
		// A value with nothing to hide is written as it is.
		"naïve café 12 000",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %s:\n%s", want, text)
		}
	}

	// The JSON and CSV reports are the contract's machine formats: they
	// carry the ledger's values unchanged (their encodings are safe).
	var rep struct {
		Results []recon.Result `json:"results"`
	}
	if err := json.Unmarshal(js.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&cs).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2 || len(rows) != 3 {
		t.Fatalf("%d JSON results, %d CSV rows; want 2 and a header and 2", len(rep.Results), len(rows))
	}
	for i, h := range hostile {
		if j := rep.Results[i]; j.OrderNo != h.OrderNo || j.RefundNo != h.RefundNo || j.Detail != h.Detail {
			t.Errorf("JSON result %d: %q %q %q; want the ledger's %q %q %q", i, j.OrderNo, j.RefundNo, j.Detail, h.OrderNo, h.RefundNo, h.Detail)
		}
		if c := rows[i+1]; c[1] != h.OrderNo || c[3] != h.RefundNo || c[22] != h.Detail {
			t.Errorf("CSV row %d: %q %q %q; want the ledger's %q %q %q", i, c[1], c[3], c[22], h.OrderNo, h.RefundNo, h.Detail)
		}
	}
}

// A run's error of several lines (a joined error, a hint) keeps its lines
// in the text summary, each quoted and indented under "error:" deeper than
// a row is, rather than one line of \n escapes (review of this stop).
func TestTextErrorKeepsItsLines(t *testing.T) {
	db := mustOpen(t)
	run := &store.Run{ID: "r1", Command: store.CommandRun, Status: store.StatusFailed,
		StartedAt: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), FailOn: recon.SeverityWarn,
		Error: "not a single order of the run could be queried\n  recon check --ping asks each provider\n  line 9 \x1b[2J"}
	if err := db.PutRun(run); err != nil {
		t.Fatal(err)
	}
	var tx bytes.Buffer
	if _, err := Render(context.Background(), db, run, "", Outputs{Text: &tx}); err != nil {
		t.Fatal(err)
	}
	want := "error: not a single order of the run could be queried\n" +
		"         recon check --ping asks each provider\n" +
		"       \"  line 9 \\x1b[2J\"\n"
	if !strings.Contains(tx.String(), want) {
		t.Errorf("text:\n%s\nwant in it:\n%s", tx.String(), want)
	}
}
