// Package summary condenses a finished (or stopped) run into what metrics
// and alerts tell about it: counts by verdict and severity, the findings
// (results at or above fail_on), the money at risk per currency, the
// worst findings, and the command's exit status.
//
// It reads the stored run and its results once; it never queries a
// provider and never changes the store.
package summary

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/report"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/store"
)

// Summary is one run as metrics and alerts report it.
type Summary struct {
	RunID      string
	Status     store.Status
	Error      string
	ExitStatus int // the command's exit status (the contract's 0, 1, 2, 3)
	StartedAt  time.Time
	FinishedAt time.Time // zero when the run did not finish
	// Duration is from start to finish (or to when the summary was made,
	// for a run that did not finish).
	Duration time.Duration
	FailOn   recon.Severity
	// Verdicts counts every result by verdict, every contract verdict
	// present (zero or not), so that a series never vanishes.
	Verdicts map[recon.Verdict]int
	// Severities counts every result by severity: info, warn, critical.
	Severities map[recon.Severity]int
	// Findings counts the results at or above FailOn: those that make the
	// exit status 3.
	Findings int
	// AtRisk is the ledger amount of the findings, per currency, in
	// currency order.
	AtRisk []Money
	// Top is the worst findings: most severe first, then in ledger order.
	Top      []recon.Result
	Stats    store.RunStats
	Accounts map[string]store.RunStats
	// Report is where the run's report was written ("" when none was).
	Report string
}

// Completed says whether every ledger row got its result: a run with
// findings completed too. Only such a run may set a last-success marker.
func (s *Summary) Completed() bool { return s.Status == store.StatusCompleted }

// Money is an amount in one currency: integer minor units, and the same
// as an exact decimal in major units for people.
type Money struct {
	Currency string `json:"currency"`
	Minor    int64  `json:"minor_units"`
	Amount   string `json:"amount"`
	// Overflow is true when the sum passed what an int64 holds: Minor is
	// then the largest int64 and a lower bound.
	Overflow bool `json:"overflow,omitempty"`
}

// Options says what Build cannot read from the store.
type Options struct {
	ExitStatus int
	Report     string
	// FailOn is the threshold of a finding ("" is the run's own).
	FailOn recon.Severity
	// Top is how many findings to keep (0: 10).
	Top int
	// Now stands in for time.Now (tests).
	Now func() time.Time
}

// Build summarises run from its record and its results in db.
func Build(db *store.DB, run *store.Run, opt Options) (*Summary, error) {
	top := cmp.Or(opt.Top, 10)
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	s := &Summary{
		RunID: run.ID, Status: run.Status, Error: run.Error, ExitStatus: opt.ExitStatus,
		StartedAt: run.StartedAt, FinishedAt: run.FinishedAt, FailOn: cmp.Or(opt.FailOn, run.FailOn),
		Verdicts: map[recon.Verdict]int{}, Severities: map[recon.Severity]int{},
		Stats: run.Stats, Accounts: run.AccountStats, Report: opt.Report,
	}
	end := s.FinishedAt
	if end.IsZero() {
		end = now()
	}
	if !s.StartedAt.IsZero() && end.After(s.StartedAt) {
		s.Duration = end.Sub(s.StartedAt)
	}
	for _, v := range recon.ContractVerdicts() {
		s.Verdicts[v] = 0
	}
	for _, sev := range []recon.Severity{recon.SeverityInfo, recon.SeverityWarn, recon.SeverityCritical} {
		s.Severities[sev] = 0
	}
	var risk report.Money // the report's sums, by the report's rule
	err := db.Results(run.ID, func(r recon.Result) error {
		s.Verdicts[r.Verdict]++
		if r.Severity.Valid() {
			s.Severities[r.Severity]++
		}
		if !r.Severity.AtLeast(s.FailOn) {
			return nil
		}
		s.Findings++
		risk.Add(r.Local.Currency, r.Local.Amount)
		s.Top = keepWorst(s.Top, r, top)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("summary of run %s: %w", run.ID, err)
	}
	for _, c := range risk.Currencies() { // in order
		minor, digits, overflow := risk.Minor(c)
		s.AtRisk = append(s.AtRisk, Money{Currency: c, Minor: minor, Amount: money.Format(minor, digits), Overflow: overflow})
	}
	return s, nil
}

// worse orders findings: most severe first, then by account and line.
func worse(a, b recon.Result) int {
	return cmp.Or(cmp.Compare(b.Severity.Rank(), a.Severity.Rank()), cmp.Compare(a.Account, b.Account),
		cmp.Compare(a.Line, b.Line))
}

// keepWorst inserts r into the sorted list of at most n worst findings.
func keepWorst(list []recon.Result, r recon.Result, n int) []recon.Result {
	i, _ := slices.BinarySearchFunc(list, r, worse)
	if i >= n {
		return list
	}
	list = slices.Insert(list, i, r)
	if len(list) > n {
		list = list[:n]
	}
	return list
}
