package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/host"
)

func pluginsCommand() *cli.Command {
	return &cli.Command{
		Name:  "plugins",
		Usage: "the providers available: built in and from the config's plugin_dir, with version and sha256",
		Description: "Each plugin is started once to ask its name and version. A plugin_dir binary pinned in the\n" +
			"config's plugins: map is refused when its sha256 differs.",
		UsageText: "recon plugins [--config FILE]\n\n" +
			"Examples:\n" +
			"   recon plugins\n" +
			"   recon plugins --config recon.yaml   # with the config's plugin_dir and pins",
		Flags: []cli.Flag{configFlag},
		Action: func(c *cli.Context) error {
			var dir string
			var pins map[string]string
			if c.String("config") != "" {
				cfg, err := config.Load(c.String("config"), nil)
				if err != nil {
					return err
				}
				dir, pins = cfg.PluginDir, cfg.Plugins
			}
			h, err := host.New(dir, pins, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				return err
			}
			defer h.Close()
			specs, err := h.Available()
			if err != nil {
				return err
			}
			tw := table(c.App.Writer)
			fmt.Fprintln(tw, "NAME\tSOURCE\tVERSION\tREFUNDS\tSHA256\tPATH")
			for _, s := range specs {
				src := "plugin_dir"
				if s.Builtin {
					src = "built in"
				}
				info, err := h.Describe(c.Context, s)
				version, refunds := "?", "?"
				if err != nil {
					version = "error: " + err.Error()
				} else {
					version, refunds = info.Version, fmt.Sprint(info.RefundQuery)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, src, version, refunds, s.SHA256, s.Path)
			}
			return tw.Flush()
		},
	}
}
