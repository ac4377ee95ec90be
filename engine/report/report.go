package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

// Formats a report can be written in.
var Formats = []string{"text", "json", "csv", "html"}

// Write writes run's report in format to w.
func Write(w io.Writer, db *store.DB, run *store.Run, format string, failOn recon.Severity) error {
	bw := bufio.NewWriter(w)
	var err error
	switch format {
	case "json":
		err = JSON(bw, db, run)
	case "csv":
		err = CSV(bw, db, run)
	case "text":
		err = Text(bw, db, run, failOn, 0)
	case "html":
		err = HTML(bw, db, run)
	default:
		return fmt.Errorf("unknown report format %q (%s)", format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// head is the run as the report shows it: the stored run (its JSON is the
// report's head, field for field), with times to the second as the
// contract shows them, and without the process that ran it, which means
// nothing once the run is over.
func head(run *store.Run) *store.Run {
	h := *run
	h.StartedAt = run.StartedAt.Truncate(time.Second)
	h.FinishedAt = run.FinishedAt.Truncate(time.Second)
	h.PID, h.Host = 0, ""
	if h.Totals == nil {
		h.Totals = map[recon.Verdict]int{}
	}
	return &h
}

// JSON writes the contract's JSON report.
func JSON(w io.Writer, db *store.DB, run *store.Run) error {
	h, err := json.MarshalIndent(head(run), "", "  ")
	if err != nil {
		return err
	}
	// The head object, reopened to stream the results into it.
	h = h[:len(h)-2]
	if _, err := fmt.Fprintf(w, "%s,\n  \"results\": [", h); err != nil {
		return err
	}
	first := true
	err = db.Results(run.ID, func(r recon.Result) error {
		b, err := json.MarshalIndent(r, "    ", "  ")
		if err != nil {
			return err
		}
		sep := ",\n    "
		if first {
			sep, first = "\n    ", false
		}
		_, err = fmt.Fprintf(w, "%s%s", sep, b)
		return err
	})
	if err != nil {
		return err
	}
	end := "\n  ]\n}\n"
	if first {
		end = "]\n}\n"
	}
	_, err = io.WriteString(w, end)
	return err
}

// CSVHeader is the CSV report's header row: the JSON result flattened.
var CSVHeader = []string{"account", "order_no", "type", "refund_no", "line", "verdict", "severity", "action",
	"local_status", "local_amount", "local_currency", "provider_status", "provider_raw_status",
	"provider_sub_status", "provider_amount", "provider_received", "provider_refunded", "provider_refund_amount",
	"provider_trade_no", "provider_paid_at", "provider_refunded_at", "provider_verified", "detail", "rule_set",
	"attempts", "run_id"}

// CSV writes one row per result.
func CSV(w io.Writer, db *store.DB, run *store.Run) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	err := db.Results(run.ID, func(r recon.Result) error {
		p := r.Provider
		if p == nil {
			p = &recon.ProviderView{}
		}
		verified := ""
		if r.Provider != nil {
			verified = strconv.FormatBool(p.Verified)
		}
		return cw.Write([]string{r.Account, r.OrderNo, r.Kind.String(), r.RefundNo, strconv.Itoa(r.Line), string(r.Verdict),
			string(r.Severity), string(r.Action), string(r.Local.Status), r.Local.Amount, r.Local.Currency, string(p.Status), p.RawStatus,
			p.SubStatus, p.Amount, p.Received, p.Refunded, p.RefundAmount, p.TradeNo, p.PaidAt, p.RefundedAt,
			verified, r.Detail, r.RuleSet, strconv.Itoa(r.Attempts), run.ID})
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// Text writes a short human summary: totals and the rows at or above
// failOn. At most limit rows are listed (0: 50).
func Text(w io.Writer, db *store.DB, run *store.Run, failOn recon.Severity, limit int) error {
	if limit <= 0 {
		limit = 50
	}
	fmt.Fprintf(w, "run %s  %s  ledger %s (%d rows)\n", run.ID, run.Status, run.Ledger.Path, run.Ledger.Rows)
	if run.Error != "" {
		fmt.Fprintf(w, "error: %s\n", run.Error)
	}
	names := make([]recon.Verdict, 0, len(run.Totals))
	for k := range run.Totals {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		return run.Totals[names[i]] > run.Totals[names[j]] || run.Totals[names[i]] == run.Totals[names[j]] && names[i] < names[j]
	})
	for _, n := range names {
		fmt.Fprintf(w, "  %-20s %d\n", n, run.Totals[n])
	}
	if failOn == "" {
		failOn = run.FailOn
	}
	listed, more := 0, 0
	err := db.Results(run.ID, func(r recon.Result) error {
		if !r.Severity.AtLeast(failOn) {
			return nil
		}
		if listed == 0 {
			fmt.Fprintf(w, "needs a person (severity >= %s):\n", failOn)
		}
		if listed >= limit {
			more++
			return nil
		}
		listed++
		ref := r.OrderNo
		if r.RefundNo != "" {
			ref += " refund " + r.RefundNo
		}
		fmt.Fprintf(w, "  line %-6d %-14s %-32s %-18s %-8s %-11s %s\n", r.Line, r.Account, ref, r.Verdict,
			r.Severity, r.Action, r.Detail)
		return nil
	})
	if more > 0 {
		fmt.Fprintf(w, "  ... and %d more (see the full report)\n", more)
	}
	if listed == 0 && err == nil {
		fmt.Fprintf(w, "nothing needs a person (severity >= %s)\n", failOn)
	}
	return err
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{"stamp": stamp}).Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>recon run {{.Head.ID}}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;font-size:90%}
tr.critical{background:#fdd}tr.warn{background:#ffd}</style></head><body>
<h1>recon run {{.Head.ID}}</h1>
<p>{{.Head.Status}} · ledger {{.Head.Ledger.Path}} ({{.Head.Ledger.Rows}} rows) · started {{stamp .Head.StartedAt}} · finished {{stamp .Head.FinishedAt}}</p>
<table><tr><th>verdict</th><th>rows</th></tr>{{range $k, $v := .Head.Totals}}<tr><td>{{$k}}</td><td>{{$v}}</td></tr>{{end}}</table>
<h2>Results</h2><table><tr><th>line</th><th>account</th><th>order</th><th>type</th><th>refund</th><th>verdict</th><th>severity</th><th>action</th><th>ledger</th><th>provider</th><th>detail</th></tr>
{{range .Results}}<tr class="{{.Severity}}"><td>{{.Line}}</td><td>{{.Account}}</td><td>{{.OrderNo}}</td><td>{{.Kind}}</td><td>{{.RefundNo}}</td><td>{{.Verdict}}</td><td>{{.Severity}}</td><td>{{.Action}}</td><td>{{.Local.Status}} {{.Local.Amount}} {{.Local.Currency}}</td><td>{{with .Provider}}{{.Status}} ({{.RawStatus}}) {{.Amount}}{{end}}</td><td>{{.Detail}}</td></tr>
{{end}}</table></body></html>
`))

// stamp is a time as the report shows it; "" for none.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// HTML writes a one-page report. Unlike the other formats it holds every
// result in memory (the template renders them at once), so it is for a
// person to read, not for the nightly job's large runs.
func HTML(w io.Writer, db *store.DB, run *store.Run) error {
	var results []recon.Result
	if err := db.Results(run.ID, func(r recon.Result) error {
		results = append(results, r)
		return nil
	}); err != nil {
		return err
	}
	return page.Execute(w, struct {
		Head    *store.Run
		Results []recon.Result
	}{head(run), results})
}
