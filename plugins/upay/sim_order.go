package upay

import (
	"encoding/json"
	"strconv"
	"time"
)

// Order is one order the simulator holds. Amounts are fen, as upay sends
// them. It is also the YAML form of an order in a scenario (see doc.go).
type Order struct {
	SN       string `yaml:"sn"`        // upay's order number; generated when empty
	ClientSN string `yaml:"client_sn"` // the merchant's order number; required
	// TotalAmount is the order amount in fen.
	TotalAmount Fen `yaml:"total_amount"`
	// OrderStatus is the state the payment left the order in (default
	// PAID). A PAID order with refunds derives its answered order_status
	// from them (PARTIAL_REFUNDED, REFUNDED, REFUND_INPROGRESS,
	// REFUND_ERROR); any other value is answered as given.
	OrderStatus string `yaml:"order_status"`
	// Status is the payment flow's status; default from OrderStatus
	// (PAID -> SUCCESS, PAY_CANCELED -> FAIL_CANCELED, ...).
	Status string `yaml:"status"`
	// NetAmount overrides the derived net_amount (total minus successful
	// refunds), to plant inconsistent answers like upay's own example.
	NetAmount *Fen `yaml:"net_amount"`

	TradeNo   string `yaml:"trade_no"`   // the channel's number
	Payway    string `yaml:"payway"`     // default "3" (WeChat)
	SubPayway string `yaml:"sub_payway"` // default "1" (barcode)
	Subject   string `yaml:"subject"`
	Operator  string `yaml:"operator"`
	PayerUID  string `yaml:"payer_uid"`

	Ctime      time.Time `yaml:"ctime"`       // creation; default FinishTime minus a few seconds
	FinishTime time.Time `yaml:"finish_time"` // when the payment finished (sent only if it succeeded)

	Refunds []Refund `yaml:"refunds"`
	// Faults scripts failures for this order: kind -> how many of the next
	// queries fail (-1: all). Kinds: http_5xx, code_500, slow, malformed.
	Faults map[string]int `yaml:"faults"`
}

// Refund is one refund flow of an order, named by the merchant's
// refund_request_no.
type Refund struct {
	RefundRequestNo string    `yaml:"refund_request_no"`
	Amount          Fen       `yaml:"amount"`
	Status          string    `yaml:"status"` // flow status; default SUCCESS
	FinishTime      time.Time `yaml:"finish_time"`
}

// Flow statuses of upay (the `status` field).
const (
	flowSuccess      = "SUCCESS"
	flowInProg       = "IN_PROG"
	flowCreated      = "CREATED"
	flowFailCanceled = "FAIL_CANCELED"
	flowFailError    = "FAIL_ERROR"
	flowCancelError  = "CANCEL_ERROR"
	flowRefundError  = "REFUND_ERROR"
)

// defaultFlowStatus is the status of the flow that left an order in
// orderStatus, when a scenario does not say.
var defaultFlowStatus = map[string]string{
	"CREATED":             flowInProg,
	"PAID":                flowSuccess,
	"PAY_CANCELED":        flowFailCanceled,
	"PAY_ERROR":           flowFailError,
	"REFUNDED":            flowSuccess,
	"PARTIAL_REFUNDED":    flowSuccess,
	"REFUND_INPROGRESS":   flowInProg,
	"REFUND_ERROR":        flowRefundError,
	"CANCELED":            flowSuccess,
	"CANCEL_ERROR":        flowCancelError,
	"CANCEL_INPROGRESS":   flowInProg,
	"INVALID_STATUS_CODE": flowFailError,
}

var paywayNames = map[string]string{
	"1": "支付宝", "2": "支付宝", "3": "微信", "4": "百度钱包", "5": "京东钱包", "6": "qq钱包",
	"7": "NFC支付", "8": "拉卡拉钱包", "15": "拉卡拉微信", "16": "招商银行", "17": "银联云闪付", "18": "翼支付",
}

func (o *Order) refund(no string) *Refund {
	for i := range o.Refunds {
		if o.Refunds[i].RefundRequestNo == no {
			return &o.Refunds[i]
		}
	}
	return nil
}

// netAmount is what remains of the order after its successful refunds.
func (o *Order) netAmount() Fen {
	if o.NetAmount != nil {
		return *o.NetAmount
	}
	net := o.TotalAmount
	for _, r := range o.Refunds {
		if r.Status == flowSuccess {
			net -= r.Amount
		}
	}
	return net
}

// orderStatus is the answered order_status: the payment's state, or for a
// paid order with refunds, what the refunds made of it.
func (o *Order) orderStatus() string {
	if o.OrderStatus != "PAID" || len(o.Refunds) == 0 {
		return o.OrderStatus
	}
	for _, r := range o.Refunds {
		if r.Status == flowInProg || r.Status == flowCreated {
			return "REFUND_INPROGRESS"
		}
	}
	if o.Refunds[len(o.Refunds)-1].Status == flowRefundError {
		return "REFUND_ERROR"
	}
	switch net := o.netAmount(); {
	case net == 0:
		return "REFUNDED"
	case net < o.TotalAmount:
		return "PARTIAL_REFUNDED"
	}
	return "PAID"
}

// data is biz_response.data for this order: for a payment query (r nil)
// the last operation is the latest refund, else the payment; for a refund
// query it is the asked refund flow. All values are strings, as upay sends
// them, except payment_list (an array).
func (o *Order) data(terminalSN string, r *Refund) map[string]any {
	status, settlement, finish, clientTSN := o.Status, o.TotalAmount, o.FinishTime, o.ClientSN
	last := r
	if last == nil && len(o.Refunds) > 0 {
		last = &o.Refunds[len(o.Refunds)-1]
	}
	if last != nil {
		status, settlement, finish = last.Status, last.Amount, last.FinishTime
		clientTSN = o.ClientSN + "-" + last.RefundRequestNo
	}
	d := map[string]any{
		"terminal_sn":       terminalSN,
		"sn":                o.SN,
		"client_sn":         o.ClientSN,
		"client_tsn":        clientTSN,
		"status":            status,
		"order_status":      o.orderStatus(),
		"payway":            o.Payway,
		"payway_name":       paywayNames[o.Payway],
		"sub_payway":        o.SubPayway,
		"subject":           o.Subject,
		"operator":          o.Operator,
		"total_amount":      strconv.FormatInt(int64(o.TotalAmount), 10),
		"net_amount":        strconv.FormatInt(int64(o.netAmount()), 10),
		"settlement_amount": strconv.FormatInt(int64(settlement), 10),
		"ctime":             ms(o.Ctime),
	}
	if o.TradeNo != "" {
		d["trade_no"] = o.TradeNo
	}
	if o.PayerUID != "" {
		d["payer_uid"] = o.PayerUID
	}
	// upay sends the finish times only when the operation succeeded.
	if status == flowSuccess && !finish.IsZero() {
		d["finish_time"] = ms(finish)
		d["channel_finish_time"] = ms(finish.Add(-37 * time.Millisecond))
	}
	if o.Status == flowSuccess {
		d["payment_list"] = []map[string]string{{"type": "WALLET_WEIXIN", "amount_total": strconv.FormatInt(int64(o.TotalAmount), 10)}}
		d["provider_response"] = json.RawMessage(`{"goods_details":[],"voucher_details":[]}`)
	}
	return d
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
