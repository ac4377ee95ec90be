package builtin

// One line per built-in provider. Keep them sorted.
func init() {
	// register(Provider{Name: "edgeros", New: edgeros.New, NewSimulator: edgeros.NewSimulatorDefault})
	// register(Provider{Name: "paypro", New: paypro.New, NewSimulator: paypro.NewSimulatorDefault})
	// register(Provider{Name: "upay", New: upay.New, NewSimulator: upay.NewSimulatorDefault})
	// register(Provider{Name: "vborder", New: vborder.New, NewSimulator: vborder.NewSimulatorDefault})
}
