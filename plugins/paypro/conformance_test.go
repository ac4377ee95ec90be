package paypro_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
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

// Provider text of any length keeps its reply: in-process and through a
// real plugin process, where a reply whose error passes
// plugins.MaxTextBytes is replaced by a PERMANENT one, the outcome is the
// answer's and the error says why.
func TestLongProviderText(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, tt := range []struct {
		name, body string
		want       recon.Outcome
		errHas     string
	}{
		{"5000 with a long msg", `{"code":"5000","msg":"` + long + `","data":null}`, recon.OutcomeTransient, "paypro code 5000: xxx"},
		{"8000 with a long msg", `{"code":"8000","msg":"` + long + `","data":null}`, recon.OutcomePermanent, "paypro code 8000: xxx"},
		{"long undocumented code", `{"code":"` + long + `","msg":"` + long + `"}`, recon.OutcomePermanent, "undocumented outer paypro code xxx"},
		{"long amount", `{"code":"0000","data":{"tradeNo":"A1","status":"0000","amount":"` + long + `"}}`, recon.OutcomeTransient, "data.amount in IDR"},
		{"long receivedAmount", `{"code":"0000","data":{"tradeNo":"A1","status":"0001","amount":"1","receivedAmount":"1.` + long + `"}}`, recon.OutcomeTransient, "data.receivedAmount in IDR"},
		{"long successTime", `{"code":"0000","data":{"tradeNo":"A1","status":"0000","amount":"1","successTime":"` + long + `"}}`, recon.OutcomeTransient, "successTime"},
		{"escaped long msg", `{"code":"5000","msg":"` + strings.Repeat(`\u0001`, 5000) + `"}`, recon.OutcomeTransient, "paypro code 5000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			acct := plugins.Account{Name: "shop-paypro", Endpoint: srv.URL, Currency: "IDR", Location: time.UTC,
				Credentials: map[string]string{paypro.CredMerchantNo: "6010000001", paypro.CredSecret: "s"}}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			q := recon.Query{Kind: recon.Payment, OrderNo: "A1", Attempt: 1}

			local := paypro.MustProvider(t, acct).Query(ctx, q)
			wire := plugintest.OverTheWire(t, acct, q)
			for _, res := range []struct {
				how string
				r   recon.Reply
			}{{"in-process", local}, {"plugin process", wire}} {
				if res.r.Outcome != tt.want || !strings.Contains(res.r.Err, tt.errHas) || len(res.r.Err) > plugins.MaxTextBytes {
					t.Errorf("%s: %v, %d-byte error %.300q; want %v containing %q", res.how, res.r.Outcome, len(res.r.Err), res.r.Err, tt.want, tt.errHas)
				}
			}
		})
	}
}
