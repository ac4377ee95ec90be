package store

import (
	"time"

	"github.com/reconhq/recon"
)

// Status is a run's state.
type Status string

// Run statuses.
const (
	StatusRunning     Status = "running"     // in progress, or its process was killed: see Run.PID and Run.Host
	StatusCompleted   Status = "completed"   // every ledger row has its result
	StatusFailed      Status = "failed"      // stopped by an error that made finishing pointless
	StatusInterrupted Status = "interrupted" // stopped by a signal; resumable
)

// The commands that make runs (Run.Command).
const (
	CommandRun    = "run"
	CommandReplay = "replay"
)

// Run is one reconciliation run. Its JSON is both the stored record and the
// head of the report (package report), so the fields come in the report's
// order: what the run was and how it ended, what it read and judged with,
// what it found and did; then what only the store needs.
type Run struct {
	ID       string `json:"run_id"`
	Command  string `json:"command"` // CommandRun or CommandReplay
	ReplayOf string `json:"replay_of,omitempty"`
	Shard    string `json:"shard,omitempty"` // "INDEX/COUNT": one shard of a sharded night
	// Assignment is how a shard's night split the accounts (shard.ByHash,
	// or the shards file's sha256): merge refuses shards that differ.
	Assignment string                `json:"assignment,omitempty"`
	Status     Status                `json:"status"`
	Error      string                `json:"error,omitempty"`
	StartedAt  time.Time             `json:"started_at"`
	FinishedAt time.Time             `json:"finished_at,omitzero"`
	Ledger     LedgerInfo            `json:"ledger"`
	Rules      []recon.RuleFile      `json:"rules"`
	RuleSet    string                `json:"rule_set"`
	FailOn     recon.Severity        `json:"fail_on"`
	Accounts   map[string]Plugin     `json:"accounts,omitempty"`
	Totals     map[recon.Verdict]int `json:"totals"`
	// Severities counts the results by severity (runs stored before it was
	// kept have none: count their results).
	Severities map[recon.Severity]int `json:"severities,omitempty"`
	// Stats counts the work of the run: rows of its last attempt, queries
	// of every attempt that finished.
	Stats RunStats `json:"stats"`
	// AccountStats is Stats per account (the accounts that had rows).
	AccountStats map[string]RunStats `json:"account_stats,omitempty"`
	// Resumes counts how many times the run was taken up again after an interruption.
	Resumes int `json:"resumes,omitempty"`
	// Statements are the provider statements the run joined, by account.
	Statements []StatementInfo `json:"statements,omitempty"`

	// Config, ConfigSHA256 and Full are what a resume must match besides
	// the ledger: the same file, with the same content, the same settings.
	Config       string `json:"config,omitempty"`
	ConfigSHA256 string `json:"config_sha256,omitempty"`
	Full         bool   `json:"full,omitempty"`
	// PID and Host identify the process running it, to tell a live run from
	// a killed one.
	PID  int    `json:"pid,omitempty"`
	Host string `json:"host,omitempty"`
}

// RunStats counts what a run did.
type RunStats struct {
	Rows     int `json:"rows"`     // ledger rows read
	Queried  int `json:"queried"`  // rows sent to a provider
	Answered int `json:"answered"` // rows a provider answered (any outcome but a failure)
	Failed   int `json:"failed"`   // rows queried whose last attempt failed (they end as ERROR)
	Reused   int `json:"reused"`   // rows judged on a stored answer (incremental nights)
	// Confirmed counts rows judged on a trusted statement, without a query.
	Confirmed int `json:"confirmed,omitempty"`
	Resumed   int `json:"resumed"` // rows already stored by an interrupted attempt
	Queries   int `json:"queries"` // query attempts
	Retries   int `json:"retries"`
	Restarts  int `json:"plugin_restarts"`
	// Seconds is how long the run (or the account's share of it: from its
	// first query to its last answer) took.
	Seconds float64 `json:"seconds,omitempty"`
}

// Add adds o's counts to s; Seconds, which do not add up, are the
// caller's.
func (s *RunStats) Add(o RunStats) {
	s.Rows += o.Rows
	s.Queried += o.Queried
	s.Answered += o.Answered
	s.Failed += o.Failed
	s.Reused += o.Reused
	s.Confirmed += o.Confirmed
	s.Resumed += o.Resumed
	s.Queries += o.Queries
	s.Retries += o.Retries
	s.Restarts += o.Restarts
}

// StatementInfo is one account's statement in a run: which file, what of
// it was read, and what the join found.
type StatementInfo struct {
	Account string `json:"account"`
	// Status is StatementRead, or StatementUnpublished when the config's
	// statement pattern named a file that does not exist yet (the provider
	// publishes a day's statement the next morning): that account's rows
	// were queried as without one, and nothing is reported missing.
	Status string `json:"status"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
	// From and To bound the statement's period (To excluded), in the
	// account's zone, RFC 3339.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Trusted is the account's statement_trust.
	Trusted bool `json:"trusted,omitempty"`
	Rows    int  `json:"rows"`    // data rows read
	Invalid int  `json:"invalid"` // rows that did not hold up (INVALID results)
	Matched int  `json:"matched"` // rows a ledger row joined
	Missing int  `json:"missing"` // rows in the period no ledger row joined (MISSING_IN_LEDGER)
	// Outside counts unjoined rows dated outside the period: not the
	// ledger's to have, so not reported missing.
	Outside int `json:"outside"`
	// Confirmed counts ledger rows judged on the statement without a query.
	Confirmed int `json:"confirmed"`
}

// Statement statuses.
const (
	StatementRead        = "read"
	StatementUnpublished = "not published"
)

// LedgerInfo identifies the ledger a run read.
type LedgerInfo struct {
	Path   string `json:"path"`
	Rows   int    `json:"rows"`
	SHA256 string `json:"sha256"`
	// Total is a shard's: the ledger's data rows, the other shards' too,
	// which the shards' Rows must add up to.
	Total int `json:"total,omitempty"`
}

// Plugin is the plugin an account was queried through.
type Plugin struct {
	Provider string `json:"provider"`
	Version  string `json:"version,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
}

// Exchange is the provider's answer behind a result, kept so that replay
// can judge it again with other rules and no network.
type Exchange struct {
	Row      recon.Row   `json:"row"`
	Attempts int         `json:"attempts"`
	Reply    recon.Reply `json:"reply"`
}

// Latest is an order's most recent result, across runs.
type Latest struct {
	RunID       string         `json:"run_id"`
	Line        int            `json:"line"`
	Verdict     recon.Verdict  `json:"verdict"`
	Severity    recon.Severity `json:"severity"`
	Fingerprint string         `json:"fingerprint"`
	At          time.Time      `json:"at"`
}
