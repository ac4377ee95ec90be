package sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
)

// plan is one planted order (or ledger-only row) and the ledger's view of it.
type plan struct {
	status   string        // PayPro data.status; "" plants no order (NOT_FOUND)
	ledger   recon.State   // the ledger row's status
	want     recon.Verdict // the verdict a correct run reaches
	why      string
	mutate   func(o *order, ledger *int64, digits int) // optional: make the two sides differ
	faults   script.Counts                             // scripted faults of the order
	noTrade  bool                                      // ledger row without provider_trade_no
	refundOf bool                                      // also plant an (unsupported) refund row for it
	// notInLedger: PayPro and its statement have the order, the ledger
	// does not (MISSING_IN_LEDGER; ledger is then PayPro's state).
	notInLedger bool
}

// specials covers every verdict PayPro can produce, and every data.status.
var specials = []plan{
	{status: "0000", ledger: recon.StatePaid, want: recon.VerdictMatched, why: "paid at PayPro and in the ledger", refundOf: true},
	{status: "0000", ledger: recon.StatePaid, want: recon.VerdictMatched, why: "paid; region sends payproTradeNo, amount without decimals, hour not zero-padded",
		mutate: func(o *order, _ *int64, _ int) {
			o.PlatformField = "payproTradeNo"
			o.Amount, _, _ = strings.Cut(o.Amount, ".") // "150000.00" -> "150000"
			o.SuccessTime = o.SuccessTime[:len("2006-01-02")] + " 9:30:13"
		}},
	{status: "0000", ledger: recon.StatePaid, want: recon.VerdictMatched, faults: script.Counts{script.Busy: 1}, why: "paid; first query answers 5000 (system exception), the retry answers"},
	{status: "0000", ledger: recon.StatePending, want: recon.VerdictMissedPayment, why: "paid at PayPro, ledger still pending: lost notification"},
	{status: "0029", ledger: recon.StatePaid, want: recon.VerdictUnpaidAtProvider, why: "ledger paid, PayPro 0029 failed"},
	{status: "0015", ledger: recon.StatePaid, want: recon.VerdictUnpaidAtProvider, why: "ledger paid, PayPro still 0015 processing"},
	{status: "00029", ledger: recon.StatePending, want: recon.VerdictStatusMismatch, why: "ledger pending, PayPro 00029 failed"},
	{status: "0000", ledger: recon.StatePaid, want: recon.VerdictAmountMismatch, why: "paid, but PayPro's amount differs from the ledger's",
		mutate: func(_ *order, ledger *int64, digits int) { *ledger += 5000 * pow10(digits) }},
	{status: "0001", ledger: recon.StatePaid, want: recon.VerdictAmountMismatch, why: "PayPro 0001 partial payment: less arrived than ordered",
		mutate: func(o *order, ledger *int64, digits int) { o.ReceivedAmount = money.Format(*ledger/2, digits) }},
	{status: "", ledger: recon.StatePaid, want: recon.VerdictNotFound, noTrade: true, why: "PayPro answers 8000 order not exist"},
	{status: "0015", ledger: recon.StatePending, want: recon.VerdictUnsettled, why: "PayPro 0015 processing, ledger pending: check next run"},
	{status: "0000", ledger: recon.StatePaid, want: recon.VerdictError, faults: script.Counts{script.HTTP5xx: script.Always}, why: "PayPro answers HTTP 503 to every query of this order"},
	{status: "0029", ledger: recon.StateFailed, want: recon.VerdictMatched, why: "failed at PayPro (0029) and in the ledger"},
	{status: "0100019", ledger: recon.StateFailed, want: recon.VerdictMatched, why: "PayPro 0100019 payee daily cumulative amount reached, ledger failed"},
	{status: "00032", ledger: recon.StateFailed, want: recon.VerdictMatched, why: "PayPro 00032 unknown error (a failure), ledger failed"},
	{status: "0099", ledger: recon.StateFailed, want: recon.VerdictMatched, why: "unlisted PayPro code 0099 counts as failure, ledger failed"},
	{status: "0000", ledger: recon.StatePaid, want: recon.VerdictUnverifiable, faults: script.Counts{OtherOrder: script.Always},
		why: "PayPro answers every query of this order with another (paid) order's data: never judged as this row's"},
	{status: "0000", ledger: recon.StatePaid, want: simkit.VerdictMissingInLedger, notInLedger: true,
		why: "paid at PayPro; the ledger's write of it was lost"},
	{status: "0000", ledger: recon.StatePaid, want: simkit.VerdictMissingInLedger, notInLedger: true,
		why: "paid at PayPro by a transfer outside the merchant's system"},
}

// failCodes are the failure codes PayPro's page names, with their message.
var failCodes = []struct{ code, message string }{
	{"0029", "transaction failed"},
	{"00029", "transaction failed"},
	{"0100019", "payee daily cumulative amount reached"},
	{"00032", "unknown error"},
}

// Plant adds about n orders — every case in specials, the rest mostly paid
// and matched, some failed and matched — and returns their ledger rows, and
// two paid orders the ledger lacks (NotInLedger). Money arrives on
// simkit.PlantDay in the account's zone.
func (s *Simulator) Plant(rng *rand.Rand, n int) []simkit.Case {
	s.mu.Lock()
	defer s.mu.Unlock()
	digits, err := money.Digits(s.currency)
	if err != nil {
		digits = 2
	}
	plans := append([]plan(nil), specials...)
	unledgered := 0
	for _, p := range specials {
		if p.notInLedger {
			unledgered++
		}
	}
	for len(plans)-unledgered < n { // about n in the ledger
		if rng.IntN(100) < 85 {
			plans = append(plans, plan{status: "0000", ledger: recon.StatePaid, want: recon.VerdictMatched, why: "paid at PayPro and in the ledger"})
			continue
		}
		code := failCodes[rng.IntN(len(failCodes))].code
		plans = append(plans, plan{status: code, ledger: recon.StateFailed, want: recon.VerdictMatched, why: "failed at PayPro (" + code + ") and in the ledger"})
	}

	var cases []simkit.Case
	for _, p := range plans {
		s.seq++
		o := s.newOrder(rng, fmt.Sprintf("PP-%06d", s.seq), p.status, digits)
		ledger, _ := money.Parse(o.Amount, digits)
		if p.mutate != nil {
			p.mutate(&o, &ledger, digits)
		}
		c := simkit.Case{OrderNo: o.TradeNo, Kind: recon.Payment, Amount: money.Format(ledger, digits),
			Status: p.ledger, Want: p.want, Why: p.why, NotInLedger: p.notInLedger}
		if p.status != "" {
			o.at = billedAt(o.SuccessTime, s.loc, s.now(), 0) // a successTime of its own if it has one
			s.orders[o.TradeNo] = o
			if !p.noTrade && rng.IntN(4) > 0 {
				c.ProviderTradeNo = o.PlatformTradeNo
			}
		}
		if err := s.plan.SetCounts(o.TradeNo, p.faults); err != nil {
			panic("paypro sim: " + err.Error()) // specials name only faults of the registry
		}
		cases = append(cases, c)
		if p.refundOf {
			cases = append(cases, simkit.Case{OrderNo: o.TradeNo, ProviderTradeNo: c.ProviderTradeNo, Kind: recon.Refund,
				RefundNo: "PPR-" + o.TradeNo[3:], Amount: money.Format(ledger/2, digits), Status: recon.StateSuccess,
				Want: recon.VerdictUnsupported, Why: "refund row: PayPro has no refund query"})
		}
	}
	return cases
}

// newOrder makes a realistic order: an IDR-like amount in whole thousands,
// a 16-character platform number, and for 0000 and 0001 a success time on
// the plant day in the account's zone.
func (s *Simulator) newOrder(rng *rand.Rand, tradeNo, status string, digits int) order {
	minor := int64(10+rng.IntN(2000)) * 1000 * pow10(digits)
	o := order{TradeNo: tradeNo, PlatformTradeNo: platformNo(rng), Amount: money.Format(minor, digits), Status: status}
	if billedStatuses[status] {
		t := simkit.PlantDay(s.now(), s.loc).Add(time.Duration(60+rng.IntN(20*3600)) * time.Second)
		o.SuccessTime = t.Format(time.DateTime)
	}
	switch status {
	case "0000":
	case "0001":
		o.Message = "partial payment"
	case "0015":
		o.Message = "processing"
	default:
		o.Message = "transaction failed"
		for _, f := range failCodes {
			if f.code == status {
				o.Message = f.message
			}
		}
	}
	return o
}

func pow10(n int) int64 {
	v := int64(1)
	for range n {
		v *= 10
	}
	return v
}

func platformNo(rng *rand.Rand) string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 16)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}
