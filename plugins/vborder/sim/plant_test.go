package sim

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/reconhq/recon"
)

// verdicts are every verdict a vborder account can produce.
var verdicts = []recon.Verdict{recon.VerdictMatched, recon.VerdictMissedPayment, recon.VerdictUnpaidAtProvider,
	recon.VerdictStatusMismatch, recon.VerdictAmountMismatch, recon.VerdictNotFound, recon.VerdictUnsettled,
	recon.VerdictUnknownStatus, recon.VerdictUnverifiable, recon.VerdictUnsupported, recon.VerdictError}

// Plant's rows: about n, every verdict at least once, mostly MATCHED, each
// row once, and fresh order numbers when planted again. That the verdicts
// are the ones the real rules reach is vborder's rules_test.go.
func TestPlant(t *testing.T) {
	sim := New()
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
	for _, v := range verdicts {
		if seen[v] == 0 {
			t.Errorf("no planted %s", v)
		}
	}
	if seen[recon.VerdictMatched] < len(cases)/2 {
		t.Errorf("only %d of %d rows MATCHED", seen[recon.VerdictMatched], len(cases))
	}

	// Planting again adds fresh order numbers.
	more := sim.Plant(rand.New(rand.NewPCG(7, 11)), 1)
	for _, c := range more {
		if c.Kind == recon.Payment && keys["payment/"+c.OrderNo+"/"] {
			t.Errorf("second Plant reused %s", c.OrderNo)
		}
	}
}
