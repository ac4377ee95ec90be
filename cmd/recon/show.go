package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/internal/printable"
)

func showCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "one order's history across runs: every result of it and its refunds",
		ArgsUsage: "ORDER_NO",
		Description: "Lists, oldest run first, every stored result of the order (its payment row and its refund rows):\n" +
			"verdict, severity, what the ledger and the provider said. Exit 1 when no stored run has the order.",
		UsageText: "recon show ORDER_NO [--account A] [--format text|json]\n\n" +
			"Examples:\n" +
			"   recon show A1001 --config recon.yaml\n" +
			"   recon show A1001 --account shop-upay --format json",
		Flags: []cli.Flag{
			configFlag, storeFlag, formatFlag,
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
			asJSON, err := jsonFormat(c)
			if err != nil {
				return err
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
			type shown struct {
				RunID     string    `json:"run_id"`
				StartedAt time.Time `json:"started_at"`
				recon.Result
			}
			var found []shown
			for _, run := range runs {
				err := db.Results(run.ID, func(r recon.Result) error {
					if r.OrderNo == orderNo && (account == "" || r.Account == account) {
						found = append(found, shown{RunID: run.ID, StartedAt: run.StartedAt, Result: r})
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			if len(found) == 0 {
				return fmt.Errorf("order %q is in no stored run", orderNo)
			}
			if asJSON {
				return writeJSON(c.App.Writer, found)
			}
			tw := table(c.App.Writer)
			fmt.Fprintln(tw, "RUN\tSTARTED\tLINE\tACCOUNT\tTYPE\tREFUND\tVERDICT\tSEVERITY\tLEDGER\tPROVIDER\tDETAIL")
			for _, s := range found {
				r := s.Result
				q := printable.Quote // the ledger's and the providers' text, on a terminal
				prov := "-"
				if p := r.Provider; p != nil {
					prov = fmt.Sprintf("%s (%s) %s", p.Status, q(p.RawStatus), p.Amount)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s %s\t%s\t%s\n", s.RunID,
					s.StartedAt.Local().Format(time.DateTime), q(r.Where()), q(r.Account), r.Kind, q(r.RefundNo), q(string(r.Verdict)),
					r.Severity, q(string(r.Local.Status)), q(r.Local.Amount), prov, q(r.Detail))
			}
			return tw.Flush()
		},
	}
}
