package report

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

// Formats a report can be written in.
var Formats = []string{"text", "json", "csv", "html"}

// Outputs are the reports one pass over a run's results writes at once;
// a nil writer is a report not asked for.
type Outputs struct {
	JSON io.Writer
	CSV  io.Writer
	HTML io.Writer
	// Text is the short human summary: the totals and the findings, at most
	// TextLimit of them (0: 50).
	Text      io.Writer
	TextLimit int
}

// sink is one report being written by the pass: its head, each result in
// line order, and its end with what the pass counted.
type sink interface {
	begin() error
	row(*recon.Result) error
	end(*Summary) error
}

// Render reads run's results from db once and writes every report out
// asks for, each streamed: memory does not grow with the rows. It returns
// the summary the pass counted (Findings is what the exit status needs),
// also when there were no outputs. failOn "" is the run's fail_on. A
// report cut short by an error is left as far as it got; the error names
// the stored line or the write that failed.
func Render(ctx context.Context, db *store.DB, run *store.Run, failOn recon.Severity, out Outputs) (*Summary, error) {
	if failOn == "" {
		failOn = run.FailOn
	}
	var sinks []sink
	var flush []*bufio.Writer
	buffered := func(w io.Writer) io.Writer {
		bw := bufio.NewWriterSize(w, 64<<10)
		flush = append(flush, bw)
		return bw
	}
	if out.JSON != nil {
		sinks = append(sinks, &jsonSink{w: buffered(out.JSON), run: run})
	}
	if out.CSV != nil {
		sinks = append(sinks, newCSVSink(buffered(out.CSV), run.ID))
	}
	if out.HTML != nil {
		sinks = append(sinks, newHTMLSink(buffered(out.HTML), run, failOn))
	}
	if out.Text != nil {
		limit := out.TextLimit
		if limit <= 0 {
			limit = 50
		}
		sinks = append(sinks, &textSink{w: buffered(out.Text), run: run, failOn: failOn, limit: limit})
	}
	sum := newSummary(failOn)
	err := func() error {
		for _, s := range sinks {
			if err := s.begin(); err != nil {
				return err
			}
		}
		n := 0
		err := db.Results(run.ID, func(r recon.Result) error {
			if n++; n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			sum.add(&r)
			for _, s := range sinks {
				if err := s.row(&r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, s := range sinks {
			if err := s.end(sum); err != nil {
				return err
			}
		}
		return nil
	}()
	// What was written before an error is flushed too: the text summary
	// shows the findings it read before a damaged line.
	for _, bw := range flush {
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
	}
	return sum, err
}

// Write writes run's report in format to w.
func Write(w io.Writer, db *store.DB, run *store.Run, format string, failOn recon.Severity) error {
	var out Outputs
	switch format {
	case "json":
		out.JSON = w
	case "csv":
		out.CSV = w
	case "text":
		out.Text = w
	case "html":
		out.HTML = w
	default:
		return fmt.Errorf("unknown report format %q (%s)", format, strings.Join(Formats, ", "))
	}
	_, err := Render(context.Background(), db, run, failOn, out)
	return err
}

// JSON writes the contract's JSON report.
func JSON(w io.Writer, db *store.DB, run *store.Run) error {
	_, err := Render(context.Background(), db, run, "", Outputs{JSON: w})
	return err
}

// CSV writes one row per result.
func CSV(w io.Writer, db *store.DB, run *store.Run) error {
	_, err := Render(context.Background(), db, run, "", Outputs{CSV: w})
	return err
}

// Text writes a short human summary: totals and the rows at or above
// failOn ("": the run's). At most limit rows are listed (0: 50).
func Text(w io.Writer, db *store.DB, run *store.Run, failOn recon.Severity, limit int) error {
	_, err := Render(context.Background(), db, run, failOn, Outputs{Text: w, TextLimit: limit})
	return err
}

// HTML writes the one-page report for a person, its findings at or above
// the run's fail_on first.
func HTML(w io.Writer, db *store.DB, run *store.Run) error {
	_, err := Render(context.Background(), db, run, "", Outputs{HTML: w})
	return err
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

// stamp is a time as the report shows it; "" for none.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}
