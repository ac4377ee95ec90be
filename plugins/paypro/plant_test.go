package paypro

import (
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/rules"
)

// Every planted row, queried through the client against the simulator and
// judged by the built-in rules, gets the verdict Plant promised.
func TestPlant(t *testing.T) {
	sim := NewSimulator()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	p := mustProvider(t, simAccount(t, sim, srv.URL))
	r, err := rules.New(rules.Builtin(), rules.Options{PoolSize: 1, CallTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	rng := rand.New(rand.NewPCG(1, 2))
	cases := sim.Plant(rng, 40)
	cases = append(cases, sim.Plant(rng, 5)...) // a second call plants new orders

	wantVerdicts := []recon.Verdict{"MATCHED", "MISSED_PAYMENT", "UNPAID_AT_PROVIDER", "STATUS_MISMATCH",
		"AMOUNT_MISMATCH", "NOT_FOUND", "UNSETTLED", "UNSUPPORTED", "ERROR"}
	seen := map[recon.Verdict]int{}
	keys := map[string]bool{}
	orderNo := regexp.MustCompile(`^PP-\d{6}$`)
	for _, c := range cases {
		seen[c.Want]++
		key := c.OrderNo + "/" + c.Kind.String() + "/" + c.RefundNo
		if keys[key] {
			t.Errorf("ledger row %s planted twice", key)
		}
		keys[key] = true
		if !orderNo.MatchString(c.OrderNo) || c.Why == "" || c.Currency != "" {
			t.Errorf("case %+v: bad order number, reason or currency", c)
		}
		if got := judge(t, r, p, c); got != c.Want {
			t.Errorf("%s %s (%s): judged %s, planted %s", c.OrderNo, c.Kind, c.Why, got, c.Want)
		}
	}
	for _, v := range wantVerdicts {
		if seen[v] == 0 {
			t.Errorf("no case planted for %s", v)
		}
	}
	if len(cases) < 45 {
		t.Errorf("planted %d rows, want about 45", len(cases))
	}
}

// judge runs one planted ledger row the way the engine does (up to 4
// attempts) and judges it with the built-in rules, rules/builtin/paypro.lua
// included.
func judge(t *testing.T, r *rules.Rules, p *Provider, c simkit.Case) recon.Verdict {
	t.Helper()
	kind := recon.Payment
	if c.Kind == recon.Refund {
		kind = recon.Refund
	}
	var res recon.Reply
	for attempt := 1; attempt <= 4; attempt++ {
		res = p.Query(context.Background(), recon.Query{Kind: kind, OrderNo: c.OrderNo,
			ProviderTradeNo: c.ProviderTradeNo, RefundNo: c.RefundNo, Attempt: attempt})
		if res.Outcome != recon.OutcomeTransient {
			break
		}
	}
	if res.Outcome == recon.OutcomeFound && c.ProviderTradeNo != "" && c.ProviderTradeNo != res.Answer.TradeNo {
		t.Errorf("%s: ledger trade no %s, provider %s", c.OrderNo, c.ProviderTradeNo, res.Answer.TradeNo)
	}
	amount, err := money.Parse(c.Amount, 2)
	if err != nil {
		t.Fatalf("%s: amount %q: %v", c.OrderNo, c.Amount, err)
	}
	row := recon.Row{Line: 2, Account: "shop-paypro", Provider: Name, Kind: c.Kind, OrderNo: c.OrderNo,
		ProviderTradeNo: c.ProviderTradeNo, RefundNo: c.RefundNo, Status: c.Status, Amount: amount, Currency: DemoCurrency}
	j, err := r.Judge(context.Background(), row, recon.Reply{Outcome: res.Outcome, Err: res.Err,
		Verified: res.Verified, Answer: res.Answer})
	if err != nil {
		t.Fatalf("%s: judging: %v", c.OrderNo, err)
	}
	return j.Verdict
}

// Plant is deterministic for a seed, apart from the clock.
func TestPlantDeterministic(t *testing.T) {
	a, b := NewSimulator(), NewSimulator()
	ca := a.Plant(rand.New(rand.NewPCG(9, 9)), 30)
	cb := b.Plant(rand.New(rand.NewPCG(9, 9)), 30)
	if len(ca) != len(cb) {
		t.Fatalf("%d vs %d cases", len(ca), len(cb))
	}
	for i := range ca {
		if ca[i] != cb[i] {
			t.Errorf("case %d differs: %+v vs %+v", i, ca[i], cb[i])
		}
	}
}
