package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon/engine/demo"
	"github.com/reconhq/recon/plugins/builtin"
)

// shardedNight is a prepared night over its own sandbox: the simulators'
// scripted faults (a first query answered 500, then the truth) are spent
// by a run, so each night that is compared starts from fresh ones.
type shardedNight struct {
	dir      string
	accounts []string
}

// prepareShardedNights prepares k nights of the same orders, each on a
// fresh sandbox (see prepareNight). vborder's simulator stamps its pay
// times from its clock as it plants them, to the second, so the nights are
// planted within one second of the clock, or again.
func prepareShardedNights(t *testing.T, k, orders int) []*shardedNight {
	t.Helper()
	for try := 0; ; try++ {
		sbs := make([]*builtin.Sandbox, k)
		for i := range sbs {
			sb, err := builtin.StartSandbox("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sb.Close() })
			sbs[i] = sb
		}
		// Start at the top of a second, to have all of it.
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 20*time.Millisecond)))
		second := time.Now().Truncate(time.Second)
		nights := make([]*shardedNight, k)
		for i, sb := range sbs {
			nights[i] = prepareNight(t, sb, orders)
		}
		if time.Now().Truncate(time.Second).Equal(second) {
			return nights
		}
		if try == 2 {
			t.Fatal("three tries could not plant the nights within one second of the clock")
		}
	}
}

// prepareNight plants the demo's orders on a fresh sandbox and
// spreads each provider's rows over three accounts of it (the same
// credentials: the simulators know one merchant each), 12 in all, so that
// three shards get several accounts each.
func prepareNight(t *testing.T, sb *builtin.Sandbox, orders int) *shardedNight {
	t.Helper()
	dir := t.TempDir()
	plan, err := demo.Prepare(dir, sb, 16, orders)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(plan.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	accts := cfg["accounts"].(map[string]any)
	n := &shardedNight{dir: dir}
	for name, a := range accts {
		for _, suffix := range []string{"-b", "-c"} {
			accts[name+suffix] = a
		}
	}
	for name := range accts {
		n.accounts = append(n.accounts, name)
	}
	sort.Strings(n.accounts)
	if b, err = yaml.Marshal(cfg); err != nil {
		t.Fatal(err)
	}
	writeText(t, plan.ConfigPath, string(b))
	// A row goes to an account by its order number, so that an order's
	// refunds and a repeated row stay with its account.
	ledger, err := os.ReadFile(plan.LedgerPath)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for i, line := range strings.SplitAfter(string(ledger), "\n") {
		acct, rest, ok := strings.Cut(line, ",")
		if i > 0 && ok && accts[acct] != nil {
			order, _, _ := strings.Cut(rest, ",")
			h := fnv.New32a()
			h.Write([]byte(order))
			acct += []string{"", "-b", "-c"}[h.Sum32()%3]
			line = acct + "," + rest
		}
		out.WriteString(line)
	}
	writeText(t, plan.LedgerPath, out.String())
	return n
}

// recon starts recon in the night's folder, so that the ledger and config
// paths the reports record are the same in every night.
func (n *shardedNight) recon(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(reconBin, args...)
	cmd.Dir = n.dir
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

func (n *shardedNight) runArgs(store string, more ...string) []string {
	return append([]string{"run", "--config", "config.yaml", "--ledger", "ledger.csv", "--store", store, "--no-progress"}, more...)
}

func shardEnv(i int) []string {
	return []string{fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i), "RECON_SHARDS=3"}
}

// shard runs shard i to its end and returns its exit status.
func (n *shardedNight) shard(t *testing.T, i int, more ...string) int {
	t.Helper()
	out, err := n.recon(shardEnv(i), n.runArgs(fmt.Sprintf("shard-%d.db", i), append([]string{"--publish", "night"}, more...)...)...).CombinedOutput()
	if code := exitOf(err); code != exitOK && code != exitDiscrepancies {
		t.Fatalf("shard %d: exit %d\n%s", i, code, out)
	}
	return exitOf(err)
}

// merge merges the night's three shards and returns its exit status and
// what it wrote to stderr.
func (n *shardedNight) merge(t *testing.T, report string, more ...string) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := n.recon(nil, append([]string{"merge", "--shards", "3", "--from", "night", "--report", report}, more...)...)
	cmd.Stderr = &stderr
	err := cmd.Run()
	return exitOf(err), stderr.String()
}

// nightReport is the report's fields that a sharded night must give as
// one run does: all but the run's ID, times and query counts (retries
// and durations vary from run to run).
type nightReport struct {
	Status string `json:"status"`
	Ledger struct {
		Path   string `json:"path"`
		Rows   int    `json:"rows"`
		SHA256 string `json:"sha256"`
	} `json:"ledger"`
	Rules      []map[string]string       `json:"rules"`
	RuleSet    string                    `json:"rule_set"`
	FailOn     string                    `json:"fail_on"`
	Accounts   map[string]map[string]any `json:"accounts"`
	Totals     map[string]int            `json:"totals"`
	Severities map[string]int            `json:"severities"`
	Stats      struct {
		Rows, Queried, Answered, Failed int
	} `json:"stats"`
	Results []map[string]any `json:"results"`
	Resumes int              `json:"resumes"`
}

func readNightReport(t *testing.T, path string) nightReport { return readJSON[nightReport](t, path) }

// sameNight compares two reports row by row. resumed is a night with a
// shard killed and resumed: a kill may have spent a row's scripted fault
// on an attempt it lost (its attempts differ), and the rows an interrupted
// attempt stored are not queried again (the counts of queries differ).
func sameNight(t *testing.T, label string, want, got nightReport, resumed bool) {
	t.Helper()
	if len(want.Results) == 0 || len(want.Results) != len(got.Results) {
		t.Fatalf("%s: %d results; one run has %d", label, len(got.Results), len(want.Results))
	}
	for i := range want.Results {
		w, g := want.Results[i], got.Results[i]
		if resumed {
			delete(w, "attempts")
			delete(g, "attempts")
		}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s: result %d differs:\n one run %v\n merged  %v", label, i, w, g)
		}
	}
	wr, gr := want, got
	wr.Results, gr.Results, wr.Resumes, gr.Resumes = nil, nil, 0, 0
	if resumed {
		// Rows stored before the kill are resumed, not queried, answered
		// or failed again: only the rows read must agree.
		wr.Stats.Queried, wr.Stats.Answered, wr.Stats.Failed = 0, 0, 0
		gr.Stats.Queried, gr.Stats.Answered, gr.Stats.Failed = 0, 0, 0
	}
	if !reflect.DeepEqual(wr, gr) {
		t.Errorf("%s: the report's head differs:\n one run %+v\n merged  %+v", label, wr, gr)
	}
}

// Three shards of one night (an Indexed Job's pods: JOB_COMPLETION_INDEX
// 0..2, RECON_SHARDS=3), each with its own store, published to a
// directory and merged, give the report and exit status of one run over
// the whole ledger, row by row; so does a night with a shard SIGKILLed
// and run again; a night with a shard's manifest missing is refused.
func TestShardedNightEqualsOneRun(t *testing.T) {
	const orders = 320
	nights := prepareShardedNights(t, 3, orders)
	one, sharded, killed := nights[0], nights[1], nights[2]
	// The one-machine night.
	if len(one.accounts) < 8 {
		t.Fatalf("%d accounts; the night needs 8 or more", len(one.accounts))
	}
	out, err := one.recon(nil, one.runArgs("recon.db", "--report", "one.json")...).CombinedOutput()
	oneExit := exitOf(err)
	if oneExit != exitDiscrepancies { // the demo plants findings
		t.Fatalf("one run: exit %d\n%s", oneExit, out)
	}
	want := readNightReport(t, filepath.Join(one.dir, "one.json"))

	// Three shards, side by side as pods are.
	if a, b := mustRead(t, filepath.Join(one.dir, "ledger.csv")), mustRead(t, filepath.Join(sharded.dir, "ledger.csv")); a != b {
		t.Fatal("the two sandboxes planted different ledgers from one seed: nothing to compare")
	}
	done := make(chan int, 3)
	for i := range 3 {
		go func() { done <- sharded.shard(t, i) }()
	}
	for range 3 {
		<-done
	}
	rows := map[int]int{}
	for i := range 3 {
		var m struct {
			Stats struct{ Rows int }
		}
		if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(sharded.dir, "night", fmt.Sprintf("shard-%d-of-3", i), "manifest.json"))), &m); err != nil {
			t.Fatal(err)
		}
		rows[i] = m.Stats.Rows
	}
	for i, n := range rows {
		if n == 0 || n == want.Ledger.Rows {
			t.Fatalf("shard %d ran %d of the %d rows: the accounts are not spread (%v)", i, n, want.Ledger.Rows, rows)
		}
	}
	code, stderr := sharded.merge(t, "merged.json")
	if code != oneExit {
		t.Fatalf("merge: exit %d; one run %d\n%s", code, oneExit, stderr)
	}
	sameNight(t, "three shards", want, readNightReport(t, filepath.Join(sharded.dir, "merged.json")), false)
	// Idempotent: merged again, the same bytes. Its metrics are the whole
	// night's: grouped by every account, as a single run's.
	if code, stderr := sharded.merge(t, "again.json", "--metrics-file", "night.prom"); code != oneExit {
		t.Fatalf("second merge: exit %d\n%s", code, stderr)
	}
	if prom := mustRead(t, filepath.Join(sharded.dir, "night.prom")); !strings.Contains(prom, `accounts="`+strings.Join(sharded.accounts, ",")+`"`) {
		t.Errorf("the merge's metrics are not grouped by the night's %d accounts:\n%.600s", len(sharded.accounts), prom)
	}
	if mustRead(t, filepath.Join(sharded.dir, "merged.json")) != mustRead(t, filepath.Join(sharded.dir, "again.json")) {
		t.Error("merging the night twice gave two reports")
	}

	// A shard SIGKILLed mid-run, then run again (as a pod's retry would):
	// it resumes its store, publishes, and the night is still the one run.
	// Its accounts are assigned by a shards file, round-robin.
	var assign strings.Builder
	for i, a := range killed.accounts {
		fmt.Fprintf(&assign, "%s: %d\n", a, i%3)
	}
	writeText(t, filepath.Join(killed.dir, "shards.yaml"), assign.String())
	// Paced so that shard 1's ~100 rows take a few seconds.
	tuneAccounts(t, filepath.Join(killed.dir, "config.yaml"), map[string]any{"rate_limit": 8, "concurrency": 2})
	for _, i := range []int{0, 2} {
		go func() { done <- killed.shard(t, i, "--shards-file", "shards.yaml") }()
	}
	victim := killed.recon(shardEnv(1), killed.runArgs("shard-1.db", "--publish", "night", "--shards-file", "shards.yaml")...)
	stderrPipe, err := victim.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	var log bytes.Buffer
	go func() {
		sc := bufio.NewScanner(stderrPipe)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "run started") {
				close(started)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderrPipe)
	}()
	exited := make(chan error, 1)
	go func() { exited <- victim.Wait() }()
	select {
	case <-started:
	case err := <-exited:
		t.Fatalf("shard 1 ended before it started its run: %v\n%s", err, log.String())
	}
	time.Sleep(700 * time.Millisecond) // some rows stored, most not
	_ = victim.Process.Signal(syscall.SIGKILL)
	if err := <-exited; exitOf(err) != 128+int(syscall.SIGKILL) && !strings.Contains(fmt.Sprint(err), "killed") {
		t.Fatalf("shard 1 ended before its kill (%v): its rows are too few", err)
	}
	for range 2 {
		<-done
	}
	// Shard 1 has no manifest: the night is refused, naming it.
	code, stderr = killed.merge(t, "refused.json")
	if code != exitFailed || !strings.Contains(stderr, "missing shard 1 (no shard-1-of-3/manifest.json)") {
		t.Fatalf("merge without shard 1: exit %d; want 1 naming shard 1\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(killed.dir, "refused.json")); !os.IsNotExist(err) {
		t.Errorf("a refused night left a report: %v", err)
	}
	killed.shard(t, 1, "--shards-file", "shards.yaml")
	code, stderr = killed.merge(t, "merged.json")
	if code != oneExit {
		t.Fatalf("merge after the retry: exit %d\n%s", code, stderr)
	}
	got := readNightReport(t, filepath.Join(killed.dir, "merged.json"))
	if got.Resumes != 1 {
		t.Errorf("the merged night records %d resumes; shard 1 was killed once and resumed", got.Resumes)
	}
	sameNight(t, "a shard killed and run again", want, got, true)

	// A published shard's manifest deleted: refused again, naming it.
	if err := os.Remove(filepath.Join(killed.dir, "night", "shard-2-of-3", "manifest.json")); err != nil {
		t.Fatal(err)
	}
	if code, stderr = killed.merge(t, "refused.json"); code != exitFailed || !strings.Contains(stderr, "missing shard 2") {
		t.Fatalf("merge without shard 2's manifest: exit %d; want 1 naming shard 2\n%s", code, stderr)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A shard whose providers all fail has still stored its part of the night
// (ERROR rows) and publishes it as final: it exits as with findings, not
// 1, which an Indexed Job would retry while the merge may be reading it.
// The night fails only because no shard got an answer, as a single run
// would, and that is the merge's exit 1.
func TestShardWithoutAnswersIsFinal(t *testing.T) {
	sb, err := builtin.StartSandbox("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	plan, err := demo.Prepare(dir, sb, 3, 20)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing listens on port 1: every query fails at once.
	tuneAccounts(t, plan.ConfigPath, map[string]any{"endpoint": "http://127.0.0.1:1/down", "retries": 0, "timeout": "2s"})
	night := filepath.Join(dir, "night")
	out, err := exec.Command(reconBin, "run", "--config", plan.ConfigPath, "--ledger", plan.LedgerPath,
		"--store", filepath.Join(dir, "shard.db"), "--no-progress", "--shard", "0/1", "--publish", night).CombinedOutput()
	if code := exitOf(err); code != exitDiscrepancies {
		t.Fatalf("shard: exit %d; want %d (its part of the night is final)\n%s", code, exitDiscrepancies, out)
	}
	m := readJSON[struct {
		Status     string `json:"status"`
		ExitStatus int    `json:"exit_status"`
		NoAnswers  bool   `json:"no_answers"`
	}](t, filepath.Join(night, "shard-0-of-1", "manifest.json"))
	if !m.NoAnswers || m.ExitStatus != exitDiscrepancies {
		t.Errorf("manifest %+v; want no_answers, exit_status %d", m, exitDiscrepancies)
	}
	out, err = exec.Command(reconBin, "merge", "--shards", "1", "--from", night).CombinedOutput()
	if code := exitOf(err); code != exitFailed || !strings.Contains(string(out), "not a single order") {
		t.Fatalf("merge: exit %d; want %d saying no order could be queried\n%s", code, exitFailed, out)
	}

	// A shard that fails before its run starts publishes why, so that the
	// merge names the cause rather than a missing shard.
	failed := filepath.Join(dir, "failed")
	out, err = exec.Command(reconBin, "run", "--config", plan.ConfigPath, "--ledger", plan.LedgerPath,
		"--store", filepath.Join(dir, "shard2.db"), "--no-progress", "--shard", "0/1", "--publish", failed,
		"--statement", "no-equals-sign").CombinedOutput()
	if code := exitOf(err); code != exitUsage {
		t.Fatalf("shard with a bad --statement: exit %d; want %d\n%s", code, exitUsage, out)
	}
	out, err = exec.Command(reconBin, "merge", "--shards", "1", "--from", failed).CombinedOutput()
	if code := exitOf(err); code != exitFailed || !strings.Contains(string(out), "shard 0 failed (exit 2: --statement") {
		t.Fatalf("merge of a shard that never ran: exit %d; want %d naming its cause\n%s", code, exitFailed, out)
	}
}
