package main

import (
	"fmt"
	"sort"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "what changed between two runs: verdicts that differ, rows only in one",
		ArgsUsage: "RUN_A RUN_B",
		Flags:     []cli.Flag{configFlag, storeFlag},
		Action: func(c *cli.Context) error {
			args, err := positionals(c)
			if err != nil {
				return err
			}
			if len(args) != 2 {
				return usagef("recon diff RUN_A RUN_B (see recon runs)", "recon diff takes two run IDs")
			}
			db, err := openStoredRuns(c)
			if err != nil {
				return err
			}
			defer db.Close()
			a, err := resultsByOrder(db, args[0])
			if err != nil {
				return err
			}
			b, err := resultsByOrder(db, args[1])
			if err != nil {
				return err
			}
			keys := map[string]bool{}
			for k := range a {
				keys[k] = true
			}
			for k := range b {
				keys[k] = true
			}
			sorted := make([]string, 0, len(keys))
			for k := range keys {
				sorted = append(sorted, k)
			}
			sort.Strings(sorted)
			tw := table(c.App.Writer)
			fmt.Fprintf(tw, "ACCOUNT\tORDER\tTYPE\tREFUND\t%s\t%s\tDETAIL (B)\n", args[0], args[1])
			changed, onlyA, onlyB := 0, 0, 0
			for _, k := range sorted {
				ra, inA := a[k]
				rb, inB := b[k]
				va, vb := recon.Verdict("-"), recon.Verdict("-")
				if inA {
					va = ra.Verdict
				}
				if inB {
					vb = rb.Verdict
				}
				switch {
				case !inA:
					onlyB++
				case !inB:
					onlyA++
				case va == vb:
					continue
				default:
					changed++
				}
				r := rb
				if !inB {
					r = ra
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Account, r.OrderNo, r.Kind, r.RefundNo, va, vb, rb.Detail)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "%d verdicts changed, %d rows only in %s, %d only in %s\n",
				changed, onlyA, args[0], onlyB, args[1])
			return nil
		},
	}
}

// resultsByOrder indexes a run's results by order key (the first of repeats).
func resultsByOrder(db *store.DB, runID string) (map[string]recon.Result, error) {
	if _, err := db.Run(runID); err != nil {
		return nil, err
	}
	out := map[string]recon.Result{}
	err := db.Results(runID, func(r recon.Result) error {
		k := r.Key()
		if _, dup := out[k]; !dup {
			out[k] = r
		}
		return nil
	})
	return out, err
}
