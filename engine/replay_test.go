package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/rules"
	"github.com/reconhq/recon/store"
)

// replayFixture is one real night over every built-in simulator (through
// real plugin processes), whose simulators are then shut down: whatever a
// replay judges can only come from the store.
type replayFixture struct {
	*fixture
	src *store.Run
	// offline is the config with every account's plugin renamed to one that
	// exists nowhere and no plugin_dir: a replay that resolved or started a
	// plugin, or queried, could not reproduce a single verdict.
	offline *config.Config
}

func newReplayFixture(t *testing.T, orders int) *replayFixture {
	t.Helper()
	f := newFixture(t, orders)
	src, _, err := f.run(t, context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	f.mustMatchPlan(t, src)
	if err := f.sb.Close(); err != nil {
		t.Fatal(err)
	}
	off := *f.cfg
	off.PluginDir = filepath.Join(t.TempDir(), "no-plugins-here")
	off.Accounts = map[string]*config.Account{}
	for name, a := range f.cfg.Accounts {
		c := *a
		c.Plugin = "not-a-plugin-" + name
		c.Endpoint = "http://127.0.0.1:9" // discard: nothing answers
		off.Accounts[name] = &c
	}
	return &replayFixture{fixture: f, src: src, offline: &off}
}

func results(t *testing.T, db *store.DB, runID string) map[int]recon.Result {
	t.Helper()
	out := map[int]recon.Result{}
	if err := db.Results(runID, func(r recon.Result) error {
		out[r.Line] = r
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func writeRule(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReplay(t *testing.T) {
	f := newReplayFixture(t, 120)
	srcResults := results(t, f.db, f.src.ID)
	ctx := context.Background()

	t.Run("unchanged rules reproduce every result", func(t *testing.T) {
		res, err := Replay(ctx, ReplayOptions{Config: f.offline, Store: f.db, Of: f.src.ID})
		if err != nil {
			t.Fatal(err)
		}
		run := res.Run
		if run.Command != "replay" || run.ReplayOf != f.src.ID || run.Status != store.StatusCompleted || run.ID == f.src.ID {
			t.Fatalf("replay run: %s %s of %s, %s", run.ID, run.Command, run.ReplayOf, run.Status)
		}
		if run.Ledger != f.src.Ledger || run.RuleSet != f.src.RuleSet || !reflect.DeepEqual(run.Rules, f.src.Rules) ||
			!reflect.DeepEqual(run.Totals, f.src.Totals) || !reflect.DeepEqual(run.Accounts, f.src.Accounts) {
			t.Fatalf("replay run %+v\nsource run %+v", run, f.src)
		}
		if len(res.Changes) != 0 {
			t.Fatalf("%d verdicts changed with unchanged rules: %+v", len(res.Changes), res.Changes)
		}
		copied := 0
		for line := range srcResults {
			if _, err := f.db.Exchange(f.src.ID, line); errors.Is(err, store.ErrNoReply) {
				copied++
			} else if err != nil {
				t.Fatal(err)
			}
		}
		if copied == 0 || res.Copied != copied || res.Judged != len(srcResults)-copied {
			t.Fatalf("judged %d, copied %d; want %d, %d (INVALID and DUPLICATE rows have no answer)",
				res.Judged, res.Copied, len(srcResults)-copied, copied)
		}
		got := results(t, f.db, run.ID)
		if len(got) != len(srcResults) {
			t.Fatalf("%d results; want %d", len(got), len(srcResults))
		}
		for line, want := range srcResults {
			g := got[line]
			if want.Verdict != "INVALID" && want.Verdict != "DUPLICATE" {
				if g.Reused != f.src.ID {
					t.Errorf("line %d: reused_from %q; want the source run", line, g.Reused)
				}
				g.Reused = want.Reused
			}
			if !reflect.DeepEqual(g, want) {
				t.Errorf("line %d:\n replay %+v\n source %+v", line, g, want)
			}
		}
		f.mustMatchPlan(t, run)
		// The orders' latest results are still the night's: a replay is a what-if.
		for _, r := range srcResults {
			if r.Verdict == "INVALID" || r.Verdict == "DUPLICATE" {
				continue
			}
			l, ok, err := f.db.Latest(r.Key())
			if err != nil || !ok || l.RunID != f.src.ID {
				t.Fatalf("latest of %s %s: %+v, %v, %v; want the source run", r.Account, r.OrderNo, l, ok, err)
			}
		}

		// A replay of the replay is the same again.
		again, err := Replay(ctx, ReplayOptions{Config: f.offline, Store: f.db, Of: run.ID})
		if err != nil || len(again.Changes) != 0 || again.Run.ReplayOf != run.ID {
			t.Fatalf("replay of a replay: %+v, %v", again, err)
		}
		for line, r := range results(t, f.db, again.Run.ID) {
			if want := srcResults[line]; r.Verdict != want.Verdict || r.Detail != want.Detail {
				t.Errorf("line %d: %s %q; want %s %q", line, r.Verdict, r.Detail, want.Verdict, want.Detail)
			}
			if r.Verdict != "INVALID" && r.Verdict != "DUPLICATE" && r.Reused != f.src.ID {
				t.Errorf("line %d: reused_from %q; want %s, where the answer came from", line, r.Reused, f.src.ID)
			}
		}
	})

	t.Run("changed rules change exactly the affected verdicts", func(t *testing.T) {
		merchant := writeRule(t, "merchant.lua", `
recon.verdict("LOST_NOTIFICATION", {severity = "warn", action = "MARK_PAID"})
recon.judge({account = "demo-upay"}, function(row, p, super)
  local r = super(row, p)
  if r.verdict == "MISSED_PAYMENT" then return {verdict = "LOST_NOTIFICATION", detail = r.detail} end
  return r
end)`)
		example, err := filepath.Abs("../rules/examples/vborder_timeout_pending.lua")
		if err != nil {
			t.Fatal(err)
		}
		want := map[int][2]recon.Verdict{}
		for line, r := range srcResults {
			switch {
			case r.Account == "demo-upay" && r.Verdict == "MISSED_PAYMENT":
				want[line] = [2]recon.Verdict{"MISSED_PAYMENT", "LOST_NOTIFICATION"}
			case r.Account == "demo-vborder" && r.Provider != nil && r.Provider.RawStatus == "TIME_OUT" && r.Local.Status == "PENDING":
				want[line] = [2]recon.Verdict{r.Verdict, "MATCHED"}
			}
		}
		if len(want) == 0 {
			t.Fatal("the planted ledger has no row these rules change; the test proves nothing")
		}
		res, err := Replay(ctx, ReplayOptions{Config: f.offline, Store: f.db, Of: f.src.ID, Rules: []string{merchant, example}})
		if err != nil {
			t.Fatal(err)
		}
		got := map[int][2]recon.Verdict{}
		for _, c := range res.Changes {
			got[c.Line] = [2]recon.Verdict{c.Old, c.New}
			if s := srcResults[c.Line]; c.Account != s.Account || c.OrderNo != s.OrderNo || c.Kind != s.Kind || c.RefundNo != s.RefundNo {
				t.Errorf("change of line %d names %s %s; the line is %s %s", c.Line, c.Account, c.OrderNo, s.Account, s.OrderNo)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("changes %v; want %v", got, want)
		}
		after := results(t, f.db, res.Run.ID)
		for line, r := range after {
			if _, changed := want[line]; !changed && r.Verdict != srcResults[line].Verdict {
				t.Errorf("line %d changed from %s to %s", line, srcResults[line].Verdict, r.Verdict)
			}
			if r.Verdict == "LOST_NOTIFICATION" && (r.Severity != "warn" || r.Action != "MARK_PAID" || r.Detail == "") {
				t.Errorf("line %d: %+v", line, r)
			}
			if r.RuleSet != res.Run.RuleSet && r.Verdict != "INVALID" && r.Verdict != "DUPLICATE" {
				t.Errorf("line %d judged by rule set %s; the replay's is %s", line, r.RuleSet, res.Run.RuleSet)
			}
		}
		if res.Run.RuleSet == f.src.RuleSet {
			t.Error("the replay's rule set has the ID of the source's")
		}
		files := map[string]string{}
		for _, rf := range res.Run.Rules {
			files[rf.File] = rf.SHA256
		}
		for _, p := range []string{merchant, example} {
			b, _ := os.ReadFile(p)
			if files[p] != (rules.File{Source: b}).SHA256() {
				t.Errorf("the run records %s with sha256 %q", p, files[p])
			}
		}
	})

	t.Run("a rule failing on one order makes that order ERROR", func(t *testing.T) {
		var victim recon.Result
		for _, r := range srcResults {
			if r.Account == "demo-upay" && r.Kind == recon.Payment && r.Verdict == "MATCHED" {
				victim = r
				break
			}
		}
		if victim.Line == 0 {
			t.Fatal("no matched upay payment planted")
		}
		bad := writeRule(t, "runaway.lua", `
recon.judge(function(row, p, super)
  if row.order_no == "`+victim.OrderNo+`" then
    while true do end
  end
  return super(row, p)
end)`)
		res, err := Replay(ctx, ReplayOptions{Config: f.offline, Store: f.db, Of: f.src.ID, Rules: []string{bad}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Changes) != 1 || res.Changes[0].Line != victim.Line || res.Changes[0].New != "ERROR" {
			t.Fatalf("changes %+v; want only line %d to become ERROR", res.Changes, victim.Line)
		}
		if d := res.Changes[0].Detail; !strings.Contains(d, bad+":4:") || !strings.Contains(d, "longer than") {
			t.Errorf("detail %q; want the file, line 4 and the time limit", d)
		}
		if res.Run.Status != store.StatusCompleted {
			t.Errorf("status %s", res.Run.Status)
		}
	})

	t.Run("a rule file that does not compile stops it before a run is stored", func(t *testing.T) {
		before, err := f.db.Runs()
		if err != nil {
			t.Fatal(err)
		}
		broken := writeRule(t, "broken.lua", "recon.judge(function(row, p)\n  return {verdict = \nend)\n")
		_, err = Replay(ctx, ReplayOptions{Config: f.offline, Store: f.db, Of: f.src.ID, Rules: []string{broken}})
		var ce *rules.CompileError
		if !errors.As(err, &ce) || ce.File != broken || !strings.Contains(err.Error(), "line:3") {
			t.Fatalf("err = %v; want a compile error naming %s line 3", err, broken)
		}
		after, err := f.db.Runs()
		if err != nil || len(after) != len(before) {
			t.Fatalf("%d runs before, %d after (%v)", len(before), len(after), err)
		}
	})

	t.Run("unknown run", func(t *testing.T) {
		if _, err := Replay(ctx, ReplayOptions{Config: f.offline, Store: f.db, Of: "nope"}); !errors.Is(err, store.ErrRunNotFound) {
			t.Fatalf("err = %v; want ErrRunNotFound", err)
		}
	})

	t.Run("an existing run ID is refused", func(t *testing.T) {
		_, err := Replay(ctx, ReplayOptions{Config: f.offline, Store: f.db, Of: f.src.ID, RunID: f.src.ID})
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("interrupted", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		res, err := Replay(cctx, ReplayOptions{Config: f.offline, Store: f.db, Of: f.src.ID})
		if !errors.Is(err, ErrInterrupted) || res == nil || res.Run.Status != store.StatusInterrupted {
			t.Fatalf("%+v, %v; want an interrupted replay", res, err)
		}
		for line, r := range results(t, f.db, res.Run.ID) {
			if r.Verdict != srcResults[line].Verdict {
				t.Errorf("line %d stored as %s by an interrupted replay; the source says %s", line, r.Verdict, srcResults[line].Verdict)
			}
		}
	})
}

// TestReplayIncrementalNight replays a night that judged part of its rows
// on answers stored the night before: each result keeps naming the run its
// answer came from.
func TestReplayIncrementalNight(t *testing.T) {
	f := newFixture(t, 60)
	first, _, err := f.run(t, context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	second, st, err := f.run(t, context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if st.Reused == 0 {
		t.Fatal("the second night reused nothing; the test needs an incremental night")
	}
	f.sb.Close()
	res, err := Replay(context.Background(), ReplayOptions{Config: f.cfg, Store: f.db, Of: second.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 0 {
		t.Fatalf("changes: %+v", res.Changes)
	}
	src := results(t, f.db, second.ID)
	for line, r := range results(t, f.db, res.Run.ID) {
		want := second.ID
		if s := src[line]; s.Reused != "" {
			want = s.Reused
			if want != first.ID {
				t.Fatalf("line %d of the second night reused %s", line, want)
			}
		} else if s.Verdict == "INVALID" || s.Verdict == "DUPLICATE" {
			want = ""
		}
		if r.Reused != want {
			t.Errorf("line %d: reused_from %q; want %q", line, r.Reused, want)
		}
	}
}
