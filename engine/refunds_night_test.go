package engine

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/builtin"
)

// upayRefunds is an order refunded in pieces, one piece more each night.
func upayRefunds(pieces ...string) string {
	s := `
terminals:
  - {terminal_sn: "100111220054361978", terminal_key: "S3CRET-upay-terminal-key-5f0e"}
orders:
  - client_sn: REFUNDS-1
    total_amount: 10000
    finish_time: 2026-11-20T10:00:00+08:00
    refunds:
`
	for _, p := range pieces {
		s += "      - " + p + "\n"
	}
	return s
}

// A night reuses a payment row's stored answer only while the order's
// refunds are as they were: a new piece refunded since changes what the
// provider says was refunded, so the payment row is asked again, not
// judged against the sum of tonight's refund rows on last night's total.
func TestNewRefundAsksThePaymentAgain(t *testing.T) {
	p, _ := builtin.Lookup("upay")
	sim := p.NewSimulator()
	piece1 := `{refund_request_no: "01", amount: 3000, finish_time: 2026-11-21T10:00:00+08:00}`
	piece2 := `{refund_request_no: "02", amount: 2000, finish_time: 2026-11-22T10:00:00+08:00}`
	if err := sim.LoadScenario([]byte(upayRefunds(piece1))); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	dir := t.TempDir()
	acct := sim.Account()
	cfgPath := filepath.Join(dir, "config.yaml")
	writeYAML(t, cfgPath, map[string]any{"store": "recon.db", "accounts": map[string]any{
		"shop": map[string]any{"plugin": "upay", "endpoint": srv.URL, "currency": acct.Currency, "timezone": acct.Timezone,
			"concurrency": 2, "timeout": "3s", "retries": 1, "backoff": "10ms", "credentials": acct.Credentials}}})
	cfg, db := openConfigured(t, cfgPath)
	ledgerPath := filepath.Join(dir, "ledger.csv")
	payment := e2eRow{acct: "shop", order: "REFUNDS-1", amount: "100.00", status: "PARTIALLY_REFUNDED"}
	r1 := e2eRow{acct: "shop", order: "REFUNDS-1", refund: "01", amount: "30.00", status: "SUCCESS"}
	r2 := e2eRow{acct: "shop", order: "REFUNDS-1", refund: "02", amount: "20.00", status: "SUCCESS"}
	night := func(rows ...e2eRow) map[string]recon.Result {
		t.Helper()
		writeLedger(t, ledgerPath, rows)
		run, _, err := Run(context.Background(), Options{Config: cfg, Store: db, LedgerPath: ledgerPath})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]recon.Result{}
		if err := db.Results(run.ID, func(r recon.Result) error {
			got[r.RefundNo] = r
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	for _, r := range night(payment, r1) {
		if r.Verdict != recon.VerdictMatched {
			t.Fatalf("first night: refund %q %s (%s)", r.RefundNo, r.Verdict, r.Detail)
		}
	}
	if err := sim.LoadScenario([]byte(upayRefunds(piece1, piece2))); err != nil {
		t.Fatal(err)
	}
	got := night(payment, r1, r2)
	for _, r := range got {
		if r.Verdict != recon.VerdictMatched {
			t.Errorf("second night: refund %q %s (%s), reused from %q", r.RefundNo, r.Verdict, r.Detail, r.Reused)
		}
	}
	if pay := got[""]; pay.Reused != "" || pay.Attempts == 0 {
		t.Errorf("second night: the payment row was judged on a stored answer (reused %q, %d attempts)", pay.Reused, pay.Attempts)
	}
	if refund := got["01"]; refund.Reused == "" {
		t.Errorf("second night: the unchanged refund row was asked again")
	}
	// A third night with nothing new reuses them all.
	for _, r := range night(payment, r1, r2) {
		if r.Verdict != recon.VerdictMatched || r.Reused == "" {
			t.Errorf("third night: refund %q %s, reused from %q", r.RefundNo, r.Verdict, r.Reused)
		}
	}
}
