package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reconhq/recon/store"
)

// BenchmarkRun measures a whole night over every built-in provider's
// simulator, through real plugin processes: rows per second end to end.
//
//	go test ./engine -run '^$' -bench Run -benchtime 3x
func BenchmarkRun(b *testing.B) {
	const rows = 4000
	f := newFixture(b, rows)
	for name, a := range f.cfg.Accounts {
		a.RateLimit, a.Concurrency = 5000, 32
		f.cfg.Accounts[name] = a
	}
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), time.Second)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		_, st, err := Run(context.Background(), Options{Config: f.cfg, Store: db, LedgerPath: f.plan.LedgerPath})
		total += time.Since(start)
		b.StopTimer()
		db.Close()
		os.Remove(db.Path())
		if err != nil || st.Rows != len(f.plan.Want) {
			b.Fatalf("run: %v, %d rows", err, st.Rows)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(len(f.plan.Want)*b.N)/total.Seconds(), "rows/s")
}
