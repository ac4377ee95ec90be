package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// positionals returns a command's arguments and applies the flags written
// after them (`recon show A1 --account shop`), which urfave/cli leaves
// unparsed: operators write flags where they please.
func positionals(c *cli.Context) ([]string, error) {
	args := c.Args().Slice()
	hint := "see " + commandPath(c) + " --help"
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(pos, args[i+1:]...), nil
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !hasVal && isBoolFlag(c, name) {
			val, hasVal = "true", true
		}
		if !hasVal {
			if i+1 >= len(args) {
				return nil, usagef(hint, "flag %s needs a value", a)
			}
			i++
			val = args[i]
		}
		if err := c.Set(name, val); err != nil {
			return nil, usagef(hint, "flag %s: %v", a, err)
		}
	}
	return pos, nil
}

// isBoolFlag reports whether the command's flag of that name takes no value.
func isBoolFlag(c *cli.Context, name string) bool {
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			if n == name {
				_, ok := f.(*cli.BoolFlag)
				return ok
			}
		}
	}
	return false
}

// maxRunID bounds a --run-id: a name for a night, not a message.
const maxRunID = 128

// checkRunID is a usage error for a --run-id other than letters, digits,
// '.', '_', '-', ':' and '+' (those recon makes are 20261122-0200-7f3a; a
// scheduler's are timestamps, 2026-11-22T02:00:00+00:00): an ID is
// printed in columns by recon runs and named in messages, and
// a slash, a space or a newline broke them. latest is no ID: it names the
// newest run wherever a run ID is taken.
func checkRunID(c *cli.Context) error {
	id := c.String("run-id")
	if id == "" {
		return nil
	}
	if strings.HasPrefix(id, latestRun) {
		return usagef("pick another ID", "--run-id %q: latest names the newest run wherever a run ID is taken", id)
	}
	ok := len(id) <= maxRunID
	for _, r := range id {
		ok = ok && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' || r == ':' || r == '+')
	}
	if !ok {
		return usagef("e.g. --run-id 20261122-nightly", "--run-id %q: a run ID is at most %d letters, digits, '.', '_', '-', ':' and '+'",
			id, maxRunID)
	}
	return nil
}
