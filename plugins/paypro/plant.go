package paypro

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/simkit"
)

// plan is one planted order (or ledger-only row) and the ledger's view of it.
type plan struct {
	status   string // PayPro data.status; "" plants no order (NOT_FOUND)
	ledger   string // the ledger row's status
	want     string // the verdict a correct run reaches
	why      string
	mutate   func(o *order, ledger *int64, digits int) // optional: make the two sides differ
	http5xx  int                                       // scripted 503s
	busy     int                                       // scripted outer 5000s
	noTrade  bool                                      // ledger row without provider_trade_no
	refundOf bool                                      // also plant an (unsupported) refund row for it
}

// specials covers every verdict PayPro can produce, and every data.status.
var specials = []plan{
	{status: "0000", ledger: "PAID", want: "MATCHED", why: "paid at PayPro and in the ledger", refundOf: true},
	{status: "0000", ledger: "PAID", want: "MATCHED", why: "paid; region sends payproTradeNo, amount without decimals, hour not zero-padded",
		mutate: func(o *order, _ *int64, _ int) {
			o.PlatformField = "payproTradeNo"
			o.Amount, _, _ = strings.Cut(o.Amount, ".") // "150000.00" -> "150000"
			o.SuccessTime = o.SuccessTime[:len("2006-01-02")] + " 9:30:13"
		}},
	{status: "0000", ledger: "PAID", want: "MATCHED", busy: 1, why: "paid; first query answers 5000 (system exception), the retry answers"},
	{status: "0000", ledger: "PENDING", want: "MISSED_PAYMENT", why: "paid at PayPro, ledger still pending: lost notification"},
	{status: "0029", ledger: "PAID", want: "UNPAID_AT_PROVIDER", why: "ledger paid, PayPro 0029 failed"},
	{status: "0015", ledger: "PAID", want: "UNPAID_AT_PROVIDER", why: "ledger paid, PayPro still 0015 processing"},
	{status: "00029", ledger: "PENDING", want: "STATUS_MISMATCH", why: "ledger pending, PayPro 00029 failed"},
	{status: "0000", ledger: "PAID", want: "AMOUNT_MISMATCH", why: "paid, but PayPro's amount differs from the ledger's",
		mutate: func(_ *order, ledger *int64, digits int) { *ledger += 5000 * pow10(digits) }},
	{status: "0001", ledger: "PAID", want: "AMOUNT_MISMATCH", why: "PayPro 0001 partial payment: less arrived than ordered",
		mutate: func(o *order, ledger *int64, digits int) { o.ReceivedAmount = money.Format(*ledger/2, digits) }},
	{status: "", ledger: "PAID", want: "NOT_FOUND", noTrade: true, why: "PayPro answers 8000 order not exist"},
	{status: "0015", ledger: "PENDING", want: "UNSETTLED", why: "PayPro 0015 processing, ledger pending: check next run"},
	{status: "0000", ledger: "PAID", want: "ERROR", http5xx: -1, why: "PayPro answers HTTP 503 to every query of this order"},
	{status: "0029", ledger: "FAILED", want: "MATCHED", why: "failed at PayPro (0029) and in the ledger"},
	{status: "0100019", ledger: "FAILED", want: "MATCHED", why: "PayPro 0100019 payee daily cumulative amount reached, ledger failed"},
	{status: "00032", ledger: "FAILED", want: "MATCHED", why: "PayPro 00032 unknown error (a failure), ledger failed"},
	{status: "0099", ledger: "FAILED", want: "MATCHED", why: "unlisted PayPro code 0099 counts as failure, ledger failed"},
}

// failCodes are the failure codes PayPro's page names, with their message.
var failCodes = []struct{ code, message string }{
	{"0029", "transaction failed"},
	{"00029", "transaction failed"},
	{"0100019", "payee daily cumulative amount reached"},
	{"00032", "unknown error"},
}

// Plant adds about n orders — every case in specials, the rest mostly paid
// and matched, some failed and matched — and returns their ledger rows.
func (s *Simulator) Plant(rng *rand.Rand, n int) []simkit.Case {
	s.mu.Lock()
	defer s.mu.Unlock()
	digits, err := money.Digits(s.currency)
	if err != nil {
		digits = 2
	}
	plans := append([]plan(nil), specials...)
	for len(plans) < n {
		if rng.IntN(100) < 85 {
			plans = append(plans, plan{status: "0000", ledger: "PAID", want: "MATCHED", why: "paid at PayPro and in the ledger"})
			continue
		}
		code := failCodes[rng.IntN(len(failCodes))].code
		plans = append(plans, plan{status: code, ledger: "FAILED", want: "MATCHED", why: "failed at PayPro (" + code + ") and in the ledger"})
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
			Status: recon.State(p.ledger), Want: recon.Verdict(p.want), Why: p.why}
		if p.status != "" {
			s.orders[o.TradeNo] = o
			if !p.noTrade && rng.IntN(4) > 0 {
				c.ProviderTradeNo = o.PlatformTradeNo
			}
		}
		if p.http5xx != 0 {
			s.scripts.http5xx.Set(o.TradeNo, p.http5xx)
		}
		if p.busy != 0 {
			s.scripts.busy.Set(o.TradeNo, p.busy)
		}
		cases = append(cases, c)
		if p.refundOf {
			cases = append(cases, simkit.Case{OrderNo: o.TradeNo, ProviderTradeNo: c.ProviderTradeNo, Kind: recon.Refund,
				RefundNo: "PPR-" + o.TradeNo[3:], Amount: money.Format(ledger/2, digits), Status: "SUCCESS",
				Want: "UNSUPPORTED", Why: "refund row: PayPro has no refund query"})
		}
	}
	return cases
}

// newOrder makes a realistic order: an IDR-like amount in whole thousands,
// a 16-character platform number, and for 0000 a success time a few hours
// before now in the account's zone.
func (s *Simulator) newOrder(rng *rand.Rand, tradeNo, status string, digits int) order {
	minor := int64(10+rng.IntN(2000)) * 1000 * pow10(digits)
	o := order{TradeNo: tradeNo, PlatformTradeNo: platformNo(rng), Amount: money.Format(minor, digits), Status: status}
	switch status {
	case "0000":
		t := s.now().In(s.loc).Add(-time.Duration(1+rng.IntN(20*3600)) * time.Second)
		o.SuccessTime = t.Format(time.DateTime)
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
