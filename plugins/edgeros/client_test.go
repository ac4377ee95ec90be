package edgeros

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
)

// The page's nonces: the client under test is made to send them so that the
// page's examples, signed by OpenSSL, are the answers to its requests.
const (
	pageSuccessNonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
	pageErrorNonce   = "vkv8nkx07xZ7A1RHfJt2fvH4btXdBtz6"
	pageMchNo        = "ea887713933c42a0bd7e657b06f279d3"
	pageTradeNo      = "mp202104021606341385640107521832"
	pageTxnNo        = "4af336b1bd904c69ab2edb76af3a2a35"
)

// static serves one fixed body and records the last request.
type static struct {
	mu     sync.Mutex
	status int
	body   []byte
	last   *http.Request
}

func (s *static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = r.Clone(context.Background())
	w.WriteHeader(s.status)
	_, _ = w.Write(s.body)
}

// opensslProvider is a provider with the OpenSSL-made keys of testdata,
// talking to url, sending nonce.
func opensslProvider(t *testing.T, url, nonce string) *Provider {
	t.Helper()
	p := New()
	err := p.Configure(context.Background(), plugins.Account{
		Name: "t", Endpoint: url, Currency: "CNY",
		Credentials: map[string]string{
			CredMchNo: pageMchNo, CredAppNo: "APP1000000",
			CredMerchantPrivateKey: string(mustRead(t, "openssl/merchant_key.pem")),
			CredPlatformPublicKey:  string(mustRead(t, "openssl/platform_pub.pem")),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	p.nonce = func() (string, error) { return nonce, nil }
	return p
}

func serveStatic(t *testing.T, status int, body []byte) (*static, string) {
	t.Helper()
	st := &static{status: status, body: body}
	srv := httptest.NewServer(st)
	t.Cleanup(srv.Close)
	return st, srv.URL + "/base/"
}

// TestPageSuccessEndToEnd: the client sends exactly the page's request
// (its x-acopay-sign is OpenSSL's signature of the golden signing string)
// and accepts the page's success answer signed by OpenSSL.
func TestPageSuccessEndToEnd(t *testing.T) {
	body := mustRead(t, "openssl/page_success_signed.json")
	st, url := serveStatic(t, 200, body)
	p := opensslProvider(t, url, pageSuccessNonce)
	res := p.Query(context.Background(), queryPayment(pageTradeNo, pageTxnNo))

	r := st.last
	if r == nil {
		t.Fatal("no request")
	}
	if r.Method != "GET" || r.URL.Path != "/base/pay/v1/transactions/trade" ||
		r.URL.RawQuery != "mch_trade_no="+pageTradeNo+"&transaction_no="+pageTxnNo+"&aco_pay_sdk=2.0.0&version=1.0" {
		t.Errorf("request %s %s?%s", r.Method, r.URL.Path, r.URL.RawQuery)
	}
	wantSig := strings.TrimSpace(string(mustRead(t, "openssl/request_trade.sig.b64")))
	for h, want := range map[string]string{
		"X-Acopay-Mch-No": pageMchNo, "X-Acopay-Nonce": pageSuccessNonce, "X-Acopay-Sign-Type": "SHA256withRSA",
		"X-Acopay-Sign": wantSig, "Accept": "application/json",
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}

	if res.Outcome != recon.OutcomeFound || !res.Verified || res.Err != "" {
		t.Fatalf("outcome %v verified %v err %q", res.Outcome, res.Verified, res.Err)
	}
	if res.HTTPStatus != 200 || string(res.Raw) != string(body) {
		t.Errorf("HTTPStatus %d, Raw not the body as received", res.HTTPStatus)
	}
	if res.Request != "GET /pay/v1/transactions/trade mch_trade_no="+pageTradeNo+" transaction_no="+pageTxnNo {
		t.Errorf("Request %q", res.Request)
	}
	a := res.Answer
	paid := time.Date(2024, 4, 24, 10, 0, 28, 0, time.UTC)
	if a.Status != "SUCCESS" || a.SubStatus != "" || a.Currency != "CNY" || a.Amount == nil || *a.Amount != 1 ||
		a.Refunded != nil || a.Received != nil || a.RefundAmount != nil || a.TradeNo != pageTxnNo ||
		!a.PaidAt.Equal(paid) || !a.RefundedAt.IsZero() {
		t.Errorf("answer %+v", a)
	}
	if _, off := a.PaidAt.Zone(); off != 8*3600 {
		t.Errorf("PaidAt lost its +08:00 offset: %v", a.PaidAt)
	}
	if len(a.Fields) != 16 || a.Fields["sign"] != "" || a.Fields["extra"] != "购买游戏元宝" || a.Fields["status"] != "200" {
		t.Errorf("fields %v", a.Fields)
	}
}

// TestPageErrorEndToEnd: the page's error example is NOT_FOUND, verified
// when OpenSSL signed it; with the page's own sign (by a key we do not
// have) it is UNVERIFIABLE; without a sign it is NOT_FOUND, unverified.
func TestPageErrorEndToEnd(t *testing.T) {
	var unsigned map[string]any
	if err := json.Unmarshal(mustRead(t, "page_error.json"), &unsigned); err != nil {
		t.Fatal(err)
	}
	delete(unsigned["data"].(map[string]any), "sign")
	unsignedBody, _ := json.Marshal(unsigned)
	for _, c := range []struct {
		name     string
		body     []byte
		outcome  recon.Outcome
		verified bool
	}{
		{"signed by openssl", mustRead(t, "openssl/page_error_signed.json"), recon.OutcomeNotFound, true},
		{"the page's own sign", mustRead(t, "page_error.json"), recon.OutcomeUnverifiable, false},
		{"no sign", unsignedBody, recon.OutcomeNotFound, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, url := serveStatic(t, 200, c.body)
			res := opensslProvider(t, url, pageErrorNonce).Query(context.Background(), queryPayment("nope", ""))
			if res.Outcome != c.outcome || res.Verified != c.verified {
				t.Fatalf("outcome %v verified %v (%s), want %v %v", res.Outcome, res.Verified, res.Err, c.outcome, c.verified)
			}
			if c.outcome == recon.OutcomeNotFound && res.Err != "edgeros: platform status 1007 ORDER_NOT_EXIST: 此订单不存在!" {
				t.Errorf("err %q", res.Err)
			}
		})
	}
}

// signedBody builds an answer signed by the OpenSSL platform key (through
// the code's signer: what is under test here is the judging, the signer is
// pinned by TestOpenSSLSignatures). mutate runs after signing.
func signedBody(t *testing.T, env map[string]any, mutate func(env map[string]any)) []byte {
	t.Helper()
	key, err := parsePrivateKey(string(mustRead(t, "openssl/platform_key.pem")))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(env)
	e, err := parseEnvelope(raw)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := e.verificationString()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := sign(key, msg)
	if err != nil {
		t.Fatal(err)
	}
	env["data"].(map[string]any)["sign"] = sig
	if mutate != nil {
		mutate(env)
	}
	out, _ := json.Marshal(env)
	return out
}

func pageSuccessEnv(t *testing.T) map[string]any {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(mustRead(t, "openssl/page_success_signed.json"), &env); err != nil {
		t.Fatal(err)
	}
	return env
}

// TestTamperedAnswers: any changed field, an altered sign, another
// sign_type, a missing sign or another nonce make the answer UNVERIFIABLE,
// never a payment state.
func TestTamperedAnswers(t *testing.T) {
	type mut func(env map[string]any)
	data := func(env map[string]any) map[string]any { return env["data"].(map[string]any) }
	cases := map[string]mut{
		"sign altered": func(env map[string]any) {
			s := []byte(data(env)["sign"].(string))
			s[5] = map[bool]byte{true: 'b', false: 'a'}[s[5] == 'a']
			data(env)["sign"] = string(s)
		},
		"sign not base64":   func(env map[string]any) { data(env)["sign"] = "not base64!" },
		"sign empty":        func(env map[string]any) { data(env)["sign"] = "" },
		"sign removed":      func(env map[string]any) { delete(data(env), "sign") },
		"sign null":         func(env map[string]any) { data(env)["sign"] = nil },
		"sign a number":     func(env map[string]any) { data(env)["sign"] = 12 },
		"data removed":      func(env map[string]any) { delete(env, "data") },
		"sign_type RSA":     func(env map[string]any) { data(env)["sign_type"] = "RSA" },
		"message changed":   func(env map[string]any) { env["message"] = "SUCCESS " },
		"status changed":    func(env map[string]any) { env["status"] = 1007 },
		"fieldErrors added": func(env map[string]any) { env["fieldErrors"] = "x" },
		"member added":      func(env map[string]any) { data(env)["refunded"] = "0.00" },
		"member nulled":     func(env map[string]any) { data(env)["extra"] = nil },
	}
	for k := range pageSuccessEnv(t)["data"].(map[string]any) {
		if k == "sign" {
			continue
		}
		k := k
		cases["data."+k+" changed"] = func(env map[string]any) { data(env)[k] = data(env)[k].(string) + "0" }
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			env := pageSuccessEnv(t)
			m(env)
			body, _ := json.Marshal(env)
			_, url := serveStatic(t, 200, body)
			res := opensslProvider(t, url, pageSuccessNonce).Query(context.Background(), queryPayment(pageTradeNo, ""))
			if res.Outcome != recon.OutcomeUnverifiable || res.Verified || res.Answer.Status != "" || res.Answer.Amount != nil {
				t.Fatalf("outcome %v verified %v status %q (%s)", res.Outcome, res.Verified, res.Answer.Status, res.Err)
			}
			if !strings.HasPrefix(res.Err, "edgeros: ") || strings.Contains(res.Err, "PRIVATE") {
				t.Errorf("err %q", res.Err)
			}
		})
	}

	// Correctly signed, but judged on its content.
	for _, c := range []struct {
		name    string
		mutate  func(env map[string]any)
		nonce   string
		outcome recon.Outcome
		err     string
	}{
		{"sign_type other, correctly signed", func(env map[string]any) { data(env)["sign_type"] = "SHA1withRSA" },
			pageSuccessNonce, recon.OutcomeUnverifiable, `edgeros: data.sign_type "SHA1withRSA" is not SHA256withRSA`},
		{"another request's nonce", nil, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", recon.OutcomeUnverifiable,
			`edgeros: data.nonce "5K8264ILTKCH16CQ2502SI8ZNMTM67VS" does not echo the request's nonce (replayed answer?)`},
		{"status 200, message not SUCCESS", func(env map[string]any) { env["message"] = "FAIL" },
			pageSuccessNonce, recon.OutcomePermanent, "edgeros: platform status 200 FAIL"},
		{"busy", func(env map[string]any) { env["status"] = 503; env["message"] = "SYSTEM_BUSY" },
			pageSuccessNonce, recon.OutcomeTransient, "edgeros: platform status 503 SYSTEM_BUSY"},
		{"refused", func(env map[string]any) {
			env["status"] = 1002
			env["message"] = "SIGN_ERROR"
			env["fieldErrors"] = "签名验证失败!"
		},
			pageSuccessNonce, recon.OutcomePermanent, "edgeros: platform status 1002 SIGN_ERROR: 签名验证失败!"},
		{"1008 on a trade query", func(env map[string]any) { env["status"] = 1008; env["message"] = "REFUND_NOT_EXIST" },
			pageSuccessNonce, recon.OutcomePermanent, "edgeros: platform status 1008 REFUND_NOT_EXIST"},
		{"another order", func(env map[string]any) { data(env)["mch_trade_no"] = "OTHER" },
			pageSuccessNonce, recon.OutcomePermanent, `edgeros: answer is about mch_trade_no "OTHER", not "` + pageTradeNo + `"`},
		{"amount not a decimal", func(env map[string]any) { data(env)["amount_total"] = "0.011" },
			pageSuccessNonce, recon.OutcomePermanent, `edgeros: amount_total: malformed amount: "0.011" has more than 2 decimals`},
		{"time not a time", func(env map[string]any) { data(env)["success_time"] = "yesterday" },
			pageSuccessNonce, recon.OutcomePermanent, `edgeros: success_time "yesterday" is not an RFC 3339 time`},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := pageSuccessEnv(t)
			if c.mutate != nil {
				c.mutate(env)
			}
			body := signedBody(t, env, nil)
			_, url := serveStatic(t, 200, body)
			res := opensslProvider(t, url, c.nonce).Query(context.Background(), queryPayment(pageTradeNo, ""))
			if res.Outcome != c.outcome || res.Err != c.err {
				t.Fatalf("outcome %v err %q, want %v %q", res.Outcome, res.Err, c.outcome, c.err)
			}
		})
	}
}

// TestHTTPAndBodyFaults: non-200 HTTP is transient whatever the status; a
// body that is not one JSON object with an integer status is transient.
func TestHTTPAndBodyFaults(t *testing.T) {
	for _, c := range []struct {
		name    string
		status  int
		body    string
		outcome recon.Outcome
	}{
		{"503", 503, `{"error":"x"}`, recon.OutcomeTransient},
		{"404", 404, `not found`, recon.OutcomeTransient},
		{"400 with an envelope", 400, `{"status":200}`, recon.OutcomeTransient},
		{"204", 204, ``, recon.OutcomeTransient},
		{"truncated", 200, `{"status":200,"message":"SUCCESS","data":{"mch`, recon.OutcomeTransient},
		{"html", 200, `<html>busy</html>`, recon.OutcomeTransient},
		{"array", 200, `[]`, recon.OutcomeTransient},
		{"null", 200, `null`, recon.OutcomeTransient},
		{"two objects", 200, `{"status":200}{"status":200}`, recon.OutcomeTransient},
		{"status a string", 200, `{"status":"200","data":{}}`, recon.OutcomeTransient},
		{"status missing", 200, `{"message":"SUCCESS","data":{}}`, recon.OutcomeTransient},
		{"status 200 unsigned", 200, `{"status":200,"message":"SUCCESS","data":{"code":"SUCCESS","nonce":"` + pageSuccessNonce + `"}}`, recon.OutcomeUnverifiable},
		{"status 200, data not an object", 200, `{"status":200,"message":"SUCCESS","data":"x"}`, recon.OutcomeUnverifiable},
		{"unsigned refusal", 200, `{"status":1001,"message":"PARAM_ERROR","fieldErrors":"x","data":null}`, recon.OutcomePermanent},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, url := serveStatic(t, c.status, []byte(c.body))
			res := opensslProvider(t, url, pageSuccessNonce).Query(context.Background(), queryPayment(pageTradeNo, ""))
			if res.Outcome != c.outcome || res.Verified {
				t.Fatalf("outcome %v verified %v (%s), want %v", res.Outcome, res.Verified, res.Err, c.outcome)
			}
			if c.status != 204 && string(res.Raw) != c.body {
				t.Errorf("Raw %q", res.Raw)
			}
		})
	}
}

// TestQueryWithoutNetwork: what the client refuses before sending anything.
func TestQueryWithoutNetwork(t *testing.T) {
	st, url := serveStatic(t, 200, []byte(`{}`))
	p := opensslProvider(t, url, pageSuccessNonce)
	for _, q := range []recon.Query{
		{Kind: recon.Payment},
		{Kind: recon.Refund, OrderNo: "A1"},
		{Kind: 9, OrderNo: "A1"},
	} {
		if res := p.Query(context.Background(), q); res.Outcome != recon.OutcomePermanent || res.Err == "" {
			t.Errorf("%+v: outcome %v err %q", q, res.Outcome, res.Err)
		}
	}
	if res := New().Query(context.Background(), queryPayment("A1", "")); res.Outcome != recon.OutcomePermanent {
		t.Errorf("unconfigured: %v", res.Outcome)
	}
	if st.last != nil {
		t.Errorf("a request was sent: %v", st.last.URL)
	}
}
