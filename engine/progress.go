package engine

import "time"

// Progress is a run at one moment, for a live display or a log line. The
// run calls Options.Progress with it every Options.ProgressEvery and once
// when the rows are done.
type Progress struct {
	RunID string
	// Reading is true while the ledger is still being read: the accounts'
	// totals may still grow.
	Reading  bool
	RowsRead int
	Elapsed  time.Duration
	Accounts []AccountProgress // in name order
}

// AccountProgress is one account's share of a run.
type AccountProgress struct {
	Name string
	// Total is the account's rows read so far; Done those with a result
	// (queried, reused, resumed or rejected), Failed those that ended as
	// ERROR because the provider could not be asked.
	Total, Done, Failed int
	Queries, Retries    int
	// Rate is the account's results per second since its first query.
	Rate float64
}
