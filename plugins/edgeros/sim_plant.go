package edgeros

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/simkit"
)

// Plant adds about n orders (more when n is small: one of every verdict
// edgeros can produce comes first) and returns their ledger rows. Order
// numbers are EG-000001 on, refund numbers EG-000001-R1 on, unique across
// calls. edgeros has no refunded total, so the order-level refund sum check
// never applies here.
func (s *Simulator) Plant(rng *rand.Rand, n int) []simkit.Case {
	p := &planter{s: s, rng: rng, base: time.Date(2026, 11, 21, 2, 0, 0, 0, chinaTime)}

	p.payment("SUCCESS", "PAID", 0, "MATCHED", "paid at both")
	p.payment("CLOSED", "CLOSED", 0, "MATCHED", "closed at both")
	p.payment("REVOKED", "CLOSED", 0, "MATCHED", "revoked at the provider, closed in the ledger")
	p.payment("PAYERROR", "FAILED", 0, "MATCHED", "payment failed at both")

	full := p.payment("REFUND", "REFUNDED", 0, "MATCHED", "refunded; the trade query cannot say how much")
	p.refund(full, "SUCCESS", full.amount, "SUCCESS", 0, "MATCHED", "full refund succeeded")

	part := p.paymentOf(50000, "REFUND", "PARTIALLY_REFUNDED", 0, "MATCHED", "partly refunded")
	p.refund(part, "SUCCESS", 3000, "SUCCESS", 0, "MATCHED", "refund succeeded")
	p.refund(part, "SUCCESS", 2000, "SUCCESS", 500, "REFUND_MISMATCH", "ledger refund amount differs")
	p.refund(part, "PROCESSING", 1000, "SUCCESS", 0, "REFUND_MISMATCH", "refund still processing, ledger says success")
	p.refund(part, "PROCESSING", 1500, "PENDING", 0, "UNSETTLED", "refund processing at both")
	p.refund(part, "ABNORMAL", 800, "SUCCESS", 0, "UNKNOWN_STATUS", "refund abnormal: needs manual handling")
	p.refund(part, "CLOSED", 700, "FAILED", 0, "MATCHED", "refund closed, ledger failed")
	p.refund(part, "", 600, "SUCCESS", 0, "NOT_FOUND", "refund unknown to the provider")

	p.payment("REFUND", "PAID", 0, "REFUND_MISMATCH", "refunded at the provider, not in the ledger")
	p.payment("SUCCESS", "PENDING", 0, "MISSED_PAYMENT", "paid, ledger still pending: a lost notification")
	p.payment("NOTPAY", "PAID", 0, "UNPAID_AT_PROVIDER", "ledger paid, provider not paid")
	p.payment("CLOSED", "PENDING", 0, "STATUS_MISMATCH", "closed at the provider, ledger pending")
	p.payment("SUCCESS", "PAID", 100, "AMOUNT_MISMATCH", "ledger amount differs by 1.00")
	p.payment("NOTPAY", "PENDING", 0, "UNSETTLED", "not paid yet at both")
	p.payment("USERPAYING", "PENDING", 0, "UNSETTLED", "customer paying, ledger pending")
	p.payment("", "PENDING", 0, "NOT_FOUND", "order unknown to the provider")

	bad := p.payment("SUCCESS", "PAID", 0, "UNVERIFIABLE", "answer's signature broken (scripted, permanently)")
	p.script(bad.no, faultBadSign)
	tampered := p.payment("SUCCESS", "PAID", 0, "UNVERIFIABLE", "answer's amount changed after signing (scripted)")
	p.script(tampered.no, faultTamper)
	down := p.payment("SUCCESS", "PAID", 0, "ERROR", "provider answers 503 to every attempt (scripted)")
	p.script(down.no, fault5xx)

	for len(p.cases) < n {
		p.payment("SUCCESS", "PAID", 0, "MATCHED", "paid at both")
	}
	return p.cases
}

type planter struct {
	s     *Simulator
	rng   *rand.Rand
	base  time.Time
	cases []simkit.Case
}

// planted is an order as planted: its numbers and amount in fen.
type planted struct {
	no, txn string
	amount  int64
	refunds int
}

// payment plants an order of a random amount; see paymentOf.
func (p *planter) payment(code, ledger string, ledgerDelta int64, want, why string) *planted {
	return p.paymentOf(100+p.rng.Int64N(99900), code, ledger, ledgerDelta, want, why)
}

// paymentOf plants an order with code at the provider (none when code is
// empty) and a ledger row with status ledger and amount+ledgerDelta.
func (p *planter) paymentOf(amount int64, code, ledger string, ledgerDelta int64, want, why string) *planted {
	p.s.mu.Lock()
	p.s.seq++
	o := &planted{no: fmt.Sprintf("EG-%06d", p.s.seq), amount: amount}
	p.s.mu.Unlock()
	o.txn = p.number()
	c := simkit.Case{OrderNo: o.no, Kind: recon.Payment, Amount: money.Format(amount+ledgerDelta, 2),
		Status: recon.State(ledger), Want: recon.Verdict(want), Why: why}
	if code == "" {
		p.cases = append(p.cases, c) // the provider never heard of it
		return o
	}
	if p.rng.IntN(2) == 0 { // half the ledger rows know the platform's number
		c.ProviderTradeNo = o.txn
	}
	t := Trade{
		MchTradeNo: o.no, TransactionNo: o.txn, Code: code, Description: tradeCodes[code],
		AmountTotal: money.Format(amount, 2), Acoid: fmt.Sprint(10000 + p.rng.IntN(90000)),
		Extra:      []string{"购买游戏元宝", "会员月卡", "套餐A&B <限时>", ""}[p.rng.IntN(4)],
		PayChannel: []string{"WECHAT_PAY", "ALIPAY"}[p.rng.IntN(2)],
		PayMethod:  []string{"NATIVE", "JSAPI", "H5", "APP", "MINIPROGRAM"}[p.rng.IntN(5)],
	}
	if code == "SUCCESS" || code == "REFUND" {
		t.SuccessTime = p.when().Format(time.RFC3339)
	}
	p.s.mu.Lock()
	p.s.addTradeLocked(t)
	p.s.mu.Unlock()
	p.cases = append(p.cases, c)
	return o
}

// refund plants a refund of order o with code at the provider (none when
// code is empty) and a ledger refund row.
func (p *planter) refund(o *planted, code string, amount int64, ledger string, ledgerDelta int64, want, why string) {
	o.refunds++
	no := fmt.Sprintf("%s-R%d", o.no, o.refunds)
	p.cases = append(p.cases, simkit.Case{OrderNo: o.no, Kind: recon.Refund, RefundNo: no,
		Amount: money.Format(amount+ledgerDelta, 2), Status: recon.State(ledger), Want: recon.Verdict(want), Why: why})
	if code == "" {
		return
	}
	r := Refund{
		MchRefundNo: no, RefundNo: p.number(),
		MchTradeNo: o.no, TransactionNo: o.txn, RefundAmount: money.Format(amount, 2),
		Code: code, Description: refundCodes[code], RefundReason: "用户申请退款", RefundChannel: "ORIGINAL",
	}
	if code == "SUCCESS" {
		r.SuccessTime = p.when().Add(time.Hour).Format(time.RFC3339)
	}
	p.s.mu.Lock()
	p.s.addRefundLocked(r)
	p.s.mu.Unlock()
}

// number is a platform number (32 hex digits, like the page's
// transaction_no): random, with the simulator's sequence in it so that it
// stays unique when Plant runs twice with the same seed.
func (p *planter) number() string {
	p.s.mu.Lock()
	p.s.numSeq++
	n := p.s.numSeq
	p.s.mu.Unlock()
	return fmt.Sprintf("%016x%08x%08x", p.rng.Uint64(), p.rng.Uint32(), n)
}

// script makes every query of key fail with fault.
func (p *planter) script(key, fault string) {
	if err := p.s.Script(key, fault, -1); err != nil {
		panic(err) // a fault kind of our own: cannot happen
	}
}

// when is a payment time within the day before the run.
func (p *planter) when() time.Time {
	return p.base.Add(-time.Duration(1+p.rng.IntN(24*60)) * time.Minute)
}
