package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/metrics"
	"github.com/reconhq/recon/engine/publish"
	"github.com/reconhq/recon/engine/shard"
	"github.com/reconhq/recon/store"
)

// run's side of a sharded night: which rows are this shard's, and
// publishing its outputs for recon merge.

// shardFlags are run's flags for it. --shard has no variable of its own:
// an Indexed Job's pod has $JOB_COMPLETION_INDEX, and $RECON_SHARDS says
// how many there are.
func shardFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "shard", EnvVars: []string{"RECON_SHARD"}, Usage: "run one shard of a sharded night: `INDEX/COUNT` " +
			"(INDEX from 0; default $JOB_COMPLETION_INDEX/$RECON_SHARDS): only the accounts assigned to it, into its own --store"},
		&cli.StringFlag{Name: "shards-file", Usage: "assign accounts to shards by `FILE` (YAML: account: shard index) instead of " +
			"the FNV-1a hash of the account name; every account of the config must be in it"},
		&cli.StringFlag{Name: "publish", Usage: "publish the shard's results and manifest to `URL` when it ends (a directory, " +
			"file://, s3://, gs://), for recon merge"},
	}
}

// night is this run's share of a sharded night; nil for an ordinary run.
type night struct {
	assign *shard.Assignment
	out    *publish.Night // nil: not published
}

// nightOf reads run's shard flags. Sharded (--shard, $RECON_SHARDS) or
// published (--publish alone is shard 0 of 1), it checks the shards file
// and opens the night's storage before the first query.
func nightOf(c *cli.Context, cfg *config.Config) (*night, error) {
	spec, sharded := shard.Spec{Index: 0, Count: 1}, c.String("shard") != "" || os.Getenv("RECON_SHARDS") != ""
	if !sharded && c.String("publish") == "" {
		if c.String("shards-file") != "" {
			return nil, usagef("give --shard INDEX/COUNT (or $JOB_COMPLETION_INDEX and $RECON_SHARDS)", "--shards-file without --shard")
		}
		return nil, nil
	}
	if sharded {
		var err error
		spec, err = shard.Parse(c.String("shard"), os.Getenv("JOB_COMPLETION_INDEX"), os.Getenv("RECON_SHARDS"))
		if err != nil {
			return nil, usagef("e.g. --shard 0/3; in an Indexed Job set RECON_SHARDS to its completions", "--shard: %v", err)
		}
	}
	a, err := shard.New(spec, c.String("shards-file"), cfg.AccountNames())
	if err != nil {
		return nil, err
	}
	n := &night{assign: a}
	if u := c.String("publish"); u != "" {
		if n.out, err = publish.Open(c.Context, u); err != nil {
			return nil, &publish.Error{URL: u, Path: publish.Dir(spec.Index, spec.Count), Err: err}
		}
	}
	return n, nil
}

// apply limits the run to the shard's rows, and its metrics to the
// shard's accounts: each shard keeps its own Pushgateway group.
func (n *night) apply(cfg *config.Config, opt *engine.Options, obs *observer) {
	if n == nil {
		return
	}
	opt.Accounts = n.assign.Mine
	var mine []string
	for _, name := range cfg.AccountNames() {
		if n.assign.Mine(name) {
			mine = append(mine, name)
		}
	}
	obs.grouping = metrics.Grouping(mine)
	opt.Log.Info("running one shard of the night", "shard", n.assign.Spec.String(), "accounts", len(mine),
		"shards_file", n.assign.File)
}

// record stores which shard the run was.
func (n *night) record(log *slog.Logger, db *store.DB, run *store.Run) {
	if n == nil || run == nil {
		return
	}
	run.Shard, run.Assignment = n.assign.Spec.String(), n.assign.Digest
	if err := db.PutRun(run); err != nil {
		log.Warn("the run's shard could not be recorded in the store", "err", err)
	}
}

// settle takes a published shard's no-answers (not one query of its
// accounts answered) for its part of the night, which it is: its rows are
// stored as ERROR, as an account whose provider is down is in a single
// run, and the night fails only if no shard got an answer, which is the
// merge's to say. The shard exits as with findings: exit 1 would have the
// Job run it again while the merge may already be reading it.
func (n *night) settle(err error) (noAnswers bool, _ error) {
	if n == nil || n.out == nil || !errors.Is(err, engine.ErrNoAnswers) {
		return false, err
	}
	return true, nil
}

// publish publishes the shard's outputs when --publish asks, whatever
// the outcome: a failed shard's manifest tells merge why. err is the
// run's result, noAnswers settle's; a shard not published is exit 1, so
// that it is run again.
func (n *night) publish(c *cli.Context, log *slog.Logger, db *store.DB, cfg *config.Config, run *store.Run, err error, noAnswers bool) error {
	if n == nil || n.out == nil {
		return err
	}
	defer n.out.Close()
	status := exitStatus(err)
	runErr := err
	if status == exitDiscrepancies {
		runErr = nil // findings are the report's, not an error
	}
	// Not c.Context: a shard stopped by a signal still says so.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Context), 5*time.Minute)
	defer cancel()
	perr := n.out.Publish(ctx, publish.Shard{Spec: n.assign.Spec, DB: db, Run: run, ExitStatus: status, Err: runErr,
		NoAnswers: noAnswers, Accounts: cfg.AccountNames()})
	if perr != nil {
		return errors.Join(err, perr)
	}
	log.Info("shard published", "url", n.out.URL, "shard", n.assign.Spec.String(), "exit_status", status)
	return err
}
