package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Main runs recon with args and returns the exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := NewApp(stdout, stderr)
	return exitCodeAs(app.RunContext(ctx, args), stderr, jsonLogs(args, os.Getenv))
}

// NewApp builds the command line.
func NewApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:    "recon",
		Usage:   "reconcile a merchant's ledger against its payment providers",
		Version: version,
		Description: "recon reads the merchant's ledger, asks each provider's query API for the authoritative state\n" +
			"of every order and refund (each provider is a plugin process), judges every row with Lua rules,\n" +
			"stores everything in a bbolt file and reports what needs a person.\n\n" +
			"Exit status: 0 nothing at or above fail_on; 3 the run completed with such findings;\n" +
			"1 the run could not complete; 2 usage error.",
		UsageText: "recon [global options] command [command options]\n\n" +
			"Examples:\n" +
			"   recon demo                                        # the tour, nothing to set up\n" +
			"   recon check --config recon.yaml --ping            # before the first night\n" +
			"   recon run --config recon.yaml --ledger orders.csv --report report.json\n" +
			"   recon COMMAND --help                              # each command's flags and examples",
		Writer:    stdout,
		ErrWriter: stderr,
		// Copies: urfave/cli writes what it read from the environment into
		// the flag itself, which must not outlive one Main.
		Flags: copyFlags([]cli.Flag{configFlag, storeFlag, logFormatFlag, logLevelFlag, noProgressFlag}, true),
		Commands: []*cli.Command{
			runCommand(), checkCommand(), demoCommand(), sandboxCommand(), replayCommand(), reportCommand(), runsCommand(),
			showCommand(), diffCommand(), rulesCommand(), pluginsCommand(), pruneCommand(), mergeCommand(),
		},
		// urfave/cli would print its complaint about a command that does
		// not exist and exit 0; the contract says 2.
		Action: helpOrUnknown(cli.ShowAppHelp),
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usagef("see recon --help", "%v", err)
		},
		ExitErrHandler:  func(*cli.Context, error) {}, // exit statuses are exitCode's alone
		HideHelpCommand: true,
	}
	for _, c := range app.Commands {
		withGlobals(c, app.Flags, app.OnUsageError)
	}
	return app
}

// withGlobals lets the global flags follow the command too (`recon run
// --log-level debug`), as operators write them, and makes a flag mistake
// anywhere a usage error.
//
// A command gets its own copy of each global flag, without the environment
// variable: urfave/cli reads a flag from the nearest command that defines
// it, so a copy that read the environment, or the app's flag itself, would
// hide what was written before the command (`recon --store X runs`). What
// the copy was not given, it takes from the nearest command above that was
// given it, the app (command line, then environment) last.
func withGlobals(c *cli.Command, globals []cli.Flag, onUsage cli.OnUsageErrorFunc) {
	isGlobal := map[string]cli.Flag{}
	for _, g := range globals {
		isGlobal[g.Names()[0]] = g
	}
	var inherit []string
	for i, f := range c.Flags {
		name := f.Names()[0]
		if g := isGlobal[name]; g != nil {
			c.Flags[i] = copyFlag(g, false)
			inherit = append(inherit, name)
			delete(isGlobal, name)
		}
	}
	// The log flags hold for every command (with --log-format json even an
	// error is a JSON line); --config, --store and --no-progress are listed
	// only by the commands that use them, and taken, hidden, by the others:
	// the contract calls them global, and a script that passes them to
	// every command must not fail on one.
	var unused []string // the hidden ones: taken, and said to be ignored
	for _, g := range globals {
		if name := g.Names()[0]; isGlobal[name] != nil {
			cp := copyFlag(g, false)
			if !everywhere[name] {
				hide(cp)
				unused = append(unused, name)
			}
			c.Flags = append(c.Flags, cp)
			inherit = append(inherit, name)
		}
	}
	before := c.Before
	c.Before = func(ctx *cli.Context) error {
		// Written after a command that has no use for it: said, not
		// failed (before the command it is global, and goes unsaid).
		var ignored []string
		for _, name := range unused {
			if ctx.IsSet(name) {
				ignored = append(ignored, "--"+name)
			}
		}
		if err := inheritFlags(ctx, inherit); err != nil {
			return err
		}
		// Checked for every command, not only those that log: a bad
		// --log-format must not pass unnoticed until a command that logs.
		log, err := logger(ctx)
		if err != nil {
			return err
		}
		for _, f := range ignored {
			log.Warn("a flag this command does not use; ignored", "flag", f, "command", commandPath(ctx))
		}
		if before != nil {
			return before(ctx)
		}
		return nil
	}
	if c.OnUsageError == nil {
		c.OnUsageError = onUsage
	}
	for _, sub := range c.Subcommands {
		withGlobals(sub, globals, onUsage)
	}
}

// everywhere are the global flags every command takes.
var everywhere = map[string]bool{"log-format": true, "log-level": true}

// withEnv gives each of flags that has no environment variable one,
// RECON_ and its name in capitals (--run-id: RECON_RUN_ID). The flags are
// copies: a flag shared with another command keeps its own.
func withEnv(flags []cli.Flag) []cli.Flag {
	out := make([]cli.Flag, len(flags))
	for i, f := range flags {
		// urfave/cli's flag types share no interface for EnvVars, but
		// each is a struct with that field.
		cp := reflect.New(reflect.TypeOf(f).Elem())
		cp.Elem().Set(reflect.ValueOf(f).Elem())
		if env := cp.Elem().FieldByName("EnvVars"); env.Len() == 0 {
			name := "RECON_" + strings.ToUpper(strings.ReplaceAll(f.Names()[0], "-", "_"))
			env.Set(reflect.ValueOf([]string{name}))
		}
		out[i] = cp.Interface().(cli.Flag)
	}
	return out
}

// copyFlags copies flags, with their environment variables or without
// them (the copy's help still names them).
func copyFlags(flags []cli.Flag, withEnv bool) []cli.Flag {
	out := make([]cli.Flag, len(flags))
	for i, f := range flags {
		out[i] = copyFlag(f, withEnv)
	}
	return out
}

func copyFlag(f cli.Flag, withEnv bool) cli.Flag {
	// The copy's fields, whatever its type: urfave/cli's flag types share
	// no interface for them.
	finish := func(cp cli.Flag, usage *string, env *[]string) cli.Flag {
		if !withEnv && len(*env) > 0 {
			*usage += " [$" + strings.Join(*env, ", $") + "]"
			*env = nil
		}
		return cp
	}
	switch f := f.(type) {
	case *cli.StringFlag:
		cp := *f
		return finish(&cp, &cp.Usage, &cp.EnvVars)
	case *cli.BoolFlag:
		cp := *f
		return finish(&cp, &cp.Usage, &cp.EnvVars)
	}
	panic(fmt.Sprintf("global flag %T: teach copyFlag its type", f))
}

// hide keeps a global flag a command ignores out of its --help.
func hide(f cli.Flag) {
	switch f := f.(type) {
	case *cli.StringFlag:
		f.Hidden = true
	case *cli.BoolFlag:
		f.Hidden = true
	}
}

// inheritFlags gives the command the value of each flag in names it was
// not given, from the nearest context above that was.
func inheritFlags(c *cli.Context, names []string) error {
	for _, name := range names {
		if slices.Contains(c.LocalFlagNames(), name) {
			continue
		}
		for _, up := range c.Lineage()[1:] {
			if up.Command == c.Command || !slices.Contains(up.LocalFlagNames(), name) {
				continue
			}
			if err := c.Set(name, fmt.Sprint(up.Value(name))); err != nil {
				return usagef("see recon --help", "flag --%s: %v", name, err)
			}
			break
		}
	}
	return nil
}

// helpOrUnknown is the action of recon and of a command made only of
// subcommands (rules): alone, or asked for help, it shows its help; with
// an argument that names no command it is a usage error.
func helpOrUnknown(help cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		name := c.Args().First()
		if name == "help" && c.NArg() > 1 {
			// There is no help command to take an argument: `recon help
			// run` would show recon's help, not run's, and exit 0.
			topic := c.Args().Get(1)
			return usagef(fmt.Sprintf("for a command's help: %s %s --help", commandPath(c), topic),
				"%s help takes no command", commandPath(c))
		}
		if name != "" && name != "help" {
			return usagef("see "+commandPath(c)+" --help", "no command %q", name)
		}
		return help(c)
	}
}

// commandPath is the command as the operator typed it, "recon rules
// check", for messages (urfave/cli's FullName is only the last word).
func commandPath(c *cli.Context) string {
	var names []string
	var last *cli.Command
	for _, x := range c.Lineage() {
		if x.Command != nil && x.Command != last && x.Command.Name != "" {
			names = append([]string{x.Command.Name}, names...)
		}
		if x.Command != nil {
			last = x.Command
		}
	}
	return strings.Join(names, " ")
}

var (
	logFormatFlag  = &cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format on stderr: text or json", EnvVars: []string{"RECON_LOG_FORMAT"}}
	logLevelFlag   = &cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error", EnvVars: []string{"RECON_LOG_LEVEL"}}
	noProgressFlag = &cli.BoolFlag{Name: "no-progress", Usage: "no progress lines while a run goes", EnvVars: []string{"RECON_NO_PROGRESS"}}
	configFlag     = &cli.StringFlag{Name: "config", Aliases: []string{"c"}, Usage: "config `FILE` (YAML)", EnvVars: []string{"RECON_CONFIG"}}
	storeFlag      = &cli.StringFlag{Name: "store", Usage: "bbolt store `FILE` (default: the config's store, else ./recon.db)", EnvVars: []string{"RECON_STORE"}}
)

// logger builds the logger the global flags ask for.
func logger(c *cli.Context) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return nil, usagef("use debug, info, warn or error", "--log-level %q is not a level", c.String("log-level"))
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.String("log-format") {
	case "text":
		return slog.New(slog.NewTextHandler(c.App.ErrWriter, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(c.App.ErrWriter, opts)), nil
	}
	return nil, usagef("use text or json", "--log-format %q is not a format", c.String("log-format"))
}
