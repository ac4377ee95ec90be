package engine

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon/engine/demo"
	"github.com/reconhq/recon/plugins/builtin"
	"github.com/reconhq/recon/store"
)

// BenchmarkRun measures a whole night through real plugin processes against
// the simulators (which run in this process and pay for their own signing):
// rows per second end to end, all providers together and each alone.
//
//	go test ./engine -run '^$' -bench Run -benchtime 3x
func BenchmarkRun(b *testing.B) {
	const rows = 4000
	f := newFixture(b, rows)
	for _, a := range f.cfg.Accounts {
		a.RateLimit, a.Concurrency = 5000, 32
	}
	b.Run("all", func(b *testing.B) { benchRun(b, f, f.plan.LedgerPath) })
	for _, p := range builtin.All() {
		ledger := onlyAccount(b, f.plan.LedgerPath, demo.Account(p.Name))
		b.Run(p.Name, func(b *testing.B) { benchRun(b, f, ledger) })
	}
}

func benchRun(b *testing.B, f *fixture, ledger string) {
	var total time.Duration
	n := 0
	for i := 0; i < b.N; i++ {
		db, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), time.Second)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		_, st, err := Run(context.Background(), Options{Config: f.cfg, Store: db, LedgerPath: ledger})
		total += time.Since(start)
		db.Close()
		if err != nil {
			b.Fatal(err)
		}
		n += st.Rows
	}
	b.ReportMetric(float64(n)/total.Seconds(), "rows/s")
}

// onlyAccount writes the ledger's header and the rows of one account.
func onlyAccount(b *testing.B, path, account string) string {
	in, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out := filepath.Join(b.TempDir(), account+".csv")
	var sb strings.Builder
	sc := bufio.NewScanner(in)
	for first := true; sc.Scan(); first = false {
		if first || strings.HasPrefix(sc.Text(), account+",") {
			sb.WriteString(sc.Text() + "\n")
		}
	}
	if err := os.WriteFile(out, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	return out
}
