package edgeros_test

import (
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/edgeros"
	edgerossim "github.com/reconhq/recon/plugins/edgeros/sim"
	"github.com/reconhq/recon/plugins/money"
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

// TestRuleFixtures runs rules/builtin/fixtures/edgeros.yaml: every trade and
// refund code through rules/builtin/edgeros.lua and the built-in judge.
func TestRuleFixtures(t *testing.T) {
	plugintest.RuleFixtures(t, builtinRules(t), "edgeros", 30)
}

// TestPlant: every planted row, queried through the client over loopback
// HTTP and judged by the built-in rules, gets the verdict Plant promised;
// every verdict edgeros can produce is among them.
func TestPlant(t *testing.T) {
	sim := edgerossim.New()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	// The statement-only rows have no ledger row to judge.
	cases := simkit.InLedger(sim.Plant(rand.New(rand.NewPCG(7, 8)), 40))
	more := simkit.InLedger(sim.Plant(rand.New(rand.NewPCG(7, 8)), 1))
	if len(cases) < 40 || len(more) < 20 {
		t.Fatalf("planted %d and %d", len(cases), len(more))
	}

	acct := sim.Account()
	p := edgeros.New()
	if err := p.Configure(context.Background(), plugins.Account{Name: "shop-edgeros", Endpoint: srv.URL,
		Currency: acct.Currency, Credentials: acct.Credentials}); err != nil {
		t.Fatal(err)
	}
	r := builtinRules(t)
	seen := map[recon.Verdict]bool{}
	keys := map[string]bool{}
	for _, c := range append(cases, more...) {
		key := c.Kind.String() + "/" + c.OrderNo + "/" + c.RefundNo
		if keys[key] {
			t.Errorf("planted twice: %s", key)
		}
		keys[key] = true
		q := recon.Query{Kind: recon.Payment, OrderNo: c.OrderNo, ProviderTradeNo: c.ProviderTradeNo, Attempt: 1}
		if c.Kind == recon.Refund {
			q = recon.Query{Kind: recon.Refund, OrderNo: c.OrderNo, RefundNo: c.RefundNo, Attempt: 1}
		}
		res := p.Query(context.Background(), q)
		amount, err := money.Parse(c.Amount, 2)
		if err != nil {
			t.Fatalf("%s: amount %q: %v", key, c.Amount, err)
		}
		j, err := r.Judge(context.Background(), recon.Row{Line: 2, Account: "shop-edgeros", Provider: "edgeros",
			Kind: c.Kind, OrderNo: c.OrderNo, ProviderTradeNo: c.ProviderTradeNo, RefundNo: c.RefundNo,
			Status: c.Status, Amount: amount, Currency: "CNY"},
			recon.Reply{Outcome: res.Outcome, Err: res.Err, Verified: res.Verified, Answer: res.Answer})
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if j.Verdict != c.Want {
			t.Errorf("%s (%s): verdict %s (%s; %v %s), want %s", key, c.Why, j.Verdict, j.Detail, res.Outcome, res.Err, c.Want)
		}
		seen[c.Want] = true
	}
	for _, v := range []recon.Verdict{recon.VerdictMatched, recon.VerdictMissedPayment, recon.VerdictUnpaidAtProvider,
		recon.VerdictStatusMismatch, recon.VerdictAmountMismatch, recon.VerdictRefundMismatch, recon.VerdictNotFound,
		recon.VerdictUnsettled, recon.VerdictUnknownStatus, recon.VerdictUnverifiable, recon.VerdictError} {
		if !seen[v] {
			t.Errorf("no planted %s", v)
		}
	}
}
