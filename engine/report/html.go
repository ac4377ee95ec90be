package report

import (
	_ "embed"
	"encoding/json"
	"html/template"
	"io"
	"strconv"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/store"
)

// The HTML report is one self-contained file (no network: its content
// security policy forbids any) that a browser renders at 100k+ rows. The
// rows are not HTML: each is a compact JSON array in a data block, written
// as the pass reads them, and the page's script shows them a page at a
// time, findings first, with filters, search and sortable columns. The
// summary needs every row counted, so it is written after them, in a
// second data block, and the page shows it on top.
//
// Strings that repeat (accounts, verdicts, statuses, currencies) are
// written once, in a dictionary at the end, and the rows refer to them by
// number: a row of a large night is about 120 bytes.

//go:embed page.css
var pageCSS template.CSS

//go:embed page.js
var pageJS string

// maxDict bounds the dictionary; strings beyond it are written in full.
const maxDict = 4096

// The columns of a row array, as page.js reads them.
const (
	colLine = iota
	colAccount
	colOrder
	colKind
	colRefund
	colVerdict
	colSeverity
	colAction
	colLocalStatus
	colLocalAmount
	colCurrency
	colProviderStatus
	colRawStatus
	colProviderAmount
	colTradeNo
	colPaidAt
	colDetail
)

type htmlSink struct {
	w      io.Writer
	run    *store.Run
	failOn recon.Severity
	dict   map[string]int
	words  []string
	// digits are the minor digits of the rows' currencies: the page sums
	// the ledger amounts of the rows shown, and an amount with more
	// decimals than its currency has (an INVALID row's) is not summed, as
	// the summary's Money does not sum it.
	digits map[string]int
	buf    []byte
	first  bool
}

func newHTMLSink(w io.Writer, run *store.Run, failOn recon.Severity) *htmlSink {
	return &htmlSink{w: w, run: run, failOn: failOn, dict: map[string]int{}, digits: map[string]int{}, first: true}
}

var pageHead = template.Must(template.New("head").Funcs(template.FuncMap{"stamp": stamp}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>recon run {{.Run.ID}}</title>
<style>{{.CSS}}</style></head><body>
<header>
<h1>recon run <span class="id">{{.Run.ID}}</span> <span class="status s-{{.Run.Status}}">{{.Run.Status}}</span></h1>
<p class="meta">{{.Run.Command}}{{with .Run.ReplayOf}} of {{.}}{{end}} · ledger <b>{{.Run.Ledger.Path}}</b> ({{.Run.Ledger.Rows}} rows) · started {{stamp .Run.StartedAt}} · finished {{stamp .Run.FinishedAt}} · fail_on <b>{{.FailOn}}</b></p>
{{with .Run.Error}}<p class="error">error: {{.}}</p>{{end}}
</header>
<section id="summary" aria-label="summary"><noscript><p class="error">This report shows its rows with JavaScript, which is off; the JSON or CSV report has them too.</p></noscript></section>
<section id="results" aria-label="results">
<div class="filters">
<label>verdict <select id="f-verdict"></select></label>
<label>severity <select id="f-severity"></select></label>
<label>account <select id="f-account"></select></label>
<label>search <input id="f-search" type="search" placeholder="order, refund, trade no, detail"></label>
<button id="f-reset" type="button">reset</button>
</div>
<p id="shown" class="shown"></p>
<table id="rows"><thead><tr>
<th data-sort="line">line</th><th data-sort="account">account</th><th data-sort="order">order</th><th data-sort="verdict">verdict</th><th data-sort="severity">severity</th><th data-sort="action">action</th><th data-sort="ledger">ledger</th><th data-sort="amount">amount</th><th data-sort="provider">provider</th><th data-sort="detail">detail</th>
</tr></thead><tbody></tbody></table>
<nav id="pager"></nav>
<p id="collapsed" class="collapsed"></p>
</section>
<section id="run" aria-label="the run">
<h2>The run</h2>
<table class="kv">
<tr><th>run</th><td>{{.Run.ID}} ({{.Run.Command}}{{if .Run.Resumes}}, resumed {{.Run.Resumes}} times{{end}})</td></tr>
<tr><th>ledger</th><td>{{.Run.Ledger.Path}} · {{.Run.Ledger.Rows}} rows · sha256 <code>{{.Run.Ledger.SHA256}}</code></td></tr>
<tr><th>fail_on</th><td>{{.FailOn}}: rows at or above it are findings</td></tr>
<tr><th>rule set</th><td><code>{{.Run.RuleSet}}</code></td></tr>
{{range .Run.Rules}}<tr><th>rules</th><td>{{.File}} · sha256 <code>{{.SHA256}}</code></td></tr>
{{end}}{{range $name, $p := .Run.Accounts}}<tr><th>account</th><td>{{$name}}: {{$p.Provider}} {{$p.Version}}</td></tr>
{{end}}{{with .Run.Config}}<tr><th>config</th><td>{{.}}</td></tr>{{end}}
</table>
<table class="stats"><tr><th></th><th>rows</th><th>queried</th><th>answered</th><th>failed</th><th>reused</th><th>resumed</th><th>queries</th><th>retries</th><th>plugin restarts</th><th>seconds</th></tr>
{{with .Run.Stats}}<tr><th>run</th><td>{{.Rows}}</td><td>{{.Queried}}</td><td>{{.Answered}}</td><td>{{.Failed}}</td><td>{{.Reused}}</td><td>{{.Resumed}}</td><td>{{.Queries}}</td><td>{{.Retries}}</td><td>{{.Restarts}}</td><td>{{printf "%.1f" .Seconds}}</td></tr>{{end}}
{{range $name, $s := .Run.AccountStats}}<tr><th>{{$name}}</th><td>{{$s.Rows}}</td><td>{{$s.Queried}}</td><td>{{$s.Answered}}</td><td>{{$s.Failed}}</td><td>{{$s.Reused}}</td><td>{{$s.Resumed}}</td><td>{{$s.Queries}}</td><td>{{$s.Retries}}</td><td>{{$s.Restarts}}</td><td>{{printf "%.1f" $s.Seconds}}</td></tr>
{{end}}</table>
</section>
`))

func (s *htmlSink) begin() error {
	err := pageHead.Execute(s.w, struct {
		Run    *store.Run
		FailOn recon.Severity
		CSS    template.CSS
	}{head(s.run), s.failOn, pageCSS})
	if err != nil {
		return err
	}
	// Written raw: html/template would escape a data block's content as
	// script. The rows are JSON whose strings escape <, > and &.
	_, err = io.WriteString(s.w, `<script type="application/json" id="recon-rows">[`)
	return err
}

func (s *htmlSink) row(r *recon.Result) error {
	b := s.buf[:0]
	if !s.first {
		b = append(b, ",\n"...)
	}
	s.first = false
	p := r.Provider
	if p == nil {
		p = &recon.ProviderView{}
	}
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(r.Line), 10)
	b = s.word(b, r.Account)
	b = s.text(b, r.OrderNo)
	b = s.word(b, r.Kind.String())
	b = s.text(b, r.RefundNo)
	b = s.word(b, string(r.Verdict))
	b = s.word(b, string(r.Severity))
	b = s.word(b, string(r.Action))
	b = s.word(b, string(r.Local.Status))
	b = s.text(b, r.Local.Amount)
	b = s.word(b, r.Local.Currency)
	if c := r.Local.Currency; c != "" && len(s.digits) < maxKeys {
		if _, ok := s.digits[c]; !ok {
			if d, err := money.Digits(c); err == nil {
				s.digits[c] = d
			}
		}
	}
	b = s.word(b, string(p.Status))
	b = s.word(b, p.RawStatus)
	b = s.text(b, p.Amount)
	b = s.text(b, p.TradeNo)
	b = s.text(b, p.PaidAt)
	b = s.text(b, r.Detail)
	b = append(b, ']')
	s.buf = b
	_, err := s.w.Write(b)
	return err
}

// word appends a string that repeats from row to row: its number in the
// dictionary.
func (s *htmlSink) word(b []byte, v string) []byte {
	i, ok := s.dict[v]
	if !ok {
		if len(s.words) >= maxDict {
			return s.text(b, v)
		}
		i = len(s.words)
		s.dict[v] = i
		s.words = append(s.words, v)
	}
	b = append(b, ',')
	return strconv.AppendInt(b, int64(i), 10)
}

// text appends a string of its own row.
func (s *htmlSink) text(b []byte, v string) []byte {
	return appendString(append(b, ','), v)
}

func (s *htmlSink) end(sum *Summary) error {
	data, err := json.Marshal(struct {
		*Summary
		Dict   []string       `json:"dict"`
		Digits map[string]int `json:"digits"`
	}{sum, s.words, s.digits})
	if err != nil {
		return err
	}
	// json.Marshal escapes <, > and &: no string can close the block.
	if _, err := io.WriteString(s.w, "]</script>\n<script type=\"application/json\" id=\"recon-summary\">"); err != nil {
		return err
	}
	if _, err := s.w.Write(data); err != nil {
		return err
	}
	_, err = io.WriteString(s.w, "</script>\n<script>"+pageJS+"</script>\n</body></html>\n")
	return err
}
