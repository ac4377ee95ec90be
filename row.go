package recon

import (
	"errors"
	"fmt"
	"time"
)

// Row is one row of the merchant's ledger, parsed and checked against the
// config: what the rules judge and what every result of the row refers to.
// A row the ledger could not read comes with a *RowError and holds what
// could be read of it.
type Row struct {
	// Line is where the row starts in its file: the CSV header is line 1.
	Line     int    `json:"line"`
	Account  string `json:"account"`
	Provider string `json:"provider"` // the account's plugin
	Kind     Kind   `json:"type"`
	OrderNo  string `json:"order_no"`
	// ProviderTradeNo is the provider's own number, when the ledger has it.
	ProviderTradeNo string `json:"provider_trade_no,omitempty"`
	// RefundNo is the merchant's refund request number (refund rows).
	RefundNo string `json:"refund_no,omitempty"`
	Status   State  `json:"status"`
	Amount   int64  `json:"amount"` // minor units of Currency
	Currency string `json:"currency"`
	// AmountText is the amount as written, shown for a row that could not
	// be judged (its amount may be what is wrong with it).
	AmountText string    `json:"-"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
}

// Key identifies the order (or refund) a row is about, across rows and
// runs: a second row with the same key is a DUPLICATE.
func (r *Row) Key() string {
	return OrderKey(r.Account, r.Kind, r.OrderNo, r.RefundNo)
}

// OrderKey is the key of an order's payment or refund across runs.
func OrderKey(account string, k Kind, orderNo, refundNo string) string {
	return account + "\x00" + k.String() + "\x00" + orderNo + "\x00" + refundNo
}

// RowError says why one ledger row cannot be judged. The run goes on: the
// row gets an INVALID result whose detail is Reason.
type RowError struct {
	Line int
	// Field is the column at fault ("amount", "status"), or "" when the row
	// as a whole is (not UTF-8, not valid CSV, too long).
	Field  string
	Reason string // a sentence for the operator, e.g. `status "PAYED" is not a payment status (...)`
}

func (e *RowError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return e.Reason
}

// AsRowError returns err's *RowError, if it has one.
func AsRowError(err error) (*RowError, bool) {
	var re *RowError
	ok := errors.As(err, &re)
	return re, ok
}
