package simyaml

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// maxMinor is the largest amount accepted, as money.MaxMinor: rules run in
// Lua, whose numbers are doubles, exact only up to 2^53. (Not imported, so
// that this package builds on the standard library and yaml alone.)
const maxMinor = 1<<53 - 1

// Minor is an amount in minor units (fen for CNY) in a scenario. It reads a
// YAML integer or a quoted string of digits, and nothing else: no fraction
// (1.5, or 1.0, which could as well mean one yuan), no exponent, no sign, no
// leading zero (YAML readers take 012 as octal), no underscores, no null
// tag. A null or empty value is not seen by UnmarshalYAML at all (yaml.v3
// leaves the field as it was); use *Minor to tell "absent" from 0.
type Minor int64

// UnmarshalYAML reads a whole, non-negative number of minor units.
func (m *Minor) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: an amount must be a whole number of minor units (fen), not a YAML %s", n.Line, kind(n.Kind))
	}
	v, why := parse(n)
	if why != "" {
		return fmt.Errorf("line %d: amount %.24q is not a whole number of minor units (fen): %s", n.Line, n.Value, why)
	}
	*m = Minor(v)
	return nil
}

const fraction = "amounts in a scenario are integers of the smallest unit (write 150 for 1.50 yuan), " +
	"so that no amount is ever rounded or truncated"

// parse returns the amount, or why n is not one.
func parse(n *yaml.Node) (int64, string) {
	s := n.Value
	switch tag := n.ShortTag(); {
	case tag == "!!float" && digits(s):
		// An integer too large for yaml.v3's int resolves as a float: the
		// range check below explains it better than "fraction" would.
	case tag == "!!float":
		return 0, fraction
	case tag != "!!int" && tag != "!!str":
		return 0, "want an integer such as 150"
	case s == "":
		return 0, "it is empty"
	case s[0] == '-':
		return 0, "amounts must not be negative"
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			if s[i] == '.' {
				return 0, fraction
			}
			return 0, "only the digits 0-9 may be used (no sign, exponent, underscore or hex)"
		}
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, "a leading zero is ambiguous (YAML readers take 012 as octal)"
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v > maxMinor {
		return 0, fmt.Sprintf("it is above %d, the largest amount rules can hold exactly", int64(maxMinor))
	}
	return v, ""
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func kind(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}
