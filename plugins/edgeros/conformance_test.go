package edgeros_test

import (
	"os"
	"testing"

	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/edgeros"
	"github.com/reconhq/recon/plugins/plugintest"
)

func TestMain(m *testing.M) {
	plugintest.ServeIfChild(func() plugins.Provider { return edgeros.New() })
	os.Exit(m.Run())
}

func TestConformance(t *testing.T) { plugintest.Conformance(t, edgeros.NewSimulator()) }
