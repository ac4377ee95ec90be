package sim

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon/plugins/paypro"
)

// fixedNow is the simulator's clock in these tests; the hand-made requests'
// timestamp, 1729328400000, is this instant.
var fixedNow = time.Date(2024, 10, 19, 9, 0, 0, 0, time.UTC)

const fixedStamp = "1729328400000"

// newServer starts a simulator with the scenario doc on loopback, its clock
// pinned to fixedNow.
func newServer(t *testing.T, doc []byte) (*Simulator, string) {
	t.Helper()
	s := New()
	s.now = func() time.Time { return fixedNow }
	if err := s.LoadScenario(doc); err != nil {
		t.Fatalf("LoadScenario: %v", err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// signed is a query body for tradeNo, signed with the demo secret.
func signed(tradeNo string) string {
	return `{"tradeNo":"` + tradeNo + `","timestamp":"` + fixedStamp + `","sign":"` +
		paypro.Sign(map[string]string{"tradeNo": tradeNo, "timestamp": fixedStamp}, DemoSecret) + `"}`
}

// post sends a hand-made query and returns the status and body.
func post(t *testing.T, ctx context.Context, method, url, merchant, body string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if merchant != "" {
		req.Header.Set("merchantNo", merchant)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// The simulator's own checks, on hand-made requests.
func TestSimulatorRequests(t *testing.T) {
	doc, err := os.ReadFile("../testdata/scenario.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, url := newServer(t, doc)
	good := signed("PP-0015")
	upper := strings.ToUpper(paypro.Sign(map[string]string{"tradeNo": "PP-0015", "timestamp": fixedStamp}, DemoSecret))
	const path = paypro.QueryPath
	tests := []struct {
		name, method, path, merchant, body string
		wantHTTP                           int
		wantBody                           string
	}{
		{"good", "POST", path, DemoMerchantNo, good, 200, `"code":"0000"`},
		{"timestamp as a number", "POST", path, DemoMerchantNo, strings.Replace(good, `"`+fixedStamp+`"`, fixedStamp, 1), 200, `"code":"0000"`},
		{"uppercase sign", "POST", path, DemoMerchantNo, `{"tradeNo":"PP-0015","timestamp":"` + fixedStamp + `","sign":"` + upper + `"}`, 200, `"msg":"sign error"`},
		{"no sign", "POST", path, DemoMerchantNo, `{"tradeNo":"PP-0015","timestamp":"` + fixedStamp + `"}`, 200, `"msg":"sign error"`},
		{"no merchantNo", "POST", path, "", good, 200, `"msg":"merchant not exist"`},
		{"no tradeNo", "POST", path, DemoMerchantNo, `{"timestamp":"` + fixedStamp + `","sign":"x"}`, 200, `"msg":"param error"`},
		{"not JSON", "POST", path, DemoMerchantNo, `tradeNo=PP-0015`, 200, `"msg":"param error"`},
		{"tradeNo named twice", "POST", path, DemoMerchantNo, strings.Replace(good, `{`, `{"tradeNo":"PP-0029",`, 1), 200, `"msg":"param error"`},
		{"GET", "GET", path, DemoMerchantNo, "", 405, ""},
		{"other path", "POST", "/v1/paypro/queryPayOutResult", DemoMerchantNo, good, 404, ""},
	}
	for _, tt := range tests {
		code, body, err := post(t, context.Background(), tt.method, url+tt.path, tt.merchant, tt.body)
		if err != nil {
			t.Fatal(err)
		}
		if code != tt.wantHTTP || !strings.Contains(body, tt.wantBody) {
			t.Errorf("%s: HTTP %d %s, want %d with %s", tt.name, code, body, tt.wantHTTP, tt.wantBody)
		}
	}
}

// The generic faults, scripted: each answers as script.Generic does, with
// PayPro's own envelope where there is one, and only to a request that
// passed the merchant, sign and clock checks.
func TestSimulatorScriptedGenericFaults(t *testing.T) {
	s, url := newServer(t, []byte(`
orders:
  - {trade_no: PP-0015, amount: "1.00", status: "0015"}
  - {trade_no: PP-0029, amount: "1.00", status: "0029"}
  - {trade_no: PP-0001, amount: "1.00", status: "0001"}
  - {trade_no: PP-0099, amount: "1.00", status: "0099"}
scripted:
  - {key: PP-0015, fault: malformed, times: 1}
  - {key: PP-0029, fault: slow, times: 1}
  - {key: PP-0001, fault: hang, times: 1}
  - {key: PP-0099, fault: http_5xx, times: 1}
faults: {slow_delay: 10ms}
`))
	ctx := context.Background()

	// A refused request meets no fault: PP-0015 stays malformed for the next.
	if _, body, _ := post(t, ctx, "POST", url+paypro.QueryPath, DemoMerchantNo, strings.Replace(signed("PP-0015"), `"sign":"`, `"sign":"0`, 1)); !strings.Contains(body, "sign error") {
		t.Errorf("badly signed request: %s, want sign error", body)
	}
	if code, body, _ := post(t, ctx, "POST", url+paypro.QueryPath, DemoMerchantNo, signed("PP-0015")); code != 200 || body != malformedBody {
		t.Errorf("malformed: HTTP %d %q", code, body)
	}
	if code, body, _ := post(t, ctx, "POST", url+paypro.QueryPath, DemoMerchantNo, signed("PP-0029")); code != 200 || !strings.Contains(body, `"status":"0029"`) {
		t.Errorf("slow: HTTP %d %s, want the answer", code, body)
	}
	if code, body, _ := post(t, ctx, "POST", url+paypro.QueryPath, DemoMerchantNo, signed("PP-0099")); code != 503 || strings.Contains(body, `"code"`) {
		t.Errorf("http_5xx: HTTP %d %s, want 503 without an envelope", code, body)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, _, err := post(t, short, "POST", url+paypro.QueryPath, DemoMerchantNo, signed("PP-0001")); err == nil {
		t.Error("hang: an answer came")
	}
	// Each was used once: the orders answer again.
	for _, trade := range []string{"PP-0015", "PP-0001", "PP-0099"} {
		if code, body, _ := post(t, ctx, "POST", url+paypro.QueryPath, DemoMerchantNo, signed(trade)); code != 200 || !strings.Contains(body, `"code":"0000"`) {
			t.Errorf("%s after its fault: HTTP %d %s", trade, code, body)
		}
	}
	c := s.Faults().Counts()
	for _, k := range []string{"scripted_malformed", "scripted_slow", "scripted_hang", "scripted_http_5xx"} {
		if c[k] != 1 {
			t.Errorf("fault counts %v: want %s 1", c, k)
		}
	}
}

// doc.go lists every fault a scenario may name, so that the sandbox's user
// learns them from one place.
func TestDocListsFaults(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range faults.Specs() {
		if !strings.Contains(string(doc), "//\t"+string(s.Name)+" ") {
			t.Errorf("doc.go does not list fault %s", s.Name)
		}
	}
}

// other_order answers a well-signed request, as PayPro would, with another
// paid order's data: its own tradeNo and platform number, so the client
// can tell.
func TestSimulatorOtherOrder(t *testing.T) {
	s, url := newServer(t, []byte(`
orders:
  - {trade_no: A, platform_trade_no: pa, amount: "1.00", status: "0015"}
  - {trade_no: C, platform_trade_no: pc, amount: "3.00", status: "0000", success_time: "2024-10-19 9:00:00"}
  - {trade_no: B, platform_trade_no: pb, amount: "2.00", status: "0000", success_time: "2024-10-19 8:00:00"}
scripted:
  - {key: A, fault: other_order, times: 1}
  - {key: B, fault: other_order, times: 1}
  - {key: UNKNOWN, fault: other_order, times: 1}
`))
	ctx := context.Background()
	ask := func(trade string) string {
		t.Helper()
		code, body, err := post(t, ctx, "POST", url+paypro.QueryPath, DemoMerchantNo, signed(trade))
		if err != nil || code != 200 {
			t.Fatalf("%s: HTTP %d %v", trade, code, err)
		}
		return body
	}
	for asked, want := range map[string]string{
		"A":       `"platFormTradeNo":"pb","tradeNo":"B","amount":"2.00","status":"0000"`,
		"B":       `"platFormTradeNo":"pc","tradeNo":"C","amount":"3.00","status":"0000"`,
		"UNKNOWN": `"platFormTradeNo":"pb","tradeNo":"B"`,
	} {
		if body := ask(asked); !strings.Contains(body, `"code":"0000"`) || !strings.Contains(body, want) {
			t.Errorf("other_order for %s: %s, want %s", asked, body, want)
		}
	}
	// Used up: each answers about itself again.
	if body := ask("A"); !strings.Contains(body, `"tradeNo":"A"`) || !strings.Contains(body, `"platFormTradeNo":"pa"`) {
		t.Errorf("A after its fault: %s", body)
	}
	if c := s.Faults().Counts(); c["scripted_other_order"] != 3 {
		t.Errorf("fault counts = %v", c)
	}

	// With no other paid order, a made-up one answers, not the order asked.
	s, url = newServer(t, []byte(`
orders: [{trade_no: A, amount: "1.00", status: "0000"}, {trade_no: Z, amount: "1.00", status: "0029"}]
faults: {extra: {other_order: 1}}
`))
	_, body, _ := post(t, ctx, "POST", url+paypro.QueryPath, DemoMerchantNo, signed("A"))
	if !strings.Contains(body, `"tradeNo":"OTHER-A"`) || !strings.Contains(body, `"status":"0000"`) || len(s.orders) != 2 {
		t.Errorf("no other paid order: %s (%d orders)", body, len(s.orders))
	}
	if c := s.Faults().Counts(); c["other_order"] != 1 {
		t.Errorf("random other_order counts = %v", c)
	}
}
