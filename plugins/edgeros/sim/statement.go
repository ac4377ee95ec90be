package sim

import (
	"cmp"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/simkit"
)

// billedTrades and billedRefunds are the codes of what the platform bills:
// a payment that went through (also one refunded since), and a refund done
// or accepted and under way.
var (
	billedTrades  = map[string]bool{"SUCCESS": true, "REFUND": true}
	billedRefunds = map[string]bool{"SUCCESS": true, "PROCESSING": true}
)

// statementRows are the platform's statement (doc.go), every day of it,
// in China time, in the codes a query answers now (a refund's
// statement_code, if it has one, instead).
func (s *Simulator) statementRows() ([]simkit.StatementRow, *time.Location) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows []simkit.StatementRow
	for _, t := range s.trades {
		if billedTrades[t.Code] {
			rows = append(rows, simkit.StatementRow{OrderNo: t.MchTradeNo, ProviderTradeNo: t.TransactionNo,
				Kind: recon.Payment, Amount: t.AmountTotal, Currency: "CNY", Status: t.Code, Time: t.at})
		}
	}
	for _, r := range s.refunds {
		if billedRefunds[r.Code] {
			rows = append(rows, simkit.StatementRow{OrderNo: r.MchTradeNo, ProviderTradeNo: r.TransactionNo,
				Kind: recon.Refund, RefundNo: r.MchRefundNo, Amount: r.RefundAmount, Currency: "CNY",
				Status: cmp.Or(r.StatementCode, r.Code), Time: r.at})
		}
	}
	return rows, chinaTime
}

// billedAt is when a trade or refund happened: its success_time, else (a
// scenario that gives none, or one the client is to choke on) the i-th
// scenario time.
func billedAt(successTime string, i int) time.Time {
	if t, err := time.Parse(time.RFC3339, successTime); err == nil {
		return t.In(chinaTime)
	}
	return simkit.ScenarioTime(time.Now(), chinaTime, i)
}
