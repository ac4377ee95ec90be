package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/store"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Main runs recon with args and returns the exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := NewApp(stdout, stderr)
	return exitCode(app.RunContext(ctx, args), stderr)
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
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			configFlag,
			storeFlag,
			logFormatFlag, logLevelFlag, noProgressFlag,
		},
		Commands: []*cli.Command{
			runCommand(), demoCommand(), sandboxCommand(), replayCommand(), reportCommand(), runsCommand(),
			showCommand(), diffCommand(), rulesCommand(), pluginsCommand(),
		},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usagef("see recon --help", "%v", err)
		},
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(c.App.ErrWriter, "recon: no command %q; see recon --help\n", name)
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
func withGlobals(c *cli.Command, globals []cli.Flag, onUsage cli.OnUsageErrorFunc) {
	have := map[string]bool{}
	for _, f := range c.Flags {
		for _, n := range f.Names() {
			have[n] = true
		}
	}
	for _, g := range globals {
		if !have[g.Names()[0]] {
			c.Flags = append(c.Flags, g)
		}
	}
	if c.OnUsageError == nil {
		c.OnUsageError = onUsage
	}
	for _, sub := range c.Subcommands {
		withGlobals(sub, globals, onUsage)
	}
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

// loadConfig loads --config, which the command requires.
func loadConfig(c *cli.Context) (*config.Config, error) {
	path := c.String("config")
	if path == "" {
		return nil, usagef("pass --config FILE or set RECON_CONFIG", "recon %s needs a config file", c.Command.Name)
	}
	return config.Load(path, nil)
}

// storePath picks the store: --store, else the config's, else ./recon.db.
func storePath(c *cli.Context, cfg *config.Config) string {
	if p := c.String("store"); p != "" {
		return p
	}
	if cfg != nil && cfg.Store != "" {
		return cfg.Store
	}
	return "recon.db"
}

// openStore opens the store for a command; the config is optional for
// commands that only read.
func openStore(c *cli.Context, cfg *config.Config) (*store.DB, error) {
	if cfg == nil && c.String("store") == "" && c.String("config") != "" {
		// Only the store's path is needed: reading runs must not require
		// the credentials' secrets in the environment.
		var err error
		if cfg, err = loadConfigWithoutSecrets(c.String("config")); err != nil {
			return nil, err
		}
	}
	p := storePath(c, cfg)
	if c.Command.Name != "run" && c.Command.Name != "demo" && c.Command.Name != "replay" {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("store %s does not exist: no run has been stored there yet", p)
		}
	}
	return store.Open(p, 2*time.Second)
}

// writeFile writes a file through fn, creating it 0600 (reports name orders
// and amounts), and removes it if fn fails.
func writeFile(path string, fn func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

func joinNames(xs []string) string { return strings.Join(xs, ", ") }

// positionals returns a command's arguments and applies the flags written
// after them (`recon show A1 --account shop`), which urfave/cli leaves
// unparsed: operators write flags where they please.
func positionals(c *cli.Context) ([]string, error) {
	args := c.Args().Slice()
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(pos, args[i+1:]...), nil
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !hasVal && isBoolFlag(c, name) {
			val, hasVal = "true", true
		}
		if !hasVal {
			if i+1 >= len(args) {
				return nil, usagef("see recon "+c.Command.Name+" --help", "flag %s needs a value", a)
			}
			i++
			val = args[i]
		}
		if err := c.Set(name, val); err != nil {
			return nil, usagef("see recon "+c.Command.Name+" --help", "flag %s: %v", a, err)
		}
	}
	return pos, nil
}

// isBoolFlag reports whether the command's flag of that name takes no value.
func isBoolFlag(c *cli.Context, name string) bool {
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			if n == name {
				_, ok := f.(*cli.BoolFlag)
				return ok
			}
		}
	}
	return false
}
