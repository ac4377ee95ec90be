package edgeros

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reconhq/recon"
)

const testScenario = `
mch_no: MCH-SC
app_no: APP-SC
trades:
  - {mch_trade_no: SC-1, transaction_no: T-SC-1, code: SUCCESS, amount_total: "12.34",
     success_time: "2026-11-21T10:00:00+08:00", extra: "a<b>&c"}
  - {mch_trade_no: SC-2, code: WEIRD, amount_total: "1.00"}
refunds:
  - {mch_refund_no: SC-1-R1, mch_trade_no: SC-1, code: PROCESSING, refund_amount: "2.00"}
scripted:
  - {key: SC-2, fault: 5xx, times: 1}
faults:
  error_rate: 0
  extra: {badsign: 0}
`

func TestLoadScenario(t *testing.T) {
	sim := NewSimulator()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	if err := sim.LoadScenario([]byte(testScenario)); err != nil {
		t.Fatal(err)
	}
	acct := sim.Account()
	if acct.Credentials[CredMchNo] != "MCH-SC" || acct.Credentials[CredAppNo] != "APP-SC" ||
		!strings.HasPrefix(acct.Credentials[CredMerchantPrivateKey], "-----BEGIN PRIVATE KEY-----") ||
		!strings.HasPrefix(acct.Credentials[CredPlatformPublicKey], "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("account %+v", acct)
	}
	p := simProvider(t, sim, srv.URL, nil)
	ctx := context.Background()

	res := p.Query(ctx, queryPayment("SC-1", "T-SC-1"))
	if res.Outcome != recon.OutcomeFound || res.Answer.Status != "SUCCESS" || *res.Answer.Amount != 1234 ||
		res.Answer.Fields["extra"] != "a<b>&c" || res.Answer.Fields["app_no"] != "APP-SC" || res.Answer.Fields["mch_no"] != "MCH-SC" ||
		res.Answer.Fields["description"] != "支付成功" {
		t.Errorf("SC-1: %v %s %+v", res.Outcome, res.Err, res.Answer)
	}
	if res := p.Query(ctx, queryPayment("SC-2", "")); res.Outcome != recon.OutcomeTransient {
		t.Errorf("SC-2 first: %v", res.Outcome)
	}
	if res := p.Query(ctx, queryPayment("SC-2", "")); res.Outcome != recon.OutcomeFound || res.Answer.Status != "WEIRD" {
		t.Errorf("SC-2 second: %v %s", res.Outcome, res.Answer.Status)
	}
	res = p.Query(ctx, queryRefund("SC-1", "SC-1-R1"))
	if res.Outcome != recon.OutcomeFound || res.Answer.Status != "PROCESSING" || *res.Answer.RefundAmount != 200 ||
		res.Answer.TradeNo != "T-SC-1" || len(res.Answer.RefundTradeNo) != 32 {
		t.Errorf("refund: %v %s %+v", res.Outcome, res.Err, res.Answer)
	}
	// The default data is gone.
	if res := p.Query(ctx, queryPayment("EGD-SUCCESS", "")); res.Outcome != recon.OutcomeNotFound {
		t.Errorf("default order still there: %v", res.Outcome)
	}
}

func TestLoadScenarioRejects(t *testing.T) {
	sim, _ := sharedSim(t)
	for _, c := range []struct{ yaml, err string }{
		{"trades: [{code: SUCCESS}]", "mch_trade_no is required"},
		{"trades: [{mch_trade_no: A}]", "code is required"},
		{"trades: [{mch_trade_no: A, code: X}, {mch_trade_no: A, code: X}]", "listed twice"},
		{`trades: [{mch_trade_no: A, code: X, amount_total: "1.2.3"}]`, "amount_total"},
		{"trades: [{mch_trade_no: A, code: X, transaction_no: T}, {mch_trade_no: B, code: X, transaction_no: T}]", "transaction_no T listed twice"},
		{"refunds: [{mch_refund_no: R, code: X, refund_no: N}, {mch_refund_no: S, code: X, refund_no: N}]", "refund_no N listed twice"},
		{"refunds: [{mch_refund_no: R}]", "mch_refund_no and code are required"},
		{`refunds: [{mch_refund_no: R, code: SUCCESS, refund_amount: "x"}]`, "refund_amount"},
		{"scripted: [{key: A, fault: fire, times: 1}]", "needs a key and a fault"},
		{"faults: {extra: {fire: 1}}", "unknown fault"},
		{"orders: []", "field orders not found"},
	} {
		err := sim.LoadScenario([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: err %v, want %q", c.yaml, err, c.err)
		}
	}
	// A rejected scenario leaves the data alone.
	if sim.trades["EGD-SUCCESS"] == nil {
		t.Error("a rejected scenario changed the data")
	}
}

// TestDefaultScenarioHasEveryCode: the vocabulary, all of it, in a new simulator.
func TestDefaultScenarioHasEveryCode(t *testing.T) {
	sim, _ := sharedSim(t)
	sim.mu.Lock()
	defer sim.mu.Unlock()
	codes := map[string]bool{}
	for _, tr := range sim.trades {
		codes["trade:"+tr.Code] = true
	}
	for _, r := range sim.refunds {
		codes["refund:"+r.Code] = true
	}
	for c := range tradeCodes {
		if !codes["trade:"+c] {
			t.Errorf("no trade %s", c)
		}
	}
	for c := range refundCodes {
		if !codes["refund:"+c] {
			t.Errorf("no refund %s", c)
		}
	}
}
