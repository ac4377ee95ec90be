package recon

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The stored encoding names kinds and outcomes, so a store reads without
// knowing the protocol's numbers.
func TestStoredNames(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{Query{Kind: Refund, OrderNo: "A1", RefundNo: "R1"}, `{"kind":"refund","order_no":"A1","refund_no":"R1"}`},
		{Reply{Outcome: OutcomeUnverifiable, Err: "bad sign"}, `{"outcome":"UNVERIFIABLE","error":"bad sign","verified":false,"answer":{}}`},
		{Row{Line: 2, Kind: Payment, Status: StatePaid, AmountText: "1.00"}, `{"line":2,"account":"","provider":"","type":"payment","order_no":"","status":"PAID","amount":0,"currency":""}`},
		{Result{Line: 3}, `{"account":"","order_no":"","type":"","refund_no":"","line":3,"verdict":"","severity":"","action":"","local":{"status":"","amount":"","currency":""}}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("%T:\n got %s\nwant %s", tt.in, b, tt.want)
		}
	}
	var r Reply
	if err := json.Unmarshal([]byte(`{"outcome":"FOUND","answer":{"amount":12}}`), &r); err != nil ||
		r.Outcome != OutcomeFound || *r.Answer.Amount != 12 {
		t.Errorf("reading a reply: %+v, %v", r, err)
	}
	if err := json.Unmarshal([]byte(`{"outcome":"MAYBE"}`), &r); err == nil {
		t.Error("read an unknown outcome")
	}
	var k Kind
	if err := json.Unmarshal([]byte(`"refnd"`), &k); err == nil {
		t.Error("read an unknown kind")
	}
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		s, threshold Severity
		want         bool
	}{
		{SeverityInfo, SeverityWarn, false},
		{SeverityWarn, SeverityWarn, true},
		{SeverityCritical, SeverityWarn, true},
		{SeverityInfo, SeverityInfo, true},
		{"bogus", SeverityInfo, false},
	}
	for _, tt := range tests {
		if got := tt.s.AtLeast(tt.threshold); got != tt.want {
			t.Errorf("%q.AtLeast(%q) = %v", tt.s, tt.threshold, got)
		}
	}
	if _, err := ParseSeverity("high"); err == nil {
		t.Error("parsed severity high")
	}
}

func TestContractVerdictsHaveDefaults(t *testing.T) {
	for _, v := range ContractVerdicts() {
		d, ok := ContractVerdict(v)
		if !ok || !d.Severity.Valid() || d.Action == "" {
			t.Errorf("%s: %+v %v", v, d, ok)
		}
	}
	if d := Default(VerdictError, "x"); d.Severity != SeverityWarn || d.Action != ActionRecheck {
		t.Errorf("ERROR defaults %+v; the contract says warn / RECHECK", d)
	}
}

func TestQueryCheck(t *testing.T) {
	found := func(a Answer) *Reply { return &Reply{Outcome: OutcomeFound, Answer: a} }
	pay := Query{Kind: Payment, OrderNo: "A1"}
	payWithTrade := Query{Kind: Payment, OrderNo: "A1", ProviderTradeNo: "T1"}
	refund := Query{Kind: Refund, OrderNo: "A1", RefundNo: "R1"}
	tests := []struct {
		name  string
		q     Query
		r     *Reply
		field string // "" = about the order asked
	}{
		{"same order", pay, found(Answer{OrderNo: "A1", TradeNo: "T9"}), ""},
		{"another order", pay, found(Answer{OrderNo: "B2"}), "order_no"},
		{"order not echoed", pay, found(Answer{TradeNo: "T1"}), "order_no"},
		{"ledger's trade number agrees", payWithTrade, found(Answer{OrderNo: "A1", TradeNo: "T1"}), ""},
		{"another trade number", payWithTrade, found(Answer{OrderNo: "A1", TradeNo: "T2"}), "provider_trade_no"},
		{"answer without a trade number", payWithTrade, found(Answer{OrderNo: "A1"}), ""},
		{"same refund", refund, found(Answer{OrderNo: "A1", RefundNo: "R1"}), ""},
		{"another refund", refund, found(Answer{OrderNo: "A1", RefundNo: "R2"}), "refund_no"},
		{"refund not echoed", refund, found(Answer{OrderNo: "A1"}), "refund_no"},
		{"not found states no identity", pay, &Reply{Outcome: OutcomeNotFound}, ""},
		{"unverifiable already", pay, &Reply{Outcome: OutcomeUnverifiable}, ""},
	}
	for _, tt := range tests {
		err := tt.q.Check(tt.r)
		var ie *IdentityError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.field != "" && (!errors.As(err, &ie) || ie.Field != tt.field):
			t.Errorf("%s: %v; want an identity error on %s", tt.name, err, tt.field)
		}
	}
	r := found(Answer{OrderNo: "B2"})
	r.Raw = []byte("{}")
	r.Distrust(pay.Check(r))
	if r.Outcome != OutcomeUnverifiable || !strings.Contains(r.Err, `"B2"`) || !strings.Contains(r.Err, `"A1"`) || r.Raw == nil {
		t.Errorf("distrusted reply %+v", r)
	}
}
