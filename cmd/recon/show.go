package main

import (
	"fmt"
	"time"

	"github.com/reconhq/recon"
	"github.com/urfave/cli/v2"
)

func showCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "one order's history across runs: every result of it and its refunds",
		ArgsUsage: "ORDER_NO",
		Flags: []cli.Flag{
			configFlag, storeFlag,
			&cli.StringFlag{Name: "account", Usage: "only this `ACCOUNT` (an order number may exist at several)"},
		},
		Action: func(c *cli.Context) error {
			args, err := positionals(c)
			if err != nil {
				return err
			}
			if len(args) != 1 {
				return usagef("recon show ORDER_NO [--account A]", "recon show takes one order number")
			}
			orderNo, account := args[0], c.String("account")
			db, err := openStoredRuns(c)
			if err != nil {
				return err
			}
			defer db.Close()
			runs, err := db.Runs()
			if err != nil {
				return err
			}
			tw := table(c.App.Writer)
			fmt.Fprintln(tw, "RUN\tSTARTED\tLINE\tACCOUNT\tTYPE\tREFUND\tVERDICT\tLEDGER\tPROVIDER\tDETAIL")
			found := 0
			for _, run := range runs {
				err := db.Results(run.ID, func(r recon.Result) error {
					if r.OrderNo != orderNo || (account != "" && r.Account != account) {
						return nil
					}
					found++
					prov := "-"
					if p := r.Provider; p != nil {
						prov = fmt.Sprintf("%s (%s) %s", p.Status, p.RawStatus, p.Amount)
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s %s\t%s\t%s\n", run.ID,
						run.StartedAt.Local().Format(time.DateTime), r.Line, r.Account, r.Kind, r.RefundNo, r.Verdict,
						r.Local.Status, r.Local.Amount, prov, r.Detail)
					return nil
				})
				if err != nil {
					return err
				}
			}
			if found == 0 {
				return fmt.Errorf("order %q is in no stored run", orderNo)
			}
			return tw.Flush()
		},
	}
}
