// Package engine is the nightly job: it streams the ledger, queries each
// row's provider through its plugin (with the account's concurrency, rate
// limit, timeouts and retries), lets the rules judge the answer, and stores
// every result. The report is written from the store (package report).
//
// The data path, top to bottom:
//
//	ledger.Reader -> validate -> account queue -> plugin Query (retries)
//	  -> rules.Judge -> store.Writer -> refunds pass -> totals
package engine
