package sim

import (
	"net/http"
	"testing"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/upay"
)

func TestSimulatorRejections(t *testing.T) {
	s := New()
	const body = `{"terminal_sn":"100111220054361978","client_sn":"DEMO-PAID"}`
	for _, c := range []struct {
		name, method, body, auth, code, errCode string
		http                                    int
	}{
		{"no Authorization", "POST", body, " ", "400", "ILLEGAL_SIGN", 200},
		{"Authorization without sign", "POST", body, DemoTerminalSN, "400", "ILLEGAL_SIGN", 200},
		{"unknown terminal", "POST", body, "999 " + upay.Sign([]byte(body), DemoTerminalKey), "400", "TERMINAL_NOT_EXISTS", 200},
		{"body not JSON", "POST", "terminal_sn=1", "", "400", "INVALID_PARAMS", 200},
		{"terminal differs", "POST", `{"terminal_sn":"1","client_sn":"DEMO-PAID"}`, "", "400", "INVALID_TERMINAL", 200},
		{"no order number", "POST", `{"terminal_sn":"100111220054361978"}`, "", "400", "INVALID_PARAMS", 200},
		{"GET", "GET", body, "", "", "", http.StatusMethodNotAllowed},
		{"good", "POST", body, "", "200", "", 200},
	} {
		code, m := post(t, s, c.method, c.body, c.auth)
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
	s := New()
	p := client(t, s)
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
		if err := s.AddOrder(o); err != nil {
			t.Fatal(err)
		}
		a := p.pay("R-1").Answer
		if a.Status != step.status || a.SubStatus != step.sub || a.Fields["net_amount"] != step.net {
			t.Errorf("after %q: %s/%s net %s, want %s/%s %s", step.add.RefundRequestNo, a.Status, a.SubStatus,
				a.Fields["net_amount"], step.status, step.sub, step.net)
		}
		if step.add.RefundRequestNo != "" {
			r := p.refund("R-1", step.add.RefundRequestNo).Answer
			if r.SubStatus != step.refundStatusOfAdded || i64(r.RefundAmount) != i64(recon.Int64(int64(step.add.Amount))) {
				t.Errorf("refund %s: %s %s", step.add.RefundRequestNo, r.SubStatus, i64(r.RefundAmount))
			}
		}
	}
	// The in-progress refund succeeds, then the rest is refunded: REFUNDED.
	o.Refunds[1].Status = "SUCCESS"
	o.Refunds = append(o.Refunds, Refund{RefundRequestNo: "04", Amount: 5000})
	if err := s.AddOrder(o); err != nil {
		t.Fatal(err)
	}
	a := p.pay("R-1").Answer
	if a.Status != "REFUNDED" || a.Fields["net_amount"] != "0" || i64(a.Refunded) != "10000" {
		t.Errorf("fully refunded: %s net %s refunded %s", a.Status, a.Fields["net_amount"], i64(a.Refunded))
	}
	if err := s.AddOrder(Order{ClientSN: "R-2", TotalAmount: 100, Refunds: []Refund{{RefundRequestNo: "01", Amount: 101}}}); err == nil {
		t.Error("refunds above the order accepted")
	}
}

// Answers echo the identity upay's do, and other_order (scripted per order,
// from a scenario) answers with another paid order's.
func TestAnswerIdentityFields(t *testing.T) {
	s := New()
	if err := s.LoadScenario([]byte(`orders:
  - {client_sn: A-1, sn: "7895000000000001", total_amount: 100, refunds: [{refund_request_no: R-01, amount: 10}], faults: {other_order: 1}}
  - {client_sn: C-1, sn: "7895000000000003", total_amount: 300}
  - {client_sn: B-1, sn: "7895000000000002", total_amount: 200}
`)); err != nil {
		t.Fatal(err)
	}
	data := func(body string) map[string]any {
		t.Helper()
		_, m := post(t, s, "POST", body, "")
		biz, _ := m["biz_response"].(map[string]any)
		d, _ := biz["data"].(map[string]any)
		if d == nil {
			t.Fatalf("%s: no data in %v", body, m)
		}
		return d
	}
	const ask = `{"terminal_sn":"100111220054361978","client_sn":"A-1"}`
	// The first paid order by client_sn that is not the one asked.
	if d := data(ask); d["client_sn"] != "B-1" || d["sn"] != "7895000000000002" || d["total_amount"] != "200" {
		t.Errorf("other_order answered %v", d)
	}
	if d := data(ask); d["client_sn"] != "A-1" || d["sn"] != "7895000000000001" || d["client_tsn"] != "A-1-R-01" {
		t.Errorf("payment answered %v", d)
	}
	d := data(`{"terminal_sn":"100111220054361978","client_sn":"A-1","refund_request_no":"R-01"}`)
	if d["client_sn"] != "A-1" || d["sn"] != "7895000000000001" || d["client_tsn"] != "A-1-R-01" || d["settlement_amount"] != "10" {
		t.Errorf("refund answered %v", d)
	}
	if d := data(`{"terminal_sn":"100111220054361978","client_sn":"C-1"}`); d["client_sn"] != "C-1" || d["client_tsn"] != "C-1" {
		t.Errorf("paid order answered %v", d)
	}
}
