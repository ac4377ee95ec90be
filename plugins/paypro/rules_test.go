package paypro_test

import (
	"context"
	"math/rand/v2"
	"regexp"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/paypro"
	"github.com/reconhq/recon/plugins/paypro/sim"
	"github.com/reconhq/recon/plugins/plugintest"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/rules"
)

func builtinRules(t *testing.T) *rules.Rules {
	t.Helper()
	r, err := rules.New(rules.Builtin(), rules.Options{PoolSize: 1, CallTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// rules/builtin/fixtures/paypro.yaml: every data.status of PayPro's
// vocabulary through rules/builtin/paypro.lua and the built-in judge.
func TestRuleFixtures(t *testing.T) {
	plugintest.RuleFixtures(t, builtinRules(t), "paypro", 15)
}

// Every planted row, queried through the client against the simulator and
// judged by the built-in rules, gets the verdict Plant promised.
func TestPlant(t *testing.T) {
	s := sim.New()
	p := paypro.MustProvider(t, simAccount(t, s, serve(t, s)))
	r := builtinRules(t)

	rng := rand.New(rand.NewPCG(1, 2))
	cases := simkit.InLedger(s.Plant(rng, 40))                 // the statement-only rows have no ledger row to judge
	cases = append(cases, simkit.InLedger(s.Plant(rng, 5))...) // a second call plants new orders

	wantVerdicts := []recon.Verdict{recon.VerdictMatched, recon.VerdictMissedPayment, recon.VerdictUnpaidAtProvider,
		recon.VerdictStatusMismatch, recon.VerdictAmountMismatch, recon.VerdictNotFound, recon.VerdictUnsettled,
		recon.VerdictUnsupported, recon.VerdictError, recon.VerdictUnverifiable}
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
// attempts, then the host's identity check) and judges it with the
// built-in rules, rules/builtin/paypro.lua included.
func judge(t *testing.T, r *rules.Rules, p *paypro.Provider, c simkit.Case) recon.Verdict {
	t.Helper()
	kind := recon.Payment
	if c.Kind == recon.Refund {
		kind = recon.Refund
	}
	q := recon.Query{Kind: kind, OrderNo: c.OrderNo, ProviderTradeNo: c.ProviderTradeNo, RefundNo: c.RefundNo}
	var res recon.Reply
	for attempt := 1; attempt <= 4; attempt++ {
		q.Attempt = attempt
		res = p.Query(context.Background(), q)
		if res.Outcome != recon.OutcomeTransient {
			break
		}
	}
	if err := q.Check(&res); err != nil {
		if c.Want != recon.VerdictUnverifiable {
			t.Errorf("%s (%s): the host's check refuses the answer: %v", c.OrderNo, c.Why, err)
		}
		res.Distrust(err)
	}
	if res.Outcome == recon.OutcomeFound && c.ProviderTradeNo != "" && c.ProviderTradeNo != res.Answer.TradeNo {
		t.Errorf("%s: ledger trade no %s, provider %s", c.OrderNo, c.ProviderTradeNo, res.Answer.TradeNo)
	}
	amount, err := money.Parse(c.Amount, 2)
	if err != nil {
		t.Fatalf("%s: amount %q: %v", c.OrderNo, c.Amount, err)
	}
	row := recon.Row{Line: 2, Account: "shop-paypro", Provider: paypro.Name, Kind: c.Kind, OrderNo: c.OrderNo,
		ProviderTradeNo: c.ProviderTradeNo, RefundNo: c.RefundNo, Status: c.Status, Amount: amount, Currency: sim.DemoCurrency}
	j, err := r.Judge(context.Background(), row, recon.Reply{Outcome: res.Outcome, Err: res.Err,
		Verified: res.Verified, Answer: res.Answer})
	if err != nil {
		t.Fatalf("%s: judging: %v", c.OrderNo, err)
	}
	return j.Verdict
}
