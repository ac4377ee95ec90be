package report

import (
	"context"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// benchRows is the size of the benchmarks' store: RECON_BENCH_ROWS, else 100k.
func benchRows(b *testing.B) int {
	if s := os.Getenv("RECON_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("RECON_BENCH_ROWS=%q: %v", s, err)
		}
		return n
	}
	return 100_000
}

// peakHeap samples the heap every millisecond while fn runs and returns
// the highest sample above what was live before it: garbage not yet
// collected included, so it is what the process holds, not only what fn
// keeps.
func peakHeap(fn func()) uint64 { return peakOf("/memory/classes/heap/objects:bytes", fn) }

// peakOf samples a runtime metric of bytes every millisecond while fn
// runs and returns its highest sample above its value before.
func peakOf(metric string, fn func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: metric}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	stop, peak := make(chan struct{}), make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: metric}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var top uint64
		for {
			metrics.Read(s)
			top = max(top, s[0].Value.Uint64())
			select {
			case <-stop:
				peak <- top
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(stop)
	return max(<-peak, base) - base
}

// BenchmarkRender writes each report of a real bbolt store of
// RECON_BENCH_ROWS results (default 100k), and the nightly combination
// (JSON, CSV and the text summary in one pass); json-marshalindent is the
// JSON report as it was written before, for the ratio.
//
//	RECON_BENCH_ROWS=1000000 go test -run XXX -bench Render -benchtime 1x ./engine/report
//
// RECON_BENCH_DIR=dir keeps the store there (dir/recon.db), to measure
// recon report on it.
func BenchmarkRender(b *testing.B) {
	n := benchRows(b)
	dir := os.Getenv("RECON_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	db, run := syntheticRun(b, dir, n)
	cases := []struct {
		name string
		out  Outputs
	}{
		{"json", Outputs{JSON: io.Discard}},
		{"csv", Outputs{CSV: io.Discard}},
		{"text", Outputs{Text: io.Discard}},
		{"html", Outputs{HTML: io.Discard}},
		{"json+csv+text", Outputs{JSON: io.Discard, CSV: io.Discard, Text: io.Discard}},
		{"none", Outputs{}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			bench(b, n, func() {
				if _, err := Render(context.Background(), db, run, "", c.out); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
	b.Run("json-marshalindent", func(b *testing.B) {
		bench(b, n, func() { writeOldJSON(b, io.Discard, db, run) })
	})
}

func bench(b *testing.B, n int, fn func()) {
	b.ReportAllocs()
	var peak, allocs uint64
	var cpu time.Duration
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		c := cpuTime()
		peak = max(peak, peakHeap(fn))
		cpu += cpuTime() - c
		runtime.ReadMemStats(&after)
		allocs += after.Mallocs - before.Mallocs
	}
	// CPU time, unlike the wall clock, does not count the waits of a
	// busy machine.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*n), "cpu-ns/row")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
	b.ReportMetric(float64(allocs)/float64(b.N*n), "allocs/row")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
