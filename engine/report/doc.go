// Package report writes a stored run as JSON, CSV, text or HTML.
//
// JSON, CSV and text stream the results from the store, one per ledger row
// in line order, so a large run costs them no more memory than a small one.
// HTML is the exception: it holds every result in memory to render its one
// page (streaming it is left for later), which suits a person reading a
// run, not the nightly job.
//
// The JSON report's head is the stored run's own JSON (store.Run), so the
// report and the store describe a run with one type.
package report
