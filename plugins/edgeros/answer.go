package edgeros

import (
	"fmt"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
)

// answer reads a verified SUCCESS answer. Status stays the raw data.code:
// the Lua rule maps it. A field that is present but unreadable (an amount
// that is not a decimal, a time that is not a time) fails the query rather
// than being dropped: a paid order with no amount must not pass as matched.
func (p *Provider) answer(q recon.Query, env *envelope) (recon.Answer, error) {
	get := func(k string) string { return flat(env.data[k]) }
	a := recon.Answer{
		Status:   get("code"),
		Currency: p.currency,
		TradeNo:  get("transaction_no"),
		Fields:   answerFields(env),
	}
	var err error
	switch q.Kind {
	case recon.Payment:
		if err := sameID("mch_trade_no", q.OrderNo, get("mch_trade_no")); err != nil {
			return a, err
		}
		if err := sameID("transaction_no", q.ProviderTradeNo, a.TradeNo); err != nil {
			return a, err
		}
		if a.Amount, err = p.amount("amount_total", get("amount_total")); err != nil {
			return a, err
		}
		if a.PaidAt, err = p.instant("success_time", get("success_time")); err != nil {
			return a, err
		}
		// The trade query does not say how much was refunded (code REFUND
		// covers part and all): Refunded stays nil.
	case recon.Refund:
		if err := sameID("mch_refund_no", q.RefundNo, get("mch_refund_no")); err != nil {
			return a, err
		}
		if err := sameID("mch_trade_no", q.OrderNo, get("mch_trade_no")); err != nil {
			return a, err
		}
		a.RefundTradeNo = get("refund_no")
		if a.RefundAmount, err = p.amount("refund_amount", get("refund_amount")); err != nil {
			return a, err
		}
		if a.RefundedAt, err = p.instant("success_time", get("success_time")); err != nil {
			return a, err
		}
	}
	return a, nil
}

// sameID fails when the answer names another order or refund than the one
// asked about (with transaction_no preferred by the platform, a ledger's
// wrong provider_trade_no would otherwise pass off another order's state).
// Either side empty means nothing to compare.
func sameID(field, asked, got string) error {
	if asked == "" || got == "" || asked == got {
		return nil
	}
	return fmt.Errorf("answer is about %s %.64q, not %.64q", field, got, asked)
}

// amount parses a yuan decimal ("0.01") exactly into minor units of the
// account's currency. Absent is nil.
func (p *Provider) amount(field, s string) (*int64, error) {
	if s == "" {
		return nil, nil
	}
	v, err := money.Parse(s, p.digits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return &v, nil
}

// localLayouts are tried, in the account's zone, for a time without an
// offset. PROTOCOL: times are RFC 3339 with an offset; these are leniency.
var localLayouts = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05"}

// instant parses success_time. Absent is the zero time.
func (p *Provider) instant(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, p.loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %.40q is not an RFC 3339 time", field, s)
}

// answerFields are all of data's members but sign, as flat strings, plus the
// envelope's status, message and fieldErrors (unless data has a member of
// that name).
func answerFields(env *envelope) map[string]string {
	m := make(map[string]string, len(env.data)+3)
	for k, v := range env.data {
		if k != "sign" && v != nil {
			m[k] = flat(v)
		}
	}
	for _, k := range []string{"status", "message", "fieldErrors"} {
		if v := env.members[k]; v != nil {
			if _, dup := m[k]; !dup {
				m[k] = flat(v)
			}
		}
	}
	return m
}
