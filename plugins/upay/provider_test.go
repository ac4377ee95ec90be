package upay_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/upay"
	"github.com/reconhq/recon/plugins/upay/sim"
)

func TestInfo(t *testing.T) {
	info := upay.New().Info()
	if info.Name != "upay" || info.Version != "1.0.0" || !info.RefundQuery ||
		strings.Join(info.Credentials, ",") != "terminal_sn,terminal_key" {
		t.Errorf("%+v", info)
	}
}

func TestConfigure(t *testing.T) {
	const secret = "s3cr3t-key-value"
	good := func() plugins.Account {
		return plugins.Account{Name: "shop", Endpoint: "https://api.example.test", Currency: "CNY",
			Credentials: map[string]string{upay.CredTerminalSN: sim.DemoTerminalSN, upay.CredTerminalKey: secret}}
	}
	for _, c := range []struct {
		name   string
		mod    func(a *plugins.Account)
		errHas string // "" = must succeed
	}{
		{name: "good"},
		{name: "trailing slash", mod: func(a *plugins.Account) { a.Endpoint += "/" }},
		{name: "no currency defaults to CNY", mod: func(a *plugins.Account) { a.Currency = "" }},
		{name: "no terminal_sn", mod: func(a *plugins.Account) { delete(a.Credentials, upay.CredTerminalSN) }, errHas: "credential terminal_sn is missing"},
		{name: "empty terminal_key", mod: func(a *plugins.Account) { a.Credentials[upay.CredTerminalKey] = "" }, errHas: "credential terminal_key is missing"},
		{name: "no terminal_key", mod: func(a *plugins.Account) { delete(a.Credentials, upay.CredTerminalKey) }, errHas: "credential terminal_key is missing"},
		{name: "space in terminal_sn", mod: func(a *plugins.Account) { a.Credentials[upay.CredTerminalSN] = "100 111" }, errHas: "terminal_sn must not contain spaces"},
		{name: "no endpoint", mod: func(a *plugins.Account) { a.Endpoint = "" }, errHas: "endpoint"},
		{name: "endpoint not http", mod: func(a *plugins.Account) { a.Endpoint = "ftp://x" }, errHas: "endpoint"},
		{name: "endpoint with query", mod: func(a *plugins.Account) { a.Endpoint = "https://x/?a=1" }, errHas: "endpoint"},
		// The shared endpoint rule (plugins/helper/endpoint) is stricter than upay's own was.
		{name: "endpoint with a bare ?", mod: func(a *plugins.Account) { a.Endpoint = "https://x/?" }, errHas: "endpoint"},
		{name: "endpoint with user info", mod: func(a *plugins.Account) { a.Endpoint = "https://u:" + secret + "@x/" }, errHas: "endpoint"},
		{name: "endpoint with .. segment", mod: func(a *plugins.Account) { a.Endpoint = "https://x/a/../b" }, errHas: "endpoint"},
		{name: "endpoint with a trailing newline", mod: func(a *plugins.Account) { a.Endpoint += "\n" }},
		{name: "bad currency", mod: func(a *plugins.Account) { a.Currency = "XXQ" }, errHas: "currency"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := good()
			if c.mod != nil {
				c.mod(&a)
			}
			err := upay.New().Configure(context.Background(), a)
			switch {
			case c.errHas == "" && err != nil:
				t.Fatal(err)
			case c.errHas != "" && (err == nil || !strings.Contains(err.Error(), c.errHas)):
				t.Fatalf("err %v, want %q", err, c.errHas)
			case err != nil && strings.Contains(err.Error(), secret):
				t.Fatalf("error leaks the key: %v", err)
			}
		})
	}
}

// Queries that cannot be asked fail permanently without touching the network.
func TestQueryWithoutNetwork(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s", r.URL)
	}))
	defer srv.Close()
	p := mustProvider(t, srv.URL, nil)
	for name, q := range map[string]recon.Query{
		"refund without refund_no": {Kind: recon.Refund, OrderNo: "A1"},
		"no order number":          {Kind: recon.Payment},
		"unknown kind":             {Kind: 9, OrderNo: "A1"},
	} {
		if res := query(t, p, q); res.Outcome != recon.OutcomePermanent || res.Err == "" {
			t.Errorf("%s: outcome %v err %q", name, res.Outcome, res.Err)
		}
	}
	if res := query(t, upay.New(), pay("A1")); res.Outcome != recon.OutcomePermanent || !strings.Contains(res.Err, "Configure") {
		t.Errorf("unconfigured: %v %q", res.Outcome, res.Err)
	}
}
