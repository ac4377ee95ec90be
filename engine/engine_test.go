package engine

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/demo"
	"github.com/reconhq/recon/plugins/builtin"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/store"
)

// The test binary doubles as every built-in plugin: the engine starts it
// again with builtin.EnvServe set, so these tests run real plugin processes.
func TestMain(m *testing.M) {
	builtin.ServeIfChild()
	os.Exit(m.Run())
}

type fixture struct {
	sb   *builtin.Sandbox
	plan *demo.Plan
	cfg  *config.Config
	db   *store.DB
}

// newFixture plants a ledger over every built-in simulator.
func newFixture(t testing.TB, orders int) *fixture {
	t.Helper()
	sb, err := builtin.StartSandbox("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	dir := t.TempDir()
	plan, err := demo.Prepare(dir, sb, 42, orders)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(plan.ConfigPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(dir, "recon.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &fixture{sb: sb, plan: plan, cfg: cfg, db: db}
}

func (f *fixture) run(t *testing.T, ctx context.Context, full bool) (*store.Run, store.RunStats, error) {
	t.Helper()
	return Run(ctx, Options{Config: f.cfg, Store: f.db, LedgerPath: f.plan.LedgerPath, Full: full})
}

func (f *fixture) mustMatchPlan(t *testing.T, run *store.Run) {
	t.Helper()
	// The totals counted as results were written are those stored.
	stored, severities := map[recon.Verdict]int{}, map[recon.Severity]int{}
	if err := f.db.Results(run.ID, func(r recon.Result) error {
		stored[r.Verdict]++
		severities[r.Severity]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(stored, run.Totals) || !maps.Equal(severities, run.Severities) {
		t.Errorf("run totals %v, severities %v; the stored results count %v, %v", run.Totals, run.Severities, stored, severities)
	}
	miss, err := demo.Check(f.db, run.ID, f.plan)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range miss {
		t.Errorf("line %d: want %s (%s), got %s: %s", m.Line, m.Want, m.Why, m.Got, m.Detail)
	}
}

func TestRunFindsWhatWasPlanted(t *testing.T) {
	f := newFixture(t, 120)
	run, st, err := f.run(t, context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != store.StatusCompleted || st.Rows != len(f.plan.Want) {
		t.Fatalf("run %s, %d rows; want completed, %d", run.Status, st.Rows, len(f.plan.Want))
	}
	f.mustMatchPlan(t, run)
	got, err := f.db.Run(run.ID)
	if err != nil || got.Stats.Queries < st.Queried || got.Ledger.SHA256 == "" || len(got.Rules) < 5 {
		t.Fatalf("stored run: %+v, %v", got, err)
	}
}

func TestIncrementalNight(t *testing.T) {
	f := newFixture(t, 60)
	first, st1, err := f.run(t, context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	second, st2, err := f.run(t, context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if second.ID == first.ID {
		t.Fatal("a completed run was taken up again")
	}
	f.mustMatchPlan(t, second)
	// Rows matched last night are judged on their stored answers, unqueried;
	// the rest (and every row with --full) are asked again.
	matched := first.Totals["MATCHED"]
	if st2.Reused != matched || st2.Queried != st1.Queried-matched {
		t.Fatalf("second night reused %d and queried %d; want %d and %d", st2.Reused, st2.Queried, matched, st1.Queried-matched)
	}
	reused := 0
	if err := f.db.Results(second.ID, func(r recon.Result) error {
		if r.Reused != "" {
			reused++
			if r.Reused != first.ID || r.Verdict != "MATCHED" {
				t.Errorf("line %d reused from %s with %s", r.Line, r.Reused, r.Verdict)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if reused != matched {
		t.Fatalf("%d results say reused; want %d", reused, matched)
	}
	third, st3, err := f.run(t, context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if st3.Reused != 0 || st3.Queried != st1.Queried {
		t.Fatalf("--full reused %d, queried %d; want 0, %d", st3.Reused, st3.Queried, st1.Queried)
	}
	f.mustMatchPlan(t, third)
}

func TestResumeAfterInterrupt(t *testing.T) {
	f := newFixture(t, 80)
	// Slow answers, so that the run is surely cut short: each query takes
	// 250 ms, the whole ledger several seconds at the accounts' concurrency.
	for _, sim := range f.sb.Sims {
		sim.Faults().Set(simkit.Faults{SlowRate: 1, SlowDelay: 250 * time.Millisecond})
	}
	// Interrupt as soon as the run has judged some rows — the progress the
	// run itself reports, every 5 ms — so the cut falls mid-run whatever the
	// machine's speed (polling the store raced a fast run to its end).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	progress := func(p Progress) {
		done := 0
		for _, a := range p.Accounts {
			done += a.Done
		}
		if done >= 10 {
			cancel()
		}
	}
	cut, _, err := Run(ctx, Options{Config: f.cfg, Store: f.db, LedgerPath: f.plan.LedgerPath, ProgressEvery: 5 * time.Millisecond, Progress: progress})
	cancel()
	if err != ErrInterrupted || cut.Status != store.StatusInterrupted {
		t.Fatalf("first attempt: %v, %s; want ErrInterrupted", err, cut.Status)
	}
	stored, err := f.db.DoneLines(cut.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) == 0 || len(stored) >= len(f.plan.Want) {
		t.Fatalf("the interrupted attempt stored %d of %d rows; the test needs a partial run", len(stored), len(f.plan.Want))
	}
	for _, sim := range f.sb.Sims {
		sim.Faults().Set(simkit.Faults{})
	}
	run, st2, err := f.run(t, context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if run.ID != cut.ID || run.Resumes != 1 || run.Status != store.StatusCompleted {
		t.Fatalf("second attempt: run %s (resumes %d, %s); want %s resumed", run.ID, run.Resumes, run.Status, cut.ID)
	}
	// Stored rows are not asked again: what is queried now and what was
	// stored before add up to no more than the ledger.
	if st2.Resumed == 0 || st2.Queried+st2.Resumed > len(f.plan.Want) {
		t.Fatalf("resume queried %d with %d rows already stored, of %d", st2.Queried, st2.Resumed, len(f.plan.Want))
	}
	f.mustMatchPlan(t, run)
}
