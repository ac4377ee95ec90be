package vborder_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/rules"
)

// vborderVerdicts are every verdict a vborder account can produce.
var vborderVerdicts = []recon.Verdict{"MATCHED", "MISSED_PAYMENT", "UNPAID_AT_PROVIDER", "STATUS_MISMATCH",
	"AMOUNT_MISMATCH", "NOT_FOUND", "UNSETTLED", "UNKNOWN_STATUS", "UNVERIFIABLE", "UNSUPPORTED", "ERROR"}

// Plant's rows, queried through the client over loopback and judged by the
// real rules (the contract's judge and vborder.lua), get exactly the
// verdicts Plant promised. The host's retries are played here: up to four
// attempts while the outcome is transient.
func TestPlantVerdicts(t *testing.T) {
	sim, url := newSim(t)
	cases := sim.Plant(rand.New(rand.NewPCG(7, 11)), 60)
	if len(cases) < 60 {
		t.Fatalf("planted %d rows, want about 60", len(cases))
	}
	seen := map[recon.Verdict]int{}
	keys := map[string]bool{}
	for _, c := range cases {
		seen[c.Want]++
		key := c.Kind.String() + "/" + c.OrderNo + "/" + c.RefundNo
		if keys[key] {
			t.Errorf("row %s planted twice", key)
		}
		keys[key] = true
		if !strings.HasPrefix(c.OrderNo, "VB-") || c.Why == "" {
			t.Errorf("row %+v", c)
		}
	}
	for _, v := range vborderVerdicts {
		if seen[v] == 0 {
			t.Errorf("no planted %s", v)
		}
	}
	if seen["MATCHED"] < len(cases)/2 {
		t.Errorf("only %d of %d rows MATCHED", seen["MATCHED"], len(cases))
	}

	r := builtinRules(t)
	p := client(t, account(sim, url, nil))
	for _, c := range cases {
		kind := recon.Payment
		if c.Kind == recon.Refund {
			kind = recon.Refund
		}
		var res recon.Reply
		for attempt := 1; attempt <= 4; attempt++ {
			res = p.Query(context.Background(), recon.Query{Kind: kind, OrderNo: c.OrderNo, RefundNo: c.RefundNo,
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
	// Planting again adds fresh order numbers.
	more := sim.Plant(rand.New(rand.NewPCG(7, 11)), 1)
	for _, c := range more {
		if c.Kind == recon.Payment && keys["payment/"+c.OrderNo+"/"] {
			t.Errorf("second Plant reused %s", c.OrderNo)
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
