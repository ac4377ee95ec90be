package sim

import (
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/vborder"
)

// chinaTime is the platform's zone, Asia/Shanghai (+08:00, no daylight
// saving since 1991).
var chinaTime = time.FixedZone("CST", 8*3600)

// payStatusPaid is the payStatus of a paid order, the only kind the
// platform bills: it has no refunds (nor a refund query).
const payStatusPaid = "SUCCESS"

// statementRows are the platform's statement (doc.go), every day of it,
// in China time: its paid orders.
func (s *Simulator) statementRows() ([]simkit.StatementRow, *time.Location) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var rows []simkit.StatementRow
	for _, o := range s.orders {
		if o.PayStatus != payStatusPaid {
			continue
		}
		rows = append(rows, simkit.StatementRow{OrderNo: o.OrderNo, ProviderTradeNo: o.PlatformSeq, Kind: recon.Payment,
			Amount: money.Format(int64(o.OrderAmount), 2), Currency: "CNY", Status: o.PayStatus, Time: o.at})
	}
	return rows, chinaTime
}

// billedAt is when an order was paid: its payTime, else the i-th scenario
// time.
func billedAt(payTime string, i int) time.Time {
	if t, err := vborder.ParsePayTime(payTime); err == nil {
		return t.In(chinaTime)
	}
	return simkit.ScenarioTime(time.Now(), chinaTime, i)
}
