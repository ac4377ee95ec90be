package builtin

import (
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/edgeros"
	edgerossim "github.com/reconhq/recon/plugins/edgeros/sim"
	"github.com/reconhq/recon/plugins/paypro"
	payprosim "github.com/reconhq/recon/plugins/paypro/sim"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/upay"
	upaysim "github.com/reconhq/recon/plugins/upay/sim"
	"github.com/reconhq/recon/plugins/vborder"
	vbordersim "github.com/reconhq/recon/plugins/vborder/sim"
)

// One line per built-in provider. Keep them sorted.
func init() {
	register(Provider{Name: "edgeros", New: func() plugins.Provider { return edgeros.New() }, NewSimulator: func() simkit.Simulator { return edgerossim.New() }})
	register(Provider{Name: "paypro", New: func() plugins.Provider { return paypro.New() }, NewSimulator: func() simkit.Simulator { return payprosim.New() }})
	register(Provider{Name: "upay", New: func() plugins.Provider { return upay.New() }, NewSimulator: func() simkit.Simulator { return upaysim.New() }})
	register(Provider{Name: "vborder", New: func() plugins.Provider { return vborder.New() }, NewSimulator: func() simkit.Simulator { return vbordersim.New() }})
}
