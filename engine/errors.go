package engine

import "errors"

// ErrNoAnswers is returned when not a single query of the run was answered:
// every provider was unreachable, so the results say nothing.
var ErrNoAnswers = errors.New("not a single order of the run could be queried")

// ErrInterrupted is returned when the run was stopped by a signal; running
// the same command again resumes it.
var ErrInterrupted = errors.New("the run was interrupted")

// ErrEmptyLedger is returned when the ledger has no data rows: an upstream
// export that failed looks exactly like that, and a night that judged
// nothing must not pass as a clean one. Options.AllowEmpty says an empty
// ledger is expected.
var ErrEmptyLedger = errors.New("the ledger has no data rows")

// ErrIncompleteRun is wrapped by the error of a replay of a run that did not
// store all of its ledger's rows: its verdicts would be reported as a
// whole night's.
var ErrIncompleteRun = errors.New("the run did not complete")

// ErrRunIDTaken is wrapped by the *RunIDError of a --run-id that cannot be
// used: for a run, it names a completed run, a replay, or a run of another
// ledger; for a replay (always a new run), any stored run.
var ErrRunIDTaken = errors.New("the run ID is taken")

// ErrRulesChanged is wrapped by the *RunIDError of a run that would resume
// an interrupted run judged by other rule files: its stored verdicts and the
// rest would disagree.
var ErrRulesChanged = errors.New("the interrupted run was judged by other rule files")

// ErrConfigChanged is wrapped by the *RunIDError of a --run-id whose
// interrupted run was made under another config content: resuming it would
// mix two configs' verdicts (and fail_on) in one run.
var ErrConfigChanged = errors.New("the interrupted run was made under another config")

// RunIDError says why no run was started under RunID; its message says
// what to do. Err is ErrRunIDTaken or ErrRulesChanged.
type RunIDError struct {
	RunID string
	Err   error
	msg   string
}

func (e *RunIDError) Error() string { return e.msg }
func (e *RunIDError) Unwrap() error { return e.Err }
