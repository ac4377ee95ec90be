package builtin

import (
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/edgeros"
	"github.com/reconhq/recon/plugins/paypro"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/upay"
	"github.com/reconhq/recon/plugins/vborder"
)

// One line per built-in provider. Keep them sorted.
func init() {
	register(Provider{Name: "edgeros", New: func() plugins.Provider { return edgeros.New() }, NewSimulator: func() simkit.Simulator { return edgeros.NewSimulator() }})
	register(Provider{Name: "paypro", New: func() plugins.Provider { return paypro.New() }, NewSimulator: func() simkit.Simulator { return paypro.NewSimulator() }})
	register(Provider{Name: "upay", New: func() plugins.Provider { return upay.New() }, NewSimulator: func() simkit.Simulator { return upay.NewSimulator() }})
	register(Provider{Name: "vborder", New: func() plugins.Provider { return vborder.New() }, NewSimulator: func() simkit.Simulator { return vborder.NewSimulator() }})
}
