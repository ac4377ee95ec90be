package rules

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon"
)

// The per-row cost of judging (issue 13): one hook call on realistic rows
// and answers, the built-in fixtures' own. Run with
//
//	go test -run '^$' -bench . -benchmem ./rules/
//
// "matched" is a night's common row (a paid payment the provider confirms);
// "fixtures" cycles through every case of the provider's fixture file.

// loop runs f for the benchmark and reports, beside the wall time, the
// process's CPU time per call (GC included): on a shared machine the wall
// time measures the neighbours too.
func loop(b *testing.B, f func()) {
	b.Helper()
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		f()
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchCtx is a cancellable context, as the engine's run passes.
func benchCtx(b *testing.B) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	return ctx
}

// benchCases reads a built-in fixture file into rows and answers.
func benchCases(b *testing.B, provider string) (rows []recon.Row, answers []recon.Reply, matched int) {
	b.Helper()
	all, err := BuiltinFixtures()
	if err != nil {
		b.Fatal(err)
	}
	var ff FixtureFile
	if err := yaml.Unmarshal(all[BuiltinPrefix+"fixtures/"+provider+".yaml"], &ff); err != nil {
		b.Fatal(err)
	}
	matched = -1
	for _, c := range ff.Cases {
		row, ans, err := ff.build(c)
		if err != nil {
			b.Fatalf("%s: %v", c.Name, err)
		}
		// What the engine hands the rules: an answer without currency has the row's.
		if ans.Answer.Currency == "" && ans.Outcome == recon.OutcomeFound {
			ans.Answer.Currency = row.Currency
		}
		if matched < 0 && c.Want.Verdict == "MATCHED" && row.Kind == recon.Payment {
			matched = len(rows)
		}
		rows = append(rows, row)
		answers = append(answers, ans)
	}
	if matched < 0 {
		b.Fatalf("%s: no matched payment among the fixtures", provider)
	}
	return rows, answers, matched
}

// benchRules is the built-in set plus the merchant files named, with a pool as Load sizes it for one core.
func benchRules(b *testing.B, examples ...string) *Rules {
	b.Helper()
	files := Builtin()
	for _, e := range examples {
		f, err := ReadFiles([]string{e})
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, f...)
	}
	r, err := New(files, Options{PoolSize: 2, CallTimeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(r.Close)
	return r
}

// merchantExamples is a merchant's file set like the demo's: every worked
// example layered over the built-ins (own verdicts, selectors, super).
var merchantExamples = []string{"examples/late_payment.lua", "examples/paypro_partial_99.lua",
	"examples/recheck_paid_7d.lua", "examples/tolerance_one_unit.lua", "examples/vborder_timeout_pending.lua"}

var benchProviders = []string{"upay", "vborder", "paypro", "edgeros"}

func BenchmarkJudge(b *testing.B) {
	ctx := benchCtx(b)
	for _, set := range []struct {
		name  string
		files []string
	}{{"builtin", nil}, {"merchant", merchantExamples}} {
		r := benchRules(b, set.files...)
		for _, p := range benchProviders {
			rows, answers, m := benchCases(b, p)
			b.Run(set.name+"/"+p+"/matched", func(b *testing.B) {
				loop(b, func() {
					j, err := r.Judge(ctx, rows[m], answers[m])
					if err != nil || j.Verdict != recon.VerdictMatched {
						b.Fatalf("%+v %v", j, err)
					}
				})
			})
			b.Run(set.name+"/"+p+"/fixtures", func(b *testing.B) {
				i := 0
				loop(b, func() {
					if _, err := r.Judge(ctx, rows[i], answers[i]); err != nil {
						b.Fatal(err)
					}
					if i++; i == len(rows) {
						i = 0
					}
				})
			})
		}
	}
}

// Judging from several goroutines, as the engine's workers do: the pool.
func BenchmarkJudgeParallel(b *testing.B) {
	ctx := benchCtx(b)
	r := benchRules(b)
	rows, answers, m := benchCases(b, "upay")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.Judge(ctx, rows[m], answers[m]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkShouldQuery(b *testing.B) {
	ctx := benchCtx(b)
	rows, _, m := benchCases(b, "upay")
	row := rows[m]
	row.CreatedAt = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	now := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	last := &Last{RunID: "20261121-0200-7f3a", Verdict: recon.VerdictMatched, Severity: recon.SeverityInfo,
		At: now.Add(-24 * time.Hour), Unchanged: true}
	for _, set := range []struct {
		name  string
		files []string
	}{{"builtin", nil}, {"merchant", merchantExamples}} {
		r := benchRules(b, set.files...)
		for _, c := range []struct {
			name  string
			last  *Last
			query bool
		}{{"unchanged-matched", last, false}, {"never-judged", nil, true}} {
			b.Run(set.name+"/"+c.name, func(b *testing.B) {
				loop(b, func() {
					q, _, err := r.ShouldQuery(ctx, row, c.last, nil, now)
					if err != nil || q != c.query {
						b.Fatalf("%v %v", q, err)
					}
				})
			})
		}
	}
}

func BenchmarkRefunds(b *testing.B) {
	ctx := benchCtx(b)
	r := benchRules(b)
	refunded := int64(1000)
	for _, c := range []struct {
		name   string
		ledger int64
		want   bool
	}{{"add-up", 1000, false}, {"mismatch", 400, true}} {
		o := OrderRefunds{Account: "shop-upay", Provider: "upay", OrderNo: "UP-1234567", Currency: "CNY",
			Payment:       recon.Judgement{Verdict: recon.VerdictMatched, Severity: recon.SeverityInfo, Action: recon.ActionNone, State: recon.StatePartiallyRefunded},
			PaymentStatus: recon.StatePartiallyRefunded, LedgerRefunded: c.ledger, RefundRows: 2, ProviderRefunded: &refunded}
		b.Run(c.name, func(b *testing.B) {
			loop(b, func() {
				j, err := r.JudgeRefunds(ctx, o)
				if err != nil || (j != nil) != c.want {
					b.Fatalf("%v %v", j, err)
				}
			})
		})
	}
}

// What the kept-state check (kept.go) costs per call: it looks at every
// entry of every table a rule file keeps between calls (a lookup table, a
// list of accounts), so a call costs more the bigger those tables are.
// docs/rules.md gives the numbers.
func BenchmarkJudgeKept(b *testing.B) {
	ctx := benchCtx(b)
	rows, answers, m := benchCases(b, "upay")
	for _, n := range []int{0, 100, 10000} {
		src := fmt.Sprintf(`
local kept = {}
for i = 1, %d do kept["k" .. i] = i end
recon.judge(function(row, p, super)
  if kept[row.order_no] then return {verdict = "ERROR"} end
  return super(row, p)
end)`, n)
		r, err := New(append(Builtin(), File{Name: "kept.lua", Source: []byte(src)}), Options{PoolSize: 2, CallTimeout: time.Second})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(r.Close)
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			loop(b, func() {
				if j, err := r.Judge(ctx, rows[m], answers[m]); err != nil || j.Verdict != recon.VerdictMatched {
					b.Fatalf("%+v %v", j, err)
				}
			})
		})
	}
}
