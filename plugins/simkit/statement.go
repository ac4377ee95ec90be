package simkit

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/reconhq/recon"
)

// StatementRow is one transaction of a provider's statement, in the
// provider's own words.
type StatementRow struct {
	OrderNo, ProviderTradeNo string
	Kind                     recon.Kind // recon.Payment or recon.Refund
	RefundNo                 string     // the merchant's refund number, on a refund row
	// Amount is an exact decimal in major units ("12.34"): on a payment
	// row the order's original amount (refunds are rows of their own), on a
	// refund row the refund's.
	Amount   string
	Currency string
	// Status is the provider's own status word, as its query API says it
	// now (upay order_status "PARTIAL_REFUNDED", a refund's "SUCCESS"),
	// unless the simulator was told that the bill froze an older one.
	Status string
	Time   time.Time // when it was paid or refunded, in the provider's zone
}

// statementHeader is the "recon" preset's header (engine/statement/doc.go).
var statementHeader = []string{"order_no", "provider_trade_no", "type", "refund_no", "amount", "currency", "status", "time"}

// WriteStatement writes rows as the "recon" statement CSV, the plain format
// this project defines for providers that document none
// (engine/statement/doc.go): a header row
// order_no,provider_trade_no,type,refund_no,amount,currency,status,time,
// then one row each; type "payment" or "refund", time RFC 3339 with its
// offset.
func WriteStatement(w io.Writer, rows []StatementRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(statementHeader); err != nil {
		return err
	}
	for i, r := range rows {
		if r.Kind != recon.Payment && r.Kind != recon.Refund {
			return fmt.Errorf("statement row %d (order %s): kind is neither payment nor refund", i+1, r.OrderNo)
		}
		if err := cw.Write([]string{r.OrderNo, r.ProviderTradeNo, r.Kind.String(), r.RefundNo, r.Amount,
			r.Currency, r.Status, r.Time.Format(time.RFC3339)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// PlantDay is the day Plant puts its orders on: the midnight that began
// yesterday in loc, as seen at now. The nightly flow runs after midnight
// and reconciles the day before, so that day's statement is the one a
// night reads; every planted payment and refund falls within it.
func PlantDay(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d-1, 0, 0, 0, 0, loc)
}

// ScenarioTime is when the i-th (from 0) order of a scenario that gives it
// no time of its own happened: PlantDay plus 1 + i%1200 minutes, so that
// scenario orders, like planted ones, fall on yesterday (before 20:00).
func ScenarioTime(now time.Time, loc *time.Location, i int) time.Time {
	return PlantDay(now, loc).Add(time.Duration(1+i%1200) * time.Minute)
}

// midnight is the start of t's calendar day in loc.
func midnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// OnDay keeps the rows whose Time falls on day's calendar day in loc (day
// is normally that day's midnight there), ordered as a statement is: by
// time, then order number, payment before refund, then refund number.
func OnDay(rows []StatementRow, day time.Time, loc *time.Location) []StatementRow {
	start := midnight(day, loc)
	end := start.AddDate(0, 0, 1)
	var out []StatementRow
	for _, r := range rows {
		if !r.Time.Before(start) && r.Time.Before(end) {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b StatementRow) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.OrderNo, b.OrderNo),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.RefundNo, b.RefundNo))
	})
	return out
}

// Days returns the midnights in loc of the days on which rows has rows,
// in order.
func Days(rows []StatementRow, loc *time.Location) []time.Time {
	var out []time.Time
	for _, r := range rows {
		out = append(out, midnight(r.Time, loc))
	}
	slices.SortFunc(out, time.Time.Compare)
	return slices.CompactFunc(out, time.Time.Equal)
}

// InLedger keeps the cases the ledger has (drops NotInLedger ones): what a
// consumer of Plant that writes or judges ledger rows wants.
func InLedger(cases []Case) []Case {
	out := make([]Case, 0, len(cases))
	for _, c := range cases {
		if !c.NotInLedger {
			out = append(out, c)
		}
	}
	return out
}

// Statements gives a simulator that embeds it the Statement and
// StatementDays methods of Simulator, from a function returning every row
// the simulator bills, of every day, and the account's zone.
type Statements func() ([]StatementRow, *time.Location)

// Statement is the statement of day: see Simulator.
func (f Statements) Statement(day time.Time) []StatementRow {
	rows, loc := f()
	return OnDay(rows, day, loc)
}

// StatementDays are the days with statement rows: see Simulator.
func (f Statements) StatementDays() []time.Time {
	rows, loc := f()
	return Days(rows, loc)
}
