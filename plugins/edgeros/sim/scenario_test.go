package sim

import (
	"strings"
	"testing"

	"github.com/reconhq/recon/plugins/simkit/script"
)

func TestLoadScenarioRejects(t *testing.T) {
	s := New()
	if err := s.Script("EGD-SUCCESS", script.Tamper, 1); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ yaml, err string }{
		{"trades: [{code: SUCCESS}]", "mch_trade_no is required"},
		{"trades: [{mch_trade_no: A}]", "code is required"},
		{"trades: [{mch_trade_no: A, code: X}, {mch_trade_no: A, code: X}]", "listed twice"},
		{`trades: [{mch_trade_no: A, code: X, amount_total: "1.2.3"}]`, "amount_total"},
		{"trades: [{mch_trade_no: A, code: X, transaction_no: T}, {mch_trade_no: B, code: X, transaction_no: T}]", "transaction_no T listed twice"},
		{"refunds: [{mch_refund_no: R, code: X, refund_no: N}, {mch_refund_no: S, code: X, refund_no: N}]", "refund_no N listed twice"},
		{"refunds: [{mch_refund_no: R}]", "mch_refund_no and code are required"},
		{`refunds: [{mch_refund_no: R, code: SUCCESS, refund_amount: "x"}]`, "refund_amount"},
		{"scripted: [{key: A, fault: fire, times: 1}]", `scripted[0]: unknown fault "fire"`},
		{"scripted: [{key: A, fault: 5xx, times: 1}]", "it is now called http_5xx"},
		{"scripted: [{key: A, fault: badsign}]", "times is required"},
		{"scripted: [{key: A, fault: badsign, times: 1.0}]", "a fault count is a number of requests"},
		{"faults: {extra: {fire: 1}}", "unknown fault"},
		{"faults: {extra: {http_5xx: 1}}", "has its own rate, faults.error_rate"},
		{"orders: []", "field orders not found"},
	} {
		err := s.LoadScenario([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: err %v, want %q", c.yaml, err, c.err)
		}
	}
	// A rejected scenario leaves the data and the scripted faults alone.
	if s.trades["EGD-SUCCESS"] == nil {
		t.Error("a rejected scenario changed the data")
	}
	if got := s.plan.Pending("EGD-SUCCESS"); got[script.Tamper] != 1 {
		t.Errorf("a rejected scenario changed the scripted faults: %v", got)
	}
}

// TestDefaultScenarioHasEveryCode: the vocabulary, all of it, in a new simulator.
func TestDefaultScenarioHasEveryCode(t *testing.T) {
	s := sharedSim()
	s.mu.Lock()
	defer s.mu.Unlock()
	codes := map[string]bool{}
	for _, tr := range s.trades {
		codes["trade:"+tr.Code] = true
	}
	for _, r := range s.refunds {
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
