package upay

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/simkit"
)

// post sends body to the simulator signed with the demo key (or auth, if set).
func post(t *testing.T, sim *Simulator, method, body, auth string) (int, map[string]any) {
	t.Helper()
	if auth == "" {
		auth = DemoTerminalSN + " " + Sign([]byte(body), DemoTerminalKey)
	}
	req := httptest.NewRequest(method, "/upay/v2/query", bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", auth)
	w := httptest.NewRecorder()
	sim.ServeHTTP(w, req)
	var m map[string]any
	if w.Code == http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("answer %s: %v", w.Body, err)
		}
	}
	return w.Code, m
}

func TestSimulatorRejections(t *testing.T) {
	sim := NewSimulator()
	const body = `{"terminal_sn":"100111220054361978","client_sn":"DEMO-PAID"}`
	for _, c := range []struct {
		name, method, body, auth, code, errCode string
		http                                    int
	}{
		{"no Authorization", "POST", body, " ", "400", "ILLEGAL_SIGN", 200},
		{"Authorization without sign", "POST", body, DemoTerminalSN, "400", "ILLEGAL_SIGN", 200},
		{"unknown terminal", "POST", body, "999 " + Sign([]byte(body), DemoTerminalKey), "400", "TERMINAL_NOT_EXISTS", 200},
		{"body not JSON", "POST", "terminal_sn=1", "", "400", "INVALID_PARAMS", 200},
		{"terminal differs", "POST", `{"terminal_sn":"1","client_sn":"DEMO-PAID"}`, "", "400", "INVALID_TERMINAL", 200},
		{"no order number", "POST", `{"terminal_sn":"100111220054361978"}`, "", "400", "INVALID_PARAMS", 200},
		{"GET", "GET", body, "", "", "", http.StatusMethodNotAllowed},
		{"good", "POST", body, "", "200", "", 200},
	} {
		code, m := post(t, sim, c.method, c.body, c.auth)
		if code != c.http {
			t.Errorf("%s: HTTP %d, want %d", c.name, code, c.http)
			continue
		}
		if code == 200 && (m["result_code"] != c.code || (c.errCode != "" && m["error_code"] != c.errCode)) {
			t.Errorf("%s: %v", c.name, m)
		}
		if c.code == "400" && m["biz_response"] != nil {
			t.Errorf("%s: a rejected call has no biz_response: %v", c.name, m)
		}
	}
}

// Refunds move net_amount and order_status as upay's do.
func TestPartialRefundsProgress(t *testing.T) {
	sim := NewSimulator()
	p := mustProvider(t, simServer(t, sim), nil)
	o := Order{ClientSN: "R-1", TotalAmount: 10000}
	for _, step := range []struct {
		add                 Refund
		status, sub, net    string
		refundStatusOfAdded string
	}{
		{Refund{}, "PAID", "SUCCESS", "10000", ""},
		{Refund{RefundRequestNo: "01", Amount: 3000}, "PARTIAL_REFUNDED", "SUCCESS", "7000", "SUCCESS"},
		{Refund{RefundRequestNo: "02", Amount: 2000, Status: "IN_PROG"}, "REFUND_INPROGRESS", "IN_PROG", "7000", "IN_PROG"},
		{Refund{RefundRequestNo: "03", Amount: 1000, Status: "FAIL_CANCELED"}, "REFUND_INPROGRESS", "FAIL_CANCELED", "7000", "FAIL_CANCELED"},
	} {
		if step.add.RefundRequestNo != "" {
			o.Refunds = append(o.Refunds, step.add)
		}
		if err := sim.AddOrder(o); err != nil {
			t.Fatal(err)
		}
		a := query(t, p, pay("R-1")).Answer
		if a.Status != step.status || a.SubStatus != step.sub || a.Fields["net_amount"] != step.net {
			t.Errorf("after %q: %s/%s net %s, want %s/%s %s", step.add.RefundRequestNo, a.Status, a.SubStatus,
				a.Fields["net_amount"], step.status, step.sub, step.net)
		}
		if step.add.RefundRequestNo != "" {
			r := query(t, p, refundQ("R-1", step.add.RefundRequestNo)).Answer
			if r.SubStatus != step.refundStatusOfAdded || i64(r.RefundAmount) != i64(recon.Int64(int64(step.add.Amount))) {
				t.Errorf("refund %s: %s %s", step.add.RefundRequestNo, r.SubStatus, i64(r.RefundAmount))
			}
		}
	}
	// The in-progress refund succeeds, then the rest is refunded: REFUNDED.
	o.Refunds[1].Status = "SUCCESS"
	o.Refunds = append(o.Refunds, Refund{RefundRequestNo: "04", Amount: 5000})
	if err := sim.AddOrder(o); err != nil {
		t.Fatal(err)
	}
	a := query(t, p, pay("R-1")).Answer
	if a.Status != "REFUNDED" || a.Fields["net_amount"] != "0" || i64(a.Refunded) != "10000" {
		t.Errorf("fully refunded: %s net %s refunded %s", a.Status, a.Fields["net_amount"], i64(a.Refunded))
	}
	if err := sim.AddOrder(Order{ClientSN: "R-2", TotalAmount: 100, Refunds: []Refund{{RefundRequestNo: "01", Amount: 101}}}); err == nil {
		t.Error("refunds above the order accepted")
	}
}

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
	sim := NewSimulator()
	if err := sim.LoadScenario([]byte(doc)); err != nil {
		t.Fatalf("doc.go example: %v\n%s", err, doc)
	}
	p := mustProvider(t, simServer(t, sim), sim.Account().Credentials)
	sim.Faults().Set(simkit.Faults{}) // the example's random faults would make this test flaky
	for i := 0; i < 2; i++ {          // the example scripts http_5xx: 2
		if res := query(t, p, pay("A20261121-0001")); res.Outcome != recon.OutcomeTransient || res.HTTPStatus != 503 {
			t.Errorf("scripted fault #%d: %v %d", i+1, res.Outcome, res.HTTPStatus)
		}
	}
	res := query(t, p, pay("A20261121-0001"))
	a := res.Answer
	if res.Outcome != recon.OutcomeFound {
		t.Fatalf("scenario order: %v %s %s", res.Outcome, res.Err, res.Raw)
	}
	if a.Status != "PARTIAL_REFUNDED" || i64(a.Amount) != "1234" || a.Fields["net_amount"] != "1000" || a.TradeNo != "7895259867120667" {
		t.Errorf("scenario order: %+v", a)
	}
	if res := query(t, p, pay("DEMO-PAID")); res.Outcome != recon.OutcomeNotFound {
		t.Errorf("LoadScenario kept the default orders: %v", res.Outcome)
	}

	// Another terminal replaces the demo one.
	if err := sim.LoadScenario([]byte("terminals: [{terminal_sn: T2, terminal_key: K2}]\norders: [{client_sn: B1, total_amount: 5}]\n")); err != nil {
		t.Fatal(err)
	}
	if c := sim.Account().Credentials; c[CredTerminalSN] != "T2" || c[CredTerminalKey] != "K2" {
		t.Errorf("account %v", c)
	}
	if res := query(t, p, pay("B1")); res.Outcome != recon.OutcomePermanent || !strings.Contains(res.Err, "TERMINAL_NOT_EXISTS") {
		t.Errorf("demo terminal still accepted: %v %s", res.Outcome, res.Err)
	}
	p2 := mustProvider(t, simServer(t, sim), sim.Account().Credentials)
	if res := query(t, p2, pay("B1")); res.Outcome != recon.OutcomeFound {
		t.Errorf("new terminal: %v %s", res.Outcome, res.Err)
	}

	// Bad scenarios are refused and change nothing.
	for name, bad := range map[string]string{
		"unknown key":       "ordres: []\n",
		"duplicate order":   "orders: [{client_sn: X, total_amount: 1}, {client_sn: X, total_amount: 2}]\n",
		"no client_sn":      "orders: [{total_amount: 1}]\n",
		"unknown fault":     "orders: [{client_sn: X, total_amount: 1, faults: {explode: 1}}]\n",
		"duplicate refund":  "orders: [{client_sn: X, total_amount: 9, refunds: [{refund_request_no: '1', amount: 1}, {refund_request_no: '1', amount: 1}]}]\n",
		"terminal no key":   "terminals: [{terminal_sn: T3}]\n",
		"negative amount":   "orders: [{client_sn: X, total_amount: -1}]\n",
		"fractional amount": "orders: [{client_sn: X, total_amount: 1.5}]\n",
	} {
		if err := sim.LoadScenario([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if res := query(t, p2, pay("B1")); res.Outcome != recon.OutcomeFound {
		t.Errorf("a refused scenario changed the simulator: %v %s", res.Outcome, res.Err)
	}
	if err := sim.LoadScenario(nil); err != nil {
		t.Errorf("empty scenario: %v", err)
	}
}
