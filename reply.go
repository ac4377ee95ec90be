package recon

import (
	"fmt"
	"time"
)

// Query is one question to a provider about a ledger row.
type Query struct {
	Kind            Kind   `json:"kind"`
	OrderNo         string `json:"order_no"`                    // the merchant's order number
	ProviderTradeNo string `json:"provider_trade_no,omitempty"` // the provider's number, when the ledger has it
	RefundNo        string `json:"refund_no,omitempty"`         // the merchant's refund request number, for refunds
	Attempt         int    `json:"attempt,omitempty"`           // 1 for the first attempt
}

// QueryOf is the query that asks about row.
func QueryOf(row *Row) Query {
	return Query{Kind: row.Kind, OrderNo: row.OrderNo, ProviderTradeNo: row.ProviderTradeNo, RefundNo: row.RefundNo}
}

// Outcome classifies a reply. The numbers are the plugin protocol's.
type Outcome uint8

const (
	// OutcomeFound: the provider answered about the order (or refund);
	// Reply.Answer is filled.
	OutcomeFound Outcome = iota + 1
	// OutcomeNotFound: the provider answered that it does not know it.
	OutcomeNotFound
	// OutcomeUnsupported: the provider's API cannot answer this kind of query.
	OutcomeUnsupported
	// OutcomeUnverifiable: an answer came back but failed signature
	// verification or decryption. It is never trusted as a state.
	OutcomeUnverifiable
	// OutcomeTransient: the attempt failed in a way worth retrying
	// (timeout, 5xx, provider busy).
	OutcomeTransient
	// OutcomePermanent: the attempt failed and retrying will not help
	// (bad credentials, a rejected signature).
	OutcomePermanent
)

var outcomeNames = [...]string{
	OutcomeFound:        "FOUND",
	OutcomeNotFound:     "NOT_FOUND",
	OutcomeUnsupported:  "UNSUPPORTED",
	OutcomeUnverifiable: "UNVERIFIABLE",
	OutcomeTransient:    "TRANSIENT",
	OutcomePermanent:    "PERMANENT",
}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) && outcomeNames[o] != "" {
		return outcomeNames[o]
	}
	return "UNSPECIFIED"
}

// ParseOutcome is the inverse of Outcome.String; it returns 0 for an unknown name.
func ParseOutcome(s string) Outcome {
	for o, n := range outcomeNames {
		if n != "" && n == s {
			return Outcome(o)
		}
	}
	return 0
}

// Failed reports whether the attempt produced no answer from the provider.
func (o Outcome) Failed() bool { return o == OutcomeTransient || o == OutcomePermanent }

// MarshalText writes the outcome's name, so that stored replies read
// without knowing the numbers.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText reads an outcome's name.
func (o *Outcome) UnmarshalText(b []byte) error {
	v := ParseOutcome(string(b))
	if v == 0 {
		return fmt.Errorf("outcome %q is not one of FOUND, NOT_FOUND, UNSUPPORTED, UNVERIFIABLE, TRANSIENT, PERMANENT", b)
	}
	*o = v
	return nil
}

// Reply is a provider's reply to one query attempt, as a plugin returns it
// and as the store keeps it for replay.
type Reply struct {
	Outcome Outcome `json:"outcome"`
	// Source is SourceStatement for an answer read from the provider's
	// statement (the rules map it with map_statement), "" for a query's.
	Source string `json:"source,omitempty"`
	// Err explains a failed, unverifiable or unsupported outcome. It must not
	// contain secrets.
	Err string `json:"error,omitempty"`
	// RetryAfter is the provider's own advice (HTTP Retry-After), if any.
	// It matters to the next attempt only, so it is not stored.
	RetryAfter time.Duration `json:"-"`

	// The exchange, kept for audit and replay.
	HTTPStatus int `json:"http_status,omitempty"`
	// Raw is the response body exactly as received (encrypted APIs: the
	// decrypted fields go to Answer.Fields).
	Raw []byte `json:"raw,omitempty"`
	// Request describes the request without secrets, e.g.
	// "POST /upay/v2/query client_sn=A1".
	Request string `json:"request,omitempty"`

	// Verified is true when the answer's signature was checked and held.
	// Providers whose answers carry no signature leave it false.
	Verified bool `json:"verified"`

	Answer Answer `json:"answer"`
}

// Answer holds the parsed fields of a provider's answer. Amounts are integer
// minor units of Currency; nil means the provider did not say.
type Answer struct {
	// Status is the provider's own primary status code, raw (upay
	// order_status, vborder payStatus, paypro data.status, edgeros code).
	Status string `json:"status,omitempty"`
	// SubStatus is the second-level status where a provider has one (upay
	// status of the last operation, vborder checkStatus).
	SubStatus string `json:"sub_status,omitempty"`
	Currency  string `json:"currency,omitempty"`

	Amount       *int64 `json:"amount,omitempty"`        // the order amount
	Received     *int64 `json:"received,omitempty"`      // what actually arrived, where it can differ (paypro partial payment)
	Refunded     *int64 `json:"refunded,omitempty"`      // total refunded on the order
	RefundAmount *int64 `json:"refund_amount,omitempty"` // for a refund query: this refund's amount

	// The identity the answer states, as the provider echoed it: the
	// merchant's order number, the provider's order number, and for a refund
	// the merchant's and the provider's refund numbers. Query.Check compares
	// them with what was asked.
	OrderNo       string `json:"order_no,omitempty"`
	TradeNo       string `json:"trade_no,omitempty"`
	RefundNo      string `json:"refund_no,omitempty"`
	RefundTradeNo string `json:"refund_trade_no,omitempty"`

	PaidAt     time.Time `json:"paid_at,omitzero"`
	RefundedAt time.Time `json:"refunded_at,omitzero"`

	// Fields are the answer's business fields as flat strings, for rules.
	// Nested objects are compact JSON.
	Fields map[string]string `json:"fields,omitempty"`
}

// Int64 returns a pointer to v, for filling optional amounts.
func Int64(v int64) *int64 { return &v }
