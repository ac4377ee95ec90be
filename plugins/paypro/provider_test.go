package paypro

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
)

func TestInfo(t *testing.T) {
	in := New().Info()
	if in.Name != "paypro" || in.Version != "1.0.0" || in.RefundQuery {
		t.Errorf("Info = %+v", in)
	}
	if strings.Join(in.Credentials, ",") != "merchant_no,secret" {
		t.Errorf("Credentials = %v", in.Credentials)
	}
}

func TestConfigureRejects(t *testing.T) {
	good := func() plugins.Account { return testAccount("https://id.paypro.test/api", "IDR", time.UTC) }
	tests := []struct {
		name   string
		change func(a *plugins.Account)
		want   string
	}{
		{"missing merchant_no", func(a *plugins.Account) { delete(a.Credentials, "merchant_no") }, "merchant_no is missing"},
		{"short merchant_no", func(a *plugins.Account) { a.Credentials["merchant_no"] = "601000000" }, "merchant_no must be 10 digits"},
		{"letters in merchant_no", func(a *plugins.Account) { a.Credentials["merchant_no"] = "601000000X" }, "merchant_no must be 10 digits"},
		{"missing secret", func(a *plugins.Account) { a.Credentials["secret"] = "" }, "secret is missing"},
		{"no endpoint", func(a *plugins.Account) { a.Endpoint = "" }, "endpoint"},
		{"endpoint not http", func(a *plugins.Account) { a.Endpoint = "ftp://x.test" }, "endpoint"},
		{"endpoint with query", func(a *plugins.Account) { a.Endpoint = "https://x.test/?a=1" }, "query"},
		{"endpoint with user info", func(a *plugins.Account) { a.Endpoint = "https://u:" + testSecret + "@x.test/" }, "user info"},
		{"no currency", func(a *plugins.Account) { a.Currency = "" }, "currency"},
		{"unknown currency", func(a *plugins.Account) { a.Currency = "XQQ" }, "currency"},
	}
	for _, tt := range tests {
		a := good()
		tt.change(&a)
		err := New().Configure(context.Background(), a)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Configure error = %v, want it to mention %q", tt.name, err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), testSecret) {
			t.Errorf("%s: error leaks the secret: %v", tt.name, err)
		}
	}
	if err := New().Configure(context.Background(), good()); err != nil {
		t.Errorf("good account: %v", err)
	}
}

func TestConfigureURL(t *testing.T) {
	for endpoint, want := range map[string]string{
		"https://id.paypro.test":       "https://id.paypro.test/v1/paypro/queryPayInResult",
		"https://id.paypro.test/":      "https://id.paypro.test/v1/paypro/queryPayInResult",
		"http://127.0.0.1:8080/paypro": "http://127.0.0.1:8080/paypro/v1/paypro/queryPayInResult",
	} {
		p := mustProvider(t, testAccount(endpoint, "IDR", nil))
		if got := p.cfg.Load().url; got != want {
			t.Errorf("endpoint %s: url %s, want %s", endpoint, got, want)
		}
		if loc := p.cfg.Load().loc; loc != time.UTC {
			t.Errorf("nil Location: loc %v, want UTC", loc)
		}
	}
}

// A refund row is UNSUPPORTED, decided without touching the network.
func TestRefundQueryUnsupportedWithoutNetwork(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	p := mustProvider(t, testAccount(srv.URL, "IDR", time.UTC))
	res := p.Query(context.Background(), recon.Query{Kind: recon.Refund, OrderNo: "A1", RefundNo: "R1", Attempt: 1})
	if res.Outcome != recon.OutcomeUnsupported || res.Err == "" {
		t.Errorf("refund query = %v %q, want UNSUPPORTED with a reason", res.Outcome, res.Err)
	}
	if hits.Load() != 0 {
		t.Errorf("refund query made %d requests, want none", hits.Load())
	}
}

func TestQueryMisuse(t *testing.T) {
	if res := New().Query(context.Background(), recon.Query{Kind: recon.Payment, OrderNo: "A1"}); res.Outcome != recon.OutcomePermanent {
		t.Errorf("query before Configure = %v, want PERMANENT", res.Outcome)
	}
	p := mustProvider(t, testAccount("http://127.0.0.1:1", "IDR", time.UTC))
	if res := p.Query(context.Background(), recon.Query{Kind: recon.Payment}); res.Outcome != recon.OutcomePermanent {
		t.Errorf("query without order number = %v, want PERMANENT", res.Outcome)
	}
	if res := p.Query(context.Background(), recon.Query{Kind: 9, OrderNo: "A1"}); res.Outcome != recon.OutcomePermanent {
		t.Errorf("query of unknown kind = %v, want PERMANENT", res.Outcome)
	}
}

// A second Configure while queries run (the host reconfigures a live
// plugin) is safe, and each query uses one configuration whole: it is
// signed with the merchant number and secret of the same account. Run
// with -race, which the plain fields of old failed.
func TestConfigureDuringQueries(t *testing.T) {
	accts := []plugins.Account{testAccount("", "IDR", time.UTC), testAccount("", "KWD", time.UTC)}
	accts[1].Credentials = map[string]string{CredMerchantNo: "6010000002", CredSecret: "another-secret"}
	secretOf := map[string]string{"6010000001": testSecret, "6010000002": "another-secret"}
	var mixed atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			mixed.Add(1)
			return
		}
		if want := Sign(map[string]string{"tradeNo": body["tradeNo"], "timestamp": body["timestamp"]}, secretOf[r.Header.Get("merchantNo")]); body["sign"] != want {
			mixed.Add(1)
		}
		_, _ = w.Write([]byte(`{"code":"8000","msg":"order not exist","data":null}`))
	}))
	defer srv.Close()
	for i := range accts {
		accts[i].Endpoint = srv.URL
	}
	p := mustProvider(t, accts[0])
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				if g == 0 {
					if err := p.Configure(context.Background(), accts[i%2]); err != nil {
						t.Error(err)
					}
					continue
				}
				if res := p.Query(context.Background(), recon.Query{Kind: recon.Payment, OrderNo: "A1", Attempt: 1}); res.Outcome != recon.OutcomeNotFound {
					t.Errorf("query: %v %s", res.Outcome, res.Err)
				}
			}
		}()
	}
	wg.Wait()
	if n := mixed.Load(); n != 0 {
		t.Errorf("%d requests signed with another account's secret", n)
	}
}
