package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
	"github.com/reconhq/recon/plugins/simkit/simyaml"
	"github.com/reconhq/recon/plugins/vborder"
)

// Plant adds about n orders to the simulator and returns their ledger rows:
// at least one of every verdict vborder can produce (MATCHED,
// MISSED_PAYMENT, UNPAID_AT_PROVIDER, STATUS_MISMATCH, AMOUNT_MISMATCH,
// NOT_FOUND, UNSETTLED, UNKNOWN_STATUS, UNVERIFIABLE, UNSUPPORTED, ERROR),
// the rest mostly MATCHED. Order numbers are "VB-" and six digits, unique
// within the simulator. One MATCHED order is answered "500" (busy) once
// first: it is MATCHED only if the host retries a transient failure. Two
// more paid orders are only the platform's (NotInLedger, MISSING_IN_LEDGER:
// its statement has them, the ledger does not). Planted orders are paid on
// simkit.PlantDay (China time).
func (s *Simulator) Plant(rng *rand.Rand, n int) []simkit.Case {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &planter{s: s, rng: rng, day: simkit.PlantDay(time.Now(), chinaTime)}
	for _, c := range plantOnce {
		p.plant(c)
	}
	for len(p.cases)-p.unledgered < n { // about n rows in the ledger
		r := rng.IntN(100)
		for _, f := range plantFill {
			if r < f.below {
				p.plant(f.plantCase)
				break
			}
		}
	}
	return p.cases
}

// plantCase is one planted order and the ledger row about it.
type plantCase struct {
	unknown               bool   // no order: the platform never heard of it
	payStatus, payType    string // payType "" picks one without an account check
	checkStatus, checkMsg string
	fault                 script.Fault // scripted for the order, times times
	times                 int
	ledger                recon.State
	overstated            simyaml.Minor // added to the order's amount in the ledger
	want                  recon.Verdict
	why                   string
	refund                bool // followed by a pending refund row of half the amount
	// notInLedger: the platform and its statement have the order, the
	// ledger does not (MISSING_IN_LEDGER; ledger is then the platform's state).
	notInLedger bool
}

// plantOnce are the verdicts, each planted once, then every other status
// and the checkStatus variants, once each.
var plantOnce = []plantCase{
	{payStatus: "SUCCESS", ledger: recon.StatePaid, want: recon.VerdictMatched, why: "paid at vborder and in the ledger"},
	{payStatus: "SUCCESS", ledger: recon.StatePending, want: recon.VerdictMissedPayment, why: "paid at vborder; ledger missed the notification"},
	{payStatus: "CLOSE", ledger: recon.StatePaid, want: recon.VerdictUnpaidAtProvider, why: "ledger says paid; vborder closed the order (CLOSE)"},
	{payStatus: "TIME_OUT", ledger: recon.StatePending, want: recon.VerdictStatusMismatch, why: "order expired at vborder (TIME_OUT); ledger still pending"},
	{payStatus: "SUCCESS", ledger: recon.StatePaid, overstated: 100, want: recon.VerdictAmountMismatch, why: "ledger amount 1.00 more than vborder's orderAmount"},
	{unknown: true, ledger: recon.StatePaid, want: recon.VerdictNotFound, why: "ledger order vborder does not know (errCode 1001)"},
	{payStatus: "PROCESSING", ledger: recon.StatePending, want: recon.VerdictUnsettled, why: "payment in progress at vborder (PROCESSING)"},
	{payStatus: "SUCCESS", payType: "B2C", checkStatus: "FAIL", checkMsg: "户名不符", ledger: recon.StatePaid,
		want: recon.VerdictUnknownStatus, why: "paid by online banking but account check failed (checkStatus FAIL, 户名不符)"},
	{payStatus: "SUCCESS", fault: script.Tamper, times: script.Always, ledger: recon.StatePaid,
		want: recon.VerdictUnverifiable, why: "vborder's answer tampered in transit (reqmsg does not decrypt)"},
	{payStatus: "SUCCESS", fault: OtherOrder, times: script.Always, ledger: recon.StatePaid,
		want: recon.VerdictUnverifiable, why: "vborder answers with another paid order's data (orderNo and platformSeq not this row's)"},
	{payStatus: "SUCCESS", ledger: recon.StatePaid, want: recon.VerdictMatched, why: "paid; its refund is in the next row", refund: true},
	{payStatus: "SUCCESS", fault: script.HTTP5xx, times: script.Always, ledger: recon.StatePaid,
		want: recon.VerdictError, why: "vborder answers HTTP 503 to every query of this order"},
	{payStatus: "SUCCESS", ledger: recon.StatePaid, notInLedger: true, want: simkit.VerdictMissingInLedger,
		why: "paid at vborder; the ledger's write of it was lost"},
	{payStatus: "SUCCESS", ledger: recon.StatePaid, notInLedger: true, want: simkit.VerdictMissingInLedger,
		why: "paid at vborder by a QR code outside the merchant's system"},

	{payStatus: "FAIL", ledger: recon.StateFailed, want: recon.VerdictMatched, why: "payment failed at vborder and in the ledger"},
	{payStatus: "CLOSE", ledger: recon.StateClosed, want: recon.VerdictMatched, why: "closed at vborder and in the ledger"},
	{payStatus: "TIME_OUT", ledger: recon.StateClosed, want: recon.VerdictMatched, why: "expired at vborder (TIME_OUT), closed in the ledger"},
	{payStatus: "WAITPAY", ledger: recon.StatePending, want: recon.VerdictUnsettled, why: "awaiting payment at vborder (WAITPAY)"},
	{payStatus: "SUCCESS", payType: "B2B", checkStatus: "SUCCESS", checkMsg: "校验成功", ledger: recon.StatePaid,
		want: recon.VerdictMatched, why: "online banking, account check passed"},
	{payStatus: "SUCCESS", payType: "B2C", checkStatus: "CLOSE", checkMsg: "不校验", ledger: recon.StatePaid,
		want: recon.VerdictMatched, why: "online banking, account not checked"},
	{payStatus: "SUCCESS", payType: "B2B", checkStatus: "PROCESSING", checkMsg: "结果未知", ledger: recon.StatePending,
		want: recon.VerdictUnsettled, why: "online banking paid, account check still running (checkStatus PROCESSING)"},
	{payStatus: "SUCCESS", fault: script.Busy, times: 1, ledger: recon.StatePaid,
		want: recon.VerdictMatched, why: "vborder busy (code 500) once, then answers"},
}

// plantFill is the rest, by share (below: out of 100, cumulative): mostly
// clean matches, as a night's ledger is.
var plantFill = []struct {
	below int
	plantCase
}{
	{85, plantCase{payStatus: "SUCCESS", ledger: recon.StatePaid, want: recon.VerdictMatched, why: "paid"}},
	{90, plantCase{payStatus: "CLOSE", ledger: recon.StateClosed, want: recon.VerdictMatched, why: "closed"}},
	{94, plantCase{payStatus: "FAIL", ledger: recon.StateFailed, want: recon.VerdictMatched, why: "failed"}},
	{97, plantCase{payStatus: "TIME_OUT", ledger: recon.StateClosed, want: recon.VerdictMatched, why: "expired"}},
	{100, plantCase{payStatus: "WAITPAY", ledger: recon.StatePending, want: recon.VerdictUnsettled, why: "awaiting payment"}},
}

type planter struct {
	s     *Simulator // locked by Plant
	rng   *rand.Rand
	day   time.Time // simkit.PlantDay: when the planted orders are paid
	cases []simkit.Case
	// unledgered counts the cases only the platform has (NotInLedger).
	unledgered int
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
		OrderAmount: simyaml.Minor(100 + p.rng.Int64N(200000)),
		PayType:     payType,
		PayStatus:   payStatus,
	}
	if payStatus == payStatusPaid {
		o.at = p.day.Add(time.Duration(1+p.rng.IntN(20*60)) * time.Minute)
		o.PayTime = vborder.FormatPayTime(o.at)
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

// plant adds c's order and its ledger rows.
func (p *planter) plant(c plantCase) {
	var o *Order
	if c.unknown {
		o = &Order{OrderNo: p.orderNo(), OrderAmount: 4200} // never added: the platform does not know it
	} else {
		o = p.order(c.payStatus, c.payType)
		o.CheckStatus, o.CheckMsg = c.checkStatus, c.checkMsg
	}
	if c.fault != "" {
		if err := p.s.plan.Set(o.OrderNo, c.fault, c.times); err != nil {
			panic(fmt.Sprintf("vborder Plant: %v", err)) // a typo in plantOnce
		}
	}
	p.cases = append(p.cases, simkit.Case{
		OrderNo:         o.OrderNo,
		ProviderTradeNo: o.PlatformSeq,
		Kind:            recon.Payment,
		Amount:          money.Format(int64(o.OrderAmount+c.overstated), 2),
		Status:          c.ledger,
		Want:            c.want,
		Why:             c.why,
		NotInLedger:     c.notInLedger,
	})
	if c.notInLedger {
		p.unledgered++
	}
	if c.refund {
		// A pending refund: the ledger has asked for it; vborder cannot
		// say, so the row is UNSUPPORTED and never MATCHED. PENDING keeps
		// the payment row PAID (a refunded payment row would be a
		// REFUND_MISMATCH against vborder's SUCCESS, which says nothing
		// about refunds).
		p.cases = append(p.cases, simkit.Case{
			OrderNo:         o.OrderNo,
			ProviderTradeNo: o.PlatformSeq,
			Kind:            recon.Refund,
			RefundNo:        "R" + o.OrderNo,
			Amount:          money.Format(int64(o.OrderAmount/2), 2),
			Status:          recon.StatePending,
			Want:            recon.VerdictUnsupported,
			Why:             "a refund: vborder has no refund query",
		})
	}
}
