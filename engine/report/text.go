package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/internal/printable"
	"github.com/reconhq/recon/store"
)

// textSink writes a short human summary: the run's totals, then the
// findings, at most limit of them. It is read on a terminal, so every
// value from the ledger, a provider or the run's error goes through
// printable.Quote: an escape sequence or a line break in an order number
// must not clear the screen or forge a line. (The JSON and CSV reports
// keep the values as they are; their encodings are safe.)
type textSink struct {
	w            io.Writer
	run          *store.Run
	failOn       recon.Severity
	limit        int
	listed, more int
}

func (s *textSink) begin() error {
	run := s.run
	fmt.Fprintf(s.w, "run %s  %s  ledger %s (%d rows)\n", printable.Quote(run.ID), run.Status,
		printable.Quote(run.Ledger.Path), run.Ledger.Rows)
	// An error of several lines (a joined error, a hint) keeps its lines,
	// each quoted and indented under "error:", where no row of the
	// summary is.
	if run.Error != "" {
		for i, line := range strings.Split(run.Error, "\n") {
			lead := "error: "
			if i > 0 {
				lead = "       "
			}
			fmt.Fprintf(s.w, "%s%s\n", lead, printable.Quote(line))
		}
	}
	names := make([]recon.Verdict, 0, len(run.Totals))
	for k := range run.Totals {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		return run.Totals[names[i]] > run.Totals[names[j]] || run.Totals[names[i]] == run.Totals[names[j]] && names[i] < names[j]
	})
	for _, n := range names {
		if _, err := fmt.Fprintf(s.w, "  %-20s %d\n", printable.Quote(string(n)), run.Totals[n]); err != nil {
			return err
		}
	}
	return nil
}

func (s *textSink) row(r *recon.Result) error {
	if !r.Severity.AtLeast(s.failOn) {
		return nil
	}
	if s.listed == 0 {
		fmt.Fprintf(s.w, "needs a person (severity >= %s):\n", s.failOn)
	}
	if s.listed >= s.limit {
		s.more++
		return nil
	}
	s.listed++
	q := printable.Quote
	ref := q(r.OrderNo)
	if r.RefundNo != "" {
		ref += " refund " + q(r.RefundNo)
	}
	_, err := fmt.Fprintf(s.w, "  line %-6s %-14s %-32s %-18s %-8s %-11s %s\n", q(r.Where()), q(r.Account), ref,
		q(string(r.Verdict)), q(string(r.Severity)), q(string(r.Action)), q(r.Detail))
	return err
}

func (s *textSink) end(*Summary) error {
	var err error
	if s.more > 0 {
		_, err = fmt.Fprintf(s.w, "  ... and %d more (see the full report)\n", s.more)
	}
	if s.listed == 0 {
		_, err = fmt.Fprintf(s.w, "nothing needs a person (severity >= %s)\n", s.failOn)
	}
	return err
}
