package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/reconhq/recon/engine/demo"
	"github.com/reconhq/recon/plugins/builtin"
	"github.com/reconhq/recon/store"
)

// frozenNight starts recon over the four simulators, paced to last a few
// seconds, and SIGSTOPs the upay plugin once every account has its plugin
// and upay has answered some rows. It returns the running recon, what it
// writes, its mark, the stopped pid and the plan.
func frozenNight(t *testing.T) (*exec.Cmd, *bytes.Buffer, <-chan error, string, int, *demo.Plan, string) {
	t.Helper()
	sb, err := builtin.StartSandbox("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	dir := t.TempDir()
	plan, err := demo.Prepare(dir, sb, 7, 400)
	if err != nil {
		t.Fatal(err)
	}
	// 100 rows an account at 25/s: a night of about 4 seconds.
	tuneAccounts(t, plan.ConfigPath, map[string]any{"timeout": "1s", "rate_limit": 25, "concurrency": 4, "retries": 3, "backoff": "10ms"})
	mark := newMark(t)
	dbPath := filepath.Join(dir, "recon.db")
	cmd := exec.Command(reconBin, "run", "--config", plan.ConfigPath, "--ledger", plan.LedgerPath,
		"--store", dbPath, "--report", filepath.Join(dir, "report.json"), "--no-progress")
	cmd.Env = append(os.Environ(), mark)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		// Whatever happened: wake and end every process of this test.
		for _, pid := range pluginPIDs(mark) {
			_ = syscall.Kill(pid, syscall.SIGCONT)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		_ = cmd.Process.Kill()
	})
	deadline := time.Now().Add(20 * time.Second)
	for len(pluginPIDs(mark)) < len(builtin.All()) {
		if time.Now().After(deadline) {
			t.Fatalf("the plugins did not all start:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // some rows answered
	upay := processesWithEnv(mark, builtin.EnvServe+"=upay")
	if len(upay) != 1 {
		t.Fatalf("upay plugin processes: %v", upay)
	}
	if err := syscall.Kill(upay[0], syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	return cmd, &out, exited, mark, upay[0], plan, dbPath
}

// A plugin that stops answering (SIGSTOP) is replaced without its
// cooperation, and the other accounts' rows finish with their normal
// verdicts; recon ends on its own, leaving no process behind.
func TestFrozenPluginIsReplaced(t *testing.T) {
	_, out, exited, mark, frozen, plan, dbPath := frozenNight(t)
	stopped := time.Now()
	var replaced time.Duration
	for replaced == 0 && time.Since(stopped) < 30*time.Second {
		if p := processesWithEnv(mark, builtin.EnvServe+"=upay"); slices.ContainsFunc(p, func(pid int) bool { return pid != frozen }) {
			replaced = time.Since(stopped)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if replaced == 0 {
		t.Fatalf("no new upay plugin 30 s after the old one froze:\n%s", out.String())
	}
	select {
	case err := <-exited:
		if exitOf(err) > exitDiscrepancies {
			t.Fatalf("recon: %v\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second): // a hang detector, not a speed limit
		t.Fatalf("recon still running 60 s after a plugin froze:\n%s", out.String())
	}
	t.Logf("frozen plugin replaced %s after SIGSTOP", replaced.Round(time.Millisecond))
	if left := waitNoPlugins(mark, 5*time.Second); len(left) > 0 {
		t.Fatalf("plugin processes %v outlived recon", left)
	}
	db, err := store.Open(dbPath, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.Runs()
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v, %v", runs, err)
	}
	miss, err := demo.Check(db, runs[0].ID, plan)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range miss {
		// upay's rows in flight at the freeze were retried on the new
		// plugin; every row must have its planted verdict.
		t.Errorf("line %d (%s): want %s (%s), got %s: %s", m.Line, plan.Want[m.Line].Account, m.Want, m.Why, m.Got, m.Detail)
	}
}

// SIGTERM ends recon within 10 s even while a plugin is stopped, with the
// run interrupted (resumable) and no process left behind.
func TestSIGTERMWithAStoppedPlugin(t *testing.T) {
	cmd, out, exited, mark, _, _, dbPath := frozenNight(t)
	time.Sleep(200 * time.Millisecond)
	term := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second): // the contract's bound
		_ = cmd.Process.Signal(syscall.SIGQUIT) // its goroutines, for the failure
		select {
		case <-exited:
		case <-time.After(2 * time.Second):
		}
		t.Fatalf("recon still running 10 s after SIGTERM:\n%s", out.String())
	}
	t.Logf("recon exited %s after SIGTERM", time.Since(term).Round(time.Millisecond))
	if left := waitNoPlugins(mark, 2*time.Second); len(left) > 0 {
		t.Fatalf("plugin processes %v outlived recon", left)
	}
	stdout, stderr, _ := runRecon(t, nil, "runs", "--store", dbPath)
	if !strings.Contains(stdout, "interrupted") {
		t.Fatalf("recon runs does not show the run as interrupted:\n%s%s\nrecon said:\n%s", stdout, stderr, out.String())
	}
}

// A nightly run started while operators read the store (recon report and
// recon runs, again and again) completes: readers share the store and the
// run waits for them instead of failing. A reader that finds the run
// holding the store is told which run it is.
func TestReadersNeverFailTheNight(t *testing.T) {
	sb, err := builtin.StartSandbox("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	plan, err := demo.Prepare(dir, sb, 5, 2000)
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "recon.db")
	night := func() (string, int) {
		stdout, stderr, code := runRecon(t, nil, "run", "--config", plan.ConfigPath, "--ledger", plan.LedgerPath,
			"--store", dbPath, "--full", "--no-progress")
		return stdout + stderr, code
	}
	if out, code := night(); code > exitDiscrepancies {
		t.Fatalf("first night: exit %d\n%s", code, out)
	}

	stop := make(chan struct{})
	type read struct {
		code int
		out  string
	}
	reads := make(chan read, 1000)
	var readers sync.WaitGroup
	for _, args := range [][]string{
		{"report", "--store", dbPath, "--run", "latest", "--format", "html", "--out", filepath.Join(dir, "r.html")},
		{"runs", "--store", dbPath},
	} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				stdout, stderr, code := runRecon(t, nil, args...)
				reads <- read{code, stdout + stderr}
			}
		}()
	}
	// The night starts once both readers are at it.
	for len(reads) < 4 {
		time.Sleep(10 * time.Millisecond)
	}
	out, code := night()
	close(stop)
	readers.Wait()
	close(reads)
	if code > exitDiscrepancies {
		t.Fatalf("the night started among readers: exit %d\n%s", code, out)
	}
	ok := 0
	for r := range reads {
		switch {
		case r.code == 0:
			ok++
		case !strings.Contains(r.out, "recon run"):
			t.Errorf("a reader failed without naming the run that holds the store: exit %d\n%s", r.code, r.out)
		}
	}
	if ok < 4 {
		t.Fatalf("only %d reads succeeded", ok)
	}
}
