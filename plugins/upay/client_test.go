package upay

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/simkit"
)

func TestInfo(t *testing.T) {
	info := New().Info()
	if info.Name != "upay" || info.Version != "1.0.0" || !info.RefundQuery ||
		strings.Join(info.Credentials, ",") != "terminal_sn,terminal_key" {
		t.Errorf("%+v", info)
	}
}

func TestConfigure(t *testing.T) {
	const secret = "s3cr3t-key-value"
	good := func() plugins.Account {
		return plugins.Account{Name: "shop", Endpoint: "https://api.example.test", Currency: "CNY",
			Credentials: map[string]string{CredTerminalSN: DemoTerminalSN, CredTerminalKey: secret}}
	}
	for _, c := range []struct {
		name   string
		mod    func(a *plugins.Account)
		errHas string // "" = must succeed
	}{
		{name: "good"},
		{name: "trailing slash", mod: func(a *plugins.Account) { a.Endpoint += "/" }},
		{name: "no currency defaults to CNY", mod: func(a *plugins.Account) { a.Currency = "" }},
		{name: "no terminal_sn", mod: func(a *plugins.Account) { delete(a.Credentials, CredTerminalSN) }, errHas: "credential terminal_sn is missing"},
		{name: "empty terminal_key", mod: func(a *plugins.Account) { a.Credentials[CredTerminalKey] = "" }, errHas: "credential terminal_key is empty"},
		{name: "no terminal_key", mod: func(a *plugins.Account) { delete(a.Credentials, CredTerminalKey) }, errHas: "credential terminal_key is missing"},
		{name: "space in terminal_sn", mod: func(a *plugins.Account) { a.Credentials[CredTerminalSN] = "100 111" }, errHas: "terminal_sn must not contain spaces"},
		{name: "no endpoint", mod: func(a *plugins.Account) { a.Endpoint = "" }, errHas: "endpoint"},
		{name: "endpoint not http", mod: func(a *plugins.Account) { a.Endpoint = "ftp://x" }, errHas: "endpoint"},
		{name: "endpoint with query", mod: func(a *plugins.Account) { a.Endpoint = "https://x/?a=1" }, errHas: "endpoint"},
		{name: "bad currency", mod: func(a *plugins.Account) { a.Currency = "XXQ" }, errHas: "currency"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := good()
			if c.mod != nil {
				c.mod(&a)
			}
			err := New().Configure(context.Background(), a)
			switch {
			case c.errHas == "" && err != nil:
				t.Fatal(err)
			case c.errHas != "" && (err == nil || !strings.Contains(err.Error(), c.errHas)):
				t.Fatalf("err %v, want %q", err, c.errHas)
			case err != nil && strings.Contains(err.Error(), secret):
				t.Fatalf("error leaks the key: %v", err)
			}
		})
	}
}

// Queries that cannot be asked fail permanently without touching the network.
func TestQueryWithoutNetwork(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s", r.URL)
	}))
	defer srv.Close()
	p := mustProvider(t, srv.URL, nil)
	for name, q := range map[string]recon.Query{
		"refund without refund_no": {Kind: recon.Refund, OrderNo: "A1"},
		"no order number":          {Kind: recon.Payment},
		"unknown kind":             {Kind: 9, OrderNo: "A1"},
	} {
		if res := query(t, p, q); res.Outcome != recon.OutcomePermanent || res.Err == "" {
			t.Errorf("%s: outcome %v err %q", name, res.Outcome, res.Err)
		}
	}
	if res := query(t, New(), pay("A1")); res.Outcome != recon.OutcomePermanent || !strings.Contains(res.Err, "Configure") {
		t.Errorf("unconfigured: %v %q", res.Outcome, res.Err)
	}
}

// Every order_status the simulator holds, through the client over loopback.
func TestEveryOrderStatus(t *testing.T) {
	p := mustProvider(t, simServer(t, NewSimulator()), nil)
	paidAt := demoTime
	for _, c := range []struct {
		order, status, sub, amount, refunded, settlement string
		paidAt, refundedAt                               time.Time
	}{
		{"DEMO-CREATED", "CREATED", "IN_PROG", "1000", "0", "1000", time.Time{}, time.Time{}},
		{"DEMO-PAID", "PAID", "SUCCESS", "1234", "0", "1234", paidAt, time.Time{}},
		{"DEMO-PAY_CANCELED", "PAY_CANCELED", "FAIL_CANCELED", "2000", "0", "2000", time.Time{}, time.Time{}},
		{"DEMO-PAY_ERROR", "PAY_ERROR", "FAIL_ERROR", "2100", "0", "2100", time.Time{}, time.Time{}},
		{"DEMO-REFUNDED", "REFUNDED", "SUCCESS", "5000", "5000", "3000", time.Time{}, paidAt.Add(2 * time.Hour)},
		{"DEMO-PARTIAL_REFUNDED", "PARTIAL_REFUNDED", "FAIL_CANCELED", "5000", "1000", "500", time.Time{}, time.Time{}},
		{"DEMO-REFUND_INPROGRESS", "REFUND_INPROGRESS", "IN_PROG", "5000", "1000", "1000", time.Time{}, time.Time{}},
		{"DEMO-REFUND_ERROR", "REFUND_ERROR", "REFUND_ERROR", "3000", "0", "3000", time.Time{}, time.Time{}},
		{"DEMO-CANCELED", "CANCELED", "SUCCESS", "1500", "0", "1500", time.Time{}, time.Time{}},
		{"DEMO-CANCEL_ERROR", "CANCEL_ERROR", "CANCEL_ERROR", "1500", "0", "1500", time.Time{}, time.Time{}},
		{"DEMO-CANCEL_INPROGRESS", "CANCEL_INPROGRESS", "IN_PROG", "1500", "0", "1500", time.Time{}, time.Time{}},
		{"DEMO-INVALID_STATUS_CODE", "INVALID_STATUS_CODE", "FAIL_ERROR", "1500", "0", "1500", time.Time{}, time.Time{}},
		{"DEMO-DOC-EXAMPLE", "PAID", "SUCCESS", "300000", "300000", "300000", paidAt, time.Time{}},
	} {
		t.Run(c.order, func(t *testing.T) {
			res := query(t, p, pay(c.order))
			if res.Outcome != recon.OutcomeFound {
				t.Fatalf("outcome %v: %s", res.Outcome, res.Err)
			}
			a := res.Answer
			if a.Status != c.status || a.SubStatus != c.sub {
				t.Errorf("status %s/%s, want %s/%s", a.Status, a.SubStatus, c.status, c.sub)
			}
			if i64(a.Amount) != c.amount || i64(a.Refunded) != c.refunded || a.Fields["settlement_amount"] != c.settlement {
				t.Errorf("amount %s refunded %s settlement %s, want %s %s %s",
					i64(a.Amount), i64(a.Refunded), a.Fields["settlement_amount"], c.amount, c.refunded, c.settlement)
			}
			if !a.PaidAt.Equal(c.paidAt) || !a.RefundedAt.Equal(c.refundedAt) {
				t.Errorf("paid_at %v refunded_at %v, want %v %v", a.PaidAt, a.RefundedAt, c.paidAt, c.refundedAt)
			}
			if a.Fields["client_sn"] != c.order || a.TradeNo == "" || a.Fields["sn"] != a.TradeNo || a.Fields["result_code"] != "200" {
				t.Errorf("fields %v", a.Fields)
			}
			if res.Request != "POST /upay/v2/query client_sn="+c.order || res.HTTPStatus != 200 || len(res.Raw) == 0 {
				t.Errorf("request %q HTTP %d raw %d bytes", res.Request, res.HTTPStatus, len(res.Raw))
			}
		})
	}
}

// Every refund flow status, asked with refund_request_no.
func TestEveryRefundFlowStatus(t *testing.T) {
	p := mustProvider(t, simServer(t, NewSimulator()), nil)
	for i, status := range []string{"SUCCESS", "IN_PROG", "CREATED", "FAIL_CANCELED", "FAIL_PROTOCOL_1", "FAIL_PROTOCOL_2",
		"FAIL_PROTOCOL_3", "FAIL_IO_1", "FAIL_IO_2", "FAIL_ERROR", "CANCEL_ERROR", "REFUND_ERROR"} {
		no := itoa2(i + 1)
		res := query(t, p, refundQ("DEMO-FLOWS", no))
		if res.Outcome != recon.OutcomeFound {
			t.Fatalf("refund %s: %v %s", no, res.Outcome, res.Err)
		}
		a := res.Answer
		if a.SubStatus != status || a.Status != "REFUND_INPROGRESS" || i64(a.RefundAmount) != itoa2((i+1)*100) ||
			i64(a.Refunded) != "100" || a.Fields["client_tsn"] != "DEMO-FLOWS-"+no {
			t.Errorf("refund %s: %s/%s refund_amount %s refunded %s tsn %s", no, a.Status, a.SubStatus,
				i64(a.RefundAmount), i64(a.Refunded), a.Fields["client_tsn"])
		}
		if (status == "SUCCESS") == a.RefundedAt.IsZero() || !a.PaidAt.IsZero() {
			t.Errorf("refund %s: refunded_at %v paid_at %v", no, a.RefundedAt, a.PaidAt)
		}
		if want := "POST /upay/v2/query client_sn=DEMO-FLOWS refund_request_no=" + no; res.Request != want {
			t.Errorf("request %q", res.Request)
		}
	}
}

func itoa2(v int) string {
	s := i64(recon.Int64(int64(v)))
	if len(s) < 2 {
		s = "0" + s
	}
	return s
}

func TestLookup(t *testing.T) {
	p := mustProvider(t, simServer(t, NewSimulator()), nil)
	for _, c := range []struct {
		name    string
		q       recon.Query
		outcome recon.Outcome
		order   string
	}{
		{"by sn only", recon.Query{Kind: recon.Payment, ProviderTradeNo: "7895259800000002"}, recon.OutcomeFound, "DEMO-PAID"},
		{"sn wins over client_sn", recon.Query{Kind: recon.Payment, OrderNo: "DEMO-CREATED", ProviderTradeNo: "7895259800000002"}, recon.OutcomeFound, "DEMO-PAID"},
		{"unknown sn falls back to client_sn", recon.Query{Kind: recon.Payment, OrderNo: "DEMO-CREATED", ProviderTradeNo: "1"}, recon.OutcomeFound, "DEMO-CREATED"},
		{"unknown order", pay("NOPE-1"), recon.OutcomeNotFound, ""},
		{"refund of unknown order", refundQ("NOPE-1", "01"), recon.OutcomeNotFound, ""},
		{"unknown refund", refundQ("DEMO-PAID", "01"), recon.OutcomeNotFound, ""},
	} {
		res := query(t, p, c.q)
		if res.Outcome != c.outcome || res.Answer.Fields["client_sn"] != c.order {
			t.Errorf("%s: %v %q (%s)", c.name, res.Outcome, res.Answer.Fields["client_sn"], res.Err)
		}
	}
	res := query(t, p, refundQ("DEMO-PAID", "01"))
	if res.Answer.Fields["biz_error_code"] != "REFUND_NOT_EXISTS" {
		t.Errorf("unknown refund answered %s", res.Raw)
	}
	res = query(t, p, pay("NOPE-1"))
	if res.Answer.Fields["biz_error_code"] != "UPAY_ORDER_NOT_EXISTS" {
		t.Errorf("unknown order answered %s", res.Raw)
	}
}

func TestWrongCredentials(t *testing.T) {
	url := simServer(t, NewSimulator())
	for _, c := range []struct {
		name, sn, key, code string
	}{
		{"wrong key", DemoTerminalSN, "0000000000000000000000000000000f", "ILLEGAL_SIGN"},
		{"unknown terminal", "100111220000000000", DemoTerminalKey, "TERMINAL_NOT_EXISTS"},
	} {
		p := mustProvider(t, url, map[string]string{CredTerminalSN: c.sn, CredTerminalKey: c.key})
		res := query(t, p, pay("DEMO-PAID"))
		if res.Outcome != recon.OutcomePermanent || !strings.Contains(res.Err, "400 "+c.code) || res.Answer.Fields["error_code"] != c.code {
			t.Errorf("%s: %v %q %v", c.name, res.Outcome, res.Err, res.Answer.Fields)
		}
		if strings.Contains(res.Err, c.key) || strings.Contains(res.Request, c.key) {
			t.Errorf("%s: key leaked", c.name)
		}
	}
}

// Scripted per-order faults: each gives the right outcome, then the order answers.
func TestScriptedFaults(t *testing.T) {
	sim := NewSimulator()
	p := mustProvider(t, simServer(t, sim), nil)
	for _, c := range []struct {
		kind   string
		n      int
		errHas string
	}{
		{FaultHTTP5xx, 2, "HTTP 503"},
		{FaultCode500, 1, "500 UNKNOWN_SYSTEM_ERROR"},
		{FaultMalformed, 1, "malformed answer"},
	} {
		sim.Script("DEMO-PAID", c.kind, c.n)
		for i := 0; i < c.n; i++ {
			res := query(t, p, pay("DEMO-PAID"))
			if res.Outcome != recon.OutcomeTransient || !strings.Contains(res.Err, c.errHas) {
				t.Errorf("%s #%d: %v %q", c.kind, i+1, res.Outcome, res.Err)
			}
			if res.Request != "POST /upay/v2/query client_sn=DEMO-PAID" {
				t.Errorf("%s: request %q", c.kind, res.Request)
			}
		}
		if res := query(t, p, pay("DEMO-PAID")); res.Outcome != recon.OutcomeFound {
			t.Errorf("%s: after the script: %v %q", c.kind, res.Outcome, res.Err)
		}
	}
	// Faults follow the order, whichever number it is asked by.
	sim.Script("DEMO-PAID", FaultHTTP5xx, -1)
	for i := 0; i < 3; i++ {
		res := query(t, p, recon.Query{Kind: recon.Payment, ProviderTradeNo: "7895259800000002"})
		if res.Outcome != recon.OutcomeTransient || res.HTTPStatus != 503 {
			t.Errorf("permanent 5xx #%d: %v HTTP %d", i+1, res.Outcome, res.HTTPStatus)
		}
	}
	counts := sim.Faults().Counts()
	if counts["scripted_http_5xx"] != 5 || counts["scripted_code_500"] != 1 || counts["scripted_malformed"] != 1 {
		t.Errorf("counts %v", counts)
	}
}

// A scripted slow answer outlasts the attempt's deadline: transient timeout.
func TestScriptedSlow(t *testing.T) {
	sim := NewSimulator()
	if err := sim.LoadScenario([]byte("slow_delay: 1m\norders:\n  - {client_sn: S1, total_amount: 100, faults: {slow: 1}}\n")); err != nil {
		t.Fatal(err)
	}
	p := mustProvider(t, simServer(t, sim), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	res := p.Query(ctx, pay("S1"))
	if res.Outcome != recon.OutcomeTransient || !strings.Contains(res.Err, "timeout") {
		t.Errorf("slow: %v %q", res.Outcome, res.Err)
	}
	if res := query(t, p, pay("S1")); res.Outcome != recon.OutcomeFound {
		t.Errorf("after slow: %v %q", res.Outcome, res.Err)
	}
}

// Generic faults of simkit.Injector and upay's own "busy".
func TestInjectedFaults(t *testing.T) {
	sim := NewSimulator()
	p := mustProvider(t, simServer(t, sim), nil)
	for _, c := range []struct {
		name   string
		f      simkit.Faults
		errHas string
		count  string
	}{
		{"5xx", simkit.Faults{ErrorRate: 1}, "HTTP 503", "5xx"},
		{"malformed", simkit.Faults{MalformedRate: 1}, "malformed answer", "malformed"},
		{"busy", simkit.Faults{Extra: map[string]float64{ExtraBusy: 1}}, "500 MAINTENANCE_INPROGRESS", ExtraBusy},
	} {
		sim.Faults().Set(c.f)
		res := query(t, p, pay("DEMO-PAID"))
		if res.Outcome != recon.OutcomeTransient || !strings.Contains(res.Err, c.errHas) {
			t.Errorf("%s: %v %q", c.name, res.Outcome, res.Err)
		}
		if sim.Faults().Counts()[c.count] != 1 {
			t.Errorf("%s: counts %v", c.name, sim.Faults().Counts())
		}
	}
	sim.Faults().Set(simkit.Faults{})
	if res := query(t, p, pay("DEMO-PAID")); res.Outcome != recon.OutcomeFound {
		t.Errorf("no faults: %v %q", res.Outcome, res.Err)
	}
}
