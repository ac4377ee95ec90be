package rules

import (
	"context"
	"strings"
	"testing"

	"github.com/reconhq/recon"
)

// A merchant file whose every verdict hook answers MATCHED: the contract
// says no hook, at any stage, makes an UNVERIFIABLE answer count.
const everyHookMatched = `
recon.judge(function(row, a, super) return {verdict = "MATCHED"} end)
recon.judge_refund(function(row, a, super) return {verdict = "MATCHED"} end)
recon.refunds(function(o, super) return {verdict = "MATCHED"} end)
recon.map_payment(function(a, super) return "PAID" end)
recon.map_refund(function(a, super) return "SUCCESS" end)
`

func TestNoHookLaundersUnverifiable(t *testing.T) {
	r := mustRules(t, File{Name: "matched.lua", Source: []byte(everyHookMatched)})
	ctx := context.Background()
	unverifiable := recon.Reply{Outcome: recon.OutcomeUnverifiable, Err: "signature does not verify",
		Answer: recon.Answer{Status: "PAID", Amount: recon.Int64(1000)}}
	for _, kind := range []recon.Kind{recon.Payment, recon.Refund} {
		row := paidRow()
		row.Kind = kind
		if kind == recon.Refund {
			row.RefundNo, row.Status = "R1", recon.StateSuccess
		}
		j, err := r.Judge(ctx, row, unverifiable)
		if err != nil {
			t.Fatal(err)
		}
		if j.Verdict != recon.VerdictUnverifiable {
			t.Errorf("%s row: judge made an unverifiable answer %s", kind, j.Verdict)
		}
	}
	// The refunds pass sees the payment row's UNVERIFIABLE judgement; its
	// hook answering MATCHED must not rewrite it.
	pay := recon.Default(recon.VerdictUnverifiable, "signature does not verify")
	j, err := r.JudgeRefunds(ctx, OrderRefunds{Account: "shop", Provider: "upay", OrderNo: "A1", Currency: "CNY",
		Payment: pay, PaymentStatus: recon.StatePaid, LedgerRefunded: 500, RefundRows: 1, ProviderRefunded: recon.Int64(500)})
	if err != nil {
		t.Fatal(err)
	}
	if j != nil && j.Verdict != recon.VerdictUnverifiable {
		t.Errorf("refunds hook made an UNVERIFIABLE payment row %s (%s)", j.Verdict, j.Detail)
	}
}

func TestLintWarnsAboutLaunderingHooks(t *testing.T) {
	problems := Lint([]File{{Name: "matched.lua", Source: []byte(everyHookMatched)}}, LintOptions{})
	warned := map[string]bool{}
	for _, p := range problems {
		if p.Warning && strings.Contains(p.Msg, "failed verification") {
			warned[strings.Fields(p.Msg)[0]] = true
		}
	}
	for _, hook := range []string{"recon.judge", "recon.judge_refund", "recon.refunds"} {
		if !warned[hook] {
			t.Errorf("no warning for %s returning MATCHED; problems: %v", hook, problems)
		}
	}
	careful := `recon.judge(function(row, a, super)
  if a.outcome == "UNVERIFIABLE" then return super(row, a) end
  return {verdict = "MATCHED"}
end)`
	for _, p := range Lint([]File{{Name: "careful.lua", Source: []byte(careful)}}, LintOptions{}) {
		if strings.Contains(p.Msg, "failed verification") {
			t.Errorf("warned about a hook that handles UNVERIFIABLE: %v", p)
		}
	}
}
