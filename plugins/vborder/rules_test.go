package vborder_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/plugintest"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/rules"
)

// TestRuleFixtures runs rules/builtin/fixtures/vborder.yaml through the real
// rules runtime with only the contract's judge and vborder.lua loaded, so a
// broken file of another provider cannot hide (or cause) a failure here.
// `go test ./rules/...` runs the same fixtures with every built-in file.
func TestRuleFixtures(t *testing.T) {
	plugintest.RuleFixtures(t, builtinRules(t), "vborder", 30)
}

// The details the mapping adds name what a person must look at.
func TestRuleDetails(t *testing.T) {
	r := builtinRules(t)
	row := recon.Row{Line: 2, Account: "a", Provider: "vborder", Kind: recon.Payment, OrderNo: "A1",
		Status: recon.StatePaid, Amount: 9900, Currency: "CNY"}
	for _, c := range []struct {
		sub, checkMsg string
		state         recon.State
		verdict       recon.Verdict
		detail        string
	}{
		{"FAIL", "户名不符", recon.StateUnknown, recon.VerdictUnknownStatus, "checkStatus FAIL: 户名不符"},
		{"FAIL", "", recon.StateUnknown, recon.VerdictUnknownStatus, "checkStatus FAIL: no checkMsg"},
		{"PROCESSING", "结果未知", recon.StatePending, recon.VerdictUnpaidAtProvider, "checkStatus PROCESSING: 结果未知"},
	} {
		fields := map[string]string{"payType": "B2C"}
		if c.checkMsg != "" {
			fields["checkMsg"] = c.checkMsg
		}
		amount := int64(9900)
		j, err := r.Judge(context.Background(), row, recon.Reply{Outcome: recon.OutcomeFound, Verified: true,
			Answer: recon.Answer{Status: "SUCCESS", SubStatus: c.sub, Currency: "CNY", Amount: &amount, Fields: fields}})
		if err != nil {
			t.Fatal(err)
		}
		if j.State != c.state || j.Verdict != c.verdict || !strings.Contains(j.StateDetail, c.detail) {
			t.Errorf("%s/%q: %+v, want %s %s with %q", c.sub, c.checkMsg, j, c.state, c.verdict, c.detail)
		}
	}
}

// Plant's rows, queried through the client over loopback and judged by the
// real rules (the contract's judge and vborder.lua), get exactly the
// verdicts Plant promised (sim/plant_test.go checks that every verdict is
// planted). The host's retries are played here: up to four
// attempts while the outcome is transient.
func TestPlantVerdicts(t *testing.T) {
	sim, url := newSim(t)
	cases := simkit.InLedger(sim.Plant(rand.New(rand.NewPCG(7, 11)), 60)) // the statement-only rows have no ledger row to judge
	if len(cases) < 60 {
		t.Fatalf("planted %d rows, want about 60", len(cases))
	}
	r := builtinRules(t)
	p := client(t, account(sim, url, nil))
	for _, c := range cases {
		var res recon.Reply
		for attempt := 1; attempt <= 4; attempt++ {
			res = p.Query(context.Background(), recon.Query{Kind: c.Kind, OrderNo: c.OrderNo, RefundNo: c.RefundNo,
				ProviderTradeNo: c.ProviderTradeNo, Attempt: attempt})
			if res.Outcome != recon.OutcomeTransient {
				break
			}
		}
		amount, err := money.Parse(c.Amount, 2)
		if err != nil {
			t.Fatalf("%s: amount %q: %v", c.OrderNo, c.Amount, err)
		}
		row := recon.Row{Line: 2, Account: "shop-vborder", Provider: "vborder", Kind: c.Kind, OrderNo: c.OrderNo,
			ProviderTradeNo: c.ProviderTradeNo, RefundNo: c.RefundNo, Status: c.Status, Amount: amount, Currency: "CNY"}
		j, err := r.Judge(context.Background(), row, recon.Reply{Outcome: res.Outcome, Err: res.Err,
			Verified: res.Verified, Answer: res.Answer})
		if err != nil {
			t.Fatalf("%s: %v", c.OrderNo, err)
		}
		if j.Verdict != c.Want {
			t.Errorf("%s %s (%s): verdict %s (%s; outcome %v %s), want %s",
				c.Kind, c.OrderNo, c.Why, j.Verdict, j.Detail, res.Outcome, res.Err, c.Want)
		}
	}
}

// builtinRules is the contract's judge plus vborder.lua.
func builtinRules(t *testing.T) *rules.Rules {
	t.Helper()
	var files []rules.File
	for _, f := range rules.Builtin() {
		if strings.HasSuffix(f.Name, "/reconcile.lua") || strings.HasSuffix(f.Name, "/vborder.lua") {
			files = append(files, f)
		}
	}
	r, err := rules.New(files, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}
