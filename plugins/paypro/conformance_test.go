package paypro_test

import (
	"os"
	"testing"

	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/paypro"
	"github.com/reconhq/recon/plugins/paypro/sim"
	"github.com/reconhq/recon/plugins/plugintest"
)

func TestMain(m *testing.M) {
	plugintest.ServeIfChild(func() plugins.Provider { return paypro.New() })
	os.Exit(m.Run())
}

func TestConformance(t *testing.T) { plugintest.Conformance(t, sim.New()) }
