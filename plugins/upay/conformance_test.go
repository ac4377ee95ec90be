package upay_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/plugintest"
	"github.com/reconhq/recon/plugins/upay"
	"github.com/reconhq/recon/plugins/upay/sim"
)

func TestMain(m *testing.M) {
	plugintest.ServeIfChild(func() plugins.Provider { return upay.New() })
	os.Exit(m.Run())
}

func TestConformance(t *testing.T) { plugintest.Conformance(t, sim.New()) }

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
	s := sim.New()
	acct := plugins.Account{Name: "shop-upay", Endpoint: simServer(t, s), Currency: "CNY",
		Location: time.UTC, Credentials: s.Account().Credentials}
	if err := remote.Configure(ctx, acct); err != nil {
		t.Fatal(err)
	}
	bad := acct
	bad.Credentials = map[string]string{upay.CredTerminalSN: sim.DemoTerminalSN}
	if err := remote.Configure(ctx, bad); err == nil {
		t.Error("configure without terminal_key accepted")
	}

	res, err := remote.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: "DEMO-PAID", Attempt: 1}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	a := res.Answer
	if res.Outcome != recon.OutcomeFound || a.Status != "PAID" || i64(a.Amount) != "1234" || i64(a.Refunded) != "0" ||
		!a.PaidAt.Equal(sim.DemoTime) || a.Fields["payway_name"] != "微信" || res.Request != "POST /upay/v2/query client_sn=DEMO-PAID" {
		t.Errorf("paid: %v %s %+v", res.Outcome, res.Err, a)
	}
	res, err = remote.Query(ctx, recon.Query{Kind: recon.Refund, OrderNo: "DEMO-REFUNDED", RefundNo: "02", Attempt: 1}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Answer; res.Outcome != recon.OutcomeFound || a.SubStatus != "SUCCESS" || i64(a.RefundAmount) != "3000" ||
		!a.RefundedAt.Equal(sim.DemoTime.Add(2*time.Hour)) {
		t.Errorf("refund: %v %s %+v", res.Outcome, res.Err, a)
	}
	res, err = remote.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: "NOPE", Attempt: 1}, 5*time.Second)
	if err != nil || res.Outcome != recon.OutcomeNotFound {
		t.Errorf("not found: %v %v", res.Outcome, err)
	}
}
