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
	"github.com/reconhq/recon/plugins/vborder"
)

// The statement of the planted day bills exactly the orders the query API
// says are paid (payStatus SUCCESS), with their amounts; vborder has no
// refunds, so no refund rows; other days are empty.
func TestStatementOfPlantedDay(t *testing.T) {
	s := New()
	if err := s.LoadScenario(nil); err != nil { // no default orders: only what Plant adds
		t.Fatal(err)
	}
	cases := s.Plant(rand.New(rand.NewPCG(5, 6)), 40)
	if missing := simtest.Missing(t, cases); missing[recon.Payment] < 2 || missing[recon.Refund] != 0 {
		t.Fatalf("planted %v NotInLedger; want 2 payments, no refund", missing)
	}
	s.mu.Lock()
	s.plan = script.NewPlan(faults, s.inj) // planted faults would hide the answers
	s.mu.Unlock()
	p := vborder.New()
	simtest.Configure(t, s, p)
	day := simkit.PlantDay(time.Now(), chinaTime)
	words := simtest.Words{Word: func(_ recon.Kind, a recon.Answer) string { return a.Status },
		Paid: map[string]bool{"SUCCESS": true}}
	rows := simtest.CheckStatement(t, s, p, cases, day, words, nil)
	simtest.CheckQuietDays(t, s, day)
	for _, r := range rows {
		if r.Kind != recon.Payment || r.Status != "SUCCESS" {
			t.Errorf("statement row %+v; want paid payments only", r)
		}
	}
}

// The default scenario's payTimes place its rows; unpaid orders are not
// billed; a paid order without a payTime is on the plant day.
func TestStatementOfDefaultScenario(t *testing.T) {
	s := New()
	sep7 := time.Date(2022, 9, 7, 0, 0, 0, 0, chinaTime)
	nov21 := time.Date(2026, 11, 21, 0, 0, 0, 0, chinaTime)
	if got := s.Statement(sep7); len(got) != 1 || got[0].OrderNo != "202209070002" || got[0].Amount != "0.01" ||
		got[0].ProviderTradeNo != "S1567327155606323202" || got[0].Time.Format(time.RFC3339) != "2022-09-07T09:41:58+08:00" {
		t.Errorf("statement of the page's example day: %+v", got)
	}
	var nos []string
	for _, r := range s.Statement(nov21) {
		nos = append(nos, r.OrderNo)
	}
	// By time, then order number.
	want := "VB-DEMO-B2B-CHECK-SUCCESS VB-DEMO-B2C-CHECK-FAIL VB-DEMO-B2C-CHECK-CLOSE VB-DEMO-B2B-CHECK-PROCESSING " +
		"VB-DEMO-TRANSFER VB-DEMO-JD-CREDIT VB-DEMO-BADSIGN VB-DEMO-BUSY VB-DEMO-DOWN VB-DEMO-OTHER-ORDER VB-DEMO-TAMPER VB-DEMO-SUCCESS"
	if strings.Join(nos, " ") != want {
		t.Errorf("statement of 2026-11-21:\n%s\nwant\n%s", strings.Join(nos, " "), want)
	}
	if err := s.LoadScenario([]byte("orders: [{orderNo: A, orderAmount: 5, payStatus: WAITPAY}, {orderNo: B, orderAmount: 7, payStatus: SUCCESS}]\n")); err != nil {
		t.Fatal(err)
	}
	plantDay := simkit.PlantDay(time.Now(), chinaTime)
	if got := s.Statement(plantDay); len(got) != 1 || got[0].OrderNo != "B" || !got[0].Time.Equal(plantDay.Add(2*time.Minute)) {
		t.Errorf("statement of the plant day: %+v", got)
	}
}
