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
