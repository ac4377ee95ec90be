package upay_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/plugintest"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/upay/sim"
	"github.com/reconhq/recon/rules"
)

// upayRules compiles the built-in judge and upay's mapping only, so that
// other providers' files cannot break these tests.
func upayRules(t *testing.T) *rules.Rules {
	t.Helper()
	var files []rules.File
	for _, f := range rules.Builtin() {
		if strings.HasSuffix(f.Name, "/reconcile.lua") {
			files = append(files, f)
		}
	}
	src, err := os.ReadFile("../../rules/builtin/upay.lua")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, rules.File{Name: rules.BuiltinPrefix + "upay.lua", Source: src})
	r, err := rules.New(files, rules.Options{PoolSize: 2, CallTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// Every order_status and refund flow status through upay.lua and the judge.
func TestRuleFixtures(t *testing.T) {
	plugintest.RuleFixtures(t, upayRules(t), "upay", 40)
}

// Plant's rows, queried through the client over loopback and judged by the
// real rules, must get exactly the verdicts Plant promised.
func TestPlantedVerdicts(t *testing.T) {
	s := sim.New()
	cases := simkit.InLedger(s.Plant(rand.New(rand.NewPCG(1, 2)), 40)) // the statement-only rows have no ledger row to judge
	p := mustProvider(t, simServer(t, s), nil)
	r := upayRules(t)
	ctx := context.Background()

	orders := map[string]bool{}
	seen := map[string]bool{}
	type order struct {
		payment        *recon.Judgement
		paymentStatus  recon.State
		refunded       *int64
		ledgerRefunded int64
		refundRows     int
	}
	byOrder := map[string]*order{}
	got := make([]recon.Verdict, len(cases))
	for i, c := range cases {
		if !strings.HasPrefix(c.OrderNo, "UP-") || len(c.OrderNo) != 9 {
			t.Errorf("order number %q", c.OrderNo)
		}
		key := c.OrderNo + "/" + c.Kind.String() + "/" + c.RefundNo
		if seen[key] {
			t.Errorf("row %s planted twice", key)
		}
		seen[key] = true
		orders[c.OrderNo] = true

		q := recon.Query{Kind: c.Kind, OrderNo: c.OrderNo, ProviderTradeNo: c.ProviderTradeNo, RefundNo: c.RefundNo}
		// The host's retries: up to 4 attempts while transient.
		var res recon.Reply
		for q.Attempt = 1; q.Attempt <= 4; q.Attempt++ {
			if res = query(t, p, q); res.Outcome != recon.OutcomeTransient {
				break
			}
		}
		amount, err := money.Parse(c.Amount, 2)
		if err != nil {
			t.Fatal(err)
		}
		row := recon.Row{Line: i + 2, Account: "shop-upay", Provider: "upay", Kind: c.Kind, OrderNo: c.OrderNo,
			ProviderTradeNo: c.ProviderTradeNo, RefundNo: c.RefundNo, Status: c.Status, Amount: amount, Currency: "CNY"}
		j, err := r.Judge(ctx, row, recon.Reply{Outcome: res.Outcome, Err: res.Err, Verified: res.Verified, Answer: res.Answer})
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		got[i] = j.Verdict
		o := byOrder[c.OrderNo]
		if o == nil {
			o = &order{}
			byOrder[c.OrderNo] = o
		}
		if c.Kind == recon.Payment {
			jj := j
			o.payment, o.paymentStatus = &jj, c.Status
			if res.Outcome == recon.OutcomeFound {
				o.refunded = res.Answer.Refunded
			}
		} else {
			o.refundRows++
			if c.Status == recon.StateSuccess {
				o.ledgerRefunded += amount
			}
		}
	}
	// The order-level rule: the ledger's refunds must add up.
	for i, c := range cases {
		o := byOrder[c.OrderNo]
		if c.Kind != recon.Payment || o.refundRows == 0 {
			continue
		}
		j, err := r.JudgeRefunds(ctx, rules.OrderRefunds{Account: "shop-upay", Provider: "upay", OrderNo: c.OrderNo,
			Currency: "CNY", Payment: *o.payment, PaymentStatus: o.paymentStatus, LedgerRefunded: o.ledgerRefunded,
			RefundRows: o.refundRows, ProviderRefunded: o.refunded})
		if err != nil {
			t.Fatal(err)
		}
		if j != nil {
			got[i] = j.Verdict
		}
	}
	verdicts := map[recon.Verdict]int{}
	for i, c := range cases {
		verdicts[c.Want]++
		if got[i] != c.Want {
			t.Errorf("%s %s %s (%s): verdict %s, want %s", c.OrderNo, c.Kind, c.RefundNo, c.Why, got[i], c.Want)
		}
	}
	for _, v := range []recon.Verdict{recon.VerdictMatched, recon.VerdictMissedPayment, recon.VerdictUnpaidAtProvider,
		recon.VerdictStatusMismatch, recon.VerdictAmountMismatch, recon.VerdictRefundMismatch, recon.VerdictNotFound,
		recon.VerdictUnsettled, recon.VerdictUnknownStatus, recon.VerdictError} {
		if verdicts[v] == 0 {
			t.Errorf("no %s planted", v)
		}
	}
	if len(orders) < 40 || len(orders) > 45 {
		t.Errorf("%d orders planted, want about 40", len(orders))
	}
	// A second Plant adds new, distinct orders.
	for _, c := range s.Plant(rand.New(rand.NewPCG(1, 2)), 5) {
		if orders[c.OrderNo] {
			t.Errorf("second Plant reused %s", c.OrderNo)
		}
	}
}
