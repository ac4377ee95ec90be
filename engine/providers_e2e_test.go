package engine

import (
	"context"
	"encoding/csv"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/plugins/builtin"
	"github.com/reconhq/recon/store"
)

// These tests are the "Done when" of the provider issues (vborder 3, paypro
// 4, edgeros 5): a hand-written scenario per provider (engine/testdata/e2e),
// served by that provider's simulator on loopback, a ledger written row by
// row below, and engine.Run querying each account through its own plugin
// process (the test binary started again as the built-in plugin, see
// TestMain) into a real bbolt file. Each row says the verdict it must get
// and, where it matters, what the provider side of the result must say.

// e2eAccount is one account of a scenario, with a simulator of its own.
type e2eAccount struct {
	plugin   string
	scenario string // file under testdata/e2e: the simulator's section of a sandbox scenario
	currency string // written to the config; "" takes the simulator's
	timezone string // written to the config; "" takes the simulator's
	// omit lists credentials the account is configured without.
	omit []string
}

// e2eRow is a ledger row and what its result must be.
type e2eRow struct {
	acct                string
	order, ptn          string // order_no, provider_trade_no
	refund              string // refund_no; a refund row when set
	amount, cur, status string
	want                recon.Verdict
	sev                 recon.Severity // when not ""
	action              recon.Action   // when not ""
	attempts            int            // queries the row must have taken; 0: not checked
	prov                pv             // provider-side fields that must hold; nil: not checked
}

// pv names fields of store.ProviderView by their report names (status,
// raw_status, sub_status, amount, received, refunded, refund_amount,
// trade_no, paid_at, refunded_at, verified); a "" value must be absent.
type pv map[string]string

func TestVborderE2E(t *testing.T) {
	runE2E(t, map[string]e2eAccount{
		"vb":     {plugin: "vborder", scenario: "vborder.yaml"},
		"vb-pub": {plugin: "vborder", scenario: "vborder-platform-public.yaml", timezone: "UTC", omit: []string{"merchant_private_key"}},
		"vb-uns": {plugin: "vborder", scenario: "vborder-unsigned.yaml"},
	}, []e2eRow{
		{acct: "vb", order: "VB-PAID", ptn: "S1900000000000000001", amount: "12.34", status: "PAID", want: "MATCHED", sev: "info", action: "NONE",
			prov: pv{"status": "PAID", "raw_status": "SUCCESS", "sub_status": "", "amount": "12.34", "trade_no": "S1900000000000000001",
				"paid_at": "2026-11-21T23:10:04+08:00", "refunded": "", "verified": "true"}},
		{acct: "vb", order: "VB-WAITPAY", amount: "99.00", status: "PENDING", want: "UNSETTLED", action: "RECHECK",
			prov: pv{"status": "PENDING", "raw_status": "WAITPAY", "amount": "99.00", "paid_at": ""}},
		{acct: "vb", order: "VB-WAITPAY-LEDGER-PAID", amount: "99.00", status: "PAID", want: "UNPAID_AT_PROVIDER", sev: "critical",
			prov: pv{"status": "PENDING", "raw_status": "WAITPAY"}},
		{acct: "vb", order: "VB-PROCESSING", amount: "99.00", status: "PENDING", want: "UNSETTLED",
			prov: pv{"status": "PENDING", "raw_status": "PROCESSING"}},
		{acct: "vb", order: "VB-PROCESSING-LEDGER-PAID", amount: "99.00", status: "PAID", want: "UNPAID_AT_PROVIDER", sev: "critical", action: "REVIEW",
			prov: pv{"status": "PENDING", "raw_status": "PROCESSING"}},
		{acct: "vb", order: "VB-TIME_OUT", amount: "250.00", status: "PENDING", want: "STATUS_MISMATCH", action: "MARK_CLOSED",
			prov: pv{"status": "CLOSED", "raw_status": "TIME_OUT"}},
		{acct: "vb", order: "VB-TIME_OUT-LEDGER-CLOSED", amount: "250.00", status: "CLOSED", want: "MATCHED",
			prov: pv{"status": "CLOSED", "raw_status": "TIME_OUT"}},
		{acct: "vb", order: "VB-CLOSE", amount: "250.00", status: "PENDING", want: "STATUS_MISMATCH", action: "MARK_CLOSED",
			prov: pv{"status": "CLOSED", "raw_status": "CLOSE"}},
		{acct: "vb", order: "VB-FAIL", amount: "250.00", status: "FAILED", want: "MATCHED",
			prov: pv{"status": "FAILED", "raw_status": "FAIL"}},
		{acct: "vb", order: "VB-FAIL-LEDGER-PENDING", amount: "250.00", status: "PENDING", want: "STATUS_MISMATCH", action: "REVIEW",
			prov: pv{"status": "FAILED", "raw_status": "FAIL"}},
		{acct: "vb", order: "VB-MISSED", amount: "12.34", status: "PENDING", want: "MISSED_PAYMENT", sev: "warn", action: "MARK_PAID",
			prov: pv{"status": "PAID", "raw_status": "SUCCESS", "paid_at": "2026-11-21T08:05:09+08:00"}},
		{acct: "vb", order: "VB-AMOUNT", amount: "50.01", status: "PAID", want: "AMOUNT_MISMATCH", sev: "critical",
			prov: pv{"status": "PAID", "amount": "50.00"}},
		{acct: "vb", order: "VB-NOSUCH", amount: "10.00", status: "PAID", want: "NOT_FOUND", sev: "critical",
			prov: pv{"status": "NOT_FOUND", "raw_status": "NOT_FOUND", "amount": ""}},
		{acct: "vb", order: "VB-NOSUCH-PENDING", amount: "10.00", status: "PENDING", want: "NOT_FOUND", sev: "info",
			prov: pv{"status": "NOT_FOUND"}},
		// Paid, but the online-banking account check failed: never MATCHED.
		{acct: "vb", order: "VB-CHECK-FAIL", amount: "99.00", status: "PAID", want: "UNKNOWN_STATUS", sev: "warn", action: "REVIEW",
			prov: pv{"status": "UNKNOWN", "raw_status": "SUCCESS", "sub_status": "FAIL", "amount": "99.00"}},
		{acct: "vb", order: "VB-CHECK-PROCESSING", amount: "5000.00", status: "PAID", want: "UNPAID_AT_PROVIDER",
			prov: pv{"status": "PENDING", "raw_status": "SUCCESS", "sub_status": "PROCESSING"}},
		{acct: "vb", order: "VB-TAMPER", amount: "12.34", status: "PAID", want: "UNVERIFIABLE", sev: "critical", action: "REVIEW", attempts: 1},
		{acct: "vb", order: "VB-BADSIGN", amount: "12.34", status: "PAID", want: "UNVERIFIABLE", attempts: 1},
		{acct: "vb", order: "VB-BUSY-ONCE", amount: "12.34", status: "PAID", want: "MATCHED", attempts: 2},
		// vborder has no refund query: no request, no provider state.
		{acct: "vb", order: "VB-PAID", refund: "VB-PAID-R1", amount: "2.00", status: "SUCCESS", want: "UNSUPPORTED", sev: "warn", action: "REVIEW"},

		// response_key platform_public. paid_at is payTime read as China
		// time whatever the account's zone, shown in the account's (UTC).
		{acct: "vb-pub", order: "VBP-PAID", amount: "12.34", status: "PAID", want: "MATCHED",
			prov: pv{"status": "PAID", "raw_status": "SUCCESS", "amount": "12.34", "trade_no": "S1910000000000000001",
				"paid_at": "2026-11-21T15:10:04Z", "verified": "true"}},
		{acct: "vb-pub", order: "VBP-MISSED", amount: "88.00", status: "PENDING", want: "MISSED_PAYMENT",
			prov: pv{"status": "PAID", "amount": "88.00", "verified": "true"}},
		{acct: "vb-pub", order: "VBP-CLOSE", amount: "250.00", status: "PENDING", want: "STATUS_MISMATCH", action: "MARK_CLOSED",
			prov: pv{"status": "CLOSED", "raw_status": "CLOSE"}},
		{acct: "vb-pub", order: "VBP-NOSUCH", amount: "1.00", status: "PAID", want: "NOT_FOUND", prov: pv{"status": "NOT_FOUND"}},
		{acct: "vb-pub", order: "VBP-TAMPER", amount: "12.34", status: "PAID", want: "UNVERIFIABLE", attempts: 1},
		{acct: "vb-pub", order: "VBP-BADSIGN", amount: "12.34", status: "PAID", want: "UNVERIFIABLE", attempts: 1},

		// Unsigned answers (merchant_private): read, and reported unverified.
		{acct: "vb-uns", order: "VBU-PAID", amount: "12.34", status: "PAID", want: "MATCHED",
			prov: pv{"status": "PAID", "amount": "12.34", "verified": "false"}},
		{acct: "vb-uns", order: "VBU-BADSIGN", amount: "12.34", status: "PAID", want: "UNVERIFIABLE", attempts: 1},
	})
}

func TestPayproE2E(t *testing.T) {
	runE2E(t, map[string]e2eAccount{
		"pp": {plugin: "paypro", scenario: "paypro.yaml", currency: "IDR", timezone: "Asia/Jakarta"},
	}, []e2eRow{
		// successTime "2024-10-19 9:30:13" is Jakarta time: +07:00.
		{acct: "pp", order: "PP-PAID", ptn: "pppaid0000000001", amount: "150000.00", status: "PAID", want: "MATCHED", sev: "info",
			prov: pv{"status": "PAID", "raw_status": "0000", "amount": "150000.00", "received": "", "refunded": "",
				"trade_no": "pppaid0000000001", "paid_at": "2024-10-19T09:30:13+07:00", "verified": "false"}},
		{acct: "pp", order: "PP-PROCESSING", amount: "150000.00", status: "PENDING", want: "UNSETTLED", action: "RECHECK",
			prov: pv{"status": "PENDING", "raw_status": "0015", "amount": "150000.00", "paid_at": ""}},
		{acct: "pp", order: "PP-PROCESSING-LEDGER-PAID", amount: "150000.00", status: "PAID", want: "UNPAID_AT_PROVIDER", sev: "critical",
			prov: pv{"status": "PENDING", "raw_status": "0015"}},
		{acct: "pp", order: "PP-FAILED", amount: "150000.00", status: "FAILED", want: "MATCHED",
			prov: pv{"status": "FAILED", "raw_status": "0029"}},
		{acct: "pp", order: "PP-FAILED-LEDGER-PENDING", amount: "150000.00", status: "PENDING", want: "STATUS_MISMATCH",
			prov: pv{"status": "FAILED", "raw_status": "00029"}},
		{acct: "pp", order: "PP-PARTIAL", amount: "200000.00", status: "PAID", want: "AMOUNT_MISMATCH", sev: "critical", action: "REVIEW",
			prov: pv{"status": "PARTIALLY_PAID", "raw_status": "0001", "amount": "200000.00", "received": "120000.00"}},
		{acct: "pp", order: "PP-MISSED", amount: "99000.00", status: "PENDING", want: "MISSED_PAYMENT", action: "MARK_PAID",
			prov: pv{"status": "PAID", "paid_at": "2024-10-19T23:59:59+07:00"}},
		{acct: "pp", order: "PP-AMOUNT", amount: "75500.00", status: "PAID", want: "AMOUNT_MISMATCH",
			prov: pv{"status": "PAID", "amount": "75000.00"}},
		{acct: "pp", order: "PP-NOSUCH", amount: "10000.00", status: "PAID", want: "NOT_FOUND", sev: "critical",
			prov: pv{"status": "NOT_FOUND", "raw_status": "NOT_FOUND", "amount": ""}},
		// Code 5000 twice, then the answer: retries 2 is just enough.
		{acct: "pp", order: "PP-BUSY-TWICE", amount: "50000.00", status: "PAID", want: "MATCHED", attempts: 3,
			prov: pv{"status": "PAID", "paid_at": "2024-10-19T08:05:09+07:00"}},
		{acct: "pp", order: "PP-BUSY-FOREVER", amount: "50000.00", status: "PAID", want: "ERROR", action: "RECHECK", attempts: 3},
		// PayPro's pay-in API has no refund query.
		{acct: "pp", order: "PP-PAID", refund: "PP-PAID-R1", amount: "50000.00", status: "SUCCESS", want: "UNSUPPORTED"},
	})
}

func TestEdgerosE2E(t *testing.T) {
	const txPaid = "e9000000000000000000000000000001"
	runE2E(t, map[string]e2eAccount{
		"eg": {plugin: "edgeros", scenario: "edgeros.yaml"},
	}, []e2eRow{
		{acct: "eg", order: "EG-PAID", ptn: txPaid, amount: "12.34", status: "PAID", want: "MATCHED", sev: "info", action: "NONE",
			prov: pv{"status": "PAID", "raw_status": "SUCCESS", "amount": "12.34", "trade_no": txPaid,
				"paid_at": "2026-11-21T10:00:00+08:00", "verified": "true"}},
		{acct: "eg", order: "EG-NOTPAY", amount: "20.00", status: "PENDING", want: "UNSETTLED",
			prov: pv{"status": "PENDING", "raw_status": "NOTPAY", "amount": "20.00"}},
		{acct: "eg", order: "EG-NOTPAY-LEDGER-PAID", amount: "20.00", status: "PAID", want: "UNPAID_AT_PROVIDER", sev: "critical",
			prov: pv{"status": "PENDING", "raw_status": "NOTPAY"}},
		{acct: "eg", order: "EG-USERPAYING", amount: "20.00", status: "PENDING", want: "UNSETTLED",
			prov: pv{"status": "PENDING", "raw_status": "USERPAYING"}},
		{acct: "eg", order: "EG-CLOSED", amount: "30.00", status: "CLOSED", want: "MATCHED",
			prov: pv{"status": "CLOSED", "raw_status": "CLOSED"}},
		{acct: "eg", order: "EG-CLOSED-LEDGER-PENDING", amount: "30.00", status: "PENDING", want: "STATUS_MISMATCH", action: "MARK_CLOSED",
			prov: pv{"status": "CLOSED", "raw_status": "CLOSED"}},
		{acct: "eg", order: "EG-MISSED", amount: "45.60", status: "PENDING", want: "MISSED_PAYMENT",
			prov: pv{"status": "PAID", "amount": "45.60"}},
		{acct: "eg", order: "EG-AMOUNT", amount: "12.43", status: "PAID", want: "AMOUNT_MISMATCH",
			prov: pv{"status": "PAID", "amount": "12.34"}},
		{acct: "eg", order: "EG-NOSUCH", amount: "1.00", status: "PAID", want: "NOT_FOUND", sev: "critical",
			prov: pv{"status": "NOT_FOUND", "raw_status": "NOT_FOUND"}},
		{acct: "eg", order: "EG-FLAKY", amount: "8.88", status: "PAID", want: "MATCHED", attempts: 2},
		// A REFUND trade does not say how much: a partially refunded ledger agrees.
		{acct: "eg", order: "EG-REFUNDED", amount: "100.00", status: "PARTIALLY_REFUNDED", want: "MATCHED",
			prov: pv{"status": "REFUNDED", "raw_status": "REFUND", "amount": "100.00", "refunded": ""}},
		{acct: "eg", order: "EG-REFUNDED", refund: "EG-REFUNDED-R1", amount: "30.00", status: "SUCCESS", want: "MATCHED",
			prov: pv{"status": "SUCCESS", "raw_status": "SUCCESS", "refund_amount": "30.00",
				"refunded_at": "2026-11-21T09:30:00+08:00", "verified": "true"}},
		{acct: "eg", order: "EG-REFUNDED", refund: "EG-REFUNDED-R2", amount: "20.00", status: "PENDING", want: "UNSETTLED",
			prov: pv{"status": "PENDING", "raw_status": "PROCESSING", "refund_amount": "20.00"}},
		{acct: "eg", order: "EG-REFUNDED", refund: "EG-REFUNDED-R3", amount: "10.00", status: "SUCCESS", want: "REFUND_MISMATCH", sev: "critical",
			prov: pv{"status": "PENDING", "raw_status": "PROCESSING"}},
		{acct: "eg", order: "EG-REFUNDED", refund: "EG-REFUNDED-R4", amount: "5.50", status: "SUCCESS", want: "REFUND_MISMATCH",
			prov: pv{"status": "SUCCESS", "refund_amount": "5.00"}},
		{acct: "eg", order: "EG-REFUNDED", refund: "EG-REFUNDED-R9", amount: "1.00", status: "SUCCESS", want: "NOT_FOUND", sev: "critical",
			prov: pv{"status": "NOT_FOUND"}},
		{acct: "eg", order: "EG-REFUNDED", refund: "EG-REFUNDED-R5", amount: "7.00", status: "SUCCESS", want: "UNVERIFIABLE", attempts: 1},
		{acct: "eg", order: "EG-TAMPER", amount: "12.34", status: "PAID", want: "UNVERIFIABLE", sev: "critical", action: "REVIEW", attempts: 1},
		{acct: "eg", order: "EG-BADSIGN", amount: "12.34", status: "PAID", want: "UNVERIFIABLE", attempts: 1},
		{acct: "eg", order: "EG-NOSIGN", amount: "12.34", status: "PAID", want: "UNVERIFIABLE", attempts: 1},
		{acct: "eg", order: "EG-REPLAY", amount: "12.34", status: "PAID", want: "UNVERIFIABLE", attempts: 1},
	})
}

// runE2E serves each account's scenario from a fresh simulator, writes the
// config and the ledger, runs the engine and checks every row's result.
func runE2E(t *testing.T, accts map[string]e2eAccount, rows []e2eRow) {
	t.Helper()
	dir := t.TempDir()
	accounts := map[string]any{}
	for name, a := range accts {
		accounts[name] = e2eServe(t, dir, name, a)
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	writeYAML(t, cfgPath, map[string]any{"store": "recon.db", "accounts": accounts})
	ledgerPath := filepath.Join(dir, "ledger.csv")
	writeLedger(t, ledgerPath, rows)

	db, run, st, got := runNight(t, cfgPath, ledgerPath)
	if run.Status != store.StatusCompleted || st.Rows != len(rows) {
		t.Fatalf("run %s with %d rows; want completed with %d", run.Status, st.Rows, len(rows))
	}
	for name, a := range accts {
		if p := run.Accounts[name]; p.Provider != a.plugin || p.SHA256 == "" {
			t.Errorf("account %s was queried through %+v; want the %s plugin binary", name, p, a.plugin)
		}
	}
	if len(got) != len(rows) {
		t.Errorf("%d results for %d ledger rows", len(got), len(rows))
	}
	for i, want := range rows {
		line := i + 2 // the header is line 1
		r, ok := got[line]
		if !ok {
			t.Errorf("line %d (%s): no result", line, want.name())
			continue
		}
		checkE2ERow(t, db, run.ID, line, want, r)
	}
}

// runNight runs the engine on the config and the ledger: its store, the
// run, its counts and its results by ledger line.
func runNight(t *testing.T, cfgPath, ledgerPath string) (*store.DB, *store.Run, store.RunStats, map[int]recon.Result) {
	t.Helper()
	cfg, db := openConfigured(t, cfgPath)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, st, err := Run(ctx, Options{Config: cfg, Store: db, LedgerPath: ledgerPath})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	got := map[int]recon.Result{}
	if err := db.Results(run.ID, func(r recon.Result) error {
		got[r.Line] = r
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return db, run, st, got
}

func checkE2ERow(t *testing.T, db *store.DB, runID string, line int, want e2eRow, r recon.Result) {
	t.Helper()
	at := want.name() + " (line " + strconv.Itoa(line) + ")"
	if r.Account != want.acct || r.OrderNo != want.order || r.RefundNo != want.refund {
		t.Errorf("%s: result is for %s %s %s", at, r.Account, r.OrderNo, r.RefundNo)
		return
	}
	t.Logf("%s: %s %s/%s after %d attempts: %s", at, r.Verdict, r.Severity, r.Action, r.Attempts, r.Detail)
	if r.Verdict != want.want {
		t.Errorf("%s: verdict %s, want %s (detail: %s)", at, r.Verdict, want.want, r.Detail)
	}
	if want.sev != "" && r.Severity != want.sev {
		t.Errorf("%s: severity %s, want %s", at, r.Severity, want.sev)
	}
	if want.action != "" && r.Action != want.action {
		t.Errorf("%s: action %s, want %s", at, r.Action, want.action)
	}
	if want.attempts != 0 && r.Attempts != want.attempts {
		t.Errorf("%s: %d attempts, want %d", at, r.Attempts, want.attempts)
	}
	switch r.Verdict {
	case "UNVERIFIABLE", "UNSUPPORTED", "ERROR":
		// No answer, no provider side in the report.
		if r.Provider != nil {
			t.Errorf("%s: %s result carries a provider state: %+v", at, r.Verdict, *r.Provider)
		}
	}
	if r.Verdict == "UNVERIFIABLE" {
		checkUnverified(t, db, runID, line, at)
	}
	if want.prov == nil {
		return
	}
	if r.Provider == nil {
		t.Errorf("%s: no provider side; want %v", at, want.prov)
		return
	}
	have := viewFields(r.Provider)
	for k, v := range want.prov {
		h, ok := have[k]
		if !ok {
			t.Fatalf("%s: the test names no provider field %q", at, k)
		}
		if h != v {
			t.Errorf("%s: provider %s = %q, want %q", at, k, h, v)
		}
	}
}

// checkUnverified: a failed verification is never a payment state, not in
// the report and not in the stored exchange that a replay judges again.
func checkUnverified(t *testing.T, db *store.DB, runID string, line int, at string) {
	t.Helper()
	ex, err := db.Exchange(runID, line)
	if err != nil {
		t.Errorf("%s: stored exchange: %v", at, err)
		return
	}
	if ex.Reply.Outcome != recon.OutcomeUnverifiable {
		t.Errorf("%s: stored outcome %s, want UNVERIFIABLE", at, ex.Reply.Outcome)
	}
	if a := ex.Reply.Answer; a.Status != "" || a.SubStatus != "" || a.Amount != nil || a.RefundAmount != nil || !a.PaidAt.IsZero() || a.TradeNo != "" {
		t.Errorf("%s: unverified exchange keeps an answer: status %q/%q, trade_no %q, paid_at %v", at, a.Status, a.SubStatus, a.TradeNo, a.PaidAt)
	}
}

func (r e2eRow) name() string {
	if r.refund != "" {
		return r.acct + "/" + r.order + "/" + r.refund
	}
	return r.acct + "/" + r.order
}

func viewFields(p *recon.ProviderView) map[string]string {
	return map[string]string{
		"status": string(p.Status), "raw_status": p.RawStatus, "sub_status": p.SubStatus,
		"amount": p.Amount, "received": p.Received, "refunded": p.Refunded, "refund_amount": p.RefundAmount,
		"trade_no": p.TradeNo, "paid_at": p.PaidAt, "refunded_at": p.RefundedAt,
		"verified": strconv.FormatBool(p.Verified),
	}
}

// e2eServe starts a simulator of a's plugin with its scenario and returns
// the account's config: keys go in files, as a merchant keeps them.
func e2eServe(t *testing.T, dir, name string, a e2eAccount) map[string]any {
	t.Helper()
	p, ok := builtin.Lookup(a.plugin)
	if !ok {
		t.Fatalf("no built-in provider %q", a.plugin)
	}
	sim := p.NewSimulator()
	scenario, err := os.ReadFile(filepath.Join("testdata", "e2e", a.scenario))
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.LoadScenario(scenario); err != nil {
		t.Fatalf("%s: %v", a.scenario, err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)

	acct := sim.Account() // after the scenario: it may change the account
	creds := map[string]string{}
	for k, v := range acct.Credentials {
		if slices.Contains(a.omit, k) {
			continue
		}
		if !strings.Contains(v, "\n") {
			creds[k] = v
			continue
		}
		file := name + "-" + k + ".pem"
		if err := os.WriteFile(filepath.Join(dir, file), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
		creds[k+"_file"] = file
	}
	cur, zone := acct.Currency, acct.Timezone
	if a.currency != "" {
		cur = a.currency
	}
	if a.timezone != "" {
		zone = a.timezone
	}
	// Small retries and backoff: scripted transient faults clear (or not)
	// within three attempts, quickly.
	return map[string]any{
		"plugin": a.plugin, "endpoint": srv.URL, "currency": cur, "timezone": zone,
		"rate_limit": 500, "concurrency": 4, "timeout": "3s", "retries": 2, "backoff": "10ms",
		"credentials": creds,
	}
}

func writeYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeLedger(t *testing.T, path string, rows []e2eRow) {
	t.Helper()
	recs := [][]string{{"account", "order_no", "provider_trade_no", "type", "refund_no", "amount", "currency", "status"}}
	for _, r := range rows {
		typ := "payment"
		if r.refund != "" {
			typ = "refund"
		}
		recs = append(recs, []string{r.acct, r.order, r.ptn, typ, r.refund, r.amount, r.cur, r.status})
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(recs); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// openConfigured loads the config at cfgPath and opens its store, closed
// when the test ends.
func openConfigured(t *testing.T, cfgPath string) (*config.Config, *store.DB) {
	t.Helper()
	cfg, err := config.Load(cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(cfg.Store, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return cfg, db
}
