// Package metrics tells Prometheus how a run went, the way a batch job
// does: pushed once at its end to a Pushgateway (Push), or written as a
// node_exporter textfile (WriteTextfile). Every metric is a gauge of the
// last run; recon_last_success_timestamp_seconds moves only when a run
// completed (with or without findings), so an alert on its age fires
// after a night that did not.
//
// The names, for dashboards and alerts (docs/operations.md lists them):
//
//	recon_run_results{verdict}                results by verdict, every contract verdict
//	recon_run_results_by_severity{severity}   results by severity: info, warn, critical
//	recon_run_findings                        results at or above fail_on
//	recon_run_money_at_risk_minor_units{currency}  the findings' ledger amounts
//	recon_run_rows                            ledger rows read
//	recon_run_exit_status                     the command's exit status (0, 1, 3)
//	recon_run_completed                       1 when every row got its result
//	recon_run_duration_seconds                start to finish
//	recon_run_finished_timestamp_seconds      when the run ended, whatever its end
//	recon_account_rows{account}               and _queries, _retries, _errors, _duration_seconds
//	recon_last_success_timestamp_seconds      when the last completed run ended
package metrics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/reconhq/recon/engine/internal/secreturl"
	"github.com/reconhq/recon/engine/outfile"
	"github.com/reconhq/recon/engine/summary"
	"github.com/reconhq/recon/store"
)

// Job is the Pushgateway job recon pushes under.
const Job = "recon"

// LastSuccess is the metric that moves only when a run completed.
const LastSuccess = "recon_last_success_timestamp_seconds"

// Grouping is the Pushgateway group of a run over accounts: the account
// set, so that nights over different accounts (shards) keep their own
// metrics and their own last success.
func Grouping(accounts []string) map[string]string {
	names := slices.Clone(accounts)
	slices.Sort(names)
	return map[string]string{"accounts": strings.Join(names, ",")}
}

// Registry holds the run's metrics, each with labels added (the textfile
// needs the grouping there; the Pushgateway adds it itself).
// lastSuccess, when not zero, is the last-success time to report for a run
// that did not complete (a textfile carries it over); a completed run's
// own end replaces it.
func Registry(s *summary.Summary, labels map[string]string, lastSuccess float64) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	gauge := func(name, help string) prometheus.Gauge {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels})
		reg.MustRegister(g)
		return g
	}
	vec := func(name, help, label string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels}, []string{label})
		reg.MustRegister(g)
		return g
	}
	verdicts := vec("recon_run_results", "Results of the last run by verdict.", "verdict")
	for v, n := range s.Verdicts {
		verdicts.WithLabelValues(string(v)).Set(float64(n))
	}
	sev := vec("recon_run_results_by_severity", "Results of the last run by severity.", "severity")
	for k, n := range s.Severities {
		sev.WithLabelValues(string(k)).Set(float64(n))
	}
	gauge("recon_run_findings", "Results of the last run at or above fail_on (they make the exit status 3).").Set(float64(s.Findings))
	risk := vec("recon_run_money_at_risk_minor_units", "Ledger amount of the last run's findings, in minor units of the currency.", "currency")
	for _, m := range s.AtRisk {
		risk.WithLabelValues(m.Currency).Set(float64(m.Minor))
	}
	gauge("recon_run_rows", "Ledger rows the last run read.").Set(float64(s.Stats.Rows))
	gauge("recon_run_exit_status", "Exit status of the last run: 0 clean, 3 findings, 1 could not complete.").Set(float64(s.ExitStatus))
	completed := 0.0
	if s.Completed() {
		completed = 1
	}
	gauge("recon_run_completed", "1 when the last run gave every ledger row its result, 0 otherwise.").Set(completed)
	gauge("recon_run_duration_seconds", "How long the last run took.").Set(s.Duration.Seconds())
	end := cmp.Or(s.FinishedAt, s.StartedAt.Add(s.Duration))
	gauge("recon_run_finished_timestamp_seconds", "When the last run ended, completed or not.").Set(unix(end))

	accounts := []struct {
		name, help string
		value      func(a store.RunStats) float64
	}{
		{"recon_account_rows", "Ledger rows of the account in the last run.", func(a store.RunStats) float64 { return float64(a.Rows) }},
		{"recon_account_queries", "Query attempts to the account's provider in the last run.", func(a store.RunStats) float64 { return float64(a.Queries) }},
		{"recon_account_retries", "Retried queries to the account's provider in the last run.", func(a store.RunStats) float64 { return float64(a.Retries) }},
		{"recon_account_errors", "Rows of the account whose provider could not be asked (they end as ERROR).", func(a store.RunStats) float64 { return float64(a.Failed) }},
		{"recon_account_duration_seconds", "From the account's first query to its last answer in the last run.", func(a store.RunStats) float64 { return a.Seconds }},
	}
	for _, m := range accounts {
		g := vec(m.name, m.help, "account")
		for name, st := range s.Accounts {
			g.WithLabelValues(name).Set(m.value(st))
		}
	}
	if s.Completed() {
		lastSuccess = unix(end)
	}
	if lastSuccess > 0 {
		gauge(LastSuccess, "When the last run that completed (with or without findings) ended.").Set(lastSuccess)
	}
	return reg
}

func unix(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

// Error is a failure to hand the metrics over; Target names the
// Pushgateway (without credentials or path secrets) or the file.
type Error struct {
	Target string
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("metrics to %s: %v", e.Target, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Push adds the run's metrics to the Pushgateway at gateway under job
// recon and grouping, with POST semantics (push's Add): the metrics of
// the run replace those of the same names in the group, and the others
// stay. A run that did not complete sends no last-success metric, so the
// one of the last completed run stays. client nil is a client with a 10 s
// timeout.
func Push(ctx context.Context, gateway string, s *summary.Summary, grouping map[string]string, client *http.Client) error {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	p := push.New(gateway, Job).Gatherer(Registry(s, nil, 0)).Client(client)
	keys := make([]string, 0, len(grouping))
	for k := range grouping {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p = p.Grouping(k, grouping[k])
	}
	if err := p.AddContext(ctx); err != nil {
		return &Error{Target: cmp.Or(secreturl.Redact(gateway), "the Pushgateway"), Err: secreturl.Error(err, gateway)}
	}
	return nil
}

// WriteTextfile writes the run's metrics to path for node_exporter's
// textfile collector, whole or not at all (outfile), with labels on every
// metric. A run that did not complete
// keeps the last-success time the file had.
func WriteTextfile(path string, s *summary.Summary, labels map[string]string) error {
	last := 0.0
	if !s.Completed() {
		var err error
		if last, err = readLastSuccess(path); err != nil {
			return &Error{Target: path, Err: err}
		}
	}
	mfs, err := Registry(s, labels, last).Gather()
	if err != nil {
		return &Error{Target: path, Err: err}
	}
	// As recon writes every output (outfile), not by client_golang's
	// WriteToTextfile, whose rename replaced a link or /dev/null with a
	// file. 0644: node_exporter, another user, reads it.
	f, err := outfile.Create(path, 0o644)
	if err != nil {
		return &Error{Target: path, Err: err}
	}
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(f, mf); err != nil {
			f.Abort()
			return &Error{Target: path, Err: fmt.Errorf("%w (%w)", err, f.NotWritten())}
		}
	}
	if err := f.Commit(); err != nil {
		return &Error{Target: path, Err: err}
	}
	return nil
}

// readLastSuccess is the last-success time in a textfile written before;
// 0 when there is no file or no such metric. A file that does not parse
// is an error: overwriting it would lose the marker silently.
func readLastSuccess(path string) (float64, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fams, err := parseText(f)
	if err != nil {
		return 0, fmt.Errorf("the file there does not read as metrics (%v): move it away", err)
	}
	fam := fams[LastSuccess]
	if fam == nil || len(fam.GetMetric()) == 0 {
		return 0, nil
	}
	return gaugeValue(fam.GetMetric()[0]), nil
}

func gaugeValue(m *dto.Metric) float64 {
	if g := m.GetGauge(); g != nil {
		return g.GetValue()
	}
	if u := m.GetUntyped(); u != nil {
		return u.GetValue()
	}
	return 0
}

// parseText reads the Prometheus text format.
func parseText(r io.Reader) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(r)
}
