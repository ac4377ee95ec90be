package sim

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
	"github.com/reconhq/recon/plugins/simkit/simtest"
	"github.com/reconhq/recon/plugins/upay"
)

// words read upay's answers as its statement does: order_status for a
// payment, the asked refund's flow status for a refund.
var words = simtest.Words{
	Word: func(k recon.Kind, a recon.Answer) string {
		if k == recon.Refund {
			return a.SubStatus
		}
		return a.Status
	},
	Paid:     billedOrders,
	Refunded: map[string]bool{"SUCCESS": true, "IN_PROG": true, "CREATED": true},
}

// The statement of the planted day bills exactly what the query API says
// was paid and refunded, in its words and amounts; other days are empty.
func TestStatementOfPlantedDay(t *testing.T) {
	s := New()
	if err := s.LoadScenario(nil); err != nil { // no default orders: only what Plant adds
		t.Fatal(err)
	}
	cases := s.Plant(rand.New(rand.NewPCG(3, 4)), 30)
	day := simkit.PlantDay(time.Now(), chinaTime)

	// The statement billed one refund IN_PROG; the query says SUCCESS now.
	frozen := simtest.Frozen(cases, "billed this refund IN_PROG", "IN_PROG")
	if missing := simtest.Missing(t, cases); missing[recon.Payment] < 2 || missing[recon.Refund] < 1 || len(frozen) != 1 {
		t.Fatalf("planted %v NotInLedger and %d frozen refunds; want 2 payments, a refund, and one", missing, len(frozen))
	}

	s.mu.Lock()
	s.script = script.NewPlan(faults, s.inj) // planted faults would hide the answers
	s.mu.Unlock()
	p := upay.New()
	simtest.Configure(t, s, p)
	rows := simtest.CheckStatement(t, s, p, cases, day, words, frozen)
	simtest.CheckQuietDays(t, s, day)

	// Each kind of billed row is there: a refunded payment in its word now.
	seen := simtest.Statuses(rows)
	for _, w := range []string{"payment PAID", "payment PARTIAL_REFUNDED", "payment REFUNDED", "payment REFUND_INPROGRESS",
		"refund SUCCESS", "refund IN_PROG"} {
		if !seen[w] {
			t.Errorf("no statement row %q in %v", w, seen)
		}
	}
}

// A scenario's times place its rows; an order without one is on the plant
// day; statement_status is what the bill says of a refund.
func TestStatementOfScenario(t *testing.T) {
	s := New()
	if err := s.LoadScenario([]byte(`orders:
  - {client_sn: A, total_amount: 1234, finish_time: 2026-11-21T23:59:59+08:00,
     refunds: [{refund_request_no: "01", amount: 234, finish_time: 2026-11-22T00:00:00+08:00, statement_status: IN_PROG},
               {refund_request_no: "02", amount: 5, status: FAIL_CANCELED, finish_time: 2026-11-22T01:00:00+08:00}]}
  - {client_sn: B, total_amount: 500}
  - {client_sn: C, total_amount: 700, order_status: CREATED}
  - {client_sn: D, total_amount: 800, order_status: CANCELED, finish_time: 2026-11-21T10:00:00+08:00}
`)); err != nil {
		t.Fatal(err)
	}
	nov21 := time.Date(2026, 11, 21, 0, 0, 0, 0, chinaTime)
	plantDay := simkit.PlantDay(time.Now(), chinaTime)
	for _, c := range []struct {
		day  time.Time
		want []string
	}{
		{nov21, []string{"A payment  12.34 PARTIAL_REFUNDED 2026-11-21T23:59:59+08:00"}},
		{nov21.AddDate(0, 0, 1), []string{"A refund 01 2.34 IN_PROG 2026-11-22T00:00:00+08:00"}},
		{plantDay, []string{"B payment  5.00 PAID " + plantDay.Add(2*time.Minute).Format(time.RFC3339)}},
		{nov21.AddDate(0, 0, -1), nil},
	} {
		var got []string
		for _, r := range s.Statement(c.day) {
			got = append(got, strings.Join([]string{r.OrderNo, r.Kind.String(), r.RefundNo, r.Amount, r.Status,
				r.Time.Format(time.RFC3339)}, " "))
			if r.Currency != "CNY" || r.ProviderTradeNo == "" {
				t.Errorf("%+v: want CNY and upay's sn", r)
			}
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("statement of %s:\n%s\nwant\n%s", c.day.Format(time.DateOnly), strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}
