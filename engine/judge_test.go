package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/rules"
)

// judgeWith is a judge of the built-in rules and, when merchant is not "",
// a merchant file, for one CNY account "shop" of provider upay.
func judgeWith(t *testing.T, merchant string) *judge {
	t.Helper()
	var paths []string
	if merchant != "" {
		p := filepath.Join(t.TempDir(), "merchant.lua")
		if err := os.WriteFile(p, []byte(merchant), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	rs, err := rules.Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Accounts: map[string]*config.Account{
		"shop": {Name: "shop", Plugin: "upay", Currency: "CNY", Location: time.UTC}}}
	return newJudge(rs, cfg)
}

func TestJudgeTakesNoWordItWasNotGiven(t *testing.T) {
	row := func(cur string) recon.Row {
		return recon.Row{Line: 2, Account: "shop", Provider: "upay", Kind: recon.Payment, OrderNo: "O1",
			Status: recon.StatePaid, Amount: 100, Currency: cur}
	}
	found := recon.Reply{Outcome: recon.OutcomeFound, Verified: true,
		Answer: recon.Answer{OrderNo: "O1", Status: "PAID", SubStatus: "SUCCESS", Amount: recon.Int64(100),
			Fields: map[string]string{"order_status": "PAID"}}}
	tampered := recon.Reply{Outcome: recon.OutcomeUnverifiable, Err: "bad sign"}
	failing := `recon.judge(function(row, p) local d = p.amount - row.amount end)`
	for _, tc := range []struct {
		name     string
		merchant string
		row      recon.Row
		reply    recon.Reply
		want     recon.Verdict
		detail   string // a part of the detail
	}{
		// An answer that names no currency is in the account's, not in
		// whatever the ledger row claims.
		{"no currency, ledger in the account's", "", row("CNY"), found, recon.VerdictMatched, ""},
		{"no currency, ledger in another", "", row("USD"), found, recon.VerdictAmountMismatch, "currency"},
		// A rule that fails on a tampered answer does not make it a mere
		// ERROR: it stays UNVERIFIABLE, with the rule's error told.
		{"rule fails on an unverifiable answer", failing, row("CNY"), tampered, recon.VerdictUnverifiable, "merchant.lua"},
		{"rule fails on a found answer", failing, row("CNY"), found, recon.VerdictError, "rule hook judge"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, _ := judgeWith(t, tc.merchant).assess(context.Background(), tc.row, tc.reply, 1)
			r := rec.Result
			if r.Verdict != tc.want || !strings.Contains(r.Detail, tc.detail) {
				t.Fatalf("%s (%s); want %s with %q", r.Verdict, r.Detail, tc.want, tc.detail)
			}
			if tc.want == recon.VerdictUnverifiable && r.Severity != recon.SeverityCritical {
				t.Fatalf("severity %s; want critical", r.Severity)
			}
		})
	}
}
