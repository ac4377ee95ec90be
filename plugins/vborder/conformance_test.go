package vborder_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/plugintest"
	"github.com/reconhq/recon/plugins/vborder"
	vbordersim "github.com/reconhq/recon/plugins/vborder/sim"
)

// TestMain lets the test binary serve the provider when plugintest.Start
// runs it as a plugin process.
func TestMain(m *testing.M) {
	plugintest.ServeIfChild(func() plugins.Provider { return vborder.New() })
	os.Exit(m.Run())
}

func TestConformance(t *testing.T) { plugintest.Conformance(t, vbordersim.New()) }

// The provider as its own process, over go-plugin's gRPC, against the
// simulator over loopback HTTP.
func TestAsPluginProcess(t *testing.T) {
	remote := plugintest.Start(t)
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

	res, err := remote.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: "202209070002", Attempt: 1}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	a := res.Answer
	paidAt := time.Date(2022, 9, 7, 1, 41, 58, 0, time.UTC)
	if res.Outcome != recon.OutcomeFound || !res.Verified || a.Status != "SUCCESS" || a.Amount == nil || *a.Amount != 1 ||
		!a.PaidAt.Equal(paidAt) || a.TradeNo != "S1567327155606323202" || a.OrderNo != "202209070002" || a.Fields["payerInfo"] != "{}" ||
		res.Request != "POST /api/vborder/order/standard/qrcodeQuery orderNo=202209070002" {
		t.Errorf("paid: %v %s %+v", res.Outcome, res.Err, a)
	}
	for order, want := range map[string]recon.Outcome{
		"NO-SUCH":        recon.OutcomeNotFound,
		"VB-DEMO-TAMPER": recon.OutcomeUnverifiable,
		"VB-DEMO-DOWN":   recon.OutcomeTransient,
	} {
		res, err := remote.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: order, Attempt: 1}, 5*time.Second)
		if err != nil || res.Outcome != want {
			t.Errorf("%s: %v %s, %v; want %v", order, res.Outcome, res.Err, err, want)
		}
	}
	res, err = remote.Query(ctx, recon.Query{Kind: recon.Refund, OrderNo: "202209070002", RefundNo: "R1", Attempt: 1}, 5*time.Second)
	if err != nil || res.Outcome != recon.OutcomeUnsupported {
		t.Errorf("refund: %v %s, %v", res.Outcome, res.Err, err)
	}
}
