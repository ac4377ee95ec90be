// Package engine is the nightly job: it streams the ledger, queries each
// row's provider through its plugin (with the account's concurrency, rate
// limit, timeouts and retries), lets the rules judge the answer, and stores
// every result. The report is written from the store (package report).
//
// The data path of a run, top to bottom:
//
//	ledger.Reader.Next (parsed, checked: recon.Row or *recon.RowError)
//	  -> dispatcher.read: INVALID, DUPLICATE, resumed, reused, or an account queue
//	  -> account.query: host.Plugin Query, retries, restarts, the breaker
//	  -> judge.answered: rules.Judge -> store.Record
//	  -> pipeline.pass: store.Writer
//	  -> pipeline.end: the refunds pass, then the status, totals and stored run
//
// A replay (Replay) takes the same pipeline with the stored answers of an
// earlier run in place of the ledger and the queries, so that unchanged
// rules reproduce every verdict.
//
// Errors that are the operator's to act on are typed: a *ledger.Error for a
// ledger that cannot be read, a *RunIDError (wrapping ErrRunIDTaken or
// ErrRulesChanged) for a run that cannot be started or resumed under its
// ID, ErrNoAnswers and ErrInterrupted; the store's are its own
// (store.ErrRunNotFound and the rest).
package engine
