package main

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vbauerster/mpb/v8"

	"github.com/reconhq/recon/engine"
)

// snapshots are a run of two accounts as the engine reports it: the
// ledger read while upay goes, then paypro catching up, then the end.
func snapshots() []engine.Progress {
	return []engine.Progress{
		{RunID: "r1", Reading: true, RowsRead: 60, Elapsed: 2 * time.Second, Accounts: []engine.AccountProgress{
			{Name: "shop-paypro", Total: 10, Done: 0},
			{Name: "shop-upay", Total: 50, Done: 20, Failed: 1, Queries: 22, Retries: 2, Rate: 10},
		}},
		{RunID: "r1", RowsRead: 110, Elapsed: 6 * time.Second, Accounts: []engine.AccountProgress{
			{Name: "shop-paypro", Total: 10, Done: 4, Queries: 4, Rate: 2},
			{Name: "shop-upay", Total: 100, Done: 40, Failed: 2, Queries: 44, Retries: 4, Rate: 5},
		}},
		{RunID: "r1", RowsRead: 110, Elapsed: 26 * time.Second, Accounts: []engine.AccountProgress{
			{Name: "shop-paypro", Total: 10, Done: 10, Queries: 10, Rate: 1.5},
			{Name: "shop-upay", Total: 100, Done: 100, Failed: 3, Queries: 110, Retries: 9, Rate: 4.2},
		}},
	}
}

func TestFigures(t *testing.T) {
	for _, tt := range []struct {
		a       engine.AccountProgress
		percent float64
		eta     string
	}{
		{engine.AccountProgress{Total: 100, Done: 40, Rate: 5}, 40, "12s"},
		{engine.AccountProgress{Total: 100, Done: 99, Rate: 3}, 99, "1s"}, // rounded up: never "0s" with rows left
		{engine.AccountProgress{Total: 10, Done: 0}, 0, "?"},              // no rate yet
		{engine.AccountProgress{Total: 10, Done: 10, Rate: 1}, 100, "0s"},
		{engine.AccountProgress{}, 0, "0s"},
	} {
		f := figuresOf(tt.a)
		if f.percent != tt.percent || f.etaText() != tt.eta {
			t.Errorf("%+v: percent %v eta %s; want %v %s", tt.a, f.percent, f.etaText(), tt.percent, tt.eta)
		}
	}
}

func TestProgressLogLines(t *testing.T) {
	var buf bytes.Buffer
	v := &logProgress{log: slog.New(slog.NewTextHandler(&buf, nil))}
	for _, p := range snapshots()[:2] {
		v.update(p)
	}
	v.close()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines; want one per account per snapshot:\n%s", len(lines), buf.String())
	}
	for i, want := range []string{
		"msg=progress run_id=r1 account=shop-paypro done=0 total=10 percent=0.0 rate=0.0/s eta=? errors=0 queries=0 retries=0 reading=true elapsed=2s",
		"msg=progress run_id=r1 account=shop-upay done=20 total=50 percent=40.0 rate=10.0/s eta=3s errors=1 queries=22 retries=2 reading=true elapsed=2s",
		"msg=progress run_id=r1 account=shop-paypro done=4 total=10 percent=40.0 rate=2.0/s eta=3s errors=0 queries=4 retries=0 reading=false elapsed=6s",
		"msg=progress run_id=r1 account=shop-upay done=40 total=100 percent=40.0 rate=5.0/s eta=12s errors=2 queries=44 retries=4 reading=false elapsed=6s",
	} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d:\n%s\nwant it to hold\n%s", i, lines[i], want)
		}
	}
}

// ansi strips the terminal's control sequences from mpb's frames.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// lockedBuffer is a buffer mpb's goroutine writes while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is all that was written and not taken yet.
func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// take returns what was written since the last take, control sequences
// stripped.
func (b *lockedBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := ansi.ReplaceAllString(b.buf.String(), "")
	b.buf.Reset()
	return out
}

// TestProgressBars drives the live display with snapshots and reads the
// frames it drew: mpb draws on any writer when it is told to refresh.
func TestProgressBars(t *testing.T) {
	var buf lockedBuffer
	refresh := make(chan any)
	bars := newBarProgress(&buf, mpb.WithManualRefresh(refresh), mpb.WithWidth(100))
	// frame draws until a frame shows every figure wanted (the bars take
	// their figures on their own goroutines), and fails after 500 draws.
	frame := func(name string, want ...string) {
		t.Helper()
		var seen strings.Builder
		for range 500 {
			refresh <- time.Now()
			seen.WriteString(buf.take())
			all := true
			for _, w := range want {
				all = all && strings.Contains(seen.String(), w)
			}
			if all {
				return
			}
			time.Sleep(time.Millisecond)
		}
		t.Errorf("%s: no frame shows all of %q:\n%s", name, want, seen.String())
	}
	snaps := snapshots()
	bars.update(snaps[0])
	frame("first", "shop-paypro", "0 / 10", "shop-upay", "20 / 50", "40 %", "10.0/s", "eta 3s+", "errors 1")
	bars.update(snaps[1])
	frame("second", "40 / 100", "5.0/s", "eta 12s ", "errors 2", "4 / 10")
	bars.update(snaps[2])
	bars.close()
	last := buf.take()
	for _, want := range []string{"100 / 100", "10 / 10", "100 %", "errors 3"} {
		if !strings.Contains(last, want) {
			t.Errorf("last frame lacks %q:\n%s", want, last)
		}
	}
	for _, name := range []string{"shop-paypro", "shop-upay"} {
		if !bars.bars[name].Completed() {
			t.Errorf("%s's bar is not complete after the last snapshot", name)
		}
	}
}

// An interrupted run leaves its bars where they were: not complete.
func TestProgressBarsInterrupted(t *testing.T) {
	var buf lockedBuffer
	bars := newBarProgress(&buf, mpb.WithAutoRefresh())
	bars.update(snapshots()[1])
	bars.close()
	if bars.bars["shop-upay"].Completed() || !bars.bars["shop-upay"].Aborted() {
		t.Error("the bar of an unfinished account shows as complete")
	}
	if out := buf.take(); !strings.Contains(out, "40 / 100") {
		t.Errorf("the last frame does not show where it stopped:\n%s", out)
	}
}
