// Package report writes a stored run as JSON, CSV, text or HTML.
//
// Every format streams: Render reads the run's results from the store once,
// in line order, and writes each report asked for as it goes, so that
// `recon run --report r.json --csv r.csv` reads the results once and a
// night of a million rows costs no more memory than one of a hundred. The
// same pass counts the Summary (rows by verdict, severity and account, the
// findings at or above fail_on, the money at risk per currency) that the
// exit status and the HTML report use.
//
// The JSON report's head is the stored run's own JSON (store.Run), so the
// report and the store describe a run with one type. The HTML report is
// one self-contained page; html.go says how it stays small and fast.
package report
