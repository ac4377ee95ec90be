// Package builtin lists the providers compiled into recon. The recon binary
// runs each of them as its own plugin process by starting itself with
// EnvServe set, so a fresh clone needs no separate plugin build.
package builtin

import (
	"fmt"
	"os"
	"sort"

	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/simkit"
)

// EnvServe, when set to a built-in provider's name, makes the process serve
// that provider as a plugin instead of doing anything else.
const EnvServe = "RECON_BUILTIN_PLUGIN"

// Provider is a built-in provider: its plugin implementation and its simulator.
type Provider struct {
	Name         string
	New          func() plugins.Provider
	NewSimulator func() simkit.Simulator
}

var registry = map[string]Provider{}

func register(p Provider) {
	if _, dup := registry[p.Name]; dup {
		panic("builtin: provider registered twice: " + p.Name)
	}
	registry[p.Name] = p
}

// Lookup returns the built-in provider of that name.
func Lookup(name string) (Provider, bool) {
	p, ok := registry[name]
	return p, ok
}

// All returns the built-in providers sorted by name.
func All() []Provider {
	out := make([]Provider, 0, len(registry))
	for _, p := range registry {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ServeIfChild serves a built-in provider and exits when this process was
// started as its plugin; otherwise it returns at once. Call it first thing in
// main, and in TestMain of any test that starts built-in plugins, before
// anything writes to stdout.
func ServeIfChild() {
	name := os.Getenv(EnvServe)
	if name == "" {
		return
	}
	p, ok := Lookup(name)
	if !ok {
		fmt.Fprintf(os.Stderr, "recon: %s=%q names no built-in provider\n", EnvServe, name)
		os.Exit(1)
	}
	plugins.Serve(p.New())
	os.Exit(0)
}
