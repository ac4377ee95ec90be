package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/ledger"
	"github.com/reconhq/recon/store"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "the nightly job: query every ledger row's provider, judge, store, report",
		Description: "Reads the ledger, queries each row's provider through its plugin (built in or from plugin_dir),\n" +
			"applies the built-in rules and the config's rule files, stores every result and the answer behind it,\n" +
			"writes the reports asked for and prints a summary. Exit 3 when a result is at or above fail_on.\n\n" +
			"Incremental: a row unchanged since its last result, which was final and clean (MATCHED), is judged\n" +
			"on its stored answer instead of being queried (the rules' should_query hook decides; --full asks all).\n" +
			"Resume: if the same command was killed or interrupted, running it again takes that run up: rows\n" +
			"already stored are kept and not queried again.\n\n" +
			"Statements: an account's provider statement (--statement, or statement: in its config) is joined with\n" +
			"the ledger; its rows the ledger lacks are MISSING_IN_LEDGER, and with statement_trust a row it confirms\n" +
			"is judged on it without a query (docs/statements.md).",
		UsageText: "recon run --config FILE --ledger FILE [--report FILE.json] [--csv FILE] [--run-id ID]\n\n" +
			"Examples:\n" +
			"   recon run --config /etc/recon/recon.yaml --ledger orders.csv --report report.json\n" +
			"   RECON_CONFIG=/etc/recon/recon.yaml RECON_LEDGER=orders.csv recon run --log-format json\n" +
			"   recon run --config recon.yaml --ledger orders.csv --statement shop-upay=bills/upay-2026-11-30.csv\n" +
			"   recon run --config recon.yaml --ledger orders.csv --statement-date 2026-11-30   # statement: patterns\n" +
			"   recon run --config recon.yaml --ledger orders.csv --store shard1.db --shard 1/3 --publish s3://recon/nights/2026-11-22",
		// Every flag of the nightly job has a variable too, for a crontab or a
		// Kubernetes manifest that sets the environment, not the arguments.
		Flags: withEnv(append([]cli.Flag{
			configFlag, storeFlag, noProgressFlag,
			&cli.StringFlag{Name: "ledger", Aliases: []string{"l"}, Usage: "the merchant's ledger `FILE` (.csv or .jsonl)"},
			&cli.StringFlag{Name: "ledger-format", Usage: "csv or jsonl, when the extension does not say"},
			reportFlag, csvFlag,
			&cli.StringFlag{Name: "run-id", Usage: "the run's `ID` (default: date, time and 4 random hex digits); an unfinished run of that ID is resumed"},
			&cli.BoolFlag{Name: "full", Usage: "query every row, even those the rules' should_query hook would judge on their stored answer"},
			&cli.BoolFlag{Name: "allow-empty", Usage: "a ledger without data rows completes (otherwise exit 1: a failed export looks just like it)"},
			&cli.StringSliceFlag{Name: "statement", Usage: "the provider's statement (对账单) of an account, `ACCOUNT=FILE` (repeatable; over the config's statement:); its rows the ledger lacks are MISSING_IN_LEDGER"},
			&cli.StringFlag{Name: "statement-date", Usage: "the `DAY` (YYYY-MM-DD) the statements cover, for the config's {date} patterns and the period (default: yesterday in each account's zone)"},
		}, append(observeFlags(), shardFlags()...)...)),
		Action: func(c *cli.Context) error {
			if c.String("ledger") == "" {
				return usagef("recon run --config FILE --ledger FILE", "recon run needs --ledger")
			}
			if c.NArg() > 0 {
				return usagef("flags go before nothing else", "unexpected argument %q", c.Args().First())
			}
			if err := checkRunID(c); err != nil {
				return err
			}
			// A mistake on the command line, as --format's is: not the
			// ledger's fault (a file whose extension says nothing is).
			if f := c.String("ledger-format"); f != "" && f != ledger.FormatCSV && f != ledger.FormatJSONL {
				return usagef("use csv or jsonl", "--ledger-format %q is not a ledger format", f)
			}
			log, err := logger(c)
			if err != nil {
				return err
			}
			cfg, err := loadConfig(c)
			if err != nil {
				return err
			}
			part, err := nightOf(c, cfg) // this run's part of a sharded night: merge_night.go
			if err != nil {
				return err
			}
			// A shard that fails before its run starts still publishes why,
			// or the merge could only say it is missing; but not over a
			// store another attempt holds, which publishes for itself (and
			// may have done so already).
			early := func(err error) error {
				if errors.Is(err, store.ErrLocked) {
					return err
				}
				return part.publish(c, log, nil, cfg, nil, err, false)
			}
			day, err := statementDate(c)
			if err != nil {
				return early(err)
			}
			if err := ruleFilesReadable(cfg); err != nil {
				return early(err)
			}
			if err := refuseClashes(c, cfg, storePath(c, cfg)); err != nil {
				return early(err)
			}
			db, err := openStore(c, cfg)
			if err != nil {
				return early(err)
			}
			defer db.Close()
			// Before anything is sent: a plugin or a credential's name
			// mistyped, or a report that cannot be written, is a bad config
			// now rather than a night of findings.
			plugins, err := preflightRun(c, cfg, log)
			if err != nil {
				return early(err)
			}
			defer plugins.Close()
			stmts, err := engine.StatementFiles(c.StringSlice("statement"))
			if err != nil {
				return early(usagef("--statement shop-upay=bills/upay-2026-11-30.csv", "%v", err))
			}
			opt := engine.Options{Config: cfg, Store: db, LedgerPath: c.String("ledger"),
				LedgerFormat: c.String("ledger-format"), RunID: c.String("run-id"), Full: c.Bool("full"),
				AllowEmpty: c.Bool("allow-empty"), Log: log, Host: plugins, Statements: stmts, StatementDay: day}
			// Progress, metrics and alerts: observe.go.
			obs, err := observe(c, cfg, &opt)
			if err != nil {
				return early(err)
			}
			part.apply(cfg, &opt, obs)
			run, _, err := engine.Run(c.Context, opt)
			obs.stopProgress()
			part.record(log, db, run)
			noAnswers, err := part.settle(err)
			err = obs.finish(c, db, cfg, run, conclude(c, log, db, cfg, run, err))
			return part.publish(c, log, db, cfg, run, err, noAnswers)
		},
	}
}

// statementDate is --statement-date, the zero time when not given (each
// account's yesterday, engine.StatementDay).
func statementDate(c *cli.Context) (time.Time, error) {
	v := c.String("statement-date")
	if v == "" {
		return time.Time{}, nil
	}
	day, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, usagef("--statement-date 2026-11-30", "--statement-date %q is not a date YYYY-MM-DD", v)
	}
	return day, nil
}

// ruleFilesReadable is a bad config naming the line of rules: when one of
// cfg's rule files cannot be read. The rules load later, in the run; this
// says so before the store is made and a plugin started, at the config's
// line rather than as a file alone.
func ruleFilesReadable(cfg *config.Config) error {
	for i, p := range cfg.Rules {
		f, err := os.Open(p)
		if err != nil {
			if pe, ok := errors.AsType[*fs.PathError](err); ok {
				err = pe.Err
			}
			return cfg.Problem(fmt.Sprintf("rules[%d]", i), "cannot read %s: %v", p, err)
		}
		f.Close()
	}
	return nil
}
