package edgeros

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/simkit"
)

// One simulator (two RSA-2048 keys) serves the tests that leave its fault
// rates alone; tests that set rates make their own.
var (
	sharedOnce sync.Once
	shared     *Simulator
	sharedURL  string
)

func sharedSim(t *testing.T) (*Simulator, string) {
	t.Helper()
	sharedOnce.Do(func() {
		shared = NewSimulator()
		srv := httptest.NewServer(shared) // lives for the test binary
		sharedURL = srv.URL
	})
	return shared, sharedURL
}

// simProvider configures a client with the simulator's account; edit
// changes credentials first.
func simProvider(t *testing.T, sim *Simulator, url string, edit func(c map[string]string)) *Provider {
	t.Helper()
	acct := sim.Account()
	if edit != nil {
		edit(acct.Credentials)
	}
	p := New()
	loc, err := time.LoadLocation(acct.Timezone)
	if err != nil {
		loc = chinaTime
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
		{queryPayment("EGD-SUCCESS", ""), "SUCCESS", fen(1), nil, true},
		{queryPayment("EGD-REFUND", ""), "REFUND", fen(10000), nil, true},
		{queryPayment("EGD-NOTPAY", ""), "NOTPAY", fen(1234), nil, false},
		{queryPayment("EGD-USERPAYING", ""), "USERPAYING", fen(500), nil, false},
		{queryPayment("EGD-CLOSED", ""), "CLOSED", fen(880), nil, false},
		{queryPayment("EGD-REVOKED", ""), "REVOKED", fen(990), nil, false},
		{queryPayment("EGD-PAYERROR", ""), "PAYERROR", fen(6660), nil, false},
		{queryRefund("EGD-REFUND", "EGD-R-SUCCESS"), "SUCCESS", nil, fen(3000), true},
		{queryRefund("EGD-REFUND", "EGD-R-PROCESSING"), "PROCESSING", nil, fen(2000), false},
		{queryRefund("EGD-REFUND", "EGD-R-ABNORMAL"), "ABNORMAL", nil, fen(1000), false},
		{queryRefund("EGD-REFUND", "EGD-R-CLOSED"), "CLOSED", nil, fen(500), false},
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
		at := a.PaidAt
		if c.q.Kind == recon.Refund {
			at = a.RefundedAt
			if len(a.RefundTradeNo) != 32 || a.Fields["mch_refund_no"] != c.q.RefundNo {
				t.Errorf("%s: refund numbers %q %q", name, a.RefundTradeNo, a.Fields["mch_refund_no"])
			}
		}
		if at.IsZero() == c.paid {
			t.Errorf("%s: time %v", name, at)
		}
		if a.Fields["code"] != c.status || a.Fields["sign_type"] != "SHA256withRSA" || a.Fields["sign"] != "" {
			t.Errorf("%s: fields %v", name, a.Fields)
		}
	}
	// HTML characters in a signed field survive the simulator's escaping.
	res := p.Query(context.Background(), queryPayment("EGD-REFUND", ""))
	if res.Answer.Fields["extra"] != "套餐A&B <限时>" || !strings.Contains(string(res.Raw), `\u0026`) {
		t.Errorf("extra %q raw %s", res.Answer.Fields["extra"], res.Raw)
	}
	// transaction_no wins, and the answer for it is checked against the order asked.
	txn := res.Answer.TradeNo
	if res := p.Query(context.Background(), queryPayment("EGD-REFUND", txn)); res.Outcome != recon.OutcomeFound {
		t.Errorf("by both numbers: %v %s", res.Outcome, res.Err)
	}
	if res := p.Query(context.Background(), queryPayment("", txn)); res.Outcome != recon.OutcomeFound || res.Answer.Fields["mch_trade_no"] != "EGD-REFUND" {
		t.Errorf("by transaction_no only: %v %s", res.Outcome, res.Err)
	}
	if res := p.Query(context.Background(), queryPayment("EGD-SUCCESS", txn)); res.Outcome != recon.OutcomePermanent ||
		!strings.Contains(res.Err, `answer is about mch_trade_no "EGD-REFUND"`) {
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
		{queryPayment("NOPE-1", ""), "edgeros: platform status 1007 ORDER_NOT_EXIST: 此订单不存在!"},
		{queryPayment("", "ffffffffffffffffffffffffffffffff"), "edgeros: platform status 1007 ORDER_NOT_EXIST: 此订单不存在!"},
		{queryRefund("EGD-REFUND", "NOPE-R"), "edgeros: platform status 1008 REFUND_NOT_EXIST: 此退款单不存在!"},
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
	other := string(mustRead(t, "openssl/merchant_key.pem"))
	otherPub := string(mustRead(t, "openssl/platform_pub.pem"))
	for _, c := range []struct {
		name    string
		edit    func(c map[string]string)
		outcome recon.Outcome
		err     string
	}{
		{"another merchant key", func(c map[string]string) { c[CredMerchantPrivateKey] = other },
			recon.OutcomePermanent, "edgeros: platform status 1002 SIGN_ERROR: 签名验证失败!"},
		{"another mch_no", func(c map[string]string) { c[CredMchNo] = "MCH9" },
			recon.OutcomePermanent, "edgeros: platform status 1003 MCH_NOT_EXIST: 商户不存在!"},
		{"another platform key", func(c map[string]string) { c[CredPlatformPublicKey] = otherPub },
			recon.OutcomeUnverifiable, "edgeros: platform signature: signature does not verify"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := simProvider(t, sim, url, c.edit)
			res := p.Query(context.Background(), queryPayment("EGD-SUCCESS", ""))
			if res.Outcome != c.outcome || res.Err != c.err {
				t.Fatalf("outcome %v err %q, want %v %q", res.Outcome, res.Err, c.outcome, c.err)
			}
			if strings.Contains(res.Err, "PRIVATE KEY") || strings.Contains(res.Request, "sign") {
				t.Errorf("secret-looking text in %q / %q", res.Err, res.Request)
			}
		})
	}
}

// TestSimulatorScriptedFaults: Countdown-scripted faults per order, each to
// its outcome, then the order answers normally again.
func TestSimulatorScriptedFaults(t *testing.T) {
	sim, url := sharedSim(t)
	p := simProvider(t, sim, url, nil)
	for _, c := range []struct {
		fault   string
		q       recon.Query
		outcome recon.Outcome
		err     string
	}{
		{fault5xx, queryPayment("EGD-CLOSED", ""), recon.OutcomeTransient, "edgeros: HTTP 503 Service Unavailable"},
		{faultMalformed, queryPayment("EGD-CLOSED", ""), recon.OutcomeTransient, "edgeros: malformed answer: unexpected EOF"},
		{faultBadSign, queryPayment("EGD-CLOSED", ""), recon.OutcomeUnverifiable, "edgeros: platform signature: signature does not verify"},
		{faultTamper, queryPayment("EGD-CLOSED", ""), recon.OutcomeUnverifiable, "edgeros: platform signature: signature does not verify"},
		{faultNoSign, queryPayment("EGD-CLOSED", ""), recon.OutcomeUnverifiable, "edgeros: status 200 answer without data.sign"},
		{faultReplay, queryPayment("EGD-CLOSED", ""), recon.OutcomeUnverifiable, "does not echo the request's nonce"},
		{faultBadSign, queryRefund("EGD-REFUND", "EGD-R-CLOSED"), recon.OutcomeUnverifiable, "edgeros: platform signature: signature does not verify"},
		{faultTamper, queryRefund("EGD-REFUND", "EGD-R-CLOSED"), recon.OutcomeUnverifiable, "edgeros: platform signature: signature does not verify"},
		{faultBadSign, queryPayment("NOPE-2", ""), recon.OutcomeUnverifiable, "edgeros: platform signature: signature does not verify"},
	} {
		key := c.q.OrderNo
		if c.q.Kind == recon.Refund {
			key = c.q.RefundNo
		}
		t.Run(c.fault+"/"+key, func(t *testing.T) {
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
	sim := NewSimulator()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	p := simProvider(t, sim, srv.URL, nil)
	for _, c := range []struct {
		name    string
		f       simkit.Faults
		outcome recon.Outcome
	}{
		{"5xx", simkit.Faults{ErrorRate: 1}, recon.OutcomeTransient},
		{"malformed", simkit.Faults{MalformedRate: 1}, recon.OutcomeTransient},
		{"badsign", simkit.Faults{Extra: map[string]float64{"badsign": 1}}, recon.OutcomeUnverifiable},
		{"tamper", simkit.Faults{Extra: map[string]float64{"tamper": 1}}, recon.OutcomeUnverifiable},
		{"nosign", simkit.Faults{Extra: map[string]float64{"nosign": 1}}, recon.OutcomeUnverifiable},
		{"replay", simkit.Faults{Extra: map[string]float64{"replay": 1}}, recon.OutcomeUnverifiable},
		{"none", simkit.Faults{}, recon.OutcomeFound},
	} {
		sim.Faults().Set(c.f)
		res := p.Query(context.Background(), queryPayment("EGD-SUCCESS", ""))
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
	if res := p.Query(ctx, queryPayment("EGD-SUCCESS", "")); res.Outcome != recon.OutcomeTransient || res.Err != "edgeros: timeout" {
		t.Errorf("slow: outcome %v err %q", res.Outcome, res.Err)
	}
	sim.Faults().Set(simkit.Faults{})
}

// TestSimulatorRejectsBadRequests: what the simulator refuses, raw.
func TestSimulatorRejectsBadRequests(t *testing.T) {
	sim, url := sharedSim(t)
	p := simProvider(t, sim, url, nil)
	for _, c := range []struct {
		name  string
		nonce string
		want  string
	}{
		{"short nonce is fine", "abc", `"status":200`},
		{"nonce of 33", strings.Repeat("a", 33), `"status":1001`},
		{"nonce not alphanumeric", "abc-def", `"status":1001`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p.nonce = func() (string, error) { return c.nonce, nil }
			res := p.Query(context.Background(), queryPayment("EGD-SUCCESS", ""))
			if !strings.Contains(string(res.Raw), c.want) {
				t.Errorf("raw %s, want %s", res.Raw, c.want)
			}
		})
	}
}
