package main

import (
	"maps"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/preflight"
)

// refuseClashes is a usage error when a file the command would write (its
// outputFlags) is one it reads or keeps (its config and, when cfg is not
// nil, the files cfg names: rule files, credentials' X_file, the night's
// statement: files; its ledger, statements, rule files, shards file, or
// store, "" for none) or another output: the night would otherwise end by
// replacing the ledger with its CSV report, or the config, a private key
// or the provider's statement with the JSON one. It comes before the store
// is opened and before any query.
func refuseClashes(c *cli.Context, cfg *config.Config, store string) error {
	ins := []preflight.Output{{Flag: "--store", Path: store}}
	if cfg != nil {
		ins = append(ins, configInputs(c, cfg)...)
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

// configInputs are the files cfg has recon read: its rule files, its
// credentials' X_file and each account's statement file of the night
// (--statement-date's or yesterday's; run refuses a bad date before this).
func configInputs(c *cli.Context, cfg *config.Config) []preflight.Output {
	var ins []preflight.Output
	for _, r := range cfg.Rules {
		ins = append(ins, preflight.Output{Flag: "the config's rules:", Path: r})
	}
	// The night's statement: files (run's, and what check and replay
	// check for it: --statement-date's day, else yesterday); an account's
	// --statement replaces the config's.
	day, dayErr := statementDate(c)
	statements := dayErr == nil
	named := map[string]bool{}
	for _, s := range c.StringSlice("statement") {
		account, _, _ := strings.Cut(s, "=")
		named[account] = true
	}
	for _, name := range cfg.AccountNames() {
		a := cfg.Accounts[name]
		for _, k := range slices.Sorted(maps.Keys(a.CredentialFiles)) {
			ins = append(ins, preflight.Output{Flag: "the config's accounts." + name + ".credentials." + k + ":",
				Path: a.CredentialFiles[k]})
		}
		if st := a.Statement; statements && st != nil && st.Pattern != "" && !named[name] {
			ins = append(ins, preflight.Output{Flag: "the config's accounts." + name + ".statement:",
				Path: st.Path(engine.StatementDay(day, a.Location))})
		}
	}
	return ins
}
