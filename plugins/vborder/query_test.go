package vborder_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
	"github.com/reconhq/recon/plugins/vborder"
	vbordersim "github.com/reconhq/recon/plugins/vborder/sim"
)

// newSim starts a simulator on loopback, mounted under a prefix as the
// sandbox mounts it, and returns it with its base URL.
func newSim(t *testing.T) (*vbordersim.Simulator, string) {
	t.Helper()
	sim := vbordersim.New()
	mux := http.NewServeMux()
	mux.Handle("/vborder/", http.StripPrefix("/vborder", sim))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return sim, srv.URL + "/vborder"
}

// account is the simulator's account at endpoint, with edits.
func account(sim simkit.Simulator, endpoint string, edit func(c map[string]string)) plugins.Account {
	a := sim.Account()
	creds := map[string]string{}
	for k, v := range a.Credentials {
		creds[k] = v
	}
	if edit != nil {
		edit(creds)
	}
	return plugins.Account{Name: "shop-vborder", Endpoint: endpoint, Currency: a.Currency,
		Location: time.UTC, Credentials: creds}
}

func client(t *testing.T, acct plugins.Account) *vborder.Provider {
	t.Helper()
	p := vborder.New()
	if err := p.Configure(context.Background(), acct); err != nil {
		t.Fatal(err)
	}
	return p
}

func query(p *vborder.Provider, orderNo string) recon.Reply {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return p.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: orderNo, Attempt: 1})
}

// Every order of the default scenario: every payStatus and checkStatus.
func TestClientEveryStatus(t *testing.T) {
	sim, url := newSim(t)
	p := client(t, account(sim, url, nil))
	for _, c := range []struct {
		order, status, sub, trade string
		amount                    int64
		paidAt                    string // RFC 3339, "" for none
		fields                    map[string]string
	}{
		{"202209070002", "SUCCESS", "", "S1567327155606323202", 1, "2022-09-07T09:41:58+08:00",
			map[string]string{"payerInfo": "{}", "identifyId": "o2O6gt8QJYry9JEyL1zhr0WuGdwe", "errCode": "0000", "errMessage": "成功"}},
		{"VB-DEMO-WAITPAY", "WAITPAY", "", "S1800000000000000001", 9900, "", nil},
		{"VB-DEMO-PROCESSING", "PROCESSING", "", "S1800000000000000002", 9900, "", nil},
		{"VB-DEMO-SUCCESS", "SUCCESS", "", "S1800000000000000003", 1234, "2026-11-21T23:10:04+08:00",
			map[string]string{"goodNo": "ONEQRCODE", "channelCode": "Yeepay_MP", "ext1": "shop=12", "goodName": "月卡"}},
		{"VB-DEMO-TIME_OUT", "TIME_OUT", "", "S1800000000000000004", 25000, "", nil},
		{"VB-DEMO-FAIL", "FAIL", "", "S1800000000000000005", 25000, "", nil},
		{"VB-DEMO-CLOSE", "CLOSE", "", "S1800000000000000006", 25000, "", nil},
		{"VB-DEMO-B2B-CHECK-SUCCESS", "SUCCESS", "SUCCESS", "S1800000000000000007", 1000000, "2026-11-21T10:00:00+08:00",
			map[string]string{"checkMsg": "校验成功", "payerInfo": `{"accountName":"微保科技","bankCardNo":"622202****0000","bankId":"ICBC","cardType":"DEBIT"}`}},
		{"VB-DEMO-B2C-CHECK-FAIL", "SUCCESS", "FAIL", "S1800000000000000008", 9900, "2026-11-21T11:00:00+08:00",
			map[string]string{"checkMsg": "户名不符", "payType": "B2C"}},
		{"VB-DEMO-B2C-CHECK-CLOSE", "SUCCESS", "CLOSE", "S1800000000000000009", 9900, "2026-11-21T12:00:00+08:00", nil},
		{"VB-DEMO-B2B-CHECK-PROCESSING", "SUCCESS", "PROCESSING", "S1800000000000000010", 500000, "2026-11-21T13:00:00+08:00",
			map[string]string{"checkMsg": "结果未知"}},
		{"VB-DEMO-TRANSFER", "SUCCESS", "", "S1800000000000000011", 2000000, "2026-11-21T14:00:00+08:00",
			map[string]string{"payeeInfo": `{"payeeAccName":"微保科技","payeeAccNo":"9902000306335449","payeeBankName":"民生银行"}`}},
		{"VB-DEMO-JD-CREDIT", "SUCCESS", "", "S1800000000000000012", 9900, "2026-11-21T15:00:00+08:00",
			map[string]string{"installmentData": `{"installmentNum":"3"}`}},
	} {
		t.Run(c.order, func(t *testing.T) {
			r := query(p, c.order)
			if r.Outcome != recon.OutcomeFound || !r.Verified || r.HTTPStatus != 200 {
				t.Fatalf("outcome %v verified %v http %d: %s", r.Outcome, r.Verified, r.HTTPStatus, r.Err)
			}
			a := r.Answer
			if a.Status != c.status || a.SubStatus != c.sub || a.TradeNo != c.trade || a.Currency != "CNY" {
				t.Errorf("status %q/%q trade %q currency %q", a.Status, a.SubStatus, a.TradeNo, a.Currency)
			}
			if a.Amount == nil || *a.Amount != c.amount {
				t.Errorf("amount %v, want %d", a.Amount, c.amount)
			}
			var want time.Time
			if c.paidAt != "" {
				want, _ = time.Parse(time.RFC3339, c.paidAt)
			}
			if !a.PaidAt.Equal(want) {
				t.Errorf("paid at %v, want %v", a.PaidAt, want)
			}
			if a.OrderNo != c.order {
				t.Errorf("order %q, want the answer's %q", a.OrderNo, c.order)
			}
			if err := (recon.Query{Kind: recon.Payment, OrderNo: c.order, ProviderTradeNo: c.trade}).Check(&r); err != nil {
				t.Errorf("a normal answer fails the host's check: %v", err)
			}
			if a.Fields["payStatus"] != c.status || a.Fields["orderNo"] != c.order || !strings.Contains(a.Fields["_plaintext"], `"sign":"`) {
				t.Errorf("fields %v", a.Fields)
			}
			for k, v := range c.fields {
				if a.Fields[k] != v {
					t.Errorf("field %s = %q, want %q", k, a.Fields[k], v)
				}
			}
			if want := "POST /api/vborder/order/standard/qrcodeQuery orderNo=" + c.order; r.Request != want {
				t.Errorf("request %q, want %q", r.Request, want)
			}
			if !strings.Contains(string(r.Raw), `"reqmsg`) || !strings.HasPrefix(string(r.Raw), `{"code":"200"`) {
				t.Errorf("raw %s", r.Raw)
			}
		})
	}
}

func TestClientNotFound(t *testing.T) {
	sim, url := newSim(t)
	r := query(client(t, account(sim, url, nil)), "NO-SUCH-ORDER")
	if r.Outcome != recon.OutcomeNotFound || !r.Verified || r.Answer.Fields["errCode"] != "1001" {
		t.Fatalf("outcome %v verified %v fields %v: %s", r.Outcome, r.Verified, r.Answer.Fields, r.Err)
	}
	if r.Answer.OrderNo != "NO-SUCH-ORDER" || r.Answer.TradeNo != "" {
		t.Errorf("identity %q/%q, want the echoed NO-SUCH-ORDER and no platformSeq", r.Answer.OrderNo, r.Answer.TradeNo)
	}
}

// Wrong credentials: the platform rejects the request ("400"), or the answer
// cannot be opened.
func TestClientWrongCredentials(t *testing.T) {
	sim, url := newSim(t)
	other := vbordersim.New().Account().Credentials // a different set of keys
	for _, c := range []struct {
		name string
		edit func(c map[string]string)
		want recon.Outcome
	}{
		{"sign_key", func(c map[string]string) { c["sign_key"] = "wrong" }, recon.OutcomePermanent},
		{"customer_no", func(c map[string]string) { c["customer_no"] = "000000000000" }, recon.OutcomePermanent},
		{"platform_public_key", func(c map[string]string) { c["platform_public_key"] = other["platform_public_key"] }, recon.OutcomePermanent},
		{"merchant_private_key", func(c map[string]string) { c["merchant_private_key"] = other["merchant_private_key"] }, recon.OutcomeUnverifiable},
		{"response_key", func(c map[string]string) { c["response_key"] = "platform_public" }, recon.OutcomeUnverifiable},
	} {
		t.Run(c.name, func(t *testing.T) {
			acct := account(sim, url, c.edit)
			r := query(client(t, acct), "VB-DEMO-SUCCESS")
			if r.Outcome != c.want {
				t.Fatalf("outcome %v (%s), want %v", r.Outcome, r.Err, c.want)
			}
			if r.Answer.Status != "" {
				t.Errorf("status %q from a failed exchange", r.Answer.Status)
			}
			for _, secret := range []string{"sign_key", "merchant_private_key"} {
				for _, line := range strings.Split(acct.Credentials[secret], "\n") {
					if len(line) > 4 && strings.Contains(r.Err+r.Request+string(r.Raw), line) {
						t.Errorf("%s leaked into Err/Request/Raw: %s | %s", secret, r.Err, r.Request)
					}
				}
			}
		})
	}
}

// The other answer scheme: type-1 blocks under the platform private key.
func TestClientPlatformPublicScheme(t *testing.T) {
	sim, url := newSim(t)
	if err := sim.LoadScenario([]byte(`
account: {response_key: platform_public, sign_responses: false}
orders:
  - {orderNo: P1, platformSeq: S9, orderAmount: 700, payType: ALIPAY_SCAN, payStatus: SUCCESS, payTime: "2026-01-02 03:04:05"}
`)); err != nil {
		t.Fatal(err)
	}
	acct := account(sim, url, func(c map[string]string) { delete(c, "merchant_private_key") })
	if acct.Credentials["response_key"] != "platform_public" {
		t.Fatalf("Account() response_key %q", acct.Credentials["response_key"])
	}
	r := query(client(t, acct), "P1")
	if r.Outcome != recon.OutcomeFound || !r.Verified || r.Answer.Status != "SUCCESS" || *r.Answer.Amount != 700 {
		t.Fatalf("got %v verified %v %+v: %s", r.Outcome, r.Verified, r.Answer, r.Err)
	}
	if _, signed := r.Answer.Fields["sign"]; signed {
		t.Error("sign_responses false, yet the answer is signed")
	}
	// Tampered type-1 blocks are refused like tampered encryption.
	if err := sim.Script("P1", script.Tamper, 1); err != nil {
		t.Fatal(err)
	}
	if r := query(client(t, acct), "P1"); r.Outcome != recon.OutcomeUnverifiable {
		t.Fatalf("tampered: %v (%s)", r.Outcome, r.Err)
	}
}

func TestClientUnsignedAnswer(t *testing.T) {
	sim, url := newSim(t)
	if err := sim.LoadScenario([]byte("account: {sign_responses: false}\norders: [{orderNo: U1, orderAmount: 5, payStatus: WAITPAY}]\n")); err != nil {
		t.Fatal(err)
	}
	r := query(client(t, account(sim, url, nil)), "U1")
	if r.Outcome != recon.OutcomeFound || r.Verified || r.Answer.Status != "WAITPAY" {
		t.Fatalf("got %v verified %v %+v", r.Outcome, r.Verified, r.Answer)
	}
}

// require_sign: true refuses an unsigned answer under merchant_private,
// where PROTOCOL lets the platform leave sign out and anyone with the
// merchant's public key could have made the reqmsg; a signed one still
// reads. A value other than true or false is a config error naming it.
func TestClientRequireSign(t *testing.T) {
	sim, url := newSim(t)
	scenario := func(signed bool) {
		t.Helper()
		sc := fmt.Sprintf("account: {sign_responses: %v}\norders: [{orderNo: U1, orderAmount: 5, payStatus: WAITPAY}]\n", signed)
		if err := sim.LoadScenario([]byte(sc)); err != nil {
			t.Fatal(err)
		}
	}
	strict := account(sim, url, func(c map[string]string) { c[vborder.CredRequireSign] = "true" })
	scenario(false)
	if r := query(client(t, strict), "U1"); r.Outcome != recon.OutcomeUnverifiable || !strings.Contains(r.Err, "require_sign") {
		t.Fatalf("unsigned, require_sign: %v (%s)", r.Outcome, r.Err)
	}
	scenario(true)
	if r := query(client(t, strict), "U1"); r.Outcome != recon.OutcomeFound || !r.Verified {
		t.Fatalf("signed, require_sign: %v verified %v (%s)", r.Outcome, r.Verified, r.Err)
	}
	bad := account(sim, url, func(c map[string]string) { c[vborder.CredRequireSign] = "yes" })
	if err := vborder.New().Configure(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "require_sign") {
		t.Fatalf("require_sign: yes configured: %v", err)
	}
}

// Scripted faults, per order: each yields its outcome once, then the order
// answers normally.
func TestClientScriptedFaults(t *testing.T) {
	sim, url := newSim(t)
	p := client(t, account(sim, url, nil))
	for _, c := range []struct {
		fault script.Fault
		want  recon.Outcome
		http  int
	}{
		{script.HTTP5xx, recon.OutcomeTransient, 503},
		{script.Busy, recon.OutcomeTransient, 200},
		{script.Malformed, recon.OutcomeTransient, 200},
		{script.Tamper, recon.OutcomeUnverifiable, 200},
		{script.BadSign, recon.OutcomeUnverifiable, 200},
		{vbordersim.OtherOrder, recon.OutcomeUnverifiable, 200},
	} {
		t.Run(string(c.fault), func(t *testing.T) {
			if err := sim.Script("VB-DEMO-SUCCESS", c.fault, 1); err != nil {
				t.Fatal(err)
			}
			r := query(p, "VB-DEMO-SUCCESS")
			if r.Outcome != c.want || r.HTTPStatus != c.http {
				t.Fatalf("outcome %v http %d (%s), want %v %d", r.Outcome, r.HTTPStatus, r.Err, c.want, c.http)
			}
			if r.Answer.Status != "" || r.Answer.Amount != nil {
				t.Errorf("a %s answer carries a state: %+v", c.fault, r.Answer)
			}
			if len(r.Raw) == 0 {
				t.Error("Raw not kept")
			}
			if r := query(p, "VB-DEMO-SUCCESS"); r.Outcome != recon.OutcomeFound {
				t.Fatalf("after the fault: %v (%s)", r.Outcome, r.Err)
			}
		})
	}
	if err := sim.Script("X", "nonsense", 1); err == nil {
		t.Error("Script accepted an unknown fault")
	}
}

// The default scenario's orders scripted forever.
func TestClientDefaultFaultOrders(t *testing.T) {
	sim, url := newSim(t)
	p := client(t, account(sim, url, nil))
	for order, want := range map[string]recon.Outcome{
		"VB-DEMO-TAMPER":      recon.OutcomeUnverifiable,
		"VB-DEMO-BADSIGN":     recon.OutcomeUnverifiable,
		"VB-DEMO-DOWN":        recon.OutcomeTransient,
		"VB-DEMO-BUSY":        recon.OutcomeTransient,
		"VB-DEMO-OTHER-ORDER": recon.OutcomeUnverifiable,
	} {
		for i := 0; i < 3; i++ {
			if r := query(p, order); r.Outcome != want {
				t.Errorf("%s attempt %d: %v (%s), want %v", order, i+1, r.Outcome, r.Err, want)
			}
		}
	}
}

// Faults at rates (simkit.Injector), generic and vborder's own.
func TestClientRateFaults(t *testing.T) {
	sim, url := newSim(t)
	p := client(t, account(sim, url, nil))
	for _, c := range []struct {
		name   string
		faults simkit.Faults
		want   recon.Outcome
	}{
		{"http_5xx", simkit.Faults{ErrorRate: 1}, recon.OutcomeTransient},
		{"malformed", simkit.Faults{MalformedRate: 1}, recon.OutcomeTransient},
		{"busy", simkit.Faults{Extra: map[string]float64{"busy": 1}}, recon.OutcomeTransient},
		{"tamper", simkit.Faults{Extra: map[string]float64{"tamper": 1}}, recon.OutcomeUnverifiable},
		{"badsign", simkit.Faults{Extra: map[string]float64{"badsign": 1}}, recon.OutcomeUnverifiable},
		{"other_order", simkit.Faults{Extra: map[string]float64{"other_order": 1}}, recon.OutcomeUnverifiable},
		{"none", simkit.Faults{}, recon.OutcomeFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim.Faults().Set(c.faults)
			before := sim.Faults().Counts()[c.name]
			if r := query(p, "VB-DEMO-SUCCESS"); r.Outcome != c.want {
				t.Fatalf("outcome %v (%s), want %v", r.Outcome, r.Err, c.want)
			}
			if c.name != "none" && sim.Faults().Counts()[c.name] != before+1 {
				t.Errorf("fault %s not counted: %v", c.name, sim.Faults().Counts())
			}
		})
	}
}

// A slow answer meets the attempt's deadline: transient, never a state.
func TestClientSlow(t *testing.T) {
	sim, url := newSim(t)
	if err := sim.LoadScenario([]byte("faults: {slow_delay: 1m}\norders: [{orderNo: S1, orderAmount: 5, payStatus: SUCCESS, faults: {slow: 1}}]\n")); err != nil {
		t.Fatal(err)
	}
	p := client(t, account(sim, url, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	r := p.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: "S1", Attempt: 1})
	if r.Outcome != recon.OutcomeTransient || r.Err != "timeout" {
		t.Fatalf("outcome %v (%s), want TRANSIENT timeout", r.Outcome, r.Err)
	}
	if r := query(p, "S1"); r.Outcome != recon.OutcomeFound {
		t.Fatalf("after the slow answer: %v (%s)", r.Outcome, r.Err)
	}
}

// Refund queries never reach the network.
func TestClientRefundUnsupported(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	p := client(t, account(vbordersim.New(), srv.URL, nil))
	r := p.Query(context.Background(), recon.Query{Kind: recon.Refund, OrderNo: "A1", RefundNo: "R1", Attempt: 1})
	if r.Outcome != recon.OutcomeUnsupported || r.Err == "" {
		t.Fatalf("outcome %v (%s), want UNSUPPORTED", r.Outcome, r.Err)
	}
	if r.Answer.OrderNo != "" || r.Answer.RefundNo != "" || r.Answer.RefundTradeNo != "" {
		t.Errorf("an unanswered refund query states an identity: %+v", r.Answer)
	}
	if hits.Load() != 0 {
		t.Fatalf("%d requests sent for a refund query", hits.Load())
	}
	if p.Info().RefundQuery {
		t.Error("Info().RefundQuery is true")
	}
}

func TestClientQueryWithoutConfigure(t *testing.T) {
	r := vborder.New().Query(context.Background(), recon.Query{Kind: recon.Payment, OrderNo: "A1"})
	if r.Outcome != recon.OutcomePermanent {
		t.Fatalf("outcome %v", r.Outcome)
	}
}

// A scenario scripts faults per order and for every request; each scripted
// fault taken is counted as scripted_<name>.
func TestClientScenarioScripts(t *testing.T) {
	sim, url := newSim(t)
	if err := sim.LoadScenario([]byte(`
scripted:
  - {fault: busy, times: 1}
  - {key: S2, fault: hang, times: 1}
orders:
  - {orderNo: S1, orderAmount: 5, payStatus: SUCCESS, faults: {http_5xx: 1}}
  - {orderNo: S2, orderAmount: 5, payStatus: SUCCESS}
`)); err != nil {
		t.Fatal(err)
	}
	p := client(t, account(sim, url, nil))
	for i, c := range []struct {
		order   string
		timeout time.Duration
		want    recon.Outcome
		http    int
	}{
		{"S1", 10 * time.Second, recon.OutcomeTransient, 503}, // S1's own http_5xx
		{"S1", 10 * time.Second, recon.OutcomeTransient, 200}, // busy, scripted for any request
		{"S1", 10 * time.Second, recon.OutcomeFound, 200},
		{"S2", 200 * time.Millisecond, recon.OutcomeTransient, 0}, // hang: the attempt times out
		{"S2", 10 * time.Second, recon.OutcomeFound, 200},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		r := p.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: c.order, Attempt: 1})
		cancel()
		if r.Outcome != c.want || r.HTTPStatus != c.http {
			t.Errorf("query %d (%s): outcome %v http %d (%s), want %v %d", i+1, c.order, r.Outcome, r.HTTPStatus, r.Err, c.want, c.http)
		}
	}
	counts := sim.Faults().Counts()
	for _, f := range []script.Fault{script.HTTP5xx, script.Busy, script.Hang} {
		if counts["scripted_"+string(f)] != 1 {
			t.Errorf("scripted %s counted %d times: %v", f, counts["scripted_"+string(f)], counts)
		}
	}
}

// other_order: the platform answers, encrypted and signed as usual, with
// another paid order's data. The reply carries the other order's identity;
// the plugin refuses it itself, and the host's check refuses it as well, so
// that the answer could never be judged as this order's even from a plugin
// that did not look.
func TestClientOtherOrder(t *testing.T) {
	sim, url := newSim(t)
	p := client(t, account(sim, url, nil))
	// The default scenario's first paid order by orderNo is the page's example.
	const other, otherSeq = "202209070002", "S1567327155606323202"
	for _, asked := range []string{"VB-DEMO-SUCCESS", "VB-DEMO-WAITPAY", "NO-SUCH-ORDER"} {
		t.Run(asked, func(t *testing.T) {
			if err := sim.Script(asked, vbordersim.OtherOrder, 1); err != nil {
				t.Fatal(err)
			}
			q := recon.Query{Kind: recon.Payment, OrderNo: asked, Attempt: 1}
			r := p.Query(context.Background(), q)
			if r.Outcome != recon.OutcomeUnverifiable || r.HTTPStatus != 200 {
				t.Fatalf("outcome %v http %d (%s), want UNVERIFIABLE", r.Outcome, r.HTTPStatus, r.Err)
			}
			if !strings.Contains(r.Err, other) || !strings.Contains(r.Err, asked) {
				t.Errorf("refusal %q does not name both %s and %s", r.Err, other, asked)
			}
			if a := r.Answer; a.OrderNo != other || a.TradeNo != otherSeq || a.Status != "" || a.Amount != nil {
				t.Errorf("answer %+v, want the other order's identity and no state", a)
			}

			// The host's check on the same answer, had the plugin passed it as FOUND.
			found := r
			found.Outcome, found.Err = recon.OutcomeFound, ""
			checkIdentityError(t, q.Check(&found), "order_no", asked, other)
			// A plugin that also forgot the orderNo: the ledger's trade number still tells.
			found.Answer.OrderNo = asked
			byTrade := q
			byTrade.ProviderTradeNo = "S1800000000000000003"
			checkIdentityError(t, byTrade.Check(&found), "provider_trade_no", byTrade.ProviderTradeNo, otherSeq)

			// Scripted once: the next answer is the order's own, and passes.
			r = p.Query(context.Background(), q)
			if err := q.Check(&r); err != nil || (asked != "NO-SUCH-ORDER" && r.Outcome != recon.OutcomeFound) {
				t.Errorf("after the fault: %v (%s), check %v", r.Outcome, r.Err, err)
			}
		})
	}
}

// A ledger row whose provider_trade_no is another order's platformSeq: the
// answer is about the order asked, but not about the row's trade, and the
// host's check refuses it on the reply exactly as the plugin returns it.
func TestClientLedgerTradeOfAnotherOrder(t *testing.T) {
	sim, url := newSim(t)
	p := client(t, account(sim, url, nil))
	q := recon.Query{Kind: recon.Payment, OrderNo: "VB-DEMO-SUCCESS", ProviderTradeNo: "S1800000000000000004", Attempt: 1}
	r := p.Query(context.Background(), q)
	if r.Outcome != recon.OutcomeFound || r.Answer.TradeNo != "S1800000000000000003" {
		t.Fatalf("outcome %v (%s) trade %q", r.Outcome, r.Err, r.Answer.TradeNo)
	}
	checkIdentityError(t, q.Check(&r), "provider_trade_no", "S1800000000000000004", "S1800000000000000003")
}

func checkIdentityError(t *testing.T, err error, field, asked, answered string) {
	t.Helper()
	var ie *recon.IdentityError
	if !errors.As(err, &ie) {
		t.Fatalf("Check: %v, want an *recon.IdentityError", err)
	}
	if ie.Field != field || ie.Asked != asked || ie.Answered != answered {
		t.Errorf("Check: %+v, want %s asked %q answered %q", ie, field, asked, answered)
	}
	if msg := err.Error(); !strings.Contains(msg, asked) || !strings.Contains(msg, answered) {
		t.Errorf("Check: %q does not name both %q and %q", msg, asked, answered)
	}
}
