package recon

import "fmt"

// IdentityError says that an answer is about another order or refund than
// the one asked. Such an answer is never judged as the row's: the host turns
// it into OutcomeUnverifiable (see Query.Check).
type IdentityError struct {
	Field    string // order_no, provider_trade_no or refund_no
	Asked    string
	Answered string // "" when the answer does not say
}

func (e *IdentityError) Error() string {
	if e.Answered == "" {
		return fmt.Sprintf("the answer does not say which %s it is about (asked %q): not trusted as this row's", e.Field, e.Asked)
	}
	return fmt.Sprintf("the answer is about %s %q, not the %q asked: not trusted as this row's", e.Field, e.Answered, e.Asked)
}

// Check returns an *IdentityError when r answers about another order or
// refund than q asked, and nil otherwise. Only a found answer states an
// identity; other outcomes pass.
//
// The merchant's order number must be echoed and equal; so must the refund
// number of a refund query. The provider's trade number, when both the
// ledger and the answer give one, must agree: a ledger row naming another
// trade is not this answer's order, whatever its order number says.
func (q Query) Check(r *Reply) error {
	if r.Outcome != OutcomeFound {
		return nil
	}
	a := &r.Answer
	if a.OrderNo != q.OrderNo {
		return &IdentityError{Field: "order_no", Asked: q.OrderNo, Answered: a.OrderNo}
	}
	if q.ProviderTradeNo != "" && a.TradeNo != "" && a.TradeNo != q.ProviderTradeNo {
		return &IdentityError{Field: "provider_trade_no", Asked: q.ProviderTradeNo, Answered: a.TradeNo}
	}
	if q.Kind == Refund && a.RefundNo != q.RefundNo {
		return &IdentityError{Field: "refund_no", Asked: q.RefundNo, Answered: a.RefundNo}
	}
	return nil
}

// Distrust makes r an unverifiable reply for the reason err gives, keeping
// the exchange (Raw, Request) for audit.
func (r *Reply) Distrust(err error) {
	r.Outcome, r.Err, r.Verified = OutcomeUnverifiable, err.Error(), false
}
