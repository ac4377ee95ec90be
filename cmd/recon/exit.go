package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/host"
	"github.com/reconhq/recon/engine/ledger"
	"github.com/reconhq/recon/engine/preflight"
	"github.com/reconhq/recon/engine/publish"
	"github.com/reconhq/recon/engine/shard"
	"github.com/reconhq/recon/rules"
	"github.com/reconhq/recon/store"
)

// Exit statuses of the contract.
const (
	exitOK            = 0
	exitFailed        = 1 // the run could not complete
	exitUsage         = 2
	exitDiscrepancies = 3 // completed, with findings at or above fail_on
)

// usageError is a mistake in how recon was called; Hint says what to do.
type usageError struct {
	Msg, Hint string
}

func (e *usageError) Error() string { return e.Msg }

func usagef(hint, format string, args ...any) error {
	return &usageError{Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// errDiscrepancies is returned by a command that completed and found
// results at or above the configured severity.
var errDiscrepancies = errors.New("discrepancies found")

// exitKind is one kind of error and the status it ends recon with.
type exitKind struct {
	name   string
	match  func(error) bool
	status int
	// hint follows the error's message on stderr, separator included: what
	// the operator can do about it.
	hint string
}

// exitKinds maps errors to exit statuses by their type, never their text,
// and the first kind that matches wins. Failures come first: an error
// that also carries a usage error or findings (errors.Join) is still a run
// that could not complete, and nothing the store, the config or a plugin
// says can read as a usage error (2 tells a script to fix its command line,
// not to look at the store). Kinds that end as 1 like the default are
// listed anyway, so that adding one elsewhere shows up here and in the
// test as a decision made.
var exitKinds = []exitKind{
	// An output that cannot be written is found before the first query, or
	// (a disk filling up) after the run is stored, when the report can be
	// written again from the store.
	{name: "output not writable", match: as[*preflight.PathError], status: exitFailed,
		hint: "\n  nothing was queried: fix the path and run again (a stored run's report: recon report --run ID --out FILE)"},
	{name: "report not written", match: as[*reportError], status: exitFailed},
	// A typo in the config (a plugin, a credential's name) is found before
	// the first query, and is the config's fault: exit 1, not a night of
	// ERROR rows.
	{name: "bad config", match: as[*config.Error], status: exitFailed},
	{name: "check found problems", match: as[*checkFailed], status: exitFailed},
	// A ledger that cannot be read at all (no header, UTF-16, an unknown
	// format) stops the run before any query; a bad row does not reach here.
	{name: "bad ledger", match: as[*ledger.Error], status: exitFailed},
	// A statement --statement names that cannot be read (missing, no such
	// column, an unknown account) stops the run before any query, like a
	// ledger; a bad statement row does not reach here (INVALID).
	{name: "bad statement", match: is(engine.ErrStatement), status: exitFailed},
	// A damaged store is the night failing, whatever record or page it is.
	{name: "store damaged", match: is(store.ErrCorrupt), status: exitFailed},
	{name: "store locked", match: is(store.ErrLocked), status: exitFailed,
		hint: "\n  another run is using the store; wait for it to finish, or point --store elsewhere"},
	{name: "store of another schema", match: is(store.ErrSchema), status: exitFailed},
	{name: "no such run", match: is(store.ErrRunNotFound), status: exitFailed},
	{name: "no stored result", match: is(store.ErrNoResult), status: exitFailed},
	{name: "no stored reply", match: is(store.ErrNoReply), status: exitFailed},
	{name: "no answers", match: is(engine.ErrNoAnswers), status: exitFailed,
		hint: "\n  every query failed (the report's ERROR rows say how); recon check --ping asks each account's provider once"},
	// A night that judged nothing must not pass as a clean one
	// (--allow-empty says it may).
	{name: "empty ledger", match: is(engine.ErrEmptyLedger), status: exitFailed},
	{name: "replay of an incomplete run", match: is(engine.ErrIncompleteRun), status: exitFailed},
	{name: "interrupted", match: is(engine.ErrInterrupted), status: exitFailed,
		hint: "; run the same command again to resume it"},
	// A --run-id that names a finished run, or an interrupted one judged
	// by other rules: nothing was started, and the message says what to do.
	{name: "run ID refused", match: as[*engine.RunIDError], status: exitFailed},
	{name: "unknown plugin", match: is(host.ErrUnknownPlugin), status: exitFailed},
	{name: "plugin checksum", match: is(host.ErrChecksum), status: exitFailed},
	{name: "rule file", match: as[*rules.CompileError], status: exitFailed},
	{name: "rule", match: as[*rules.RuleError], status: exitFailed},
	// A sharded night: a shards file that leaves an account to no shard, a
	// shard's outputs that could not be published (exit 1, so that the
	// shard runs again), a night with a shard missing or failed, or shards
	// that are not of one night.
	{name: "shards file", match: as[*shard.FileError], status: exitFailed},
	{name: "not published", match: as[*publish.Error], status: exitFailed,
		hint: "\n  the shard's run is stored; run the shard again to publish it (its clean rows are judged on their stored answers)"},
	{name: "night incomplete", match: is(publish.ErrIncomplete), status: exitFailed},
	{name: "shards disagree", match: is(publish.ErrMismatch), status: exitFailed},
	{name: "cancelled", match: is(context.Canceled), status: exitFailed},
	{name: "usage", match: as[*usageError], status: exitUsage},
	// urfave/cli's own errors (cli.Exit) are all about how recon was
	// called; the status they carry is theirs, not the contract's.
	{name: "usage (urfave/cli)", match: as[cli.ExitCoder], status: exitUsage},
	{name: "findings", match: is(errDiscrepancies), status: exitDiscrepancies},
}

func is(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

func as[T error](err error) bool {
	var t T
	return errors.As(err, &t)
}

// exitStatus is the contract's status for err: 0 for nil, 1 for anything
// exitKinds does not name.
func exitStatus(err error) int {
	if err == nil {
		return exitOK
	}
	if k := kindOf(err); k != nil {
		return k.status
	}
	return exitFailed
}

func kindOf(err error) *exitKind {
	for i := range exitKinds {
		if exitKinds[i].match(err) {
			return &exitKinds[i]
		}
	}
	return nil
}

// exitCode maps an error to the contract's exit status and says why on
// stderr. It is the one place errors become exit statuses.
func exitCode(err error, stderr io.Writer) int { return exitCodeAs(err, stderr, false) }

// exitCodeAs is exitCode saying why as one JSON log line when asJSON
// (--log-format json: nothing on stderr is plain text then).
func exitCodeAs(err error, stderr io.Writer, asJSON bool) int {
	status := exitStatus(err)
	if status == exitOK || status == exitDiscrepancies {
		return status // the summary on stdout has said it all
	}
	var msg, hint string
	var ue *usageError
	if status == exitUsage && errors.As(err, &ue) {
		msg, hint = ue.Msg, ue.Hint
	} else {
		msg = err.Error()
		if k := kindOf(err); k != nil {
			hint = k.hint
		}
	}
	if asJSON {
		attrs := []any{"exit_status", status}
		if k := kindOf(err); k != nil {
			attrs = append(attrs, "kind", k.name)
		}
		if h := strings.TrimLeft(hint, "\n ;"); h != "" {
			attrs = append(attrs, "hint", h)
		}
		slog.New(slog.NewJSONHandler(stderr, nil)).Error(msg, attrs...)
		return status
	}
	if ue != nil && status == exitUsage {
		fmt.Fprintf(stderr, "recon: %s\n", msg)
		if hint != "" {
			fmt.Fprintf(stderr, "  %s\n", hint)
		}
		return status
	}
	fmt.Fprintf(stderr, "recon: %s%s\n", msg, hint)
	return status
}

// jsonLogs reports whether args or the environment ask for
// --log-format json, before the command line is parsed: an error parsing
// it must be a JSON line too.
func jsonLogs(args []string, getenv func(string) string) bool {
	format := getenv("RECON_LOG_FORMAT")
	for i, a := range args {
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "log-format" {
			continue
		}
		if !hasVal && i+1 < len(args) {
			val = args[i+1]
		}
		format = val
	}
	return format == "json"
}
