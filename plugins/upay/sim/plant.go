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
)

// Plant adds about n orders to the simulator and returns their ledger rows,
// each with the verdict a correct reconciliation reaches. It plants at least
// one row of every verdict upay can produce: MATCHED, MISSED_PAYMENT,
// UNPAID_AT_PROVIDER, STATUS_MISMATCH, AMOUNT_MISMATCH, REFUND_MISMATCH,
// NOT_FOUND, UNSETTLED, UNKNOWN_STATUS and ERROR (a scripted permanent 5xx);
// the rest are MATCHED. It also plants what only upay and its statement
// have (NotInLedger, MISSING_IN_LEDGER): two paid orders, and a refund
// issued from upay's console whose payment the ledger still has as PAID;
// and a refund the statement billed IN_PROG that has succeeded since.
// Every order is paid, and every refund made, on simkit.PlantDay (China
// time). Order numbers are "UP-" and six digits.
func (s *Simulator) Plant(rng *rand.Rand, n int) []simkit.Case {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &planter{s: s, rng: rng, base: simkit.PlantDay(time.Now(), chinaTime)}
	p.required()
	for p.orders-p.unledgered < n { // about n orders in the ledger
		p.matched()
	}
	return p.cases
}

// planter plants orders into s (whose lock the caller holds) and collects
// their ledger rows.
type planter struct {
	s      *Simulator
	rng    *rand.Rand
	base   time.Time
	orders int
	// unledgered counts the orders only upay has (NotInLedger payments).
	unledgered int
	cases      []simkit.Case
}

// next returns an order number and sn used by no order yet.
func (p *planter) next() (clientSN, sn string) {
	for {
		p.s.seq++
		clientSN = fmt.Sprintf("UP-%06d", p.s.seq)
		sn = fmt.Sprintf("7896%012d", p.s.seq)
		if p.s.orders[clientSN] == nil && p.s.bySN[sn] == nil {
			return clientSN, sn
		}
	}
}

// amount is a realistic order amount in fen: 1.00 to 2000.00.
func (p *planter) amount() simyaml.Minor { return simyaml.Minor(100 + p.rng.Int64N(199901)) }

// order plants a paid order of a random amount with the given refunds
// (amounts in fen, in order) and returns it.
func (p *planter) order(status string, mod func(o *Order)) *Order {
	clientSN, sn := p.next()
	// Between 00:01 and 20:01, so that refunds an hour or two later
	// (normalize's default) fall on the same day.
	finish := p.base.Add(time.Duration(60+p.rng.IntN(20*3600)) * time.Second)
	o := Order{ClientSN: clientSN, SN: sn, TotalAmount: p.amount(), OrderStatus: status, FinishTime: finish,
		Payway: []string{"2", "3", "17"}[p.rng.IntN(3)], Subject: "门店消费",
		TradeNo: fmt.Sprintf("42000%023d", p.rng.Int64N(1e18))}
	if mod != nil {
		mod(&o)
	}
	p.orders++
	if err := p.s.addLocked(o); err != nil {
		// Planted orders are built valid; an error here is a bug in this file.
		panic("upay simulator: planting " + clientSN + ": " + err.Error())
	}
	return p.s.orders[clientSN]
}

func yuan(f simyaml.Minor) string { return money.Format(int64(f), 2) }

// upTo returns a random amount in [1, max].
func (p *planter) upTo(max simyaml.Minor) simyaml.Minor {
	return 1 + simyaml.Minor(p.rng.Int64N(int64(max)))
}

// pay adds the ledger's payment row for o.
func (p *planter) pay(o *Order, withSN bool, status recon.State, amount simyaml.Minor, want recon.Verdict, why string) {
	c := simkit.Case{OrderNo: o.ClientSN, Kind: recon.Payment, Amount: yuan(amount), Status: status, Want: want, Why: why}
	if withSN {
		c.ProviderTradeNo = o.SN
	}
	p.cases = append(p.cases, c)
}

// refund adds the ledger's row for refund no of o.
func (p *planter) refund(o *Order, no string, status recon.State, amount simyaml.Minor, want recon.Verdict, why string) {
	p.cases = append(p.cases, simkit.Case{OrderNo: o.ClientSN, Kind: recon.Refund, RefundNo: no,
		Amount: yuan(amount), Status: status, Want: want, Why: why})
}

// missing adds what upay and its statement have and the ledger does not:
// o's payment (no "") or its refund no, in the state upay has it.
func (p *planter) missing(o *Order, no string, status recon.State, amount simyaml.Minor, why string) {
	c := simkit.Case{OrderNo: o.ClientSN, ProviderTradeNo: o.SN, Kind: recon.Payment, Amount: yuan(amount),
		Status: status, Want: simkit.VerdictMissingInLedger, Why: why, NotInLedger: true}
	if no != "" {
		c.Kind, c.RefundNo = recon.Refund, no
	} else {
		p.unledgered++
	}
	p.cases = append(p.cases, c)
}

// oneRefund plants a paid order with one refund, "01", in the given flow
// status, and returns the order and the refund's amount.
func (p *planter) oneRefund(status string) (*Order, simyaml.Minor) {
	var r simyaml.Minor
	o := p.order("PAID", func(o *Order) {
		r = p.upTo(o.TotalAmount)
		o.Refunds = []Refund{{RefundRequestNo: "01", Amount: r, Status: status}}
	})
	return o, r
}

// matched plants an order the ledger agrees with: mostly paid, sometimes
// partially refunded with the refund in the ledger too.
func (p *planter) matched() {
	if p.rng.IntN(5) > 0 {
		o := p.order("PAID", nil)
		p.pay(o, p.rng.IntN(2) == 0, recon.StatePaid, o.TotalAmount, recon.VerdictMatched, "paid at upay and in the ledger")
		return
	}
	var r simyaml.Minor
	o := p.order("PAID", func(o *Order) {
		r = p.upTo(o.TotalAmount - 1)
		o.Refunds = []Refund{{RefundRequestNo: "01", Amount: r, Status: flowSuccess}}
	})
	p.pay(o, false, recon.StatePartiallyRefunded, o.TotalAmount, recon.VerdictMatched, "partially refunded, ledger agrees")
	p.refund(o, "01", recon.StateSuccess, r, recon.VerdictMatched, "refund succeeded at upay and in the ledger")
}

// required plants one or more rows of every verdict upay can produce.
func (p *planter) required() {
	// MATCHED: paid, asked by sn and by client_sn.
	o := p.order("PAID", nil)
	p.pay(o, true, recon.StatePaid, o.TotalAmount, recon.VerdictMatched, "paid; ledger gives upay's sn")
	o = p.order("PAID", nil)
	p.pay(o, false, recon.StatePaid, o.TotalAmount, recon.VerdictMatched, "paid; ledger gives client_sn only")

	// MATCHED: fully refunded in two parts, both refunds in the ledger.
	var r1, r2 simyaml.Minor
	o = p.order("PAID", func(o *Order) {
		r1 = p.upTo(o.TotalAmount - 1)
		r2 = o.TotalAmount - r1
		o.Refunds = []Refund{{RefundRequestNo: "01", Amount: r1}, {RefundRequestNo: "02", Amount: r2}}
	})
	p.pay(o, true, recon.StateRefunded, o.TotalAmount, recon.VerdictMatched, "refunded in two parts (REFUNDED, net_amount 0)")
	p.refund(o, "01", recon.StateSuccess, r1, recon.VerdictMatched, "first partial refund")
	p.refund(o, "02", recon.StateSuccess, r2, recon.VerdictMatched, "second partial refund")

	// MATCHED: closed (revoked) and failed (payment canceled) orders.
	o = p.order("CANCELED", nil)
	p.pay(o, false, recon.StateClosed, o.TotalAmount, recon.VerdictMatched, "CANCELED (revoked) at upay, CLOSED in the ledger")
	o = p.order("PAY_CANCELED", nil)
	p.pay(o, false, recon.StateFailed, o.TotalAmount, recon.VerdictMatched, "PAY_CANCELED (payment failed, reversed), FAILED in the ledger")

	// MATCHED: a refund that failed, failed in the ledger too.
	o, r1 = p.oneRefund(flowFailCanceled)
	p.pay(o, false, recon.StatePaid, o.TotalAmount, recon.VerdictMatched, "paid; its only refund failed")
	p.refund(o, "01", recon.StateFailed, r1, recon.VerdictMatched, "refund FAIL_CANCELED at upay, FAILED in the ledger")

	// MATCHED after a transient failure: the first query gets result_code 500.
	o = p.order("PAID", func(o *Order) { o.Faults = script.Counts{script.Busy: 1} })
	p.pay(o, false, recon.StatePaid, o.TotalAmount, recon.VerdictMatched, "first query answered result_code 500; the retry succeeds")

	o = p.order("PAID", nil)
	p.pay(o, false, recon.StatePending, o.TotalAmount, recon.VerdictMissedPayment, "PAID at upay, ledger still PENDING")

	o = p.order("CREATED", nil)
	p.pay(o, false, recon.StatePaid, o.TotalAmount, recon.VerdictUnpaidAtProvider, "ledger PAID, upay still CREATED (paying)")

	o = p.order("CANCELED", nil)
	p.pay(o, false, recon.StatePending, o.TotalAmount, recon.VerdictStatusMismatch, "CANCELED at upay, ledger PENDING")

	o = p.order("PAID", nil)
	p.pay(o, true, recon.StatePaid, o.TotalAmount+100, recon.VerdictAmountMismatch, "ledger amount 1.00 above upay's total_amount")

	// REFUND_MISMATCH: two refunds on one order, the ledger has the second
	// one's amount wrong. Its ledger refunds then no longer add up to what
	// upay refunded, so the order-level rule flips the (otherwise matching)
	// payment row to REFUND_MISMATCH as well.
	o = p.order("PAID", func(o *Order) {
		o.TotalAmount = 20000 + simyaml.Minor(p.rng.Int64N(100000))
		r1 = 1000 + simyaml.Minor(p.rng.Int64N(5000))
		r2 = 1000 + simyaml.Minor(p.rng.Int64N(5000))
		o.Refunds = []Refund{{RefundRequestNo: "01", Amount: r1}, {RefundRequestNo: "02", Amount: r2}}
	})
	p.pay(o, false, recon.StatePartiallyRefunded, o.TotalAmount, recon.VerdictRefundMismatch,
		"ledger refunds add up to 1.00 more than upay's total_amount - net_amount")
	p.refund(o, "01", recon.StateSuccess, r1, recon.VerdictMatched, "first refund agrees")
	p.refund(o, "02", recon.StateSuccess, r2+100, recon.VerdictRefundMismatch, "second refund: ledger 1.00 above upay's settlement_amount")

	// NOT_FOUND: an order upay never saw, and a refund it never saw.
	clientSN, _ := p.next()
	p.orders++
	p.cases = append(p.cases, simkit.Case{OrderNo: clientSN, Kind: recon.Payment, Amount: yuan(p.amount()), Status: recon.StatePaid,
		Want: recon.VerdictNotFound, Why: "upay answers UPAY_ORDER_NOT_EXISTS"})
	o = p.order("PAID", nil)
	p.pay(o, false, recon.StatePaid, o.TotalAmount, recon.VerdictMatched, "paid (its refund is unknown to upay)")
	p.refund(o, "09", recon.StatePending, p.upTo(o.TotalAmount), recon.VerdictNotFound, "upay answers REFUND_NOT_EXISTS")

	// UNSETTLED: a payment and a refund still in progress.
	o = p.order("CREATED", nil)
	p.pay(o, false, recon.StatePending, o.TotalAmount, recon.VerdictUnsettled, "CREATED (paying) at upay, PENDING in the ledger")
	o, r1 = p.oneRefund(flowInProg)
	p.pay(o, false, recon.StatePaid, o.TotalAmount, recon.VerdictMatched, "REFUND_INPROGRESS with nothing refunded yet: still PAID")
	p.refund(o, "01", recon.StatePending, r1, recon.VerdictUnsettled, "refund IN_PROG at upay, PENDING in the ledger")

	// UNKNOWN_STATUS: upay itself does not know, or contradicts itself.
	o = p.order("PAY_ERROR", nil)
	p.pay(o, false, recon.StatePaid, o.TotalAmount, recon.VerdictUnknownStatus, "PAY_ERROR: upay does not know whether it was paid")
	zero := simyaml.Minor(0)
	o = p.order("PAID", func(o *Order) { o.NetAmount = &zero })
	p.pay(o, false, recon.StatePaid, o.TotalAmount, recon.VerdictUnknownStatus, "PAID with net_amount 0, like upay's own example")

	// MISSING_IN_LEDGER: paid at upay and billed, but not in the ledger.
	o = p.order("PAID", nil)
	p.missing(o, "", recon.StatePaid, o.TotalAmount, "paid at upay; the ledger's write of it was lost")
	o = p.order("PAID", func(o *Order) { o.Payway, o.SubPayway, o.Subject = "2", "2", "扫码付款" })
	p.missing(o, "", recon.StatePaid, o.TotalAmount, "paid at upay by a QR code outside the merchant's system")
	// A refund issued from upay's console: the ledger never heard of it,
	// and still has the payment as PAID where upay says PARTIAL_REFUNDED.
	o = p.order("PAID", func(o *Order) {
		r1 = p.upTo(o.TotalAmount - 1) // in part: PARTIAL_REFUNDED, not REFUNDED
		o.Refunds = []Refund{{RefundRequestNo: "01", Amount: r1}}
	})
	p.pay(o, false, recon.StatePaid, o.TotalAmount, recon.VerdictRefundMismatch,
		"refunded in part from upay's console: ledger still PAID, upay PARTIAL_REFUNDED")
	p.missing(o, "01", recon.StateSuccess, r1, "the console's refund: upay and its statement have it, the ledger does not")

	// A bill freezes a refund's status: billed IN_PROG, SUCCESS since. The
	// query, not the statement, decides: MATCHED.
	o = p.order("PAID", func(o *Order) {
		r1 = p.upTo(o.TotalAmount - 1)
		o.Refunds = []Refund{{RefundRequestNo: "01", Amount: r1, Status: flowSuccess, StatementStatus: flowInProg}}
	})
	p.pay(o, false, recon.StatePartiallyRefunded, o.TotalAmount, recon.VerdictMatched, "partially refunded, ledger agrees")
	p.refund(o, "01", recon.StateSuccess, r1, recon.VerdictMatched,
		"the statement billed this refund IN_PROG; the query says SUCCESS now, as the ledger does")

	// ERROR: every query of this order gets HTTP 503.
	o = p.order("PAID", func(o *Order) { o.Faults = script.Counts{script.HTTP5xx: script.Always} })
	p.pay(o, false, recon.StatePaid, o.TotalAmount, recon.VerdictError, "scripted: upay answers HTTP 503 to every query")
}
