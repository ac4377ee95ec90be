package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
)

// chinaTime is UTC+8, the platform's zone: planted times are its local day.
var chinaTime = time.FixedZone("CST", 8*60*60)

// Plant adds about n orders (more when n is small: one of every verdict
// edgeros can produce comes first) and returns their ledger rows. Order
// numbers are EG-000001 on, refund numbers EG-000001-R1 on, unique across
// calls. edgeros has no refunded total, so the order-level refund sum check
// never applies here. It also plants what only the platform and its
// statement have (NotInLedger, MISSING_IN_LEDGER): two paid orders, and a
// refund issued from the platform's console of an order the ledger still
// has as PAID. Every order is paid, and every refund made, on
// simkit.PlantDay (China time).
func (s *Simulator) Plant(rng *rand.Rand, n int) []simkit.Case {
	p := &planter{s: s, rng: rng, base: simkit.PlantDay(time.Now(), chinaTime)}

	p.payment("SUCCESS", recon.StatePaid, 0, recon.VerdictMatched, "paid at both")
	p.payment("CLOSED", recon.StateClosed, 0, recon.VerdictMatched, "closed at both")
	p.payment("REVOKED", recon.StateClosed, 0, recon.VerdictMatched, "revoked at the provider, closed in the ledger")
	p.payment("PAYERROR", recon.StateFailed, 0, recon.VerdictMatched, "payment failed at both")

	full := p.payment("REFUND", recon.StateRefunded, 0, recon.VerdictMatched, "refunded; the trade query cannot say how much")
	p.refund(full, "SUCCESS", full.amount, recon.StateSuccess, 0, recon.VerdictMatched, "full refund succeeded")

	part := p.paymentOf(50000, "REFUND", recon.StatePartiallyRefunded, 0, recon.VerdictMatched, "partly refunded")
	p.refund(part, "SUCCESS", 3000, recon.StateSuccess, 0, recon.VerdictMatched, "refund succeeded")
	p.refund(part, "SUCCESS", 2000, recon.StateSuccess, 500, recon.VerdictRefundMismatch, "ledger refund amount differs")
	p.refund(part, "PROCESSING", 1000, recon.StateSuccess, 0, recon.VerdictRefundMismatch, "refund still processing, ledger says success")
	p.refund(part, "PROCESSING", 1500, recon.StatePending, 0, recon.VerdictUnsettled, "refund processing at both")
	p.refund(part, "ABNORMAL", 800, recon.StateSuccess, 0, recon.VerdictUnknownStatus, "refund abnormal: needs manual handling")
	p.refund(part, "CLOSED", 700, recon.StateFailed, 0, recon.VerdictMatched, "refund closed, ledger failed")
	p.refund(part, "", 600, recon.StateSuccess, 0, recon.VerdictNotFound, "refund unknown to the provider")
	frozen := p.refund(part, "SUCCESS", 900, recon.StateSuccess, 0, recon.VerdictMatched,
		"the statement billed this refund PROCESSING; the query says SUCCESS now, as the ledger does")
	p.s.mu.Lock()
	p.s.refunds[frozen].StatementCode = "PROCESSING"
	p.s.mu.Unlock()

	// A refund issued from the platform's console: the ledger never heard
	// of it and still has the payment as PAID.
	console := p.payment("REFUND", recon.StatePaid, 0, recon.VerdictRefundMismatch, "refunded at the provider, not in the ledger")
	p.missing(p.refund(console, "SUCCESS", console.amount/2+1, "", 0, simkit.VerdictMissingInLedger,
		"the console's refund: the platform and its statement have it, the ledger does not"))
	// Paid at the platform, billed, and not in the ledger.
	p.missing(p.payment("SUCCESS", "", 0, simkit.VerdictMissingInLedger, "paid; the ledger's write of it was lost").no)
	p.missing(p.payment("SUCCESS", "", 0, simkit.VerdictMissingInLedger, "paid by a QR code outside the merchant's system").no)
	p.payment("SUCCESS", recon.StatePending, 0, recon.VerdictMissedPayment, "paid, ledger still pending: a lost notification")
	p.payment("NOTPAY", recon.StatePaid, 0, recon.VerdictUnpaidAtProvider, "ledger paid, provider not paid")
	p.payment("CLOSED", recon.StatePending, 0, recon.VerdictStatusMismatch, "closed at the provider, ledger pending")
	p.payment("SUCCESS", recon.StatePaid, 100, recon.VerdictAmountMismatch, "ledger amount differs by 1.00")
	p.payment("NOTPAY", recon.StatePending, 0, recon.VerdictUnsettled, "not paid yet at both")
	p.payment("USERPAYING", recon.StatePending, 0, recon.VerdictUnsettled, "customer paying, ledger pending")
	p.payment("", recon.StatePending, 0, recon.VerdictNotFound, "order unknown to the provider")

	bad := p.payment("SUCCESS", recon.StatePaid, 0, recon.VerdictUnverifiable, "answer's signature broken (scripted, permanently)")
	p.always(bad.no, script.BadSign)
	tampered := p.payment("SUCCESS", recon.StatePaid, 0, recon.VerdictUnverifiable, "answer's amount changed after signing (scripted)")
	p.always(tampered.no, script.Tamper)
	down := p.payment("SUCCESS", recon.StatePaid, 0, recon.VerdictError, "provider answers 503 to every attempt (scripted)")
	p.always(down.no, script.HTTP5xx)

	for len(p.cases)-p.unledgered < n { // about n rows in the ledger
		p.payment("SUCCESS", recon.StatePaid, 0, recon.VerdictMatched, "paid at both")
	}
	return p.cases
}

type planter struct {
	s     *Simulator
	rng   *rand.Rand
	base  time.Time
	cases []simkit.Case
	// unledgered counts the cases only the platform has (NotInLedger).
	unledgered int
}

// missing marks the last case, key's (an order or refund number), as one
// the ledger lacks: the platform has it in the state it says.
func (p *planter) missing(key string) {
	c := &p.cases[len(p.cases)-1]
	if c.OrderNo != key && c.RefundNo != key {
		panic("edgeros Plant: missing(" + key + ") after " + c.OrderNo) // a slip in Plant
	}
	c.NotInLedger = true
	c.Status = recon.StatePaid
	if c.Kind == recon.Refund {
		c.Status = recon.StateSuccess
	}
	p.unledgered++
}

// planted is an order as planted: its numbers and amount in fen.
type planted struct {
	no, txn string
	amount  int64
	refunds int
	at      time.Time // when it was paid (zero: the platform never heard of it)
}

// payment plants an order of a random amount; see paymentOf.
func (p *planter) payment(code string, ledger recon.State, ledgerDelta int64, want recon.Verdict, why string) *planted {
	return p.paymentOf(100+p.rng.Int64N(99900), code, ledger, ledgerDelta, want, why)
}

// paymentOf plants an order with code at the provider (none when code is
// empty) and a ledger row with status ledger and amount+ledgerDelta.
func (p *planter) paymentOf(amount int64, code string, ledger recon.State, ledgerDelta int64, want recon.Verdict, why string) *planted {
	p.s.mu.Lock()
	p.s.seq++
	o := &planted{no: fmt.Sprintf("EG-%06d", p.s.seq), amount: amount}
	p.s.mu.Unlock()
	o.txn = p.number()
	c := simkit.Case{OrderNo: o.no, Kind: recon.Payment, Amount: money.Format(amount+ledgerDelta, 2),
		Status: ledger, Want: want, Why: why}
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
	t.at = p.when()
	o.at = t.at
	if code == "SUCCESS" || code == "REFUND" {
		t.SuccessTime = t.at.Format(time.RFC3339)
	}
	p.s.mu.Lock()
	p.s.addTradeLocked(t)
	p.s.mu.Unlock()
	p.cases = append(p.cases, c)
	return o
}

// refund plants a refund of order o with code at the provider (none when
// code is empty) and a ledger refund row, and returns its number.
func (p *planter) refund(o *planted, code string, amount int64, ledger recon.State, ledgerDelta int64, want recon.Verdict, why string) string {
	o.refunds++
	no := fmt.Sprintf("%s-R%d", o.no, o.refunds)
	p.cases = append(p.cases, simkit.Case{OrderNo: o.no, Kind: recon.Refund, RefundNo: no,
		Amount: money.Format(amount+ledgerDelta, 2), Status: ledger, Want: want, Why: why})
	if code == "" {
		return no
	}
	r := Refund{
		MchRefundNo: no, RefundNo: p.number(),
		MchTradeNo: o.no, TransactionNo: o.txn, RefundAmount: money.Format(amount, 2),
		Code: code, Description: refundCodes[code], RefundReason: "用户申请退款", RefundChannel: "ORIGINAL",
	}
	// After its payment, on the same day: when() ends at 20:00.
	r.at = o.at.Add(time.Duration(o.refunds) * 10 * time.Minute)
	if code == "SUCCESS" {
		r.SuccessTime = r.at.Format(time.RFC3339)
	}
	p.s.mu.Lock()
	p.s.addRefundLocked(r)
	p.s.mu.Unlock()
	return no
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

// always makes every query of key meet fault f.
func (p *planter) always(key string, f script.Fault) {
	if err := p.s.Script(key, f, script.Always); err != nil {
		panic(err) // a fault of our own registry: cannot happen
	}
}

// when is a payment time on the plant day, 00:01 to 20:00, so that a
// refund an hour later is on it too.
func (p *planter) when() time.Time {
	return p.base.Add(time.Duration(1+p.rng.IntN(20*60)) * time.Minute)
}
