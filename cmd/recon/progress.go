package main

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/reconhq/recon/engine"
)

// The progress of a run as the operator sees it: on a terminal, a live
// bar per account; anywhere else (a pipe, a log file, JSON logs), log lines
// with the same figures every ProgressEvery.

// How often the engine reports progress: a live display redraws often, a
// log gets a line per account now and then.
const (
	barsEvery = 250 * time.Millisecond
	logsEvery = 30 * time.Second
)

// progressView shows the engine's snapshots. update is called from one
// goroutine; close once, after the run, before the summary is printed.
type progressView interface {
	update(engine.Progress)
	close()
}

// figures are one account's numbers as both views show them.
type figures struct {
	done, total, errors int
	percent             float64
	rate                float64       // results per second
	eta                 time.Duration // -1 when there is no rate to tell
}

func figuresOf(a engine.AccountProgress) figures {
	f := figures{done: a.Done, total: a.Total, errors: a.Failed, rate: a.Rate, eta: -1}
	if a.Total > 0 {
		f.percent = 100 * float64(a.Done) / float64(a.Total)
	}
	if left := a.Total - a.Done; left <= 0 {
		f.eta = 0
	} else if a.Rate > 0 {
		f.eta = time.Duration(math.Ceil(float64(left)/a.Rate)) * time.Second
	}
	return f
}

func (f figures) etaText() string {
	if f.eta < 0 {
		return "?"
	}
	return f.eta.Round(time.Second).String()
}

// logProgress writes a line per account for each snapshot.
type logProgress struct {
	log *slog.Logger
}

func (l *logProgress) update(p engine.Progress) {
	for _, a := range p.Accounts {
		f := figuresOf(a)
		// While the ledger is still read the totals grow: the percentage
		// and the ETA are of the rows read so far (reading=true says so).
		l.log.Info("progress", "run_id", p.RunID, "account", a.Name, "done", f.done, "total", f.total,
			"percent", fmt.Sprintf("%.1f", f.percent), "rate", fmt.Sprintf("%.1f/s", f.rate), "eta", f.etaText(),
			"errors", f.errors, "queries", a.Queries, "retries", a.Retries, "reading", p.Reading,
			"elapsed", p.Elapsed.Round(time.Second).String())
	}
}

func (l *logProgress) close() {}

// barProgress is the live display: mpb bars, one per account, added as
// the accounts appear in the ledger.
type barProgress struct {
	p *mpb.Progress
	// mu guards last, which the bars' decorators read while they draw.
	mu   sync.Mutex
	last map[string]engine.AccountProgress
	bars map[string]*mpb.Bar
	// order is the accounts in the order their bars were added.
	order   []string
	reading bool
}

// newBarProgress draws on w; opts are mpb's (tests force a refresh mode).
func newBarProgress(w io.Writer, opts ...mpb.ContainerOption) *barProgress {
	opts = append([]mpb.ContainerOption{mpb.WithOutput(w), mpb.WithWidth(32)}, opts...)
	return &barProgress{p: mpb.New(opts...), last: map[string]engine.AccountProgress{}, bars: map[string]*mpb.Bar{}}
}

func (b *barProgress) update(p engine.Progress) {
	b.mu.Lock()
	b.reading = p.Reading
	for _, a := range p.Accounts {
		b.last[a.Name] = a
	}
	b.mu.Unlock()
	for _, a := range p.Accounts {
		bar := b.bars[a.Name]
		if bar == nil {
			bar = b.addBar(a.Name)
		}
		if !p.Reading && a.Done >= a.Total {
			bar.SetTotal(int64(a.Total), true)
			continue
		}
		bar.SetTotal(int64(a.Total), false)
		bar.SetCurrent(int64(a.Done))
	}
}

func (b *barProgress) addBar(name string) *mpb.Bar {
	// Total 0 leaves the bar open until SetTotal(n, true): the account's
	// total grows while the ledger is read, and done == total so far is
	// not the end.
	bar := b.p.AddBar(0,
		mpb.PrependDecorators(
			decor.Name(name, decor.WCSyncWidthR),
			decor.CountersNoUnit(" %d / %d", decor.WCSyncWidth),
		),
		mpb.AppendDecorators(
			decor.Percentage(decor.WCSyncSpace),
			decor.Any(func(decor.Statistics) string { return b.tail(name) }, decor.WCSyncSpace),
		),
	)
	b.bars[name] = bar
	b.order = append(b.order, name)
	return bar
}

// tail is what follows an account's bar: rate, ETA, errors.
func (b *barProgress) tail(name string) string {
	b.mu.Lock()
	a, reading := b.last[name], b.reading
	b.mu.Unlock()
	f := figuresOf(a)
	eta := "eta " + f.etaText()
	if reading {
		eta += "+" // more rows may come
	}
	return fmt.Sprintf("%6.1f/s  %-10s  errors %d", f.rate, eta, f.errors)
}

// close ends the display: bars of accounts that finished are complete,
// the others (an interrupted run) stay as they were, and the container
// has drawn its last frame before the summary is printed.
func (b *barProgress) close() {
	for _, name := range b.order {
		bar := b.bars[name]
		if !bar.Completed() {
			bar.Abort(false)
		}
	}
	b.p.Wait()
}

// isTerminal says whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
