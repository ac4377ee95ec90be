package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/host"
	"github.com/reconhq/recon/engine/ledger"
	"github.com/reconhq/recon/engine/preflight"
	"github.com/reconhq/recon/engine/publish"
	"github.com/reconhq/recon/engine/shard"
	"github.com/reconhq/recon/engine/statement"
	"github.com/reconhq/recon/rules"
	"github.com/reconhq/recon/store"
)

// Scripts decide what to do by the exit status alone, so each kind of error
// must end as the contract says however it is wrapped on its way to main,
// and only by its type: no wording can make a failure read as a usage error
// or as findings.
func TestExitStatus(t *testing.T) {
	cfgErr := func(yaml string) error {
		_, err := config.Parse("c.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
		if err == nil {
			t.Fatal("config parsed")
		}
		return err
	}
	schema := &store.SchemaError{Path: "recon.db", Found: 1, Reads: store.SchemaVersion}
	tests := []struct {
		kind string // the exitKinds entry that must decide, "" for the default
		err  error
		want int
		// stderr holds these, in order; nil: stderr stays empty.
		stderr []string
	}{
		{"", nil, exitOK, nil},
		{"findings", errDiscrepancies, exitDiscrepancies, nil},
		{"usage", usagef("see recon run --help", "recon run needs --ledger"), exitUsage,
			[]string{"recon: recon run needs --ledger\n  see recon run --help\n"}},
		{"usage", fmt.Errorf("wrapped: %w", usagef("", "--orders must be at least 1")), exitUsage,
			[]string{"recon: --orders must be at least 1\n"}},
		{"usage (urfave/cli)", cli.Exit("No help topic for 'x'", 3), exitUsage, []string{"No help topic"}},
		{"bad config", cfgErr("accounts:\n  a:\n    plugin: upay\n"), exitFailed, []string{"config c.yaml:2: accounts.a.endpoint: missing"}},
		{"bad config", cfgErr("fail_on: x\naccounts:\n  a:\n    plugin: upay\n"), exitFailed,
			[]string{"c.yaml:1: fail_on", "\nconfig c.yaml:3: accounts.a.endpoint"}},
		{"bad ledger", &ledger.Error{Path: "l.csv", Line: 1, Err: errors.New("no order_no column")}, exitFailed, []string{"ledger l.csv: no order_no column"}},
		{"bad ledger", fmt.Errorf("run: %w", &ledger.Error{Path: "l.txt", Err: ledger.ErrFormat}), exitFailed, []string{"unknown ledger format"}},
		{"bad statement", fmt.Errorf("%w of account shop: %w", engine.ErrStatement, &statement.Error{Path: "bill.csv", Err: statement.ErrColumn}),
			exitFailed, []string{"statement of account shop", "bill.csv"}},
		{"store damaged", &store.CorruptError{Path: "recon.db", Err: errors.New("it is cut short")}, exitFailed, []string{"store recon.db is damaged"}},
		{"store damaged", fmt.Errorf("run %q: %w", "n1", &store.CorruptError{Path: "recon.db", Bucket: "runs", RunID: "n1", Err: errors.New("checksum")}), exitFailed, []string{"damaged"}},
		{"store damaged", errors.Join(usagef("", "x"), &store.CorruptError{Path: "recon.db", Err: errors.New("pages")}), exitFailed, []string{"damaged"}},
		{"store locked", fmt.Errorf("store recon.db: %w", store.ErrLocked), exitFailed,
			[]string{"recon: store recon.db: the store is in use by another recon process\n  another run is using the store"}},
		{"store of another schema", schema, exitFailed, []string{"has schema 1"}},
		{"store of another schema", fmt.Errorf("opening: %w", schema), exitFailed, []string{"opening: store recon.db"}},
		{"no such run", fmt.Errorf("run %q: %w", "nope", store.ErrRunNotFound), exitFailed, []string{`run "nope": no such run`}},
		{"no stored result", store.ErrNoResult, exitFailed, []string{"no result"}},
		{"no stored reply", store.ErrNoReply, exitFailed, []string{"no provider reply"}},
		{"no answers", engine.ErrNoAnswers, exitFailed, []string{"not a single order"}},
		{"empty ledger", fmt.Errorf("%w: l.csv (--allow-empty if expected)", engine.ErrEmptyLedger), exitFailed, []string{"no data rows"}},
		{"replay of an incomplete run", fmt.Errorf("%w: run n1", engine.ErrIncompleteRun), exitFailed, []string{"did not complete"}},
		{"interrupted", fmt.Errorf("run x: %w", engine.ErrInterrupted), exitFailed,
			[]string{"recon: run x: the run was interrupted; run the same command again to resume it\n"}},
		{"interrupted", errors.Join(engine.ErrInterrupted, errors.New("writing r.json: disk full")), exitFailed, []string{"resume it"}},
		{"run ID refused", fmt.Errorf("run: %w", &engine.RunIDError{RunID: "n1", Err: engine.ErrRunIDTaken}), exitFailed, []string{"recon: run: "}},
		{"run ID refused", errors.Join(&engine.RunIDError{RunID: "n1", Err: engine.ErrRulesChanged}, errDiscrepancies), exitFailed, []string{"discrepancies found"}},
		{"unknown plugin", fmt.Errorf("account a: %w", host.ErrUnknownPlugin), exitFailed, []string{"unknown provider plugin"}},
		{"plugin checksum", fmt.Errorf("acme: %w", host.ErrChecksum), exitFailed, []string{"pinned sha256"}},
		{"rule file", &rules.CompileError{File: "m.lua", Err: errors.New("line 3: unexpected end")}, exitFailed, []string{"rule file m.lua"}},
		{"rule", &rules.RuleError{Hook: "judge", Err: errors.New("boom")}, exitFailed, []string{"rule hook judge"}},
		{"output not writable", preflight.Problems{&preflight.PathError{Flag: "--report", Path: "/none/r.json", Err: os.ErrNotExist}},
			exitFailed, []string{"recon: --report /none/r.json cannot be written: file does not exist\n  nothing was queried"}},
		{"report not written", errors.Join(errDiscrepancies, &reportError{Flag: "--csv", Path: "r.csv", Format: "csv", RunID: "n1", Err: os.ErrPermission}),
			exitFailed, []string{"--csv r.csv: permission denied", "recon report --run n1 --format csv --out FILE"}},
		{"bad config", preflight.Problems{cfgProblem("accounts.a.credentials.terminal_sm", "did you mean terminal_sn?")}, exitFailed,
			[]string{"config c.yaml: accounts.a.credentials.terminal_sm: did you mean terminal_sn?"}},
		{"check found problems", &checkFailed{n: 2, path: "c.yaml"}, exitFailed, []string{"recon: check: 2 problems in c.yaml"}},
		{"shards file", &shard.FileError{File: "shards.yaml", Account: "shop-a", Err: shard.ErrUnassigned}, exitFailed,
			[]string{`recon: shards file shards.yaml: account "shop-a": has no shard`}},
		{"not published", errors.Join(errDiscrepancies, &publish.Error{URL: "s3://b/n", Path: "shard-1-of-3/manifest.json", Err: os.ErrPermission}),
			exitFailed, []string{"publishing to s3://b/n: shard-1-of-3/manifest.json: permission denied"}},
		{"night incomplete", &publish.IncompleteError{URL: "/n", Count: 3, Missing: []int{1}}, exitFailed,
			[]string{"missing shard 1 (no shard-1-of-3/manifest.json)"}},
		{"shards disagree", &publish.MismatchError{URL: "/n", Shard: 2, Count: 3, File: "results.jsonl.gz", What: "sha256 x"}, exitFailed,
			[]string{"shard 2, shard-2-of-3/results.jsonl.gz: sha256 x"}},
		{"cancelled", context.Canceled, exitFailed, []string{"context canceled"}},
		// A failure beside a usage error or findings is still a failure.
		{"store locked", errors.Join(usagef("", "x"), store.ErrLocked), exitFailed, []string{"in use"}},
		{"store of another schema", errors.Join(schema, errDiscrepancies), exitFailed, []string{"schema"}},
		// What no kind names could not complete; the words of a message
		// never make it a usage error.
		{"", errors.New("store recon.db: invalid database"), exitFailed, []string{"recon: store recon.db: invalid database\n"}},
		{"", errors.New("usage error: discrepancies found"), exitFailed, []string{"usage error"}},
	}
	tested := map[string]bool{}
	for _, tt := range tests {
		tested[tt.kind] = true
		t.Run(fmt.Sprintf("%s/%v", tt.kind, tt.err), func(t *testing.T) {
			if k := kindOf(tt.err); tt.err != nil && (k == nil) != (tt.kind == "") || k != nil && k.name != tt.kind {
				t.Errorf("decided by %+v; want kind %q", k, tt.kind)
			}
			var stderr bytes.Buffer
			if got := exitCode(tt.err, &stderr); got != tt.want {
				t.Errorf("exit %d; want %d", got, tt.want)
			}
			rest := stderr.String()
			if tt.stderr == nil && rest != "" {
				t.Errorf("stderr %q; want nothing", rest)
			}
			for _, w := range tt.stderr {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("stderr %q lacks %q", stderr.String(), w)
				}
				rest = rest[i+len(w):]
			}
		})
	}
	// A kind added to exitKinds is a decision about scripts: it gets a case.
	for _, k := range exitKinds {
		if !tested[k.name] {
			t.Errorf("exit kind %q has no case here", k.name)
		}
	}
}

func cfgProblem(key, msg string) error {
	return &config.Error{File: "c.yaml", Key: key, Msg: msg}
}

// A store that is not a bbolt file is the run failing, never a usage error,
// whichever command opens it.
func TestDamagedStoreIsNotUsage(t *testing.T) {
	dir := t.TempDir()
	damaged := filepath.Join(dir, "recon.db")
	if err := os.WriteFile(damaged, bytes.Repeat([]byte("not bbolt "), 2000), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"runs"}, {"report", "--run", "x"}, {"show", "A1"}, {"diff", "a", "b"},
	} {
		t.Run(args[0], func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			got := Main(context.Background(), append([]string{"recon", "--store", damaged}, args...), &stdout, &stderr)
			if got != exitFailed || !strings.Contains(stderr.String(), damaged) {
				t.Fatalf("exit %d, stderr %q; want %d naming the store", got, stderr.String(), exitFailed)
			}
		})
	}
}

// urfave/cli only prints its complaint about a command that does not exist,
// and would exit 0; the contract says 2.
func TestUnknownCommand(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want int
		hint string
	}{
		{[]string{"nosuch"}, exitUsage, "see recon --help"},
		{[]string{"rules", "nosuch"}, exitUsage, "see recon rules --help"},
		{[]string{}, exitOK, ""},
		{[]string{"rules"}, exitOK, ""},
		{[]string{"rules", "help"}, exitOK, ""},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			got := Main(context.Background(), append([]string{"recon"}, tt.args...), &stdout, &stderr)
			if got != tt.want || !strings.Contains(stderr.String(), tt.hint) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", got, stderr.String(), tt.want, tt.hint)
			}
			if tt.want == exitOK && !strings.Contains(stdout.String(), "USAGE") {
				t.Errorf("no help on stdout: %q", stdout.String())
			}
		})
	}
}
