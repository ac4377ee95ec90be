package main

import (
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine/report"
	"github.com/reconhq/recon/store"
)

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "a stored run's report, again",
		ArgsUsage: " ",
		Description: "Writes the report of a run in the store as run wrote it (or would have): the JSON report, the\n" +
			"CSV, the text summary or a self-contained HTML page. Nothing is queried or judged again. Use it\n" +
			"when a run's --report could not be written, or for a format it was not asked for.",
		UsageText: "recon report --run ID|latest [--format text|json|csv|html] [--out FILE]\n\n" +
			"Examples:\n" +
			"   recon report --config recon.yaml --run latest --out night.html\n" +
			"   recon report --store recon.db --run 20261122-0200-7f3a --format json",
		Flags: []cli.Flag{
			configFlag, storeFlag,
			&cli.StringFlag{Name: "run", Usage: "the run `ID` (see recon runs), latest or latest~N"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text, json, csv or html (default: by --out's extension, .json, .csv or .html; else text)"},
			&cli.StringFlag{Name: "out", Usage: "write to `FILE` instead of stdout"},
		},
		Action: func(c *cli.Context) error {
			if c.String("run") == "" {
				return usagef("recon runs lists the stored runs", "recon report needs --run ID")
			}
			format := c.String("format")
			if !c.IsSet("format") {
				format = formatOf(c.String("out"))
			}
			if !slices.Contains(report.Formats, format) {
				return usagef("use text, json, csv or html", "--format %q is not a report format", format)
			}
			p, err := storedRunsPath(c)
			if err != nil {
				return err
			}
			if err := refuseClashes(c, nil, p); err != nil {
				return err
			}
			db, err := store.OpenReadOnly(p, storeLockWait)
			if err != nil {
				return err
			}
			defer db.Close()
			id, err := resolveRun(db, c.String("run"))
			if err != nil {
				return err
			}
			run, err := db.Run(id)
			if err != nil {
				return err
			}
			write := func(w io.Writer) error { return report.Write(w, db, run, format, run.FailOn) }
			if p := c.String("out"); p != "" {
				return writeFile(p, write)
			}
			return write(c.App.Writer)
		},
	}
}

// formatOf is the report format out's extension names, text for any other
// (or none): --out night.html without --format is the HTML page.
func formatOf(out string) string {
	switch strings.ToLower(filepath.Ext(out)) {
	case ".json":
		return "json"
	case ".csv":
		return "csv"
	case ".html", ".htm":
		return "html"
	}
	return "text"
}
