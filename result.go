package recon

import "strconv"

// Result is the judgement of one ledger row as stored and reported: the
// contract's report entry (docs/contract.md, "Report").
type Result struct {
	Account  string   `json:"account"`
	OrderNo  string   `json:"order_no"`
	Kind     Kind     `json:"type"`
	RefundNo string   `json:"refund_no"`
	Line     int      `json:"line"`
	Verdict  Verdict  `json:"verdict"`
	Severity Severity `json:"severity"`
	Action   Action   `json:"action"`
	Local    Local    `json:"local"`
	// Provider is what the provider said; nil when it was not asked
	// (INVALID, DUPLICATE) or did not answer.
	Provider *ProviderView `json:"provider,omitempty"`
	Detail   string        `json:"detail,omitempty"`
	// RuleSet is the ID of the rule set that judged the row.
	RuleSet string `json:"rule_set,omitempty"`
	// Attempts is how many queries it took (0: none sent).
	Attempts int `json:"attempts,omitempty"`
	// Reused names the run whose answer was reused instead of a query
	// (incremental nights).
	Reused string `json:"reused_from,omitempty"`
	// Fingerprint identifies the ledger row's content, for incremental nights.
	Fingerprint string `json:"fingerprint,omitempty"`
	// Source says where the provider's view came from: SourceQuery,
	// SourceStatement or SourceBoth; "" for a row the provider was never
	// asked about (INVALID, DUPLICATE).
	Source string `json:"source,omitempty"`
	// Statement is the provider's statement row joined with this one, if any.
	Statement *StatementRef `json:"statement,omitempty"`
}

// Where a result's provider view came from.
const (
	SourceQuery     = "query"     // the provider's query API
	SourceStatement = "statement" // the provider's statement alone
	SourceBoth      = "both"      // a statement row, and a query that decided
)

// StatementRef names a row of a provider's statement.
type StatementRef struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

func (s StatementRef) String() string { return s.File + ":" + strconv.Itoa(s.Line) }

// StatementLines is where the lines of results about statement rows start:
// a result whose Line is at or above it is about a row of a statement (one
// the ledger lacks, or a malformed one), not about a ledger line. Its Line
// orders it after every ledger line, by account and statement line
// (StatementLine), and Statement names the file and line.
const StatementLines = 1 << 48

// StatementLine is the Line of the result about line n of the statement of
// the account with the given ordinal (its place in the config's accounts
// sorted by name): the same in every shard of a night.
func StatementLine(account, n int) int { return StatementLines + account<<24 + n }

// InLedger reports whether the result is about a ledger row.
func (r *Result) InLedger() bool { return r.Line < StatementLines }

// Where is the result's place as the report names it: the ledger line, or
// the statement's file and line for a row only the statement has.
func (r *Result) Where() string {
	if !r.InLedger() && r.Statement != nil {
		return r.Statement.String()
	}
	return strconv.Itoa(r.Line)
}

// Key is the key of the order (or refund) the result is about.
func (r *Result) Key() string { return OrderKey(r.Account, r.Kind, r.OrderNo, r.RefundNo) }

// Judge sets the result's verdict, severity, action and detail from j.
func (r *Result) Judge(j Judgement) {
	r.Verdict, r.Severity, r.Action, r.Detail = j.Verdict, j.Severity, j.Action, j.Detail
	if r.Detail == "" {
		r.Detail = j.StateDetail
	}
}

// Judgement is the result's verdict, severity, action and detail, with the
// provider's state when it answered.
func (r *Result) Judgement() Judgement {
	j := Judgement{Verdict: r.Verdict, Severity: r.Severity, Action: r.Action, Detail: r.Detail}
	if r.Provider != nil {
		j.State = r.Provider.Status
	}
	return j
}

// Local is the ledger's side of a result as the report shows it: the row's
// status, and its amount as an exact decimal in major units.
type Local struct {
	Status   State  `json:"status"`
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// ProviderView is the provider's side of a result as the report shows it:
// the state the rules mapped its answer to, and the answer's amounts as
// exact decimals and its times in the account's zone. The Reply itself is
// stored beside the result (for replay); this is its rendering.
type ProviderView struct {
	Status       State  `json:"status"`
	RawStatus    string `json:"raw_status"`
	SubStatus    string `json:"sub_status,omitempty"`
	Amount       string `json:"amount,omitempty"`
	Received     string `json:"received,omitempty"`
	Refunded     string `json:"refunded,omitempty"`
	RefundAmount string `json:"refund_amount,omitempty"`
	TradeNo      string `json:"trade_no,omitempty"`
	PaidAt       string `json:"paid_at,omitempty"`
	RefundedAt   string `json:"refunded_at,omitempty"`
	Verified     bool   `json:"verified"`
}

// RuleFile is a rule file's provenance: each run records the files that
// judged it, so that a verdict can be traced to the exact rules.
type RuleFile struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}
