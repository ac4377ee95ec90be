package upay_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
	"github.com/reconhq/recon/plugins/upay"
	"github.com/reconhq/recon/plugins/upay/sim"
)

// Every order_status the simulator holds, through the client over loopback.
func TestEveryOrderStatus(t *testing.T) {
	p := mustProvider(t, simServer(t, sim.New()), nil)
	paidAt := sim.DemoTime
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
			if a.OrderNo != c.order {
				t.Errorf("order_no %q", a.OrderNo)
			}
			if err := pay(c.order).Check(&res); err != nil {
				t.Errorf("Check: %v", err)
			}
			if res.Request != "POST /upay/v2/query client_sn="+c.order || res.HTTPStatus != 200 || len(res.Raw) == 0 {
				t.Errorf("request %q HTTP %d raw %d bytes", res.Request, res.HTTPStatus, len(res.Raw))
			}
		})
	}
}

// Every refund flow status, asked with refund_request_no.
func TestEveryRefundFlowStatus(t *testing.T) {
	p := mustProvider(t, simServer(t, sim.New()), nil)
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
		if a.OrderNo != "DEMO-FLOWS" || a.RefundNo != no || a.RefundTradeNo != "" {
			t.Errorf("refund %s: identity %q/%q/%q", no, a.OrderNo, a.RefundNo, a.RefundTradeNo)
		}
		if err := refundQ("DEMO-FLOWS", no).Check(&res); err != nil {
			t.Errorf("refund %s: Check: %v", no, err)
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
	p := mustProvider(t, simServer(t, sim.New()), nil)
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
	url := simServer(t, sim.New())
	for _, c := range []struct {
		name, sn, key, code string
		named               bool // the error names terminal_sn, for `recon check --ping`
	}{
		{"wrong key", sim.DemoTerminalSN, "0000000000000000000000000000000f", "ILLEGAL_SIGN", false},
		{"unknown terminal", "100111220000000000", sim.DemoTerminalKey, "TERMINAL_NOT_EXISTS", true},
	} {
		p := mustProvider(t, url, map[string]string{upay.CredTerminalSN: c.sn, upay.CredTerminalKey: c.key})
		res := query(t, p, pay("DEMO-PAID"))
		if res.Outcome != recon.OutcomePermanent || !strings.Contains(res.Err, "400 "+c.code) || res.Answer.Fields["error_code"] != c.code {
			t.Errorf("%s: %v %q %v", c.name, res.Outcome, res.Err, res.Answer.Fields)
		}
		if mentionsWord(res.Err, upay.CredTerminalSN) != c.named || mentionsWord(res.Err, upay.CredTerminalKey) {
			t.Errorf("%s: %q; want terminal_sn named: %v, terminal_key never", c.name, res.Err, c.named)
		}
		if strings.Contains(res.Err, c.key) || strings.Contains(res.Request, c.key) {
			t.Errorf("%s: key leaked", c.name)
		}
	}
}

// Scripted per-order faults: each gives the right outcome, then the order answers.
func TestScriptedFaults(t *testing.T) {
	s := sim.New()
	p := mustProvider(t, simServer(t, s), nil)
	for _, c := range []struct {
		kind   script.Fault
		n      int
		errHas string
	}{
		{script.HTTP5xx, 2, "HTTP 503"},
		{script.Busy, 1, "500 UNKNOWN_SYSTEM_ERROR"},
		{script.Malformed, 1, "malformed answer"},
	} {
		if err := s.Script("DEMO-PAID", c.kind, c.n); err != nil {
			t.Fatal(err)
		}
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
	if err := s.Script("DEMO-PAID", script.HTTP5xx, script.Always); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		res := query(t, p, recon.Query{Kind: recon.Payment, ProviderTradeNo: "7895259800000002"})
		if res.Outcome != recon.OutcomeTransient || res.HTTPStatus != 503 {
			t.Errorf("permanent 5xx #%d: %v HTTP %d", i+1, res.Outcome, res.HTTPStatus)
		}
	}
	counts := s.Faults().Counts()
	if counts["scripted_http_5xx"] != 5 || counts["scripted_busy"] != 1 || counts["scripted_malformed"] != 1 {
		t.Errorf("counts %v", counts)
	}
}

// A scripted slow or hung answer outlasts the attempt's deadline: a
// transient timeout, and the next query is answered.
func TestScriptedSlowAndHang(t *testing.T) {
	for _, f := range []script.Fault{script.Slow, script.Hang} {
		t.Run(string(f), func(t *testing.T) {
			s := sim.New()
			if err := s.LoadScenario([]byte("slow_delay: 1m\norders:\n  - {client_sn: S1, total_amount: 100, faults: {" + string(f) + ": 1}}\n")); err != nil {
				t.Fatal(err)
			}
			p := mustProvider(t, simServer(t, s), nil)
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			res := p.Query(ctx, pay("S1"))
			if res.Outcome != recon.OutcomeTransient || !strings.Contains(res.Err, "timeout") {
				t.Errorf("%s: %v %q", f, res.Outcome, res.Err)
			}
			if res := query(t, p, pay("S1")); res.Outcome != recon.OutcomeFound {
				t.Errorf("after %s: %v %q", f, res.Outcome, res.Err)
			}
		})
	}
}

// A fault without a key meets the next request, whatever it asks; an
// order's own faults come first.
func TestScriptedAnyRequest(t *testing.T) {
	s := sim.New()
	if err := s.Script("", script.Busy, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Script("DEMO-PAID", script.HTTP5xx, 1); err != nil {
		t.Fatal(err)
	}
	p := mustProvider(t, simServer(t, s), nil)
	for i, c := range []struct {
		order  string
		errHas string
	}{
		{"DEMO-PAID", "HTTP 503"},
		{"NOPE-1", "500 UNKNOWN_SYSTEM_ERROR"},
		{"DEMO-PAID", ""},
	} {
		res := query(t, p, pay(c.order))
		switch {
		case c.errHas == "" && res.Outcome == recon.OutcomeTransient:
			t.Errorf("#%d %s: %v %q, want no fault", i+1, c.order, res.Outcome, res.Err)
		case c.errHas != "" && (res.Outcome != recon.OutcomeTransient || !strings.Contains(res.Err, c.errHas)):
			t.Errorf("#%d %s: %v %q, want %s", i+1, c.order, res.Outcome, res.Err, c.errHas)
		}
	}
}

// Generic faults of simkit.Injector and upay's own "busy".
func TestInjectedFaults(t *testing.T) {
	s := sim.New()
	p := mustProvider(t, simServer(t, s), nil)
	for _, c := range []struct {
		name   string
		f      simkit.Faults
		errHas string
		count  string
	}{
		{"5xx", simkit.Faults{ErrorRate: 1}, "HTTP 503", string(script.HTTP5xx)},
		{"malformed", simkit.Faults{MalformedRate: 1}, "malformed answer", "malformed"},
		{"busy", simkit.Faults{Extra: map[string]float64{string(script.Busy): 1}}, "500 MAINTENANCE_INPROGRESS", string(script.Busy)},
	} {
		s.Faults().Set(c.f)
		res := query(t, p, pay("DEMO-PAID"))
		if res.Outcome != recon.OutcomeTransient || !strings.Contains(res.Err, c.errHas) {
			t.Errorf("%s: %v %q", c.name, res.Outcome, res.Err)
		}
		if s.Faults().Counts()[c.count] != 1 {
			t.Errorf("%s: counts %v", c.name, s.Faults().Counts())
		}
	}
	s.Faults().Set(simkit.Faults{})
	if res := query(t, p, pay("DEMO-PAID")); res.Outcome != recon.OutcomeFound {
		t.Errorf("no faults: %v %q", res.Outcome, res.Err)
	}
}

// identityError fails unless err is an *recon.IdentityError on field whose
// message names both numbers.
func identityError(t *testing.T, err error, field, asked, answered string) {
	t.Helper()
	var ie *recon.IdentityError
	if !errors.As(err, &ie) {
		t.Errorf("Check: %v, want an *recon.IdentityError", err)
		return
	}
	if ie.Field != field || ie.Asked != asked || ie.Answered != answered ||
		!strings.Contains(ie.Error(), asked) || !strings.Contains(ie.Error(), answered) {
		t.Errorf("Check: %#v (%v), want %s asked %q answered %q", ie, ie, field, asked, answered)
	}
}

// A scripted other_order answer is a well-formed SUCCESS about another paid
// order: the plugin reports it as upay sent it, with the other order's
// identity, and Query.Check refuses it; the next answer is the order's own.
func TestOtherOrder(t *testing.T) {
	s := sim.New()
	const scenario = `orders:
  - {client_sn: A-1, sn: "7895000000000001", total_amount: 100, order_status: CREATED}
  - {client_sn: B-1, sn: "7895000000000002", total_amount: 500, refunds: [{refund_request_no: "01", amount: 200}]}
  - {client_sn: Z-PAID, sn: "7895000000000099", total_amount: 999}
`
	if err := s.LoadScenario([]byte(scenario)); err != nil {
		t.Fatal(err)
	}
	p := mustProvider(t, simServer(t, s), nil)

	for _, q := range []recon.Query{pay("A-1"), refundQ("B-1", "01"), pay("NOPE-1")} {
		if err := s.Script(q.OrderNo, sim.OtherOrder, 1); err != nil {
			t.Fatal(err)
		}
		res := query(t, p, q)
		a := res.Answer
		if res.Outcome != recon.OutcomeFound || a.OrderNo != "Z-PAID" || a.TradeNo != "7895000000000099" ||
			a.Status != "PAID" || i64(a.Amount) != "999" || a.RefundNo != "" {
			t.Fatalf("%s: %v %s %+v", q.OrderNo, res.Outcome, res.Err, a)
		}
		identityError(t, q.Check(&res), "order_no", q.OrderNo, "Z-PAID")
		// The script is used up: the order's own answer, which passes.
		res = query(t, p, q)
		if err := q.Check(&res); err != nil || (q.OrderNo != "NOPE-1" && res.Answer.OrderNo != q.OrderNo) {
			t.Errorf("%s after the script: %v %q: %v", q.OrderNo, res.Outcome, res.Answer.OrderNo, err)
		}
	}
	if n := s.Faults().Counts()["scripted_other_order"]; n != 3 {
		t.Errorf("scripted_other_order counted %d, want 3", n)
	}

	// Scripted for every request: one paid order answers for all of them,
	// and asked about itself, another (here made up: no other order is paid).
	if err := s.Script("", sim.OtherOrder, script.Always); err != nil {
		t.Fatal(err)
	}
	for _, order := range []string{"A-1", "B-1", "NOPE-2"} {
		res := query(t, p, pay(order))
		identityError(t, pay(order).Check(&res), "order_no", order, "Z-PAID")
	}
	res := query(t, p, pay("Z-PAID"))
	if res.Outcome != recon.OutcomeFound || res.Answer.OrderNo == "Z-PAID" || res.Answer.OrderNo == "" {
		t.Fatalf("Z-PAID asked: %v %q", res.Outcome, res.Answer.OrderNo)
	}
	identityError(t, pay("Z-PAID").Check(&res), "order_no", "Z-PAID", res.Answer.OrderNo)
	if err := s.Script("", sim.OtherOrder, 0); err != nil {
		t.Fatal(err)
	}

	// The random rate of the same fault.
	s.Faults().Set(simkit.Faults{Extra: map[string]float64{string(sim.OtherOrder): 1}})
	res = query(t, p, pay("A-1"))
	identityError(t, pay("A-1").Check(&res), "order_no", "A-1", "Z-PAID")
	s.Faults().Set(simkit.Faults{})
}

// The ledger's provider_trade_no decides which order upay answers about (it
// looks up sn first), and the answer's own numbers show when that is not
// the ledger row's order.
func TestLedgerTradeNoIdentity(t *testing.T) {
	p := mustProvider(t, simServer(t, sim.New()), nil)
	// Another order's sn: upay answers about that order (DEMO-PAID).
	q := recon.Query{Kind: recon.Payment, OrderNo: "DEMO-CREATED", ProviderTradeNo: "7895259800000002", Attempt: 1}
	res := query(t, p, q)
	if res.Outcome != recon.OutcomeFound || res.Answer.OrderNo != "DEMO-PAID" || res.Answer.TradeNo != "7895259800000002" {
		t.Fatalf("%v %+v", res.Outcome, res.Answer)
	}
	identityError(t, q.Check(&res), "order_no", "DEMO-CREATED", "DEMO-PAID")
	// An sn upay does not know: it falls back to client_sn, and the answer's
	// sn is not the ledger's.
	q.ProviderTradeNo = "7895259899999990"
	res = query(t, p, q)
	if res.Outcome != recon.OutcomeFound || res.Answer.OrderNo != "DEMO-CREATED" {
		t.Fatalf("%v %+v", res.Outcome, res.Answer)
	}
	identityError(t, q.Check(&res), "provider_trade_no", "7895259899999990", "7895259800000001")
	// The ledger's own sn: the answer passes.
	q.ProviderTradeNo = "7895259800000001"
	if res = query(t, p, q); q.Check(&res) != nil {
		t.Errorf("own sn: %v", q.Check(&res))
	}
}

// Every row the simulator plants, asked as the host asks it: no normal
// answer fails Query.Check, whatever its outcome.
func TestPlantedAnswersPassCheck(t *testing.T) {
	s := sim.New()
	cases := s.Plant(rand.New(rand.NewPCG(7, 7)), 60)
	p := mustProvider(t, simServer(t, s), nil)
	found := 0
	for _, c := range cases {
		q := recon.Query{Kind: c.Kind, OrderNo: c.OrderNo, ProviderTradeNo: c.ProviderTradeNo, RefundNo: c.RefundNo, Attempt: 1}
		res := query(t, p, q)
		if res.Outcome == recon.OutcomeFound {
			found++
		}
		if err := q.Check(&res); err != nil {
			t.Errorf("%s %s %s: %v", c.Kind, c.OrderNo, c.RefundNo, err)
		}
	}
	if found < len(cases)/2 {
		t.Errorf("only %d of %d rows found", found, len(cases))
	}
}
