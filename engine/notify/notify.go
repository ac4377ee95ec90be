// Package notify tells a webhook how a run went: a JSON summary (counts
// by verdict and severity, money at risk, the worst findings, where the
// report is) whose `text` field is a Slack-compatible message, so that
// the same hook serves a chat channel and a program. The structured
// fields carry the ledger's values as they are (JSON encodes them
// safely); the text escapes them, since a chat client reads it as markup.
//
// A notification is best effort: Send returns an error for the caller to
// log, and a night's exit status never depends on it.
package notify

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/internal/secreturl"
	"github.com/reconhq/recon/engine/summary"
	"github.com/reconhq/recon/internal/printable"
)

// Payload is the JSON body posted.
type Payload struct {
	// Text is the summary for people, in the form Slack's incoming
	// webhooks (and Mattermost's, and others) read.
	Text       string         `json:"text"`
	RunID      string         `json:"run_id"`
	Status     string         `json:"status"`
	ExitStatus int            `json:"exit_status"`
	Error      string         `json:"error,omitempty"`
	StartedAt  time.Time      `json:"started_at,omitzero"`
	FinishedAt time.Time      `json:"finished_at,omitzero"`
	Seconds    float64        `json:"duration_seconds"`
	FailOn     string         `json:"fail_on"`
	Findings   int            `json:"findings"`
	Verdicts   map[string]int `json:"verdicts"`   // the verdicts that occurred
	Severities map[string]int `json:"severities"` // info, warn, critical
	// MoneyAtRisk is the findings' ledger amounts per currency.
	MoneyAtRisk []summary.Money `json:"money_at_risk"`
	TopFindings []Finding       `json:"top_findings"`
	// MoreFindings counts the findings not in TopFindings.
	MoreFindings int    `json:"more_findings,omitempty"`
	Report       string `json:"report,omitempty"`
}

// Finding is one result at or above fail_on as the payload lists it.
type Finding struct {
	Line     int    `json:"line"`
	Account  string `json:"account"`
	OrderNo  string `json:"order_no"`
	Kind     string `json:"type"`
	RefundNo string `json:"refund_no,omitempty"`
	Verdict  string `json:"verdict"`
	Severity string `json:"severity"`
	Action   string `json:"action"`
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	Detail   string `json:"detail,omitempty"`
}

// Failed says whether the run did not complete: exit 1 (or anything but
// 0 and 3, the statuses of a run that judged every row).
func Failed(s *summary.Summary) bool {
	return !s.Completed() || s.ExitStatus != 0 && s.ExitStatus != 3
}

// Wanted says whether a run is to be notified under on (config.Notify.On).
func Wanted(on string, s *summary.Summary) bool {
	switch on {
	case config.NotifyAlways:
		return true
	case config.NotifyFailure:
		return Failed(s)
	default: // config.NotifyFindings
		return Failed(s) || s.Findings > 0
	}
}

// NewPayload is the body for s.
func NewPayload(s *summary.Summary) *Payload {
	p := &Payload{
		RunID: s.RunID, Status: string(s.Status), ExitStatus: s.ExitStatus, Error: s.Error,
		StartedAt: s.StartedAt, FinishedAt: s.FinishedAt, Seconds: s.Duration.Seconds(), FailOn: string(s.FailOn),
		Findings: s.Findings, Verdicts: map[string]int{}, Severities: map[string]int{},
		MoneyAtRisk: append([]summary.Money{}, s.AtRisk...), TopFindings: []Finding{},
		MoreFindings: s.Findings - len(s.Top), Report: s.Report,
	}
	for v, n := range s.Verdicts {
		if n > 0 {
			p.Verdicts[string(v)] = n
		}
	}
	for k, n := range s.Severities {
		p.Severities[string(k)] = n
	}
	for _, r := range s.Top {
		p.TopFindings = append(p.TopFindings, Finding{Line: r.Line, Account: r.Account, OrderNo: r.OrderNo,
			Kind: r.Kind.String(), RefundNo: r.RefundNo, Verdict: string(r.Verdict), Severity: string(r.Severity),
			Action: string(r.Action), Amount: r.Local.Amount, Currency: r.Local.Currency, Detail: r.Detail})
	}
	p.Text = text(s, p)
	return p
}

// text is the message for people: the outcome first, then the figures
// that say how bad it is, then what to look at. Every value in it goes
// through esc: it is Slack markup, where a ledger's order_no of
// "<!channel>" pings the channel, "<https://…|open>" is a disguised link
// and a line break forges a finding line.
func text(s *summary.Summary, p *Payload) string {
	var b strings.Builder
	switch {
	case Failed(s):
		fmt.Fprintf(&b, "recon run %s FAILED (exit %d, %s)", esc(s.RunID), s.ExitStatus, esc(string(s.Status)))
		if s.Error != "" {
			fmt.Fprintf(&b, ": %s", esc(s.Error))
		}
	case s.Findings > 0:
		fmt.Fprintf(&b, "recon run %s: %d %s at or above %s (exit %d)", esc(s.RunID), s.Findings, plural(s.Findings, "finding"),
			esc(string(s.FailOn)), s.ExitStatus)
	default:
		fmt.Fprintf(&b, "recon run %s: nothing at or above %s (exit %d)", esc(s.RunID), esc(string(s.FailOn)), s.ExitStatus)
	}
	fmt.Fprintf(&b, " in %s\n", s.Duration.Round(time.Second))
	fmt.Fprintf(&b, "severity: critical %d · warn %d · info %d\n", s.Severities[recon.SeverityCritical],
		s.Severities[recon.SeverityWarn], s.Severities[recon.SeverityInfo])
	if len(s.AtRisk) > 0 {
		parts := make([]string, len(s.AtRisk))
		for i, m := range s.AtRisk {
			parts[i] = esc(m.Currency) + " " + esc(m.Amount)
			if m.Overflow {
				parts[i] = "more than " + parts[i]
			}
		}
		fmt.Fprintf(&b, "money at risk: %s\n", strings.Join(parts, ", "))
	}
	if len(p.Verdicts) > 0 {
		names := make([]string, 0, len(p.Verdicts))
		for v := range p.Verdicts {
			names = append(names, v)
		}
		slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(p.Verdicts[b], p.Verdicts[a]), cmp.Compare(a, b)) })
		for i, v := range names {
			names[i] = fmt.Sprintf("%s %d", esc(v), p.Verdicts[v])
		}
		fmt.Fprintf(&b, "verdicts: %s\n", strings.Join(names, " · "))
	}
	for _, f := range p.TopFindings {
		ref := esc(f.OrderNo)
		if f.RefundNo != "" {
			ref += " refund " + esc(f.RefundNo)
		}
		fmt.Fprintf(&b, "• %s %s %s %s (line %d, %s %s)", esc(f.Severity), esc(f.Verdict), esc(f.Account), ref, f.Line,
			esc(f.Currency), esc(f.Amount))
		if f.Detail != "" {
			fmt.Fprintf(&b, ": %s", esc(f.Detail))
		}
		b.WriteByte('\n')
	}
	if p.MoreFindings > 0 {
		fmt.Fprintf(&b, "… and %d more\n", p.MoreFindings)
	}
	if s.Report != "" {
		fmt.Fprintf(&b, "report: %s\n", esc(s.Report))
	} else {
		fmt.Fprintf(&b, "report: recon report --run %s\n", esc(s.RunID))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// slackEscapes are the three characters Slack reads as markup in a
// message's text; escaped, they show as themselves.
var slackEscapes = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// esc is v as plain text in a Slack message: one line, every control
// character a visible escape (printable.Quote), and no markup.
func esc(v string) string { return slackEscapes.Replace(printable.Quote(v)) }

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// Error is a notification that did not get through. It names the
// webhook's host only: a chat webhook's path is its secret.
type Error struct {
	Host   string
	Status int // the HTTP status, 0 when there was no answer
	Err    error
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("notify %s: HTTP %d: %v", e.Host, e.Status, e.Err)
	}
	return fmt.Sprintf("notify %s: %v", e.Host, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Send posts s to the webhook of n, within n.Timeout. client nil is
// http.DefaultClient's transport with no timeout of its own (n.Timeout
// bounds the whole exchange).
func Send(ctx context.Context, n *config.Notify, s *summary.Summary, client *http.Client) error {
	host := "the webhook"
	if u, err := url.Parse(n.URL); err == nil && u.Host != "" {
		host = u.Host
	}
	if client == nil {
		client = &http.Client{}
	}
	body, err := json.Marshal(NewPayload(s))
	if err != nil {
		return &Error{Host: host, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(n.Timeout, config.DefaultNotifyTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.URL, bytes.NewReader(body))
	if err != nil {
		return &Error{Host: host, Err: secreturl.Error(err, n.URL)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "recon")
	for k, v := range n.Headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return &Error{Host: host, Err: secreturl.Error(err, n.URL)}
	}
	defer resp.Body.Close()
	// A few hundred bytes say why a hook refused; the rest is not read.
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	if resp.StatusCode/100 != 2 {
		return &Error{Host: host, Status: resp.StatusCode, Err: fmt.Errorf("refused: %q", strings.TrimSpace(string(msg)))}
	}
	return nil
}
