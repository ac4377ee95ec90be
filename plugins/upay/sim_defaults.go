package upay

import "time"

// demoTime is when the default orders were paid.
var demoTime = time.Date(2026, 11, 21, 23, 10, 4, 0, time.FixedZone("CST", 8*3600))

// defaultOrders covers every order_status of upay and, on DEMO-FLOWS, every
// status of a refund flow. Client sns are "DEMO-" + what they show.
func defaultOrders() []Order {
	net0 := Fen(0)
	refund := func(no string, amount Fen, status string) Refund {
		return Refund{RefundRequestNo: no, Amount: amount, Status: status}
	}
	return []Order{
		{ClientSN: "DEMO-CREATED", SN: "7895259800000001", TotalAmount: 1000, OrderStatus: "CREATED"},
		{ClientSN: "DEMO-PAID", SN: "7895259800000002", TotalAmount: 1234, OrderStatus: "PAID",
			TradeNo: "4200001234202611210000000002", PayerUID: "oGFfksxxsiXIWSPsNy4Mu-YhBB-I", FinishTime: demoTime},
		{ClientSN: "DEMO-PAY_CANCELED", SN: "7895259800000003", TotalAmount: 2000, OrderStatus: "PAY_CANCELED"},
		{ClientSN: "DEMO-PAY_ERROR", SN: "7895259800000004", TotalAmount: 2100, OrderStatus: "PAY_ERROR"},
		// Two successful refunds add up to the order: REFUNDED.
		{ClientSN: "DEMO-REFUNDED", SN: "7895259800000005", TotalAmount: 5000, FinishTime: demoTime,
			Refunds: []Refund{refund("01", 2000, flowSuccess), refund("02", 3000, flowSuccess)}},
		// One successful refund, then one that failed: PARTIAL_REFUNDED,
		// and the last operation (the failed refund) has no finish_time.
		{ClientSN: "DEMO-PARTIAL_REFUNDED", SN: "7895259800000006", TotalAmount: 5000, FinishTime: demoTime,
			Refunds: []Refund{refund("01", 1000, flowSuccess), refund("02", 500, flowFailCanceled)}},
		// One refund done, one under way: REFUND_INPROGRESS with net 4000.
		{ClientSN: "DEMO-REFUND_INPROGRESS", SN: "7895259800000007", TotalAmount: 5000, FinishTime: demoTime,
			Refunds: []Refund{refund("01", 1000, flowSuccess), refund("02", 1000, flowInProg)}},
		{ClientSN: "DEMO-REFUND_ERROR", SN: "7895259800000008", TotalAmount: 3000, FinishTime: demoTime,
			Refunds: []Refund{refund("01", 3000, flowRefundError)}},
		{ClientSN: "DEMO-CANCELED", SN: "7895259800000009", TotalAmount: 1500, OrderStatus: "CANCELED", FinishTime: demoTime},
		{ClientSN: "DEMO-CANCEL_ERROR", SN: "7895259800000010", TotalAmount: 1500, OrderStatus: "CANCEL_ERROR"},
		{ClientSN: "DEMO-CANCEL_INPROGRESS", SN: "7895259800000011", TotalAmount: 1500, OrderStatus: "CANCEL_INPROGRESS"},
		{ClientSN: "DEMO-INVALID_STATUS_CODE", SN: "7895259800000012", TotalAmount: 1500, OrderStatus: "INVALID_STATUS_CODE"},
		// upay's own query example: PAID, yet net_amount 0.
		{ClientSN: "DEMO-DOC-EXAMPLE", SN: "7895259867120667", TotalAmount: 300000, OrderStatus: "PAID",
			NetAmount: &net0, Payway: "2", Subject: "test", Operator: "test", FinishTime: demoTime},
		// One refund flow per flow status: refund_request_no NN asks for it.
		{ClientSN: "DEMO-FLOWS", SN: "7895259800000013", TotalAmount: 100000, FinishTime: demoTime,
			Refunds: []Refund{
				refund("01", 100, flowSuccess), refund("02", 200, flowInProg), refund("03", 300, flowCreated),
				refund("04", 400, flowFailCanceled), refund("05", 500, "FAIL_PROTOCOL_1"),
				refund("06", 600, "FAIL_PROTOCOL_2"), refund("07", 700, "FAIL_PROTOCOL_3"),
				refund("08", 800, "FAIL_IO_1"), refund("09", 900, "FAIL_IO_2"),
				refund("10", 1000, flowFailError), refund("11", 1100, flowCancelError),
				refund("12", 1200, flowRefundError),
			}},
	}
}
