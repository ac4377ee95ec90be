package paypro

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
)

// For the tests of package paypro_test, which need the simulator (package
// sim imports this one, so they cannot live here).
var (
	MustProvider = mustProvider
	MustLoad     = mustLoad
	Dump         = dump
)

// SetClock pins the clock p stamps its requests with.
func SetClock(p *Provider, now func() time.Time) { p.now = now }

const testSecret = "paypro-demo-secret-3f9c2a7e"

// testAccount is a valid account; tests change what they need.
func testAccount(endpoint, currency string, loc *time.Location) plugins.Account {
	return plugins.Account{Name: "shop-paypro", Endpoint: endpoint, Currency: currency, Location: loc,
		Credentials: map[string]string{CredMerchantNo: "6010000001", CredSecret: testSecret}}
}

// mustProvider returns a configured provider.
func mustProvider(t *testing.T, acct plugins.Account) *Provider {
	t.Helper()
	p := New()
	if err := p.Configure(context.Background(), acct); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return p
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time zone data: %v", err)
	}
	return loc
}

func ptr(v *int64) string {
	if v == nil {
		return "nil"
	}
	return strconv.FormatInt(*v, 10)
}

// dump shows an Answer with its amounts dereferenced.
func dump(a recon.Answer) string {
	return fmt.Sprintf("status=%q sub=%q cur=%s amount=%s received=%s refunded=%s order=%q trade=%q refund=%q/%q paid=%v fields=%v",
		a.Status, a.SubStatus, a.Currency, ptr(a.Amount), ptr(a.Received), ptr(a.Refunded),
		a.OrderNo, a.TradeNo, a.RefundNo, a.RefundTradeNo, a.PaidAt, a.Fields)
}
