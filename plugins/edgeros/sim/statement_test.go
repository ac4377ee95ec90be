package sim

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/edgeros"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
	"github.com/reconhq/recon/plugins/simkit/simtest"
)

// words read the platform's answers as its statement does: the code, of
// the trade or of the refund asked.
var words = simtest.Words{
	Word:     func(_ recon.Kind, a recon.Answer) string { return a.Status },
	Paid:     map[string]bool{"SUCCESS": true, "REFUND": true},
	Refunded: map[string]bool{"SUCCESS": true, "PROCESSING": true},
}

// The statement of the planted day bills exactly what the query API says
// was paid and refunded, in its codes and amounts; other days are empty.
func TestStatementOfPlantedDay(t *testing.T) {
	s := New()
	if err := s.LoadScenario(nil); err != nil { // no default trades: only what Plant adds
		t.Fatal(err)
	}
	cases := s.Plant(rand.New(rand.NewPCG(5, 6)), 30)
	day := simkit.PlantDay(time.Now(), chinaTime)
	frozen := simtest.Frozen(cases, "billed this refund PROCESSING", "PROCESSING")
	if missing := simtest.Missing(t, cases); missing[recon.Payment] < 2 || missing[recon.Refund] < 1 || len(frozen) != 1 {
		t.Fatalf("planted %v NotInLedger and %d frozen refunds; want 2 payments, a refund, and one", missing, len(frozen))
	}
	s.mu.Lock()
	s.plan = script.NewPlan(faults, s.inj) // planted faults would hide the answers
	s.mu.Unlock()
	p := edgeros.New()
	simtest.Configure(t, s, p)
	rows := simtest.CheckStatement(t, s, p, cases, day, words, frozen)
	simtest.CheckQuietDays(t, s, day)
	seen := simtest.Statuses(rows)
	for _, w := range []string{"payment SUCCESS", "payment REFUND", "refund SUCCESS", "refund PROCESSING"} {
		if !seen[w] {
			t.Errorf("no statement row %q in %v", w, seen)
		}
	}
}

// The default scenario's times place its rows; a trade without one is on
// the plant day; unpaid trades and closed refunds are not billed.
func TestStatementOfDefaultScenario(t *testing.T) {
	s := New()
	if err := s.LoadScenario([]byte(defaultScenario + `  - {mch_refund_no: X-R1, mch_trade_no: X, code: SUCCESS, refund_amount: "1.00", statement_code: PROCESSING}
`)); err != nil {
		t.Fatal(err)
	}
	apr24 := time.Date(2024, 4, 24, 0, 0, 0, 0, chinaTime)
	plantDay := simkit.PlantDay(time.Now(), chinaTime)
	for _, c := range []struct {
		day  time.Time
		want []string
	}{
		{apr24, []string{"EGD-SUCCESS payment  0.01 SUCCESS 2024-04-24T18:00:28+08:00",
			"EGD-REFUND payment  100.00 REFUND 2024-04-24T18:05:00+08:00"}},
		{apr24.AddDate(0, 0, 1), []string{"EGD-REFUND refund EGD-R-SUCCESS 30.00 SUCCESS 2024-04-25T09:00:00+08:00"}},
		// No success_time: the i-th refund (from 0) at plant day + 1+i minutes.
		{plantDay, []string{"EGD-REFUND refund EGD-R-PROCESSING 20.00 PROCESSING " + plantDay.Add(2*time.Minute).Format(time.RFC3339),
			"X refund X-R1 1.00 PROCESSING " + plantDay.Add(5*time.Minute).Format(time.RFC3339)}},
	} {
		var got []string
		for _, r := range s.Statement(c.day) {
			got = append(got, strings.Join([]string{r.OrderNo, r.Kind.String(), r.RefundNo, r.Amount, r.Status,
				r.Time.Format(time.RFC3339)}, " "))
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("statement of %s:\n%s\nwant\n%s", c.day.Format(time.DateOnly), strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
	if days := s.StatementDays(); len(days) != 3 {
		t.Errorf("StatementDays %v; want the three above", days)
	}
}
