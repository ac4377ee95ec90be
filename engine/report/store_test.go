package report

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

// A synthetic night: a few accounts in two currencies, mostly MATCHED, with
// a finding of each kind every few dozen rows, as a real ledger has them.

var accounts = []struct{ name, currency string }{
	{"shop-upay", "CNY"}, {"shop-paypro", "IDR"}, {"shop-vborder", "KRW"}, {"eu-stripe", "EUR"},
}

var findingKinds = []struct {
	verdict  recon.Verdict
	severity recon.Severity
	action   recon.Action
}{
	{recon.VerdictMissedPayment, recon.SeverityWarn, recon.ActionMarkPaid},
	{recon.VerdictUnpaidAtProvider, recon.SeverityCritical, recon.ActionReview},
	{recon.VerdictAmountMismatch, recon.SeverityCritical, recon.ActionReview},
	{recon.VerdictNotFound, recon.SeverityWarn, recon.ActionReview},
	{recon.VerdictUnsettled, recon.SeverityInfo, recon.ActionRecheck},
	{recon.VerdictError, recon.SeverityWarn, recon.ActionRecheck},
}

// synthetic is line's result in the synthetic night: every 25th line is a
// finding (or an info row), cycling through findingKinds and the accounts.
func synthetic(line int) recon.Result {
	a := accounts[line%len(accounts)]
	amount := fmt.Sprintf("%d.%02d", 10+line%990, line%100)
	if a.currency == "KRW" {
		amount = fmt.Sprintf("%d", 1000+line%99000)
	}
	r := recon.Result{Account: a.name, OrderNo: fmt.Sprintf("A%07d", line), Kind: recon.Payment, Line: line + 1,
		Verdict: recon.VerdictMatched, Severity: recon.SeverityInfo, Action: recon.ActionNone,
		Local: recon.Local{Status: recon.StatePaid, Amount: amount, Currency: a.currency},
		Provider: &recon.ProviderView{Status: recon.StatePaid, RawStatus: "TRADE_SUCCESS", Amount: amount,
			TradeNo: fmt.Sprintf("78942%011d", line), PaidAt: "2026-11-21T23:10:04+08:00", Verified: true},
		RuleSet: "rs-3f9a", Attempts: 1, Fingerprint: fmt.Sprintf("%016x", line*2654435761)}
	if line%25 == 7 {
		k := findingKinds[(line/25)%len(findingKinds)]
		r.Verdict, r.Severity, r.Action = k.verdict, k.severity, k.action
		r.Detail = fmt.Sprintf("provider says %s; ledger <%s> & more", r.Provider.Status, r.Local.Status)
		if k.verdict == recon.VerdictError {
			r.Provider = nil
		}
	}
	if line%1000 == 500 {
		// A ledger row whose amount has more decimals than its currency:
		// INVALID, and in no sum of money.
		r.Verdict, r.Severity, r.Action, r.Provider = recon.VerdictInvalid, recon.SeverityWarn, recon.ActionReview, nil
		r.Local.Amount, r.Detail = r.Local.Amount+"5", "amount with more decimals than the currency has"
	}
	return r
}

// syntheticRun stores a run of n synthetic results in a real bbolt file.
func syntheticRun(tb testing.TB, dir string, n int) (*store.DB, *store.Run) {
	tb.Helper()
	db, err := store.Open(filepath.Join(dir, "recon.db"), time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	run := &store.Run{ID: "20261122-0200-7f3a", Command: store.CommandRun, Status: store.StatusCompleted,
		StartedAt: time.Date(2026, 11, 22, 2, 0, 1, 0, time.UTC), FinishedAt: time.Date(2026, 11, 22, 2, 7, 4, 0, time.UTC),
		Ledger: store.LedgerInfo{Path: "orders.csv", Rows: n, SHA256: "ab"},
		Rules:  []recon.RuleFile{{File: "(built-in)/upay.lua", SHA256: "cd"}}, RuleSet: "rs-3f9a",
		FailOn: recon.SeverityWarn, Totals: map[recon.Verdict]int{}, Stats: store.RunStats{Rows: n, Queried: n, Answered: n, Queries: n}}
	if err := db.PutRun(run); err != nil {
		tb.Fatal(err)
	}
	w := db.NewWriter(run.ID)
	for i := range n {
		r := synthetic(i)
		run.Totals[r.Verdict]++
		if err := w.Put(store.Record{Result: r}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := db.PutRun(run); err != nil {
		tb.Fatal(err)
	}
	return db, run
}
