package plugintest

import (
	"context"
	"testing"

	"github.com/reconhq/recon/rules"
)

// RuleFixtures runs a built-in provider's rule fixtures
// (rules/builtin/fixtures/PROVIDER.yaml, embedded in package rules) through
// r, the rule set the provider's tests judge with, and fails t for every
// case that does not get its verdict, or when fewer than atLeast ran (a
// fixture file cut short is not a pass).
func RuleFixtures(t testing.TB, r *rules.Rules, provider string, atLeast int) {
	t.Helper()
	all, err := rules.BuiltinFixtures()
	if err != nil {
		t.Fatal(err)
	}
	name := rules.BuiltinPrefix + "fixtures/" + provider + ".yaml"
	src, ok := all[name]
	if !ok {
		t.Fatalf("no built-in fixtures %s", name)
	}
	res, err := r.RunFixtures(context.Background(), map[string][]byte{provider + ".yaml": src})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) < atLeast {
		t.Fatalf("only %d fixture cases of %s ran", len(res), provider)
	}
	for _, c := range res {
		if c.Problem != "" {
			t.Errorf("%s: %s (got %+v)", c.Name, c.Problem, c.Got)
		}
	}
}
