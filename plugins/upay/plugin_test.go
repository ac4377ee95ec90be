package upay

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/plugintest"
	"github.com/reconhq/recon/plugins/simkit"
)

func TestMain(m *testing.M) {
	plugintest.ServeIfChild(func() plugins.Provider { return New() })
	os.Exit(m.Run())
}

func TestConformance(t *testing.T) { plugintest.Conformance(t, NewSimulator()) }

var (
	_ plugins.Provider = (*Provider)(nil)
	_ simkit.Simulator = (*Simulator)(nil)
)

// The provider as its own process, over go-plugin's gRPC, against the
// simulator over loopback HTTP.
func TestAsPluginProcess(t *testing.T) {
	remote := plugintest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	info, err := remote.Info(ctx)
	if err != nil || info.Name != "upay" || !info.RefundQuery {
		t.Fatalf("info %+v, %v", info, err)
	}
	sim := NewSimulator()
	acct := plugins.Account{Name: "shop-upay", Endpoint: simServer(t, sim), Currency: "CNY",
		Location: time.UTC, Credentials: sim.Account().Credentials}
	if err := remote.Configure(ctx, acct); err != nil {
		t.Fatal(err)
	}
	bad := acct
	bad.Credentials = map[string]string{CredTerminalSN: DemoTerminalSN}
	if err := remote.Configure(ctx, bad); err == nil {
		t.Error("configure without terminal_key accepted")
	}

	res, err := remote.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: "DEMO-PAID", Attempt: 1}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	a := res.Answer
	if res.Outcome != recon.OutcomeFound || a.Status != "PAID" || i64(a.Amount) != "1234" || i64(a.Refunded) != "0" ||
		!a.PaidAt.Equal(demoTime) || a.Fields["payway_name"] != "微信" || res.Request != "POST /upay/v2/query client_sn=DEMO-PAID" {
		t.Errorf("paid: %v %s %+v", res.Outcome, res.Err, a)
	}
	res, err = remote.Query(ctx, recon.Query{Kind: recon.Refund, OrderNo: "DEMO-REFUNDED", RefundNo: "02", Attempt: 1}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Answer; res.Outcome != recon.OutcomeFound || a.SubStatus != "SUCCESS" || i64(a.RefundAmount) != "3000" ||
		!a.RefundedAt.Equal(demoTime.Add(2*time.Hour)) {
		t.Errorf("refund: %v %s %+v", res.Outcome, res.Err, a)
	}
	res, err = remote.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: "NOPE", Attempt: 1}, 5*time.Second)
	if err != nil || res.Outcome != recon.OutcomeNotFound {
		t.Errorf("not found: %v %v", res.Outcome, err)
	}
}
