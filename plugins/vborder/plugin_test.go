package vborder_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/vborder"
)

// envServe makes the test binary serve the vborder plugin, so that the test
// below can run it as a real plugin process.
const envServe = "VBORDER_TEST_SERVE_PLUGIN"

func TestMain(m *testing.M) {
	if os.Getenv(envServe) == "1" {
		plugins.Serve(vborder.New())
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var (
	_ plugins.Provider = (*vborder.Provider)(nil)
	_ simkit.Simulator = (*vborder.Simulator)(nil)
)

// The provider as its own process, over go-plugin's gRPC, against the
// simulator over loopback HTTP.
func TestAsPluginProcess(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envServe+"=1")
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  plugins.Handshake,
		VersionedPlugins: plugins.HostPlugins(),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           hclog.NewNullLogger(),
	})
	defer client.Kill()
	remote, err := plugins.Dispense(client)
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	info, err := remote.Info(ctx)
	if err != nil || info.Name != "vborder" || info.RefundQuery {
		t.Fatalf("info %+v, %v", info, err)
	}
	sim, url := newSim(t)
	acct := account(sim, url, nil)
	acct.Location, _ = time.LoadLocation("Asia/Shanghai")
	if err := remote.Configure(ctx, acct); err != nil {
		t.Fatal(err)
	}
	bad := account(sim, url, func(c map[string]string) { delete(c, "sign_key") })
	if err := remote.Configure(ctx, bad); err == nil {
		t.Error("configure without sign_key accepted")
	}

	res, err := remote.Query(ctx, plugins.Query{Kind: plugins.Payment, OrderNo: "202209070002", Attempt: 1}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	a := res.Answer
	paidAt := time.Date(2022, 9, 7, 1, 41, 58, 0, time.UTC)
	if res.Outcome != plugins.OutcomeFound || !res.Verified || a.Status != "SUCCESS" || a.Amount == nil || *a.Amount != 1 ||
		!a.PaidAt.Equal(paidAt) || a.TradeNo != "S1567327155606323202" || a.Fields["payerInfo"] != "{}" ||
		res.Request != "POST /api/vborder/order/standard/qrcodeQuery orderNo=202209070002" {
		t.Errorf("paid: %v %s %+v", res.Outcome, res.Err, a)
	}
	for order, want := range map[string]plugins.Outcome{
		"NO-SUCH":        plugins.OutcomeNotFound,
		"VB-DEMO-TAMPER": plugins.OutcomeUnverifiable,
		"VB-DEMO-DOWN":   plugins.OutcomeTransient,
	} {
		res, err := remote.Query(ctx, plugins.Query{Kind: plugins.Payment, OrderNo: order, Attempt: 1}, 5*time.Second)
		if err != nil || res.Outcome != want {
			t.Errorf("%s: %v %s, %v; want %v", order, res.Outcome, res.Err, err, want)
		}
	}
	res, err = remote.Query(ctx, plugins.Query{Kind: plugins.Refund, OrderNo: "202209070002", RefundNo: "R1", Attempt: 1}, 5*time.Second)
	if err != nil || res.Outcome != plugins.OutcomeUnsupported {
		t.Errorf("refund: %v %s, %v", res.Outcome, res.Err, err)
	}
}
