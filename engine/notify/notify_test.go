package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/summary"
	"github.com/reconhq/recon/store"
)

var night = time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)

func withFindings() *summary.Summary {
	return &summary.Summary{
		RunID: "20261201-0200-ab12", Status: store.StatusCompleted, ExitStatus: 3, StartedAt: night,
		FinishedAt: night.Add(95 * time.Second), Duration: 95 * time.Second, FailOn: recon.SeverityWarn,
		Verdicts:   map[recon.Verdict]int{recon.VerdictMatched: 40, recon.VerdictMissedPayment: 2, recon.VerdictAmountMismatch: 1, recon.VerdictNotFound: 0},
		Severities: map[recon.Severity]int{recon.SeverityInfo: 40, recon.SeverityWarn: 2, recon.SeverityCritical: 1},
		Findings:   3,
		AtRisk:     []summary.Money{{Currency: "CNY", Minor: 2468, Amount: "24.68"}, {Currency: "KRW", Minor: 5000, Amount: "5000"}},
		Top: []recon.Result{
			{Line: 4, Account: "shop-upay", OrderNo: "O4", Kind: recon.Payment, Verdict: recon.VerdictAmountMismatch,
				Severity: recon.SeverityCritical, Action: recon.ActionReview, Local: recon.Local{Amount: "12.34", Currency: "CNY"},
				Detail: "provider says 12.00"},
			{Line: 7, Account: "shop-upay", OrderNo: "O7", Kind: recon.Refund, RefundNo: "R7", Verdict: recon.VerdictMissedPayment,
				Severity: recon.SeverityWarn, Action: recon.ActionMarkPaid, Local: recon.Local{Amount: "12.34", Currency: "CNY"}},
		},
		Report: "/var/lib/recon/report.json",
	}
}

func outage() *summary.Summary {
	return &summary.Summary{RunID: "20261202-0200-cd34", Status: store.StatusFailed, ExitStatus: 1,
		Error: "no provider answered a single query", StartedAt: night, FinishedAt: night.Add(time.Minute),
		Duration: time.Minute, FailOn: recon.SeverityWarn, Verdicts: map[recon.Verdict]int{recon.VerdictError: 30},
		Severities: map[recon.Severity]int{recon.SeverityWarn: 30}}
}

func clean() *summary.Summary {
	return &summary.Summary{RunID: "r", Status: store.StatusCompleted, ExitStatus: 0, FailOn: recon.SeverityWarn,
		Verdicts: map[recon.Verdict]int{recon.VerdictMatched: 5}, Severities: map[recon.Severity]int{recon.SeverityInfo: 5}}
}

func TestWanted(t *testing.T) {
	for _, tt := range []struct {
		on                      string
		clean, findings, failed bool
	}{
		{config.NotifyFindings, false, true, true},
		{config.NotifyFailure, false, false, true},
		{config.NotifyAlways, true, true, true},
	} {
		if got := Wanted(tt.on, clean()); got != tt.clean {
			t.Errorf("on %s, a clean run: %v", tt.on, got)
		}
		if got := Wanted(tt.on, withFindings()); got != tt.findings {
			t.Errorf("on %s, a run with findings: %v", tt.on, got)
		}
		if got := Wanted(tt.on, outage()); got != tt.failed {
			t.Errorf("on %s, a failed run: %v", tt.on, got)
		}
	}
}

// hook is a real loopback webhook that keeps what it was sent.
type hook struct {
	*httptest.Server
	got chan *http.Request
	raw chan []byte
}

func newHook(t *testing.T, status int) *hook {
	h := &hook{got: make(chan *http.Request, 8), raw: make(chan []byte, 8)} // more than a test sends
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.got <- r
		h.raw <- b
		w.WriteHeader(status)
		io.WriteString(w, "no_team\n")
	}))
	t.Cleanup(h.Close)
	return h
}

func TestSendFindings(t *testing.T) {
	h := newHook(t, http.StatusOK)
	n := &config.Notify{URL: h.URL + "/services/T0/B1", On: config.NotifyFindings, Timeout: 5 * time.Second,
		Headers: map[string]string{"Authorization": "Bearer tok"}}
	if err := Send(context.Background(), n, withFindings(), nil); err != nil {
		t.Fatal(err)
	}
	r, raw := <-h.got, <-h.raw
	if r.Method != http.MethodPost || r.URL.Path != "/services/T0/B1" || r.Header.Get("Content-Type") != "application/json" ||
		r.Header.Get("Authorization") != "Bearer tok" {
		t.Errorf("%s %s content-type %q authorization %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Authorization"))
	}
	var p Payload
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if p.RunID != "20261201-0200-ab12" || p.ExitStatus != 3 || p.Findings != 3 || p.FailOn != "warn" || p.Seconds != 95 ||
		p.Report != "/var/lib/recon/report.json" || p.MoreFindings != 1 {
		t.Errorf("payload head %+v", p)
	}
	if len(p.Verdicts) != 3 || p.Verdicts["MISSED_PAYMENT"] != 2 || p.Severities["critical"] != 1 {
		t.Errorf("verdicts %v severities %v (verdicts with no rows are left out)", p.Verdicts, p.Severities)
	}
	// Money in minor units as an integer, and as a decimal string.
	if !strings.Contains(string(raw), `"money_at_risk":[{"currency":"CNY","minor_units":2468,"amount":"24.68"}`) {
		t.Errorf("money at risk as sent: %s", raw)
	}
	if len(p.TopFindings) != 2 || p.TopFindings[0].Verdict != "AMOUNT_MISMATCH" || p.TopFindings[1].RefundNo != "R7" {
		t.Errorf("top findings %+v", p.TopFindings)
	}
	for _, want := range []string{
		"recon run 20261201-0200-ab12: 3 findings at or above warn (exit 3) in 1m35s",
		"severity: critical 1 · warn 2 · info 40",
		"money at risk: CNY 24.68, KRW 5000",
		"verdicts: MATCHED 40 · MISSED_PAYMENT 2 · AMOUNT_MISMATCH 1",
		"• critical AMOUNT_MISMATCH shop-upay O4 (line 4, CNY 12.34): provider says 12.00",
		"• warn MISSED_PAYMENT shop-upay O7 refund R7 (line 7, CNY 12.34)",
		"… and 1 more",
		"report: /var/lib/recon/report.json",
	} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, p.Text)
		}
	}
}

func TestSendFailure(t *testing.T) {
	h := newHook(t, http.StatusOK)
	if err := Send(context.Background(), &config.Notify{URL: h.URL}, outage(), nil); err != nil {
		t.Fatal(err)
	}
	<-h.got
	var p Payload
	if err := json.Unmarshal(<-h.raw, &p); err != nil {
		t.Fatal(err)
	}
	want := "recon run 20261202-0200-cd34 FAILED (exit 1, failed): no provider answered a single query in 1m0s"
	if !strings.HasPrefix(p.Text, want) || p.Status != "failed" || p.Error == "" {
		t.Errorf("text %q status %q; want it to start %q", p.Text, p.Status, want)
	}
	if !strings.Contains(p.Text, "report: recon report --run 20261202-0200-cd34") {
		t.Errorf("without a report file the text says how to get one:\n%s", p.Text)
	}
	if p.TopFindings == nil || p.MoneyAtRisk == nil {
		t.Errorf("lists are [] in JSON, never null: %+v", p)
	}
}

func TestSendErrors(t *testing.T) {
	refusing := newHook(t, http.StatusForbidden)
	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hanging.Close)
	t.Cleanup(func() { close(release) }) // before Close: cleanups run last first
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	// The http client quotes the URL in its errors, with a password as
	// "***" but the rest as written: user info must not make the path
	// (a chat webhook's secret) slip through.
	withUser := func(base string) string { return strings.Replace(base, "://", "://hookuser:hookpass@", 1) }
	for _, tt := range []struct {
		name   string
		url    string
		status int
		is     error
	}{
		{"refused", refusing.URL, http.StatusForbidden, nil},
		{"hangs past the timeout", hanging.URL, 0, context.DeadlineExceeded},
		{"nobody listens", gone.URL, 0, nil},
	} {
		for _, form := range []struct{ name, url string }{
			{"", tt.url}, {" with user info", withUser(tt.url)}, {" with a user only", strings.Replace(tt.url, "://", "://hookuser@", 1)},
		} {
			t.Run(tt.name+form.name, func(t *testing.T) {
				u := form.url + "/services/T000/B000/XXXXSECRET?token=QSECRET"
				err := Send(context.Background(), &config.Notify{URL: u, Timeout: 200 * time.Millisecond}, withFindings(), nil)
				var ne *Error
				if !errors.As(err, &ne) || ne.Status != tt.status {
					t.Fatalf("err %v; want a *notify.Error with status %d", err, tt.status)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("err %v; want it to wrap %v", err, tt.is)
				}
				msg := err.Error()
				for _, secret := range []string{"SECRET", "T000", "hookuser", "hookpass"} {
					if strings.Contains(msg, secret) {
						t.Errorf("the error quotes the webhook's %s: %v", secret, err)
					}
				}
				if host := strings.TrimPrefix(tt.url, "http://"); !strings.Contains(msg, host) {
					t.Errorf("the error %q does not name the host %s", msg, host)
				}
				var ue *url.Error
				if errors.As(err, &ue) && strings.Contains(ue.URL, "SECRET") {
					t.Errorf("the *url.Error it wraps still holds the path: %s", ue.URL)
				}
			})
		}
	}
	select {
	case <-refusing.got:
	default:
		t.Error("the refusing hook was never asked")
	}
}

// The text field is a Slack message: a ledger value must not ping the
// channel, add a link or forge a finding line there. The structured
// fields are JSON, safe as they are, and keep the ledger's values.
func TestTextEscapesLedgerValues(t *testing.T) {
	const hostile = "O4 <!channel> <https://evil.example/login|open the report>\n• critical MATCHED shop-upay O1 (line 1, CNY 0.00): FAKE"
	s := withFindings()
	s.Top[0].OrderNo = hostile
	s.Top[0].Detail = "provider says 12.00 & <@U0123>\r\x1b[2J\u2028• forged"
	s.Top[0].Account = "shop\tupay"
	s.Top[1].RefundNo = "R7\u0085<!here>"
	s.Top[1].Verdict = "MISSED_PAYMENT\n• critical"
	s.Report = "/srv/<reports>/r&d.json"
	p := NewPayload(s)

	if p.TopFindings[0].OrderNo != hostile || p.TopFindings[0].Detail != s.Top[0].Detail || p.TopFindings[1].RefundNo != s.Top[1].RefundNo {
		t.Errorf("the structured findings changed the ledger's values: %+v", p.TopFindings)
	}
	if strings.ContainsAny(p.Text, "<>\r\t\x1b\u0085\u2028") {
		t.Errorf("the text keeps markup or a control character:\n%s", p.Text)
	}
	if n := strings.Count(p.Text, "&"); n != strings.Count(p.Text, "&amp;")+strings.Count(p.Text, "&lt;")+strings.Count(p.Text, "&gt;") {
		t.Errorf("an & in the text is not escaped:\n%s", p.Text)
	}
	lines := strings.Split(p.Text, "\n")
	// The head, severity, money, verdicts, the two findings, "and 1 more", the report.
	if len(lines) != 8 {
		t.Errorf("%d lines; want 8:\n%s", len(lines), p.Text)
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "• critical MATCHED") || strings.HasPrefix(l, "• critical (") || strings.HasPrefix(l, "• forged") {
			t.Errorf("a ledger value forged a line: %q", l)
		}
	}
	for _, want := range []string{
		`• critical AMOUNT_MISMATCH "shop\tupay" "O4 &lt;!channel&gt; &lt;https://evil.example/login|open the report&gt;\n• critical MATCHED`,
		`(line 4, CNY 12.34): "provider says 12.00 &amp; &lt;@U0123&gt;\r\x1b[2J\u2028• forged"`,
		`• warn "MISSED_PAYMENT\n• critical" shop-upay O7 refund "R7\u0085&lt;!here&gt;" (line 7`,
		"report: /srv/&lt;reports&gt;/r&amp;d.json",
	} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("text lacks %s:\n%s", want, p.Text)
		}
	}

	// A run's error carries a provider's words: the same holds there.
	f := outage()
	f.Error = "upay said <!channel>\nrecon run x: nothing at or above warn"
	ft := NewPayload(f).Text
	if strings.ContainsAny(ft, "<>") || !strings.HasPrefix(ft, `recon run 20261202-0200-cd34 FAILED (exit 1, failed): "upay said &lt;!channel&gt;\nrecon run x: nothing at or above warn" in 1m0s`) {
		t.Errorf("failure text:\n%s", ft)
	}
}
