package sim

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/upay"
)

func TestLoadScenario(t *testing.T) {
	// The example of doc.go, which must stay loadable.
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var yml strings.Builder
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		switch {
		case strings.HasPrefix(line, "//\tterminals:"):
			in = true
		case in && !strings.HasPrefix(line, "//\t"):
			in = false
		}
		if in {
			yml.WriteString(strings.TrimPrefix(line, "//\t") + "\n")
		}
	}
	doc := regexp.MustCompile(`"4200001234\.\.\."`).ReplaceAllString(yml.String(), `"4200001234"`)
	s := New()
	if err := s.LoadScenario([]byte(doc)); err != nil {
		t.Fatalf("doc.go example: %v\n%s", err, doc)
	}
	p := client(t, s)
	s.Faults().Set(simkit.Faults{}) // the example's random faults would make this test flaky
	for i := 0; i < 2; i++ {        // the example scripts http_5xx: 2
		if res := p.pay("A20261121-0001"); res.Outcome != recon.OutcomeTransient || res.HTTPStatus != 503 {
			t.Errorf("scripted fault #%d: %v %d", i+1, res.Outcome, res.HTTPStatus)
		}
	}
	// Then its scripted: entry without a key, busy once.
	if res := p.pay("A20261121-0001"); res.Outcome != recon.OutcomeTransient || !strings.Contains(res.Err, "500 UNKNOWN_SYSTEM_ERROR") {
		t.Errorf("scripted busy: %v %q", res.Outcome, res.Err)
	}
	res := p.pay("A20261121-0001")
	a := res.Answer
	if res.Outcome != recon.OutcomeFound {
		t.Fatalf("scenario order: %v %s %s", res.Outcome, res.Err, res.Raw)
	}
	if a.Status != "PARTIAL_REFUNDED" || i64(a.Amount) != "1234" || a.Fields["net_amount"] != "1000" || a.TradeNo != "7895259867120667" {
		t.Errorf("scenario order: %+v", a)
	}
	if res := p.pay("DEMO-PAID"); res.Outcome != recon.OutcomeNotFound {
		t.Errorf("LoadScenario kept the default orders: %v", res.Outcome)
	}

	// Another terminal replaces the demo one.
	if err := s.LoadScenario([]byte("terminals: [{terminal_sn: T2, terminal_key: K2}]\norders: [{client_sn: B1, total_amount: 5}]\n")); err != nil {
		t.Fatal(err)
	}
	if c := s.Account().Credentials; c[upay.CredTerminalSN] != "T2" || c[upay.CredTerminalKey] != "K2" {
		t.Errorf("account %v", c)
	}
	if res := p.pay("B1"); res.Outcome != recon.OutcomePermanent || !strings.Contains(res.Err, "TERMINAL_NOT_EXISTS") {
		t.Errorf("demo terminal still accepted: %v %s", res.Outcome, res.Err)
	}
	p2 := client(t, s)
	if res := p2.pay("B1"); res.Outcome != recon.OutcomeFound {
		t.Errorf("new terminal: %v %s", res.Outcome, res.Err)
	}

	// Bad scenarios are refused and change nothing.
	for name, bad := range map[string]string{
		"unknown key":        "ordres: []\n",
		"duplicate order":    "orders: [{client_sn: X, total_amount: 1}, {client_sn: X, total_amount: 2}]\n",
		"no client_sn":       "orders: [{total_amount: 1}]\n",
		"unknown fault":      "orders: [{client_sn: X, total_amount: 1, faults: {explode: 1}}]\n",
		"duplicate refund":   "orders: [{client_sn: X, total_amount: 9, refunds: [{refund_request_no: '1', amount: 1}, {refund_request_no: '1', amount: 1}]}]\n",
		"terminal no key":    "terminals: [{terminal_sn: T3}]\n",
		"negative amount":    "orders: [{client_sn: X, total_amount: -1}]\n",
		"fractional amount":  "orders: [{client_sn: X, total_amount: 1.5}]\n",
		"amount 1.0":         "orders: [{client_sn: X, total_amount: 1.0}]\n",
		"old fault 5xx":      "orders: [{client_sn: X, total_amount: 1, faults: {5xx: 1}}]\n",
		"old fault code_500": "orders: [{client_sn: X, total_amount: 1, faults: {code_500: 1}}]\n",
		"fractional count":   "orders: [{client_sn: X, total_amount: 1, faults: {http_5xx: 1.5}}]\n",
		"scripted no times":  "scripted: [{fault: busy}]\n",
		"scripted unknown":   "scripted: [{key: X, fault: explode, times: 1}]\n",
		"unknown extra rate": "faults: {extra: {explode: 0.5}}\n",
	} {
		if err := s.LoadScenario([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if res := p2.pay("B1"); res.Outcome != recon.OutcomeFound {
		t.Errorf("a refused scenario changed the simulator: %v %s", res.Outcome, res.Err)
	}
	// A scenario of the old vocabulary learns the new name.
	if err := s.LoadScenario([]byte("orders: [{client_sn: X, total_amount: 1, faults: {5xx: 1}}]\n")); err == nil || !strings.Contains(err.Error(), "http_5xx") {
		t.Errorf("5xx: %v, want a pointer to http_5xx", err)
	}
	if err := s.LoadScenario(nil); err != nil {
		t.Errorf("empty scenario: %v", err)
	}
}
