package report

import (
	"context"
	"io"
	"runtime/debug"
	"testing"
)

// liveHeapPeak runs fn with the collector at its most eager and returns
// the most heap any collection during it found live: what fn holds, not
// the garbage it leaves behind.
func liveHeapPeak(fn func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	return peakOf("/gc/heap/live:bytes", fn)
}

// Every report, the HTML one included, streams: writing 40,000 rows holds
// no more than a few megabytes, where holding the rows would take tens.
func TestReportsStream(t *testing.T) {
	const n = 40_000
	db, run := syntheticRun(t, t.TempDir(), n)
	for _, c := range []struct {
		name string
		out  Outputs
	}{
		{"json", Outputs{JSON: io.Discard}},
		{"csv", Outputs{CSV: io.Discard}},
		{"html", Outputs{HTML: io.Discard}},
		{"text", Outputs{Text: io.Discard}},
		{"all", Outputs{JSON: io.Discard, CSV: io.Discard, HTML: io.Discard, Text: io.Discard}},
	} {
		var err error
		live := liveHeapPeak(func() { _, err = Render(context.Background(), db, run, "", c.out) })
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %.1f MB live at most", c.name, float64(live)/(1<<20))
		if live > 6<<20 {
			t.Errorf("%s: %.1f MB live writing %d rows: the report holds its rows", c.name, float64(live)/(1<<20), n)
		}
	}
}
