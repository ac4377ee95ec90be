package recon

import (
	"encoding/json"
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
