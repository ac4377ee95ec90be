package sim

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/paypro"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
	"github.com/reconhq/recon/plugins/simkit/simtest"
)

// The statement of the planted day bills exactly the pay-ins the query API
// says money arrived for (0000, 0001), with its amounts and status words;
// PayPro has no refunds, so no refund rows; other days are empty.
func TestStatementOfPlantedDay(t *testing.T) {
	s := New()
	cases := s.Plant(rand.New(rand.NewPCG(5, 6)), 30)
	if missing := simtest.Missing(t, cases); missing[recon.Payment] < 2 || missing[recon.Refund] != 0 {
		t.Fatalf("planted %v NotInLedger; want 2 payments, no refund", missing)
	}
	s.mu.Lock()
	s.plan = script.NewPlan(faults, s.inj) // planted faults would hide the answers
	day := simkit.PlantDay(s.now(), s.loc)
	s.mu.Unlock()
	p := paypro.New()
	simtest.Configure(t, s, p)
	words := simtest.Words{Word: func(_ recon.Kind, a recon.Answer) string { return a.Status },
		Paid: map[string]bool{"0000": true, "0001": true}}
	rows := simtest.CheckStatement(t, s, p, cases, day, words, nil)
	simtest.CheckQuietDays(t, s, day)
	seen := simtest.Statuses(rows)
	if len(seen) != 2 || !seen["payment 0000"] || !seen["payment 0001"] {
		t.Errorf("statement rows are %v; want payments 0000 and 0001 only", seen)
	}
}

// A scenario's success_time places its row (local time in the account's
// zone); a paid order without one is on the plant day; amounts are written
// exactly, whatever form the scenario used.
func TestStatementOfScenario(t *testing.T) {
	s := New()
	if err := s.LoadScenario([]byte(`timezone: Asia/Jakarta
orders:
  - {trade_no: A, amount: "300", status: "0000", success_time: "2026-11-21 9:30:13"}
  - {trade_no: B, amount: "50000.50", status: "0000"}
  - {trade_no: C, amount: "100.00", status: "0029", success_time: "2026-11-21 10:00:00"}
  - {trade_no: D, amount: "100.00", received_amount: "40.00", status: "0001", success_time: "2026-11-21 23:59:59"}
`)); err != nil {
		t.Fatal(err)
	}
	jakarta := s.loc
	nov21 := time.Date(2026, 11, 21, 0, 0, 0, 0, jakarta)
	plantDay := simkit.PlantDay(time.Now(), jakarta)
	for _, c := range []struct {
		day  time.Time
		want []string
	}{
		{nov21, []string{"A 300.00 0000 2026-11-21T09:30:13+07:00", "D 100.00 0001 2026-11-21T23:59:59+07:00"}},
		{plantDay, []string{"B 50000.50 0000 " + plantDay.Add(2*time.Minute).Format(time.RFC3339)}},
		{nov21.AddDate(0, 0, 1), nil},
	} {
		var got []string
		for _, r := range s.Statement(c.day) {
			got = append(got, strings.Join([]string{r.OrderNo, r.Amount, r.Status, r.Time.Format(time.RFC3339)}, " "))
			if r.Currency != "IDR" || r.Kind != recon.Payment {
				t.Errorf("%+v: want an IDR payment", r)
			}
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("statement of %s:\n%s\nwant\n%s", c.day.Format(time.DateOnly), strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}
