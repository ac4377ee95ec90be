package sim

import (
	"cmp"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/simkit"
)

// chinaTime is the account's zone, Asia/Shanghai: +08:00 without daylight
// saving since 1991, so a fixed zone is exact and needs no zoneinfo.
var chinaTime = time.FixedZone("CST", 8*3600)

// billedOrders are the order_status values of an order whose payment went
// through: upay took the money, whatever its refunds did since.
var billedOrders = map[string]bool{
	"PAID": true, "PARTIAL_REFUNDED": true, "REFUNDED": true, "REFUND_INPROGRESS": true, "REFUND_ERROR": true,
}

// billedRefunds are the flow statuses of a refund upay bills: done, or
// accepted and under way.
var billedRefunds = map[string]bool{flowSuccess: true, flowInProg: true, flowCreated: true}

// statementRows are upay's statement (doc.go), every day of it, in China
// time: each paid order at its finish_time with the order_status a query
// answers now, and each refund upay bills at its own finish_time.
func (s *Simulator) statementRows() ([]simkit.StatementRow, *time.Location) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows []simkit.StatementRow
	for _, o := range s.orders {
		if !billedOrders[o.OrderStatus] {
			continue
		}
		rows = append(rows, simkit.StatementRow{OrderNo: o.ClientSN, ProviderTradeNo: o.SN, Kind: recon.Payment,
			Amount: yuan(o.TotalAmount), Currency: "CNY", Status: o.orderStatus(), Time: o.FinishTime.In(chinaTime)})
		for _, r := range o.Refunds {
			if !billedRefunds[r.Status] {
				continue
			}
			rows = append(rows, simkit.StatementRow{OrderNo: o.ClientSN, ProviderTradeNo: o.SN, Kind: recon.Refund,
				RefundNo: r.RefundRequestNo, Amount: yuan(r.Amount), Currency: "CNY",
				Status: cmp.Or(r.StatementStatus, r.Status), Time: r.FinishTime.In(chinaTime)})
		}
	}
	return rows, chinaTime
}
