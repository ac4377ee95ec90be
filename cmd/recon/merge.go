package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/metrics"
	"github.com/reconhq/recon/engine/preflight"
	"github.com/reconhq/recon/engine/publish"
	"github.com/reconhq/recon/store"
)

// mergePoll is how often --wait looks for the shards' manifests again.
const mergePoll = 15 * time.Second

func mergeCommand() *cli.Command {
	return &cli.Command{
		Name:      "merge",
		Usage:     "merge the published outputs of a sharded night into one report and exit status",
		ArgsUsage: " ",
		Description: "Reads the manifest of each of the night's COUNT shards (recon run --shard I/COUNT --publish URL),\n" +
			"checks that every shard completed, that each file is what its manifest says (sha256) and that all\n" +
			"read the same ledger, rules and config, then writes the reports and exits as one run over the whole\n" +
			"ledger would have: 0, or 3 with findings at or above fail_on. A shard missing or failed is exit 1,\n" +
			"naming it: run that shard again (it resumes its own store) and merge again. Merging is idempotent.",
		UsageText: "recon merge --shards COUNT --from URL [--report FILE.json] [--csv FILE] [--html FILE] [--wait DURATION]\n\n" +
			"Examples:\n" +
			"   recon merge --shards 3 --from /mnt/nights/2026-11-22 --report night.json --html night.html\n" +
			"   RECON_SHARDS=8 recon merge --from s3://recon-nights/2026-11-22 --wait 6h --pushgateway http://pushgateway:9091",
		Flags: withEnv(append([]cli.Flag{
			&cli.IntFlag{Name: "shards", Usage: "the night's shard `COUNT` (as --shard INDEX/COUNT gave it)"},
			&cli.StringFlag{Name: "from", EnvVars: []string{"RECON_FROM", "RECON_PUBLISH"},
				Usage: "the night's `URL`, as the shards' --publish gave it (a directory, file://, s3://, gs://)"},
			reportFlag, csvFlag,
			&cli.StringFlag{Name: "html", Usage: "write the one-page HTML report to `FILE`"},
			&cli.DurationFlag{Name: "wait", Usage: "while shards are missing or failed, look again every 15s for up to `DURATION` " +
				"(the shards may still run, or be retried) before refusing"},
			configFlag, // optional: for its pushgateway and notify settings
		}, observeFlags()...)),
		Action: func(c *cli.Context) error {
			if c.Int("shards") < 1 || c.String("from") == "" {
				return usagef("recon merge --shards COUNT --from URL", "recon merge needs --shards COUNT (at least 1) and --from URL")
			}
			if c.NArg() > 0 {
				return usagef("see recon merge --help", "unexpected argument %q", c.Args().First())
			}
			log, err := logger(c)
			if err != nil {
				return err
			}
			cfg := &config.Config{}
			if c.String("config") != "" {
				if cfg, err = loadConfigWithoutSecrets(c.String("config")); err != nil {
					return err
				}
			}
			// The merge's store is its own, in a folder of its own. Its
			// outputs are checked before a --wait that may last hours.
			if err := refuseClashes(c, nil, ""); err != nil {
				return err
			}
			if ps := preflight.Outputs(outputsOf(c)); len(ps) > 0 {
				return ps
			}
			n, err := publish.Open(c.Context, c.String("from"))
			if err != nil {
				return err
			}
			defer n.Close()
			count := c.Int("shards")
			ms, err := n.Await(c.Context, count, c.Duration("wait"), mergePoll)
			if err != nil {
				return err
			}
			// The shards' results go through a store of the merge's own, so
			// that the report is the one report code's, row for row.
			dir, err := os.MkdirTemp("", "recon-merge-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			db, err := store.Open(filepath.Join(dir, "night.db"), storeLockWait)
			if err != nil {
				return err
			}
			defer db.Close()
			run, err := n.Merge(c.Context, ms, db)
			if err != nil {
				return err
			}
			// The night's own settings: the ones every shard ran under.
			nightCfg := *cfg
			nightCfg.FailOn = run.FailOn
			obs, err := newObserver(c, &nightCfg, log)
			if err != nil {
				return err
			}
			if len(cfg.Accounts) == 0 {
				obs.grouping = metrics.Grouping(ms[0].Accounts)
			}
			var runErr error
			if run.Status != store.StatusCompleted {
				runErr = fmt.Errorf("%s: %w", n.URL, engine.ErrNoAnswers)
			}
			sum, err := concluded(c, db, &nightCfg, run, runErr, true)
			attrs := []any{"url", n.URL, "shards", count, "run_id", run.ID, "rows", run.Stats.Rows,
				"exit_status", exitStatus(err)}
			if sum != nil {
				attrs = append(attrs, "findings", sum.Findings)
			}
			log.Info("night merged", attrs...)
			return obs.finish(c, db, &nightCfg, run, err)
		},
	}
}
