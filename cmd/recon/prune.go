package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/store"
)

func pruneCommand() *cli.Command {
	return &cli.Command{
		Name:  "prune",
		Usage: "drop old runs from the store, then compact it to the size of what is kept",
		Description: "Drops the runs --keep and --older-than select (given both, a run is dropped only when both\n" +
			"select it), their results and replies, and the orders' latest results that point at them (those\n" +
			"orders are queried afresh on the next night); a run still marked running is never dropped. Then\n" +
			"the store is rewritten into a new file holding only what is kept, renamed over the old one.",
		UsageText: "recon prune [--config FILE | --store FILE] (--keep N | --older-than DURATION)\n\n" +
			"Examples:\n" +
			"   recon prune --store /var/lib/recon/recon.db --keep 30\n" +
			"   recon prune --config recon.yaml --older-than 90d",
		Flags: []cli.Flag{configFlag, storeFlag,
			&cli.IntFlag{Name: "keep", Usage: "keep the `N` newest runs"},
			&cli.StringFlag{Name: "older-than", Usage: "drop runs started more than `DURATION` ago (e.g. 90d, 36h)"},
		},
		Action: func(c *cli.Context) error {
			if _, err := positionals(c); err != nil {
				return err
			}
			opts := store.PruneOptions{Keep: c.Int("keep")}
			if c.IsSet("keep") && opts.Keep <= 0 {
				return usagef("--keep 30 keeps the 30 newest runs", "--keep must be at least 1")
			}
			if s := c.String("older-than"); s != "" {
				d, err := parseAge(s)
				if err != nil {
					return usagef("--older-than takes a duration such as 90d or 36h", "--older-than %q: %v", s, err)
				}
				opts.OlderThan = d
			}
			if opts.Keep == 0 && opts.OlderThan == 0 {
				return usagef("recon prune --keep N, or --older-than DURATION", "recon prune needs --keep or --older-than")
			}
			db, err := openStoredRunsForWriting(c)
			if err != nil {
				return err
			}
			path := db.Path()
			dropped, err := db.Prune(opts)
			if cerr := db.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			out := c.App.Writer
			if len(dropped) == 0 {
				fmt.Fprintln(out, "no run to drop")
			} else {
				fmt.Fprintf(out, "dropped %d runs: %s\n", len(dropped), strings.Join(dropped, " "))
			}
			st, err := store.Compact(path, storeLockWait)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "store %s: %d bytes, compacted to %d\n", path, st.Before, st.After)
			return nil
		},
	}
}

// parseAge is time.ParseDuration with days (d) too.
func parseAge(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, fmt.Errorf("not a number of days")
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err == nil && d <= 0 {
		err = fmt.Errorf("not a positive duration")
	}
	return d, err
}
