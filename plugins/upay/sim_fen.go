package upay

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon/plugins/money"
)

// Fen is an amount in fen (minor units) in a scenario. It reads only a whole
// number: YAML decoding into a plain int64 would silently truncate 1.5 to 1.
type Fen int64

// UnmarshalYAML accepts 1234 or "1234" and nothing else.
func (f *Fen) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!str") {
		return fmt.Errorf("line %d: amount %q is not a whole number of fen", n.Line, n.Value)
	}
	v, err := money.ParseMinor(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*f = Fen(v)
	return nil
}
