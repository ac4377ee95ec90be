package edgeros_test

import (
	"os"
	"testing"

	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/edgeros"
	edgerossim "github.com/reconhq/recon/plugins/edgeros/sim"
	"github.com/reconhq/recon/plugins/plugintest"
)

// TestMain lets the test binary serve the provider as a plugin process when
// the conformance kit starts it again.
func TestMain(m *testing.M) {
	plugintest.ServeIfChild(func() plugins.Provider { return edgeros.New() })
	os.Exit(m.Run())
}

func TestConformance(t *testing.T) { plugintest.Conformance(t, edgerossim.New()) }
