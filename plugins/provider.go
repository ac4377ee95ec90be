package plugins

import (
	"context"
	"time"
)

// Provider is what a provider plugin implements. Each plugin process serves
// one merchant account: Configure is called once before any Query. Query is
// called concurrently; the host bounds the concurrency and the rate.
type Provider interface {
	Info() Info
	Configure(ctx context.Context, acct Account) error
	// Query makes one attempt at asking the provider about q. It never
	// retries itself (the host does, with backoff) and reports every failure
	// through Result.Outcome rather than panicking or hiding it.
	Query(ctx context.Context, q Query) Result
}

// Info describes a provider.
type Info struct {
	Name    string
	Version string
	// RefundQuery is true when the provider's API can confirm a refund on its
	// own; otherwise refund rows are answered with OutcomeUnsupported.
	RefundQuery bool
	// Credentials lists the credential names Configure expects.
	Credentials []string
	Description string
}

// Account is one merchant account at a provider, as configured by the host.
// Credential values arrive resolved: `${VAR}` expanded and `X_file` read into X.
type Account struct {
	Name        string
	Endpoint    string // base URL; the provider appends its API path
	Currency    string // ISO 4217
	Location    *time.Location
	Credentials map[string]string
	Options     map[string]string
}

// Kind says what a query asks about.
type Kind int

const (
	Payment Kind = iota + 1
	Refund
)

func (k Kind) String() string {
	switch k {
	case Payment:
		return "payment"
	case Refund:
		return "refund"
	}
	return "unknown"
}

// Query is one question to the provider.
type Query struct {
	Kind            Kind
	OrderNo         string // the merchant's order number
	ProviderTradeNo string // the provider's number, when the ledger has it
	RefundNo        string // the merchant's refund request number, for refunds
	Attempt         int    // 1 for the first attempt
}

// Outcome classifies a query's answer.
type Outcome int

const (
	// OutcomeFound: the provider answered about the order (or refund);
	// Answer is filled.
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

var outcomeNames = map[Outcome]string{
	OutcomeFound:        "FOUND",
	OutcomeNotFound:     "NOT_FOUND",
	OutcomeUnsupported:  "UNSUPPORTED",
	OutcomeUnverifiable: "UNVERIFIABLE",
	OutcomeTransient:    "TRANSIENT",
	OutcomePermanent:    "PERMANENT",
}

func (o Outcome) String() string {
	if s, ok := outcomeNames[o]; ok {
		return s
	}
	return "UNSPECIFIED"
}

// ParseOutcome is the inverse of Outcome.String; it returns 0 for an unknown name.
func ParseOutcome(s string) Outcome {
	for o, n := range outcomeNames {
		if n == s {
			return o
		}
	}
	return 0
}

// Failed reports whether the attempt produced no answer from the provider.
func (o Outcome) Failed() bool { return o == OutcomeTransient || o == OutcomePermanent }

// Result is the outcome of one query attempt.
type Result struct {
	Outcome Outcome
	// Err explains a failed, unverifiable or unsupported outcome. It must not
	// contain secrets.
	Err string
	// RetryAfter is the provider's own advice (HTTP Retry-After), if any.
	RetryAfter time.Duration

	// The exchange, kept for audit and replay.
	HTTPStatus int
	Raw        []byte // the response body exactly as received (encrypted APIs: decrypted fields go to Answer.Fields)
	Request    string // a description of the request without secrets, e.g. "POST /upay/v2/query client_sn=A1"

	// Verified is true when the answer's signature was checked and held.
	// Providers whose answers carry no signature leave it false.
	Verified bool

	Answer Answer
}

// Answer holds the parsed fields of a provider's answer. Amounts are integer
// minor units of Currency; nil means the provider did not say.
type Answer struct {
	// Status is the provider's own primary status code, raw (upay
	// order_status, vborder payStatus, paypro data.status, edgeros code).
	Status string
	// SubStatus is the second-level status where a provider has one (upay
	// status of the last operation, vborder checkStatus).
	SubStatus string
	Currency  string

	Amount       *int64 // the order amount
	Received     *int64 // what actually arrived, where it can differ (paypro partial payment)
	Refunded     *int64 // total refunded on the order
	RefundAmount *int64 // for a refund query: this refund's amount

	TradeNo       string // the provider's order number
	RefundTradeNo string // the provider's refund number

	PaidAt     time.Time
	RefundedAt time.Time

	// Fields are the answer's business fields as flat strings, for rules.
	// Nested objects are compact JSON.
	Fields map[string]string
}

// Int64 returns a pointer to v, for filling optional amounts.
func Int64(v int64) *int64 { return &v }
