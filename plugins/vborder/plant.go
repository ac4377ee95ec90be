package vborder

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/simkit"
)

// Plant adds about n orders to the simulator and returns their ledger rows:
// at least one of every verdict vborder can produce (MATCHED,
// MISSED_PAYMENT, UNPAID_AT_PROVIDER, STATUS_MISMATCH, AMOUNT_MISMATCH,
// NOT_FOUND, UNSETTLED, UNKNOWN_STATUS, UNVERIFIABLE, UNSUPPORTED, ERROR),
// the rest mostly MATCHED. Order numbers are "VB-" and six digits, unique
// within the simulator. One MATCHED order is answered "500" (busy) once
// first: it is MATCHED only if the host retries a transient failure.
func (s *Simulator) Plant(rng *rand.Rand, n int) []simkit.Case {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &planter{s: s, rng: rng, now: time.Now().In(chinaTime)}

	// The verdicts, each planted once.
	o := p.order("SUCCESS", "")
	p.row(o, "PAID", o.OrderAmount, "MATCHED", "paid at vborder and in the ledger")
	o = p.order("SUCCESS", "")
	p.row(o, "PENDING", o.OrderAmount, "MISSED_PAYMENT", "paid at vborder; ledger missed the notification")
	o = p.order("CLOSE", "")
	p.row(o, "PAID", o.OrderAmount, "UNPAID_AT_PROVIDER", "ledger says paid; vborder closed the order (CLOSE)")
	o = p.order("TIME_OUT", "")
	p.row(o, "PENDING", o.OrderAmount, "STATUS_MISMATCH", "order expired at vborder (TIME_OUT); ledger still pending")
	o = p.order("SUCCESS", "")
	p.row(o, "PAID", o.OrderAmount+100, "AMOUNT_MISMATCH", "ledger amount 1.00 more than vborder's orderAmount")
	p.row(&Order{OrderNo: p.orderNo()}, "PAID", 4200, "NOT_FOUND", "ledger order vborder does not know (errCode 1001)")
	o = p.order("PROCESSING", "")
	p.row(o, "PENDING", o.OrderAmount, "UNSETTLED", "payment in progress at vborder (PROCESSING)")
	o = p.order("SUCCESS", "B2C")
	o.CheckStatus, o.CheckMsg = "FAIL", "户名不符"
	p.row(o, "PAID", o.OrderAmount, "UNKNOWN_STATUS", "paid by online banking but account check failed (checkStatus FAIL, 户名不符)")
	o = p.order("SUCCESS", "")
	p.script(o, FaultTamper, -1)
	p.row(o, "PAID", o.OrderAmount, "UNVERIFIABLE", "vborder's answer tampered in transit (reqmsg does not decrypt)")
	o = p.order("SUCCESS", "")
	p.row(o, "PAID", o.OrderAmount, "MATCHED", "paid; its refund is in the next row")
	p.refundRow(o, o.OrderAmount/2, "UNSUPPORTED", "a refund: vborder has no refund query")
	o = p.order("SUCCESS", "")
	p.script(o, Fault5xx, -1)
	p.row(o, "PAID", o.OrderAmount, "ERROR", "vborder answers HTTP 503 to every query of this order")

	// Every other status, and the checkStatus variants, once each.
	o = p.order("FAIL", "")
	p.row(o, "FAILED", o.OrderAmount, "MATCHED", "payment failed at vborder and in the ledger")
	o = p.order("CLOSE", "")
	p.row(o, "CLOSED", o.OrderAmount, "MATCHED", "closed at vborder and in the ledger")
	o = p.order("TIME_OUT", "")
	p.row(o, "CLOSED", o.OrderAmount, "MATCHED", "expired at vborder (TIME_OUT), closed in the ledger")
	o = p.order("WAITPAY", "")
	p.row(o, "PENDING", o.OrderAmount, "UNSETTLED", "awaiting payment at vborder (WAITPAY)")
	o = p.order("SUCCESS", "B2B")
	o.CheckStatus, o.CheckMsg = "SUCCESS", "校验成功"
	p.row(o, "PAID", o.OrderAmount, "MATCHED", "online banking, account check passed")
	o = p.order("SUCCESS", "B2C")
	o.CheckStatus, o.CheckMsg = "CLOSE", "不校验"
	p.row(o, "PAID", o.OrderAmount, "MATCHED", "online banking, account not checked")
	o = p.order("SUCCESS", "B2B")
	o.CheckStatus, o.CheckMsg = "PROCESSING", "结果未知"
	p.row(o, "PENDING", o.OrderAmount, "UNSETTLED", "online banking paid, account check still running (checkStatus PROCESSING)")
	o = p.order("SUCCESS", "")
	p.script(o, FaultBusy, 1)
	p.row(o, "PAID", o.OrderAmount, "MATCHED", "vborder busy (code 500) once, then answers")

	// The rest: mostly clean matches, as a night's ledger is.
	for len(p.cases) < n {
		switch r := rng.IntN(100); {
		case r < 85:
			o = p.order("SUCCESS", "")
			p.row(o, "PAID", o.OrderAmount, "MATCHED", "paid")
		case r < 90:
			o = p.order("CLOSE", "")
			p.row(o, "CLOSED", o.OrderAmount, "MATCHED", "closed")
		case r < 94:
			o = p.order("FAIL", "")
			p.row(o, "FAILED", o.OrderAmount, "MATCHED", "failed")
		case r < 97:
			o = p.order("TIME_OUT", "")
			p.row(o, "CLOSED", o.OrderAmount, "MATCHED", "expired")
		default:
			o = p.order("WAITPAY", "")
			p.row(o, "PENDING", o.OrderAmount, "UNSETTLED", "awaiting payment")
		}
	}
	return p.cases
}

type planter struct {
	s     *Simulator // locked by Plant
	rng   *rand.Rand
	now   time.Time
	cases []simkit.Case
}

var (
	plantGoods    = []string{"月卡", "季卡", "年卡", "体检套餐", "意外险", "车险保费", "会员充值", "test"}
	plantPayTypes = []string{"WECHAT_JSAPI", "ALIPAY_SCAN", "ALIPAY_LIFE", "ALIPAY_H5", "ALIPAY_APP", "UNION_JSPAY",
		"BANKTRANSFERPAY", "ICBC_EPAY", "CMB_EPAY", "ABC_EPAY", "JDPAY_H5WALLET", "JDPAY_H5CREDIT"}
)

// orderNo returns the next unused "VB-nnnnnn".
func (p *planter) orderNo() string {
	for {
		p.s.seq++
		no := fmt.Sprintf("VB-%06d", p.s.seq)
		if _, taken := p.s.orders[no]; !taken {
			return no
		}
	}
}

// order adds an order with the given payStatus; payType "" picks one of the
// payment methods that carry no account check.
func (p *planter) order(payStatus, payType string) *Order {
	if payType == "" {
		payType = plantPayTypes[p.rng.IntN(len(plantPayTypes))]
	}
	o := &Order{
		OrderNo:     p.orderNo(),
		GoodName:    plantGoods[p.rng.IntN(len(plantGoods))],
		PlatformSeq: fmt.Sprintf("S18%017d", p.rng.Int64N(1e17)),
		OrderAmount: Fen(100 + p.rng.Int64N(200000)),
		PayType:     payType,
		PayStatus:   payStatus,
	}
	if payStatus == "SUCCESS" {
		o.PayTime = p.now.Add(-time.Duration(1+p.rng.IntN(24*60)) * time.Minute).Format(time.DateTime)
		o.ChannelReturnOrderNo = fmt.Sprintf("42000%023d", p.rng.Int64N(1e18))
	}
	switch payType {
	case "WECHAT_JSAPI":
		o.IdentifyID = fmt.Sprintf("o2O6gt8QJYry9JEy%012d", p.rng.Int64N(1e12))
	case "BANKTRANSFERPAY":
		o.PayeeInfo = map[string]any{"payeeAccName": "微保科技", "payeeBankName": "民生银行", "payeeAccNo": "9902000306335449"}
	case "JDPAY_H5CREDIT":
		o.InstallmentData = map[string]any{"installmentNum": fmt.Sprint(1 + p.rng.IntN(12))}
	case "B2B", "B2C":
		o.PayerInfo = map[string]any{"bankId": "CMBCHINA", "bankCardNo": "622588****0000", "cardType": "DEBIT"}
	}
	p.s.orders[o.OrderNo] = o
	return o
}

func (p *planter) script(o *Order, fault string, n int) { p.s.script.Set(fault+":"+o.OrderNo, n) }

func (p *planter) row(o *Order, status string, amount Fen, want, why string) {
	p.cases = append(p.cases, simkit.Case{
		OrderNo:         o.OrderNo,
		ProviderTradeNo: o.PlatformSeq,
		Kind:            recon.Payment,
		Amount:          money.Format(int64(amount), 2),
		Status:          recon.State(status),
		Want:            recon.Verdict(want),
		Why:             why,
	})
}

// refundRow is a pending refund of o: the ledger has asked for it; vborder
// cannot say, so the row is UNSUPPORTED and never MATCHED. PENDING keeps the
// payment row PAID (a refunded payment row would be a REFUND_MISMATCH
// against vborder's SUCCESS, which says nothing about refunds).
func (p *planter) refundRow(o *Order, amount Fen, want, why string) {
	p.cases = append(p.cases, simkit.Case{
		OrderNo:         o.OrderNo,
		ProviderTradeNo: o.PlatformSeq,
		Kind:            recon.Refund,
		RefundNo:        "R" + o.OrderNo,
		Amount:          money.Format(int64(amount), 2),
		Status:          "PENDING",
		Want:            recon.Verdict(want),
		Why:             why,
	})
}
