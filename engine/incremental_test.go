package engine

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/plugins/builtin"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/store"
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
// upayShop serves scenario from a upay simulator and returns a config of
// one account "shop" on it, with merchant rule files, and its store.
func upayShop(t *testing.T, scenario string, rules ...string) (simkit.Simulator, *config.Config, *store.DB) {
	t.Helper()
	p, _ := builtin.Lookup("upay")
	sim := p.NewSimulator()
	if err := sim.LoadScenario([]byte(scenario)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	var files []string
	for i, r := range rules {
		name := filepath.Join(dir, fmt.Sprintf("rules-%d.lua", i))
		if err := os.WriteFile(name, []byte(r), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	acct := sim.Account()
	cfgPath := filepath.Join(dir, "config.yaml")
	writeYAML(t, cfgPath, map[string]any{"store": "recon.db", "rules": files, "accounts": map[string]any{
		"shop": map[string]any{"plugin": "upay", "endpoint": srv.URL, "currency": acct.Currency, "timezone": acct.Timezone,
			"concurrency": 2, "timeout": "3s", "retries": 1, "backoff": "10ms", "credentials": acct.Credentials}}})
	cfg, db := openConfigured(t, cfgPath)
	return sim, cfg, db
}

// night runs the ledger of rows and returns its results by line.
func night(t *testing.T, cfg *config.Config, db *store.DB, rows ...e2eRow) map[int]recon.Result {
	t.Helper()
	ledgerPath := filepath.Join(t.TempDir(), "ledger.csv")
	writeLedger(t, ledgerPath, rows)
	run, _, err := Run(context.Background(), Options{Config: cfg, Store: db, LedgerPath: ledgerPath})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]recon.Result{}
	if err := db.Results(run.ID, func(r recon.Result) error {
		got[r.Line] = r
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestNewRefundAsksThePaymentAgain(t *testing.T) {
	piece1 := `{refund_request_no: "01", amount: 3000, finish_time: 2026-11-21T10:00:00+08:00}`
	piece2 := `{refund_request_no: "02", amount: 2000, finish_time: 2026-11-22T10:00:00+08:00}`
	sim, cfg, db := upayShop(t, upayRefunds(piece1))
	payment := e2eRow{acct: "shop", order: "REFUNDS-1", amount: "100.00", status: "PARTIALLY_REFUNDED"}
	r1 := e2eRow{acct: "shop", order: "REFUNDS-1", refund: "01", amount: "30.00", status: "SUCCESS"}
	r2 := e2eRow{acct: "shop", order: "REFUNDS-1", refund: "02", amount: "20.00", status: "SUCCESS"}
	byRefund := func(rs map[int]recon.Result) map[string]recon.Result {
		out := map[string]recon.Result{}
		for _, r := range rs {
			out[r.RefundNo] = r
		}
		return out
	}
	for _, r := range night(t, cfg, db, payment, r1) {
		if r.Verdict != recon.VerdictMatched {
			t.Fatalf("first night: refund %q %s (%s)", r.RefundNo, r.Verdict, r.Detail)
		}
	}
	if err := sim.LoadScenario([]byte(upayRefunds(piece1, piece2))); err != nil {
		t.Fatal(err)
	}
	got := byRefund(night(t, cfg, db, payment, r1, r2))
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
	for _, r := range night(t, cfg, db, payment, r1, r2) {
		if r.Verdict != recon.VerdictMatched || r.Reused == "" {
			t.Errorf("third night: refund %q %s, reused from %q", r.RefundNo, r.Verdict, r.Reused)
		}
	}
}

// An answer stored for a row is judged again on a later night only while
// it is about that row: a merchant's should_query that skips a row whose
// trade number changed does not make last night's answer about the other
// trade this row's.
func TestReusedAnswerPassesTheIdentityCheck(t *testing.T) {
	const scenario = `
terminals:
  - {terminal_sn: "100111220054361978", terminal_key: "S3CRET-upay-terminal-key-5f0e"}
orders:
  - {client_sn: PAID-1, sn: "7895000000000001", total_amount: 1234, order_status: PAID, finish_time: 2026-11-21T23:10:04+08:00}
`
	skip := `recon.should_query(function(row, last, super) if last ~= nil then return false end return super(row, last) end)`
	_, cfg, db := upayShop(t, scenario, skip)
	row := e2eRow{acct: "shop", order: "PAID-1", ptn: "7895000000000001", amount: "12.34", status: "PAID"}
	if r := night(t, cfg, db, row)[2]; r.Verdict != recon.VerdictMatched {
		t.Fatalf("first night: %s (%s)", r.Verdict, r.Detail)
	}
	row.ptn = "7895000000000002" // another trade: not the order the stored answer is about
	r := night(t, cfg, db, row)[2]
	if r.Reused != "" || r.Attempts == 0 || r.Verdict == recon.VerdictMatched {
		t.Fatalf("second night: %s (%s), reused %q, %d attempts; want asked, not MATCHED on the other trade's answer",
			r.Verdict, r.Detail, r.Reused, r.Attempts)
	}
}
