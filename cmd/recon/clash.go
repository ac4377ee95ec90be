package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/preflight"
)

// refuseClashes is a usage error when a file the command would write (its
// outputFlags) is one it reads or keeps (its config and cfg's rule files,
// when cfg is not nil, its ledger, statements, rule files, shards file, or
// store, "" for none) or another output: the night would otherwise end by
// replacing the ledger with its CSV report, or the config and its secrets
// with the JSON one. It comes before the store is opened and before any
// query.
func refuseClashes(c *cli.Context, cfg *config.Config, store string) error {
	ins := []preflight.Output{{Flag: "--store", Path: store}}
	if cfg != nil {
		for _, r := range cfg.Rules {
			ins = append(ins, preflight.Output{Flag: "the config's rules:", Path: r})
		}
	}
	for _, r := range c.StringSlice("rules") {
		ins = append(ins, preflight.Output{Flag: "--rules", Path: r})
	}
	for _, name := range []string{"config", "ledger", "shards-file"} {
		ins = append(ins, preflight.Output{Flag: "--" + name, Path: c.String(name)})
	}
	for _, s := range c.StringSlice("statement") {
		_, p, _ := strings.Cut(s, "=")
		ins = append(ins, preflight.Output{Flag: "--statement", Path: p})
	}
	if err := preflight.Clash(ins, outputsOf(c)); err != nil {
		return usagef("give each output a file of its own", "%v", err)
	}
	return nil
}

// outputsOf are the files c was asked to write (its outputFlags given).
func outputsOf(c *cli.Context) []preflight.Output {
	var outs []preflight.Output
	for _, name := range outputFlags {
		if p := c.String(name); p != "" {
			outs = append(outs, preflight.Output{Flag: "--" + name, Path: p})
		}
	}
	return outs
}
