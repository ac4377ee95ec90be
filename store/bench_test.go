package store

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/reconhq/recon"
)

// bigStore is a store of runs×perRun results (with their exchanges, the
// demo's replies), built once in the temporary folder and kept there
// (RECON_BENCH_STORE names another place): writing it takes minutes.
// It is written in large transactions, as the Writer's records.
func bigStore(b *testing.B, runs, perRun int) string {
	b.Helper()
	path := os.Getenv("RECON_BENCH_STORE")
	if path == "" {
		path = filepath.Join(os.TempDir(), fmt.Sprintf("recon-bench-s%d-%dx%d.db", SchemaVersion, runs, perRun))
	}
	if _, err := os.Stat(path); err == nil {
		return path
	}
	base := demoRecords(b)
	tmp := path + ".building"
	os.Remove(tmp)
	d, err := Open(tmp, time.Second)
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	for r := range runs {
		id := fmt.Sprintf("run-%04d", r)
		if err := d.PutRun(&Run{ID: id, Command: CommandRun, Status: StatusCompleted, StartedAt: at.Add(time.Duration(r) * 24 * time.Hour)}); err != nil {
			b.Fatal(err)
		}
		w := &Writer{db: d, runID: id}
		var batch []Record
		for i := range perRun {
			rec := base[i%len(base)]
			rec.Result.Line = i + 2
			rec.Result.OrderNo = fmt.Sprintf("%s-%d", rec.Result.OrderNo, i/len(base))
			if rec.Exchange != nil {
				x := *rec.Exchange
				x.Row.Line, x.Row.OrderNo = rec.Result.Line, rec.Result.OrderNo
				rec.Exchange = &x
			}
			batch = append(batch, rec)
			if len(batch) == 20000 {
				if err := w.commit(batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		if err := w.commit(batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := d.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

func benchStore(b *testing.B) string {
	return bigStore(b, 50, 20000) // 1M results
}

// Opening a big store for reading and listing its runs.
func BenchmarkOpenReadOnlyRuns(b *testing.B) {
	path := benchStore(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d, err := OpenReadOnly(path, time.Second)
		if err != nil {
			b.Fatal(err)
		}
		runs, err := d.Runs()
		if err != nil || len(runs) != 50 {
			b.Fatal(len(runs), err)
		}
		d.Close()
	}
}

// Opening a big store for writing (which checks every page's header
// before its first commit).
func BenchmarkOpenWrite(b *testing.B) {
	path := benchStore(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d, err := Open(path, time.Second)
		if err != nil {
			b.Fatal(err)
		}
		d.Close()
	}
}

// Reading every result of one run of a big store (what a report reads).
func BenchmarkResultsOfRun(b *testing.B) { benchResults(b, benchStore(b), "run-0049", 20000) }

// Reading every result of a run of 1M rows (what `recon report` reads).
func BenchmarkResultsOfBigRun(b *testing.B) {
	benchResults(b, bigStore(b, 1, 1_000_000), "run-0000", 1_000_000)
}

func benchResults(b *testing.B, path, run string, want int) {
	d, err := OpenReadOnly(path, time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		if err := d.Results(run, func(recon.Result) error { n++; return nil }); err != nil || n != want {
			b.Fatal(n, err)
		}
	}
}

// A writer fed 5000 results a second (with their replies) for 2 s: how
// many commits (two fsyncs each) it makes a second, and how long a result
// waits from its Put to the end of the commit that holds it.
func BenchmarkWriter5kPerSecond(b *testing.B) {
	base := demoRecords(b)
	for b.Loop() {
		d, err := Open(filepath.Join(b.TempDir(), "recon.db"), time.Second)
		if err != nil {
			b.Fatal(err)
		}
		if err := d.PutRun(&Run{ID: "r"}); err != nil {
			b.Fatal(err)
		}
		w := d.NewWriter("r")
		putAt := make([]time.Time, 10001)
		var waits []time.Duration
		commits := 0
		w.onCommit = func(batch []Record) {
			commits++
			now := time.Now()
			for _, r := range batch {
				waits = append(waits, now.Sub(putAt[r.Result.Line]))
			}
		}
		start := time.Now()
		tick := time.NewTicker(2 * time.Millisecond)
		for line := 1; line <= 10000; {
			<-tick.C
			for range 10 {
				r := base[line%len(base)]
				r.Result.Line = line
				putAt[line] = time.Now()
				if err := w.Put(r); err != nil {
					b.Fatal(err)
				}
				line++
			}
		}
		tick.Stop()
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		secs := time.Since(start).Seconds()
		d.Close()
		slices.Sort(waits)
		b.ReportMetric(float64(commits)/secs, "commits/s")
		b.ReportMetric(2*float64(commits)/secs, "fsyncs/s")
		b.ReportMetric(float64(waits[len(waits)*99/100].Milliseconds()), "p99-wait-ms")
		b.ReportMetric(float64(waits[len(waits)-1].Milliseconds()), "max-wait-ms")
	}
}
