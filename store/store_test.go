package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reconhq/recon"
)

// MustOpen opens a store in a fresh temporary folder.
func MustOpen(t testing.TB) *DB {
	t.Helper()
	d, err := Open(filepath.Join(t.TempDir(), "recon.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestOpenModeAndLock(t *testing.T) {
	d := MustOpen(t)
	fi, err := os.Stat(d.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v; want 0600", fi.Mode().Perm())
	}
	// bbolt's flock is per open file description, so a second Open in the
	// same process contends like another process would.
	_, err = Open(d.Path(), 50*time.Millisecond)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v; want ErrLocked", err)
	}
}

func TestWriterRoundTrip(t *testing.T) {
	d := MustOpen(t)
	run := &Run{ID: "r1", Status: StatusRunning, StartedAt: time.Now()}
	if err := d.PutRun(run); err != nil {
		t.Fatal(err)
	}
	w := d.NewWriter("r1")
	const n = 1500                         // more than one batch
	for line := n + 1; line >= 2; line-- { // out of order on purpose
		ex := &Exchange{Row: recon.Row{Line: line, OrderNo: "O"}, Attempts: 1,
			Reply: recon.Reply{Outcome: recon.OutcomeFound, Raw: []byte(`{"x":1}`), Answer: recon.Answer{Amount: recon.Int64(int64(line))}}}
		if err := w.Put(Record{Result: recon.Result{Line: line, Account: "a", OrderNo: "O", Kind: recon.Payment, Verdict: "MATCHED"}, Exchange: ex, Final: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	prev := 0
	count := 0
	if err := d.Results("r1", func(r recon.Result) error {
		if r.Line <= prev {
			t.Fatalf("line %d after %d: not in line order", r.Line, prev)
		}
		prev = r.Line
		count++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Fatalf("%d results; want %d", count, n)
	}
	ex, err := d.Exchange("r1", 42)
	if err != nil || ex == nil || string(ex.Reply.Raw) != `{"x":1}` || *ex.Reply.Answer.Amount != 42 {
		t.Fatalf("exchange 42: %+v, %v", ex, err)
	}
	l, ok, err := d.Latest(recon.OrderKey("a", recon.Payment, "O", ""))
	if err != nil || !ok || l.RunID != "r1" {
		t.Fatalf("latest: %+v %v %v", l, ok, err)
	}
	done, err := d.DoneLines("r1")
	if err != nil || len(done) != n || !done[2] || done[1] {
		t.Fatalf("done lines: %d, %v", len(done), err)
	}
	if _, err := d.Run("nope"); !errors.Is(err, ErrRunNotFound) {
		t.Fatalf("missing run: %v", err)
	}
}

func BenchmarkWriter(b *testing.B) {
	d := MustOpen(b)
	if err := d.PutRun(&Run{ID: "r"}); err != nil {
		b.Fatal(err)
	}
	w := d.NewWriter("r")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ex := &Exchange{Reply: recon.Reply{Outcome: recon.OutcomeFound, Raw: make([]byte, 600)}}
		_ = w.Put(Record{Result: recon.Result{Line: i + 2, Account: "a", OrderNo: "O", Verdict: "MATCHED"}, Exchange: ex, Final: true})
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkResults reads a run of results back, as a report does.
func BenchmarkResults(b *testing.B) {
	d := MustOpen(b)
	if err := d.PutRun(&Run{ID: "r"}); err != nil {
		b.Fatal(err)
	}
	w := d.NewWriter("r")
	const n = 5000
	for i := range n {
		_ = w.Put(Record{Result: recon.Result{Line: i + 2, Account: "a", OrderNo: "O", Verdict: "MATCHED",
			Provider: &recon.ProviderView{Status: "PAID", RawStatus: "SUCCESS", Amount: "649.75"}}, Final: true})
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c := 0
		if err := d.Results("r", func(recon.Result) error { c++; return nil }); err != nil || c != n {
			b.Fatal(err, c)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/result")
}
