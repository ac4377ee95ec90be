package vborder_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/reconhq/recon"
)

// TestRuleFixtures runs rules/builtin/fixtures/vborder.yaml through the real
// rules runtime with only the contract's judge and vborder.lua loaded, so a
// broken file of another provider cannot hide (or cause) a failure here.
// `go test ./rules/...` runs the same fixtures with every built-in file.
func TestRuleFixtures(t *testing.T) {
	r := builtinRules(t)
	src, err := os.ReadFile("../../rules/builtin/fixtures/vborder.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.RunFixtures(context.Background(), map[string][]byte{"vborder.yaml": src})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) < 30 {
		t.Fatalf("only %d fixture cases ran", len(res))
	}
	for _, c := range res {
		if c.Problem != "" {
			t.Errorf("%s: %s (got %+v)", c.Name, c.Problem, c.Got)
		}
	}
}

// The details the mapping adds name what a person must look at.
func TestRuleDetails(t *testing.T) {
	r := builtinRules(t)
	row := recon.Row{Line: 2, Account: "a", Provider: "vborder", Kind: recon.Payment, OrderNo: "A1",
		Status: "PAID", Amount: 9900, Currency: "CNY"}
	for _, c := range []struct {
		sub, checkMsg, state, verdict, detail string
	}{
		{"FAIL", "户名不符", "UNKNOWN", "UNKNOWN_STATUS", "checkStatus FAIL: 户名不符"},
		{"FAIL", "", "UNKNOWN", "UNKNOWN_STATUS", "checkStatus FAIL: no checkMsg"},
		{"PROCESSING", "结果未知", "PENDING", "UNPAID_AT_PROVIDER", "checkStatus PROCESSING: 结果未知"},
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
		if string(j.State) != c.state || string(j.Verdict) != c.verdict || !strings.Contains(j.StateDetail, c.detail) {
			t.Errorf("%s/%q: %+v, want %s %s with %q", c.sub, c.checkMsg, j, c.state, c.verdict, c.detail)
		}
	}
}
