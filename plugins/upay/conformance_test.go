package upay_test

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

// upay's text of any length keeps its reply: in-process and through a real
// plugin process, where a reply whose error passes plugins.MaxTextBytes is
// replaced by a PERMANENT one, the outcome is the answer's and the error
// says why.
func TestLongProviderText(t *testing.T) {
	long := strings.Repeat("x", 5000)
	data := func(members string) string {
		return `{"result_code":"200","biz_response":{"result_code":"SUCCESS","data":{"client_sn":"A1","order_status":"PAID"` + members + `}}}`
	}
	for _, tt := range []struct {
		name, body string
		want       recon.Outcome
		errHas     string
	}{
		{"500 with a long message", `{"result_code":"500","error_code":"` + long + `","error_message":"` + long + `"}`, recon.OutcomeTransient, "provider error 500 xxx"},
		{"400 with a long message", `{"result_code":"400","error_code":"ILLEGAL_SIGN","error_message":"` + long + `"}`, recon.OutcomePermanent, "400 ILLEGAL_SIGN: xxx"},
		{"long result_code", `{"result_code":"` + long + `"}`, recon.OutcomeTransient, `unexpected result_code "xxx`},
		{"long biz result_code", `{"result_code":"200","biz_response":{"result_code":"` + long + `"}}`, recon.OutcomeTransient, `unexpected biz_response.result_code "xxx`},
		{"TRADE_TIMEOUT with a long message", `{"result_code":"200","biz_response":{"result_code":"FAIL","error_code":"TRADE_TIMEOUT","error_message":"` + long + `"}}`,
			recon.OutcomeTransient, "FAIL TRADE_TIMEOUT: xxx"},
		{"not found with a long message", `{"result_code":"200","biz_response":{"result_code":"FAIL","error_code":"UPAY_ORDER_NOT_EXISTS","error_message":"` + long + `"}}`,
			recon.OutcomeNotFound, "UPAY_ORDER_NOT_EXISTS: xxx"},
		{"long total_amount", data(`,"total_amount":"` + long + `"`), recon.OutcomeTransient, "total_amount: malformed amount"},
		{"long net_amount", data(`,"total_amount":"1","net_amount":"1` + long + `"`), recon.OutcomeTransient, "net_amount: malformed amount"},
		{"escaped long message", `{"result_code":"500","error_message":"` + strings.Repeat(`\u0001`, 5000) + `"}`, recon.OutcomeTransient, "provider error 500"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			acct := plugins.Account{Name: "shop-upay", Endpoint: srv.URL, Currency: "CNY", Location: time.UTC,
				Credentials: map[string]string{upay.CredTerminalSN: sim.DemoTerminalSN, upay.CredTerminalKey: sim.DemoTerminalKey}}
			q := recon.Query{Kind: recon.Payment, OrderNo: "A1", Attempt: 1}
			local := query(t, mustProvider(t, srv.URL, nil), q)
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
