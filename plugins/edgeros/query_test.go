package edgeros_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/edgeros"
	edgerossim "github.com/reconhq/recon/plugins/edgeros/sim"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
)

// Queries through the client against the simulator over loopback HTTP.

// One simulator (two RSA-2048 keys) serves the tests that leave its fault
// rates alone; tests that set rates make their own.
var (
	sharedOnce sync.Once
	shared     *edgerossim.Simulator
	sharedURL  string
)

func sharedSim(t *testing.T) (*edgerossim.Simulator, string) {
	t.Helper()
	sharedOnce.Do(func() {
		shared = edgerossim.New()
		srv := httptest.NewServer(shared) // lives for the test binary
		sharedURL = srv.URL
	})
	return shared, sharedURL
}

// simProvider configures a client with the simulator's account; edit
// changes credentials first.
func simProvider(t *testing.T, sim *edgerossim.Simulator, url string, edit func(c map[string]string)) *edgeros.Provider {
	t.Helper()
	acct := sim.Account()
	if edit != nil {
		edit(acct.Credentials)
	}
	p := edgeros.New()
	loc, err := time.LoadLocation(acct.Timezone)
	if err != nil { // no tzdata: the zone's offset will do
		loc = time.FixedZone("CST", 8*60*60)
	}
	if err := p.Configure(context.Background(), plugins.Account{Name: "sim", Endpoint: url, Currency: acct.Currency,
		Location: loc, Credentials: acct.Credentials}); err != nil {
		t.Fatal(err)
	}
	return p
}

func fen(v int64) *int64 { return &v }

// TestSimulatorEveryCode: every trade and refund code of the default
// scenario, through the client over loopback HTTP.
func TestSimulatorEveryCode(t *testing.T) {
	sim, url := sharedSim(t)
	p := simProvider(t, sim, url, nil)
	for _, c := range []struct {
		q      recon.Query
		status string
		amount *int64
		refund *int64
		paid   bool
	}{
		{edgeros.QueryPayment("EGD-SUCCESS", ""), "SUCCESS", fen(1), nil, true},
		{edgeros.QueryPayment("EGD-REFUND", ""), "REFUND", fen(10000), nil, true},
		{edgeros.QueryPayment("EGD-NOTPAY", ""), "NOTPAY", fen(1234), nil, false},
		{edgeros.QueryPayment("EGD-USERPAYING", ""), "USERPAYING", fen(500), nil, false},
		{edgeros.QueryPayment("EGD-CLOSED", ""), "CLOSED", fen(880), nil, false},
		{edgeros.QueryPayment("EGD-REVOKED", ""), "REVOKED", fen(990), nil, false},
		{edgeros.QueryPayment("EGD-PAYERROR", ""), "PAYERROR", fen(6660), nil, false},
		{edgeros.QueryRefund("EGD-REFUND", "EGD-R-SUCCESS"), "SUCCESS", nil, fen(3000), true},
		{edgeros.QueryRefund("EGD-REFUND", "EGD-R-PROCESSING"), "PROCESSING", nil, fen(2000), false},
		{edgeros.QueryRefund("EGD-REFUND", "EGD-R-ABNORMAL"), "ABNORMAL", nil, fen(1000), false},
		{edgeros.QueryRefund("EGD-REFUND", "EGD-R-CLOSED"), "CLOSED", nil, fen(500), false},
	} {
		name := c.q.OrderNo + "/" + c.q.RefundNo
		res := p.Query(context.Background(), c.q)
		if res.Outcome != recon.OutcomeFound || !res.Verified || res.HTTPStatus != 200 {
			t.Errorf("%s: outcome %v verified %v (%s)", name, res.Outcome, res.Verified, res.Err)
			continue
		}
		a := res.Answer
		if a.Status != c.status || !eqAmount(a.Amount, c.amount) || !eqAmount(a.RefundAmount, c.refund) ||
			a.Refunded != nil || a.Currency != "CNY" || len(a.TradeNo) != 32 {
			t.Errorf("%s: answer %+v", name, a)
		}
		if a.OrderNo != c.q.OrderNo || a.TradeNo != a.Fields["transaction_no"] {
			t.Errorf("%s: identity %q %q, fields %v", name, a.OrderNo, a.TradeNo, a.Fields)
		}
		if err := c.q.Check(&res); err != nil {
			t.Errorf("%s: the host's check refuses a normal answer: %v", name, err)
		}
		at := a.PaidAt
		if c.q.Kind == recon.Refund {
			at = a.RefundedAt
			if len(a.RefundTradeNo) != 32 || a.RefundTradeNo != a.Fields["refund_no"] ||
				a.RefundNo != c.q.RefundNo || a.Fields["mch_refund_no"] != c.q.RefundNo {
				t.Errorf("%s: refund numbers %q %q %q", name, a.RefundNo, a.RefundTradeNo, a.Fields["mch_refund_no"])
			}
		} else if a.RefundNo != "" || a.RefundTradeNo != "" {
			t.Errorf("%s: a trade answer states refund %q %q", name, a.RefundNo, a.RefundTradeNo)
		}
		if at.IsZero() == c.paid {
			t.Errorf("%s: time %v", name, at)
		}
		if a.Fields["code"] != c.status || a.Fields["sign_type"] != "SHA256withRSA" || a.Fields["sign"] != "" {
			t.Errorf("%s: fields %v", name, a.Fields)
		}
	}
	// HTML characters in a signed field survive the simulator's escaping.
	res := p.Query(context.Background(), edgeros.QueryPayment("EGD-REFUND", ""))
	if res.Answer.Fields["extra"] != "套餐A&B <限时>" || !strings.Contains(string(res.Raw), `\u0026`) {
		t.Errorf("extra %q raw %s", res.Answer.Fields["extra"], res.Raw)
	}
	// transaction_no wins, and the answer for it is checked against the order asked.
	txn := res.Answer.TradeNo
	q := edgeros.QueryPayment("EGD-REFUND", txn)
	if res := p.Query(context.Background(), q); res.Outcome != recon.OutcomeFound || q.Check(&res) != nil {
		t.Errorf("by both numbers: %v %s %v", res.Outcome, res.Err, q.Check(&res))
	}
	if res := p.Query(context.Background(), edgeros.QueryPayment("", txn)); res.Outcome != recon.OutcomeFound || res.Answer.Fields["mch_trade_no"] != "EGD-REFUND" {
		t.Errorf("by transaction_no only: %v %s", res.Outcome, res.Err)
	}
	if res := p.Query(context.Background(), edgeros.QueryPayment("EGD-SUCCESS", txn)); res.Outcome != recon.OutcomeUnverifiable ||
		!strings.Contains(res.Err, `answer is about mch_trade_no "EGD-REFUND", not "EGD-SUCCESS"`) || res.Answer.OrderNo != "EGD-REFUND" {
		t.Errorf("ledger's transaction_no of another order: %v %s", res.Outcome, res.Err)
	}
}

func eqAmount(a, b *int64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

// TestSimulatorNotFound: unknown orders are 1007, unknown refunds 1008, both
// signed: NOT_FOUND, verified.
func TestSimulatorNotFound(t *testing.T) {
	sim, url := sharedSim(t)
	p := simProvider(t, sim, url, nil)
	for _, c := range []struct {
		q   recon.Query
		err string
	}{
		{edgeros.QueryPayment("NOPE-1", ""), "edgeros: platform status 1007 ORDER_NOT_EXIST: 此订单不存在!"},
		{edgeros.QueryPayment("", "ffffffffffffffffffffffffffffffff"), "edgeros: platform status 1007 ORDER_NOT_EXIST: 此订单不存在!"},
		{edgeros.QueryRefund("EGD-REFUND", "NOPE-R"), "edgeros: platform status 1008 REFUND_NOT_EXIST: 此退款单不存在!"},
	} {
		res := p.Query(context.Background(), c.q)
		if res.Outcome != recon.OutcomeNotFound || !res.Verified || res.Err != c.err {
			t.Errorf("%+v: outcome %v verified %v err %q", c.q, res.Outcome, res.Verified, res.Err)
		}
	}
}

// TestSimulatorWrongCredentials: the simulator refuses a request signed
// with another key or from another merchant (PERMANENT); an answer checked
// with another platform key is UNVERIFIABLE.
func TestSimulatorWrongCredentials(t *testing.T) {
	sim, url := sharedSim(t)
	other := string(edgeros.MustRead(t, "openssl/merchant_key.pem"))
	otherPub := string(edgeros.MustRead(t, "openssl/platform_pub.pem"))
	for _, c := range []struct {
		name    string
		edit    func(c map[string]string)
		outcome recon.Outcome
		err     string
	}{
		{"another merchant key", func(c map[string]string) { c[edgeros.CredMerchantPrivateKey] = other },
			recon.OutcomePermanent, "edgeros: platform status 1002 SIGN_ERROR: 签名验证失败!"},
		{"another mch_no", func(c map[string]string) { c[edgeros.CredMchNo] = "MCH9" },
			recon.OutcomePermanent, "edgeros: platform status 1003 MCH_NOT_EXIST: 商户不存在!"},
		{"another platform key", func(c map[string]string) { c[edgeros.CredPlatformPublicKey] = otherPub },
			recon.OutcomeUnverifiable, "edgeros: platform signature: signature does not verify"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := simProvider(t, sim, url, c.edit)
			res := p.Query(context.Background(), edgeros.QueryPayment("EGD-SUCCESS", ""))
			if res.Outcome != c.outcome || res.Err != c.err {
				t.Fatalf("outcome %v err %q, want %v %q", res.Outcome, res.Err, c.outcome, c.err)
			}
			if strings.Contains(res.Err, "PRIVATE KEY") || strings.Contains(res.Request, "sign") {
				t.Errorf("secret-looking text in %q / %q", res.Err, res.Request)
			}
		})
	}
}

// TestSimulatorScriptedFaults: scripted faults per order, each to
// its outcome, then the order answers normally again.
func TestSimulatorScriptedFaults(t *testing.T) {
	sim, url := sharedSim(t)
	p := simProvider(t, sim, url, nil)
	for _, c := range []struct {
		fault   script.Fault
		q       recon.Query
		outcome recon.Outcome
		err     string
	}{
		{script.HTTP5xx, edgeros.QueryPayment("EGD-CLOSED", ""), recon.OutcomeTransient, "edgeros: HTTP 503 Service Unavailable"},
		{script.Malformed, edgeros.QueryPayment("EGD-CLOSED", ""), recon.OutcomeTransient, "edgeros: malformed answer: malformed JSON object: member \"data\": unexpected end of input"},
		{script.BadSign, edgeros.QueryPayment("EGD-CLOSED", ""), recon.OutcomeUnverifiable, "edgeros: platform signature: signature does not verify"},
		{script.Tamper, edgeros.QueryPayment("EGD-CLOSED", ""), recon.OutcomeUnverifiable, "edgeros: platform signature: signature does not verify"},
		{script.NoSign, edgeros.QueryPayment("EGD-CLOSED", ""), recon.OutcomeUnverifiable, "edgeros: status 200 answer without data.sign"},
		{script.Replay, edgeros.QueryPayment("EGD-CLOSED", ""), recon.OutcomeUnverifiable, "does not echo the request's nonce"},
		{script.BadSign, edgeros.QueryRefund("EGD-REFUND", "EGD-R-CLOSED"), recon.OutcomeUnverifiable, "edgeros: platform signature: signature does not verify"},
		{script.Tamper, edgeros.QueryRefund("EGD-REFUND", "EGD-R-CLOSED"), recon.OutcomeUnverifiable, "edgeros: platform signature: signature does not verify"},
		{script.BadSign, edgeros.QueryPayment("NOPE-2", ""), recon.OutcomeUnverifiable, "edgeros: platform signature: signature does not verify"},
	} {
		key := c.q.OrderNo
		if c.q.Kind == recon.Refund {
			key = c.q.RefundNo
		}
		t.Run(string(c.fault)+"/"+key, func(t *testing.T) {
			if err := sim.Script(key, c.fault, 2); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 2; i++ {
				res := p.Query(context.Background(), c.q)
				if res.Outcome != c.outcome || !strings.Contains(res.Err, c.err) || res.Verified {
					t.Fatalf("attempt %d: outcome %v err %q, want %v %q", i+1, res.Outcome, res.Err, c.outcome, c.err)
				}
			}
			res := p.Query(context.Background(), c.q)
			if res.Outcome == c.outcome {
				t.Fatalf("third attempt still %v (%s)", res.Outcome, res.Err)
			}
		})
	}
	if err := sim.Script("X", "nonsense", 1); err == nil {
		t.Error("unknown fault accepted")
	}
}

// TestSimulatorRandomFaults: the injector's rates (generic and Extra), each
// alone at rate 1.
func TestSimulatorRandomFaults(t *testing.T) {
	sim := edgerossim.New()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	p := simProvider(t, sim, srv.URL, nil)
	for _, c := range []struct {
		name    string
		f       simkit.Faults
		outcome recon.Outcome
	}{
		{"http_5xx", simkit.Faults{ErrorRate: 1}, recon.OutcomeTransient},
		{"malformed", simkit.Faults{MalformedRate: 1}, recon.OutcomeTransient},
		{"badsign", simkit.Faults{Extra: map[string]float64{"badsign": 1}}, recon.OutcomeUnverifiable},
		{"tamper", simkit.Faults{Extra: map[string]float64{"tamper": 1}}, recon.OutcomeUnverifiable},
		{"nosign", simkit.Faults{Extra: map[string]float64{"nosign": 1}}, recon.OutcomeUnverifiable},
		{"replay", simkit.Faults{Extra: map[string]float64{"replay": 1}}, recon.OutcomeUnverifiable},
		{"other_order", simkit.Faults{Extra: map[string]float64{"other_order": 1}}, recon.OutcomeUnverifiable},
		{"none", simkit.Faults{}, recon.OutcomeFound},
	} {
		sim.Faults().Set(c.f)
		res := p.Query(context.Background(), edgeros.QueryPayment("EGD-SUCCESS", ""))
		if res.Outcome != c.outcome {
			t.Errorf("%s: outcome %v (%s), want %v", c.name, res.Outcome, res.Err, c.outcome)
		}
		if n := sim.Faults().Counts()[c.name]; c.name != "none" && n != 1 {
			t.Errorf("%s: counted %d", c.name, n)
		}
	}
	// Slow: the attempt's deadline passes first (no timing asserted, only the outcome).
	sim.Faults().Set(simkit.Faults{SlowRate: 1, SlowDelay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if res := p.Query(ctx, edgeros.QueryPayment("EGD-SUCCESS", "")); res.Outcome != recon.OutcomeTransient || res.Err != "edgeros: timeout" {
		t.Errorf("slow: outcome %v err %q", res.Outcome, res.Err)
	}
	sim.Faults().Set(simkit.Faults{})
}

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
  - {key: SC-2, fault: http_5xx, times: 1}
faults:
  error_rate: 0
  extra: {badsign: 0}
`

// TestLoadScenario: a scenario's merchant, data and scripted faults, as
// the client sees them.
func TestLoadScenario(t *testing.T) {
	sim := edgerossim.New()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	if err := sim.LoadScenario([]byte(testScenario)); err != nil {
		t.Fatal(err)
	}
	acct := sim.Account()
	if acct.Credentials[edgeros.CredMchNo] != "MCH-SC" || acct.Credentials[edgeros.CredAppNo] != "APP-SC" ||
		!strings.HasPrefix(acct.Credentials[edgeros.CredMerchantPrivateKey], "-----BEGIN PRIVATE KEY-----") ||
		!strings.HasPrefix(acct.Credentials[edgeros.CredPlatformPublicKey], "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("account %+v", acct)
	}
	p := simProvider(t, sim, srv.URL, nil)
	ctx := context.Background()

	res := p.Query(ctx, edgeros.QueryPayment("SC-1", "T-SC-1"))
	if res.Outcome != recon.OutcomeFound || res.Answer.Status != "SUCCESS" || *res.Answer.Amount != 1234 ||
		res.Answer.Fields["extra"] != "a<b>&c" || res.Answer.Fields["app_no"] != "APP-SC" || res.Answer.Fields["mch_no"] != "MCH-SC" ||
		res.Answer.Fields["description"] != "支付成功" {
		t.Errorf("SC-1: %v %s %+v", res.Outcome, res.Err, res.Answer)
	}
	if res := p.Query(ctx, edgeros.QueryPayment("SC-2", "")); res.Outcome != recon.OutcomeTransient {
		t.Errorf("SC-2 first: %v", res.Outcome)
	}
	if res := p.Query(ctx, edgeros.QueryPayment("SC-2", "")); res.Outcome != recon.OutcomeFound || res.Answer.Status != "WEIRD" {
		t.Errorf("SC-2 second: %v %s", res.Outcome, res.Answer.Status)
	}
	res = p.Query(ctx, edgeros.QueryRefund("SC-1", "SC-1-R1"))
	if res.Outcome != recon.OutcomeFound || res.Answer.Status != "PROCESSING" || *res.Answer.RefundAmount != 200 ||
		res.Answer.TradeNo != "T-SC-1" || len(res.Answer.RefundTradeNo) != 32 {
		t.Errorf("refund: %v %s %+v", res.Outcome, res.Err, res.Answer)
	}
	// The default data is gone.
	if res := p.Query(ctx, edgeros.QueryPayment("EGD-SUCCESS", "")); res.Outcome != recon.OutcomeNotFound {
		t.Errorf("default order still there: %v", res.Outcome)
	}
}

// TestSimulatorOtherOrder: a platform answering, authentically, about
// another order than the one asked. The answer's identity is the other
// order's, as the platform sent it; the plugin refuses it, naming both
// numbers, and the host's check refuses the same answer taken as found, so
// that neither alone is what stands between it and a false MATCHED. Once
// the fault is used up, the order's own answer passes the host's check.
func TestSimulatorOtherOrder(t *testing.T) {
	sim := edgerossim.New()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	p := simProvider(t, sim, srv.URL, nil)
	ctx := context.Background()
	txn := func(orderNo string) string {
		res := p.Query(ctx, edgeros.QueryPayment(orderNo, ""))
		if res.Outcome != recon.OutcomeFound {
			t.Fatalf("%s: %v %s", orderNo, res.Outcome, res.Err)
		}
		return res.Answer.TradeNo
	}
	for _, c := range []struct {
		name      string
		q         recon.Query
		key       string
		otherNo   string // the other record's mch_trade_no, or mch_refund_no for a refund
		hostField string
	}{
		{"unpaid order answered with a paid one", edgeros.QueryPayment("EGD-CLOSED", ""), "EGD-CLOSED", "EGD-SUCCESS", "order_no"},
		{"paid order answered with another paid one", edgeros.QueryPayment("EGD-SUCCESS", ""), "EGD-SUCCESS", "EGD-REFUND", "order_no"},
		{"with the ledger's provider_trade_no", edgeros.QueryPayment("EGD-NOTPAY", txn("EGD-NOTPAY")), "EGD-NOTPAY", "EGD-SUCCESS", "order_no"},
		{"unknown order answered with a paid one", edgeros.QueryPayment("NOPE-3", ""), "NOPE-3", "EGD-SUCCESS", "order_no"},
		{"refund answered with another refund", edgeros.QueryRefund("EGD-REFUND", "EGD-R-CLOSED"), "EGD-R-CLOSED", "EGD-R-SUCCESS", "refund_no"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := sim.Script(c.key, edgerossim.OtherOrder, 1); err != nil {
				t.Fatal(err)
			}
			res := p.Query(ctx, c.q)
			a := res.Answer
			asked, answered := c.q.OrderNo, a.OrderNo
			if c.q.Kind == recon.Refund {
				asked, answered = c.q.RefundNo, a.RefundNo
			}
			if code := a.Fields["code"]; answered != c.otherNo || code != "SUCCESS" && code != "REFUND" {
				t.Fatalf("answer about %q (code %s), want the other, paid record %q: %+v", answered, code, c.otherNo, a)
			}
			if c.q.Kind == recon.Payment && a.TradeNo != txn(c.otherNo) {
				t.Errorf("TradeNo %q is not %s's", a.TradeNo, c.otherNo)
			}
			if res.Outcome != recon.OutcomeUnverifiable || res.Verified || a.Status != "" ||
				!strings.Contains(res.Err, strconv.Quote(asked)) || !strings.Contains(res.Err, strconv.Quote(answered)) {
				t.Errorf("plugin: outcome %v verified %v status %q err %q, want UNVERIFIABLE naming %q and %q",
					res.Outcome, res.Verified, a.Status, res.Err, asked, answered)
			}

			found := res
			found.Outcome = recon.OutcomeFound
			var ie *recon.IdentityError
			err := c.q.Check(&found)
			if !errors.As(err, &ie) || ie.Field != c.hostField || ie.Asked != asked || ie.Answered != answered ||
				!strings.Contains(err.Error(), strconv.Quote(asked)) || !strings.Contains(err.Error(), strconv.Quote(answered)) {
				t.Fatalf("host check: %v, want %s %q vs %q", err, c.hostField, asked, answered)
			}

			res = p.Query(ctx, c.q)
			if c.key == "NOPE-3" {
				if res.Outcome != recon.OutcomeNotFound {
					t.Errorf("after the fault: %v %s", res.Outcome, res.Err)
				}
				return
			}
			if res.Outcome != recon.OutcomeFound || c.q.Check(&res) != nil {
				t.Errorf("after the fault: %v %s, check %v", res.Outcome, res.Err, c.q.Check(&res))
			}
		})
	}
}
