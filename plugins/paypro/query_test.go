package paypro_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/paypro"
	"github.com/reconhq/recon/plugins/paypro/sim"
	"github.com/reconhq/recon/plugins/simkit"
)

// Both sides run on the real clock here: the simulator's own tests pin its
// clock to check hand-made requests, and TestQueryRejects moves the
// provider's.

// newPair starts the simulator with testdata/scenario.yaml on loopback and
// returns it with a provider configured from its Account.
func newPair(t *testing.T) (*sim.Simulator, *paypro.Provider, string) {
	t.Helper()
	s := sim.New()
	doc, err := os.ReadFile("testdata/scenario.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.LoadScenario(doc); err != nil {
		t.Fatalf("LoadScenario: %v", err)
	}
	url := serve(t, s)
	return s, paypro.MustProvider(t, simAccount(t, s, url)), url
}

// serve starts s on loopback until the test ends and returns its URL.
func serve(t *testing.T, s *sim.Simulator) string {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL
}

// simAccount is the recon account the simulator says to use.
func simAccount(t *testing.T, s *sim.Simulator, url string) plugins.Account {
	t.Helper()
	a := s.Account()
	creds := map[string]string{}
	for k, v := range a.Credentials {
		creds[k] = v
	}
	return plugins.Account{Name: "shop-paypro", Endpoint: url, Currency: a.Currency,
		Location: paypro.MustLoad(t, a.Timezone), Credentials: creds}
}

func query(p *paypro.Provider, orderNo string) recon.Reply {
	return p.Query(context.Background(), recon.Query{Kind: recon.Payment, OrderNo: orderNo, Attempt: 1})
}

// checkNoSecret fails when a result carries the account's secret anywhere.
func checkNoSecret(t *testing.T, res recon.Reply) {
	t.Helper()
	for what, s := range map[string]string{"Err": res.Err, "Request": res.Request, "Raw": string(res.Raw)} {
		if strings.Contains(s, sim.DemoSecret) {
			t.Errorf("%s carries the secret: %s", what, s)
		}
	}
	for k, v := range res.Answer.Fields {
		if strings.Contains(v, sim.DemoSecret) {
			t.Errorf("Fields[%s] carries the secret", k)
		}
	}
}

func TestQueryEveryStatus(t *testing.T) {
	_, p, _ := newPair(t)
	jakarta := paypro.MustLoad(t, "Asia/Jakarta")
	tests := []struct {
		order    string
		status   string
		amount   int64
		received *int64
		trade    string
		paidAt   time.Time
		message  string
	}{
		{"133323384", "0000", 5000000, nil, "7zr8om5hzclkemsz", time.Date(2024, 10, 19, 14, 37, 28, 0, jakarta), ""},
		{"PP-0000-REGION", "0000", 30000, nil, "pp0region0000001", time.Date(2024, 10, 11, 9, 30, 13, 0, jakarta), ""},
		{"PP-0001", "0001", 20000000, recon.Int64(12000000), "pp00010000000001", time.Time{}, "partial payment"},
		{"PP-0015", "0015", 15000000, nil, "pp00150000000001", time.Time{}, "processing"},
		{"PP-0029", "0029", 15000000, nil, "pp00290000000001", time.Time{}, "failed"},
		{"PP-00029", "00029", 15000000, nil, "pp00029000000001", time.Time{}, "failed"},
		{"PP-0100019", "0100019", 15000000, nil, "pp01000190000001", time.Time{}, "payee daily cumulative amount reached"},
		{"PP-00032", "00032", 15000000, nil, "pp00032000000001", time.Time{}, "unknown error"},
		{"PP-0099", "0099", 15000000, nil, "pp00990000000001", time.Time{}, "something else"},
	}
	for _, tt := range tests {
		res := query(p, tt.order)
		checkNoSecret(t, res)
		if res.Outcome != recon.OutcomeFound || res.HTTPStatus != 200 || res.Err != "" {
			t.Errorf("%s: %v HTTP %d %q, want FOUND 200", tt.order, res.Outcome, res.HTTPStatus, res.Err)
			continue
		}
		if want := "POST /v1/paypro/queryPayInResult tradeNo=" + tt.order; res.Request != want {
			t.Errorf("%s: Request %q, want %q", tt.order, res.Request, want)
		}
		a := res.Answer
		if a.Status != tt.status || a.SubStatus != "" || a.Currency != "IDR" || a.TradeNo != tt.trade ||
			a.Amount == nil || *a.Amount != tt.amount || !reflect.DeepEqual(a.Received, tt.received) ||
			!a.PaidAt.Equal(tt.paidAt) || a.Fields["message"] != tt.message || a.Fields["tradeNo"] != tt.order ||
			a.Fields["code"] != "0000" || a.Refunded != nil || res.Verified {
			t.Errorf("%s: answer %s verified=%v", tt.order, paypro.Dump(a), res.Verified)
		}
		// A normal answer echoes the order asked, and passes the host's
		// check with or without the ledger's provider_trade_no.
		if a.OrderNo != tt.order || a.RefundNo != "" || a.RefundTradeNo != "" {
			t.Errorf("%s: identity order %q refund %q/%q, want %q and no refund", tt.order, a.OrderNo, a.RefundNo, a.RefundTradeNo, tt.order)
		}
		for _, ledgerTrade := range []string{"", tt.trade} {
			q := recon.Query{Kind: recon.Payment, OrderNo: tt.order, ProviderTradeNo: ledgerTrade}
			if err := q.Check(&res); err != nil {
				t.Errorf("%s: host check with provider_trade_no %q: %v", tt.order, ledgerTrade, err)
			}
		}
		if !strings.Contains(string(res.Raw), `"status":"`+tt.status+`"`) {
			t.Errorf("%s: Raw is not the body: %s", tt.order, res.Raw)
		}
	}
}

func TestQueryNotFound(t *testing.T) {
	_, p, _ := newPair(t)
	res := query(p, "NO-SUCH-ORDER")
	if res.Outcome != recon.OutcomeNotFound || !strings.Contains(res.Err, "order not exist") || res.HTTPStatus != 200 {
		t.Errorf("unknown order: %v HTTP %d %q, want NOT_FOUND", res.Outcome, res.HTTPStatus, res.Err)
	}
	if res.Answer.Fields["code"] != "8000" {
		t.Errorf("Fields = %v", res.Answer.Fields)
	}
}

// Wrong credentials and a clock off by more than five minutes are rejected.
func TestQueryRejects(t *testing.T) {
	s, _, url := newPair(t)
	now := time.Now
	tests := []struct {
		name   string
		change func(a *plugins.Account)
		skew   time.Duration
		want   recon.Outcome
		errHas string
	}{
		{"right credentials", func(*plugins.Account) {}, 0, recon.OutcomeFound, ""},
		{"wrong secret", func(a *plugins.Account) { a.Credentials["secret"] = "not-the-secret" }, 0, recon.OutcomePermanent, "sign error"},
		{"wrong merchant", func(a *plugins.Account) { a.Credentials["merchant_no"] = "6010000002" }, 0, recon.OutcomePermanent, "merchant not exist (check credential merchant_no)"},
		{"clock 4m59s behind", func(*plugins.Account) {}, -4*time.Minute - 59*time.Second, recon.OutcomeFound, ""},
		{"clock 5m1s behind", func(*plugins.Account) {}, -5*time.Minute - time.Second, recon.OutcomePermanent, "sign error"},
		{"clock 5m1s ahead", func(*plugins.Account) {}, 5*time.Minute + time.Second, recon.OutcomePermanent, "sign error"},
	}
	for _, tt := range tests {
		a := simAccount(t, s, url)
		tt.change(&a)
		p := paypro.MustProvider(t, a)
		paypro.SetClock(p, func() time.Time { return now().Add(tt.skew) })
		res := query(p, "133323384")
		if res.Outcome != tt.want || !strings.Contains(res.Err, tt.errHas) {
			t.Errorf("%s: %v %q, want %v with %q", tt.name, res.Outcome, res.Err, tt.want, tt.errHas)
		}
		checkNoSecret(t, res)
	}
}

func TestQueryFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults simkit.Faults
		want   recon.Outcome
		http   int
		errHas string
	}{
		{"5xx", simkit.Faults{ErrorRate: 1}, recon.OutcomeTransient, 503, "503"},
		{"malformed", simkit.Faults{MalformedRate: 1}, recon.OutcomeTransient, 200, "malformed"},
		{"busy 5000", simkit.Faults{Extra: map[string]float64{"busy": 1}}, recon.OutcomeTransient, 200, "5000"},
	}
	for _, tt := range tests {
		s, p, _ := newPair(t)
		s.Faults().Set(tt.faults)
		res := query(p, "133323384")
		if res.Outcome != tt.want || res.HTTPStatus != tt.http || !strings.Contains(res.Err, tt.errHas) {
			t.Errorf("%s: %v HTTP %d %q, want %v HTTP %d with %q", tt.name, res.Outcome, res.HTTPStatus, res.Err, tt.want, tt.http, tt.errHas)
		}
		if res.Request != "POST /v1/paypro/queryPayInResult tradeNo=133323384" {
			t.Errorf("%s: Request %q", tt.name, res.Request)
		}
	}
}

// A slow answer past the attempt's deadline is a transient timeout.
func TestQuerySlow(t *testing.T) {
	s, p, _ := newPair(t)
	s.Faults().Set(simkit.Faults{SlowRate: 1, SlowDelay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	res := p.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: "133323384", Attempt: 1})
	if res.Outcome != recon.OutcomeTransient || res.Err != "timeout" {
		t.Errorf("slow: %v %q, want TRANSIENT timeout", res.Outcome, res.Err)
	}
	if got := s.Faults().Counts()["slow"]; got != 1 {
		t.Errorf("slow faults counted %d, want 1", got)
	}
}

// "5000 the first N times, then answer", and a 5xx that never clears.
func TestQueryScriptedFaults(t *testing.T) {
	s, p, _ := newPair(t)
	var got []string
	for range 3 {
		res := query(p, "PP-BUSY2")
		got = append(got, res.Outcome.String()+":"+res.Answer.Fields["code"])
	}
	if want := []string{"TRANSIENT:5000", "TRANSIENT:5000", "FOUND:0000"}; !reflect.DeepEqual(got, want) {
		t.Errorf("PP-BUSY2 attempts = %v, want %v", got, want)
	}
	for i := range 3 {
		if res := query(p, "PP-DOWN"); res.Outcome != recon.OutcomeTransient || res.HTTPStatus != 503 {
			t.Errorf("PP-DOWN attempt %d: %v HTTP %d, want TRANSIENT 503", i+1, res.Outcome, res.HTTPStatus)
		}
	}
	if c := s.Faults().Counts(); c["scripted_busy"] != 2 || c["scripted_http_5xx"] != 3 {
		t.Errorf("fault counts = %v", c)
	}
}

// pairWith is newPair with more scenario text after testdata/scenario.yaml
// (top-level keys it does not have, such as scripted:).
func pairWith(t *testing.T, more string) (*sim.Simulator, *paypro.Provider) {
	t.Helper()
	doc, err := os.ReadFile("testdata/scenario.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := sim.New()
	if err := s.LoadScenario(append(doc, more...)); err != nil {
		t.Fatalf("LoadScenario: %v", err)
	}
	return s, paypro.MustProvider(t, simAccount(t, s, serve(t, s)))
}

// identityErr is the host's check of res against q, as an *IdentityError.
func identityErr(t *testing.T, q recon.Query, res recon.Reply) *recon.IdentityError {
	t.Helper()
	var id *recon.IdentityError
	if err := q.Check(&res); !errors.As(err, &id) {
		t.Errorf("%s: host check = %v, want an *recon.IdentityError", q.OrderNo, err)
		return nil
	}
	return id
}

// A provider that answers about another order: the answer says which
// order it is about, and the host's check, which every reply of a run
// meets, refuses it naming both numbers. The plugin reports it as PayPro
// said it (a second check here would only differ where no verdict is made:
// `recon check --ping` would blame the secret for an answer PayPro gave).
func TestQueryOtherOrder(t *testing.T) {
	s, p := pairWith(t, `
scripted:
  - {key: PP-0015, fault: other_order, times: 1}
`)
	q := recon.Query{Kind: recon.Payment, OrderNo: "PP-0015", Attempt: 1}
	res := p.Query(context.Background(), q)
	checkNoSecret(t, res)
	// The paid order with the lowest tradeNo answers for PP-0015.
	const other, otherTrade = "133323384", "7zr8om5hzclkemsz"
	a := res.Answer
	if a.OrderNo != other || a.TradeNo != otherTrade || a.Status != "0000" {
		t.Fatalf("other_order: answer %s, want order %s trade %s", paypro.Dump(a), other, otherTrade)
	}
	if res.Outcome != recon.OutcomeFound || res.Verified || res.Err != "" {
		t.Errorf("other_order: plugin said %v %q, want FOUND as PayPro said it", res.Outcome, res.Err)
	}
	if id := identityErr(t, q, res); id != nil {
		if id.Field != "order_no" || id.Asked != "PP-0015" || id.Answered != other ||
			!strings.Contains(id.Error(), `"PP-0015"`) || !strings.Contains(id.Error(), `"`+other+`"`) {
			t.Errorf("host check: %+v (%v)", *id, id)
		}
	}

	// Used once: the next query is about PP-0015 again, and passes.
	res = p.Query(context.Background(), q)
	if res.Outcome != recon.OutcomeFound || res.Answer.OrderNo != "PP-0015" || q.Check(&res) != nil {
		t.Errorf("after the fault: %v %q order %q", res.Outcome, res.Err, res.Answer.OrderNo)
	}
	if c := s.Faults().Counts(); c["scripted_other_order"] != 1 {
		t.Errorf("fault counts = %v", c)
	}
}

// The provider that answers every query with one paid order's data: no
// row is answered as its own, not even the paid order's (it gets another).
func TestQueryOtherOrderEveryRequest(t *testing.T) {
	_, p := pairWith(t, `
scripted:
  - {fault: other_order, times: -1}
`)
	for order, other := range map[string]string{"PP-0029": "133323384", "NO-SUCH-ORDER": "133323384", "133323384": "PP-0000-REGION"} {
		q := recon.Query{Kind: recon.Payment, OrderNo: order, Attempt: 1}
		res := p.Query(context.Background(), q)
		if res.Outcome != recon.OutcomeFound || res.Answer.OrderNo != other {
			t.Errorf("%s: %v %q order %q, want FOUND about %s", order, res.Outcome, res.Err, res.Answer.OrderNo, other)
			continue
		}
		if id := identityErr(t, q, res); id != nil && (id.Asked != order || id.Answered != other) {
			t.Errorf("%s: host check %v", order, id)
		}
	}
}

// A ledger row whose provider_trade_no is another PayPro order's: PayPro
// answers about the order asked, truly, but its platform number is not the
// ledger's. The plugin never sends that number, so the host's check is the
// one that catches it; the reply as the plugin gives it must fail it.
func TestQueryLedgerTradeNoOfAnotherOrder(t *testing.T) {
	_, p, _ := newPair(t)
	q := recon.Query{Kind: recon.Payment, OrderNo: "PP-0015", ProviderTradeNo: "7zr8om5hzclkemsz", Attempt: 1}
	res := p.Query(context.Background(), q)
	if res.Outcome != recon.OutcomeFound || res.Answer.OrderNo != "PP-0015" || res.Answer.TradeNo != "pp00150000000001" {
		t.Fatalf("%v %q answer %s", res.Outcome, res.Err, paypro.Dump(res.Answer))
	}
	if id := identityErr(t, q, res); id != nil &&
		(id.Field != "provider_trade_no" || id.Asked != "7zr8om5hzclkemsz" || id.Answered != "pp00150000000001") {
		t.Errorf("host check: %v", id)
	}
}
