package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/host"
	"github.com/reconhq/recon/engine/preflight"
)

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "validate a config before the night; --ping sends each account one real query",
		Description: "Checks what a run would otherwise find only at its end or as rows of findings: each account's\n" +
			"plugin exists (built in or in plugin_dir) and matches its pin; each account's credentials are names\n" +
			"its plugin declares (a typo gets a did-you-mean) and the plugin accepts them; the rule files compile\n" +
			"and lint; the store and the files given by --report/--csv can be written.\n" +
			"--ping also asks each account's provider about an order that does not exist: a signed NOT_FOUND\n" +
			"proves endpoint, credentials and signing; a refused signature names the credential likely wrong.\n" +
			"Prints one line per problem (FILE:LINE: key: message) and exits 1 when there is one, 0 otherwise.",
		UsageText: "recon check --config FILE [--ping] [--report FILE] [--csv FILE]\n\n" +
			"Examples:\n" +
			"   recon check --config recon.yaml\n" +
			"   recon check --config recon.yaml --ping --report /var/lib/recon/report.json",
		Flags: []cli.Flag{
			configFlag, storeFlag,
			&cli.BoolFlag{Name: "ping", Usage: "send each account's provider one real query (an order that does not exist)"},
			&cli.StringFlag{Name: "report", Usage: "check that `FILE` (the run's --report) can be written"},
			&cli.StringFlag{Name: "csv", Usage: "check that `FILE` (the run's --csv) can be written"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("recon check --config FILE [--ping]", "unexpected argument %q", c.Args().First())
			}
			cfg, err := loadConfig(c)
			if err != nil {
				return err
			}
			if err := refuseClashes(c, cfg, storePath(c, cfg)); err != nil {
				return err
			}
			opt := preflight.Options{Rules: true, Ping: c.Bool("ping"), Store: true, StorePath: storePath(c, cfg)}
			rep, err := preflightCheck(c, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), opt)
			if err != nil {
				return err
			}
			defer rep.Host.Close()
			out := c.App.Writer
			for _, line := range rep.Accounts {
				fmt.Fprintln(out, "ok:", line)
			}
			for _, w := range rep.Warnings {
				fmt.Fprintln(out, "warning:", w)
			}
			for _, p := range rep.Problems {
				fmt.Fprintln(out, p)
			}
			if n := len(rep.Problems); n > 0 {
				return &checkFailed{n: n, path: cfg.Path}
			}
			fmt.Fprintf(out, "ok: %s is ready for a run\n", cfg.Path)
			return nil
		},
	}
}

// checkFailed is `recon check` having found problems (listed on stdout).
type checkFailed struct {
	n    int
	path string
}

func (e *checkFailed) Error() string {
	return fmt.Sprintf("check: %d %s in %s", e.n, plural(e.n, "problem"), e.path)
}

// outputFlags are the flags naming files a command writes at its end; a
// command that has none of them passes over it.
var outputFlags = []string{"report", "csv", "html", "out", "metrics-file"}

// preflightCheck runs the checks of a run's start (and, with opt's extras,
// of `recon check`) for command c: the outputs c was given, each account's
// plugin and credentials. The error is for a check that could not be made
// at all (no plugin host); what the check found is in the report, whose
// Host the caller closes.
func preflightCheck(c *cli.Context, cfg *config.Config, log *slog.Logger, opt preflight.Options) (*preflight.Report, error) {
	opt.Outputs = append(opt.Outputs, outputsOf(c)...)
	h, err := host.New(cfg.PluginDir, cfg.Plugins, log)
	if err != nil {
		return nil, err
	}
	return preflight.Check(c.Context, cfg, h, opt), nil
}

// preflightRun is what `recon run` checks before its first query: a
// problem found is the run failing (exit 1) with nothing sent. The plugins
// it started are the run's: the returned host hands them out.
func preflightRun(c *cli.Context, cfg *config.Config, log *slog.Logger) (*preflight.Kept, error) {
	rep, err := preflightCheck(c, cfg, log, preflight.Options{Keep: true})
	if err != nil {
		return nil, err
	}
	if err := rep.Err(); err != nil {
		rep.Host.Close()
		return nil, err
	}
	return rep.Host, nil
}
