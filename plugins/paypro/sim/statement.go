package sim

import (
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/paypro"
	"github.com/reconhq/recon/plugins/simkit"
)

// billedStatuses are the data.status values of a pay-in where money
// arrived: 0000 paid, 0001 partly paid.
var billedStatuses = map[string]bool{statusPaid: true, "0001": true}

// statementRows are PayPro's statement (doc.go), every day of it, and
// the account's zone: its paid pay-ins. PayPro has no refunds, so there
// are no refund rows.
func (s *Simulator) statementRows() ([]simkit.StatementRow, *time.Location) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	digits, err := money.Digits(s.currency)
	if err != nil {
		digits = 2 // LoadScenario refuses an unknown currency; New's is IDR
	}
	var rows []simkit.StatementRow
	for _, o := range s.orders {
		if !billedStatuses[o.Status] {
			continue
		}
		amount := o.Amount // as written, "300" for "300.00"; the statement writes it exactly
		if m, err := money.Parse(o.Amount, digits); err == nil {
			amount = money.Format(m, digits)
		}
		rows = append(rows, simkit.StatementRow{OrderNo: o.TradeNo, ProviderTradeNo: o.PlatformTradeNo,
			Kind: recon.Payment, Amount: amount, Currency: s.currency, Status: o.Status, Time: o.at.In(s.loc)})
	}
	return rows, s.loc
}

// billedAt is when an order's money arrived: its successTime (local time
// in loc), else the i-th scenario time as of now.
func billedAt(successTime string, loc *time.Location, now time.Time, i int) time.Time {
	if t, err := paypro.ParseLocalTime(successTime, loc); err == nil && successTime != "" {
		return t
	}
	return simkit.ScenarioTime(now, loc, i)
}
