package store

import (
	"time"

	"github.com/reconhq/recon/plugins"
)

// Run statuses.
const (
	StatusRunning     = "running"     // in progress, or killed: see Run.Interrupted
	StatusCompleted   = "completed"   // every ledger row has its result
	StatusFailed      = "failed"      // stopped by an error that made finishing pointless
	StatusInterrupted = "interrupted" // stopped by a signal; resumable
)

// Run is one reconciliation run.
type Run struct {
	ID         string            `json:"run_id"`
	Command    string            `json:"command"` // run | replay
	ReplayOf   string            `json:"replay_of,omitempty"`
	Status     string            `json:"status"`
	StartedAt  time.Time         `json:"started_at"`
	FinishedAt time.Time         `json:"finished_at,omitzero"`
	Ledger     LedgerInfo        `json:"ledger"`
	Config     string            `json:"config,omitempty"`
	Rules      []RuleFile        `json:"rules"`
	RuleSet    string            `json:"rule_set"`
	FailOn     string            `json:"fail_on"`
	Accounts   map[string]Plugin `json:"accounts,omitempty"`
	Totals     map[string]int    `json:"totals"`
	Error      string            `json:"error,omitempty"`
	// PID and Host identify the process running it, to tell a live run from
	// a killed one.
	PID  int    `json:"pid,omitempty"`
	Host string `json:"host,omitempty"`
	// Resumes counts how many times the run was taken up again after an interruption.
	Resumes int  `json:"resumes,omitempty"`
	Full    bool `json:"full,omitempty"`
	// Stats counts the work of the run: rows of its last attempt, queries
	// of every attempt that finished.
	Stats RunStats `json:"stats"`
}

// RunStats counts what a run did.
type RunStats struct {
	Rows     int `json:"rows"`     // ledger rows read
	Queried  int `json:"queried"`  // rows sent to a provider
	Answered int `json:"answered"` // rows a provider answered (any outcome but a failure)
	Reused   int `json:"reused"`   // rows judged on a stored answer (incremental nights)
	Resumed  int `json:"resumed"`  // rows already stored by an interrupted attempt
	Queries  int `json:"queries"`  // query attempts
	Retries  int `json:"retries"`
	Restarts int `json:"plugin_restarts"`
}

// LedgerInfo identifies the ledger a run read.
type LedgerInfo struct {
	Path   string `json:"path"`
	Rows   int    `json:"rows"`
	SHA256 string `json:"sha256"`
}

// RuleFile is a rule file's provenance.
type RuleFile struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// Plugin is the plugin an account was queried through.
type Plugin struct {
	Provider string `json:"provider"`
	Version  string `json:"version,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
}

// Result is the judgement of one ledger row, as reported.
type Result struct {
	Account  string `json:"account"`
	OrderNo  string `json:"order_no"`
	Type     string `json:"type"`
	RefundNo string `json:"refund_no"`
	Line     int    `json:"line"`
	Verdict  string `json:"verdict"`
	Severity string `json:"severity"`
	Action   string `json:"action"`
	Local    Local  `json:"local"`
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
}

// Local is the ledger's side of a result.
type Local struct {
	Status   string `json:"status"`
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// ProviderView is the provider's side of a result.
type ProviderView struct {
	Status       string `json:"status"`
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

// Exchange is the provider's answer behind a result, kept so that replay
// can judge it again with other rules and no network.
type Exchange struct {
	Row      LedgerRow      `json:"row"`
	Attempts int            `json:"attempts"`
	Result   plugins.Result `json:"result"`
}

// LedgerRow is a valid ledger row as the rules saw it.
type LedgerRow struct {
	Line            int       `json:"line"`
	Account         string    `json:"account"`
	Provider        string    `json:"provider"`
	Type            string    `json:"type"`
	OrderNo         string    `json:"order_no"`
	ProviderTradeNo string    `json:"provider_trade_no,omitempty"`
	RefundNo        string    `json:"refund_no,omitempty"`
	Status          string    `json:"status"`
	Amount          int64     `json:"amount"`
	Currency        string    `json:"currency"`
	CreatedAt       time.Time `json:"created_at,omitzero"`
}

// Latest is an order's most recent result, across runs.
type Latest struct {
	RunID       string    `json:"run_id"`
	Line        int       `json:"line"`
	Verdict     string    `json:"verdict"`
	Severity    string    `json:"severity"`
	Fingerprint string    `json:"fingerprint"`
	At          time.Time `json:"at"`
}

// OrderKey is the key of an order (or refund) across runs.
func OrderKey(account, typ, orderNo, refundNo string) string {
	return account + "\x00" + typ + "\x00" + orderNo + "\x00" + refundNo
}
