package edgeros

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
)

// TestPageExamplesParse: the page's success and error examples decode into
// the envelope the client judges.
func TestPageExamplesParse(t *testing.T) {
	ok, err := parseEnvelope(MustRead(t, "page_success.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ok.status != 200 || ok.message != "SUCCESS" || ok.fieldErrors != "" || !ok.signed ||
		ok.sign != "C380BEC2BFD727A4B6845133519F3AD6" {
		t.Errorf("success example: status %d message %q fieldErrors %q signed %v sign %q",
			ok.status, ok.message, ok.fieldErrors, ok.signed, ok.sign)
	}
	wantData := map[string]string{
		"mch_no": "ea887713933c42a0bd7e657b06f279d3", "nonce": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
		"sign_type": "SHA256withRSA", "app_no": "APP1000000", "mch_trade_no": "mp202104021606341385640107521832",
		"transaction_no": "4af336b1bd904c69ab2edb76af3a2a35", "code": "SUCCESS", "description": "成功",
		"extra": "购买游戏元宝", "success_time": "2024-04-24T18:00:28+08:00", "acoid": "10008",
		"amount_total": "0.01", "pay_channel": "WECHAT_PAY", "pay_method": "NATIVE",
		"status": "200", "message": "SUCCESS",
	}
	assertFields(t, answerFields(ok), wantData)

	bad, err := parseEnvelope(MustRead(t, "page_error.json"))
	if err != nil {
		t.Fatal(err)
	}
	if bad.status != 1007 || bad.message != "ORDER_NOT_EXIST" || bad.fieldErrors != "此订单不存在!" ||
		!bad.signed || !strings.HasPrefix(bad.sign, "AvUtZ4Ku6dm/") || !strings.HasSuffix(bad.sign, "DeW0sQ==") {
		t.Errorf("error example: status %d message %q fieldErrors %q signed %v", bad.status, bad.message, bad.fieldErrors, bad.signed)
	}
	assertFields(t, answerFields(bad), map[string]string{
		"mch_no": "MCH1000000", "sign_type": "SHA256withRSA", "nonce": "vkv8nkx07xZ7A1RHfJt2fvH4btXdBtz6",
		"status": "1007", "message": "ORDER_NOT_EXIST", "fieldErrors": "此订单不存在!",
	})
}

func assertFields(t *testing.T, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("field %s = %q, want %q", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected field %s = %q", k, got[k])
		}
	}
}

// TestPageSuccessEndToEnd: the client sends exactly the page's request
// (its x-acopay-sign is OpenSSL's signature of the golden signing string)
// and accepts the page's success answer signed by OpenSSL.
func TestPageSuccessEndToEnd(t *testing.T) {
	body := MustRead(t, "openssl/page_success_signed.json")
	st, url := serveStatic(t, 200, body)
	p := opensslProvider(t, url, pageSuccessNonce)
	res := p.Query(context.Background(), QueryPayment(pageTradeNo, pageTxnNo))

	r := st.last
	if r == nil {
		t.Fatal("no request")
	}
	if r.Method != "GET" || r.URL.Path != "/base/pay/v1/transactions/trade" ||
		r.URL.RawQuery != "mch_trade_no="+pageTradeNo+"&transaction_no="+pageTxnNo+"&aco_pay_sdk=2.0.0&version=1.0" {
		t.Errorf("request %s %s?%s", r.Method, r.URL.Path, r.URL.RawQuery)
	}
	wantSig := strings.TrimSpace(string(MustRead(t, "openssl/request_trade.sig.b64")))
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
		a.Refunded != nil || a.Received != nil || a.RefundAmount != nil || a.TradeNo != pageTxnNo || a.OrderNo != pageTradeNo ||
		a.RefundNo != "" || a.RefundTradeNo != "" ||
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
	if err := json.Unmarshal(MustRead(t, "page_error.json"), &unsigned); err != nil {
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
		{"signed by openssl", MustRead(t, "openssl/page_error_signed.json"), recon.OutcomeNotFound, true},
		{"the page's own sign", MustRead(t, "page_error.json"), recon.OutcomeUnverifiable, false},
		{"no sign", unsignedBody, recon.OutcomeNotFound, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, url := serveStatic(t, 200, c.body)
			res := opensslProvider(t, url, pageErrorNonce).Query(context.Background(), QueryPayment("nope", ""))
			if res.Outcome != c.outcome || res.Verified != c.verified {
				t.Fatalf("outcome %v verified %v (%s), want %v %v", res.Outcome, res.Verified, res.Err, c.outcome, c.verified)
			}
			if c.outcome == recon.OutcomeNotFound && res.Err != "edgeros: platform status 1007 ORDER_NOT_EXIST: 此订单不存在!" {
				t.Errorf("err %q", res.Err)
			}
		})
	}
}

// TestSignedAnswers: correctly signed answers, judged on their envelope
// status and their content.
func TestSignedAnswers(t *testing.T) {
	runSigned(t, []signedCase{
		{"status 200, message not SUCCESS", func(env map[string]any) { env["message"] = "FAIL" },
			pageSuccessNonce, recon.OutcomePermanent, "edgeros: platform status 200 FAIL"},
		{"busy", func(env map[string]any) { env["status"] = 503; env["message"] = "SYSTEM_BUSY" },
			pageSuccessNonce, recon.OutcomeTransient, "edgeros: platform status 503 SYSTEM_BUSY"},
		{"throttled", func(env map[string]any) { env["status"] = 429; env["message"] = "TOO_MANY_REQUESTS" },
			pageSuccessNonce, recon.OutcomeTransient, "edgeros: platform status 429 TOO_MANY_REQUESTS"},
		{"refused", func(env map[string]any) {
			env["status"] = 1002
			env["message"] = "SIGN_ERROR"
			env["fieldErrors"] = "签名验证失败!"
		},
			pageSuccessNonce, recon.OutcomePermanent, "edgeros: platform status 1002 SIGN_ERROR: 签名验证失败!"},
		{"1007 on a trade query", func(env map[string]any) { env["status"] = 1007; env["message"] = "ORDER_NOT_EXIST" },
			pageSuccessNonce, recon.OutcomeNotFound, "edgeros: platform status 1007 ORDER_NOT_EXIST"},
		{"1008 on a trade query", func(env map[string]any) { env["status"] = 1008; env["message"] = "REFUND_NOT_EXIST" },
			pageSuccessNonce, recon.OutcomePermanent, "edgeros: platform status 1008 REFUND_NOT_EXIST"},
		{"another order", func(env map[string]any) { dataOf(env)["mch_trade_no"] = "OTHER" },
			pageSuccessNonce, recon.OutcomeUnverifiable, `edgeros: answer is about mch_trade_no "OTHER", not "` + pageTradeNo + `"`},
		// An authentic status 200 answer for another merchant is not this
		// account's answer, whatever its message (the page's 1007 example
		// carries another mch_no: a refusal is not checked).
		{"another merchant", func(env map[string]any) { dataOf(env)["mch_no"] = "MCH9" },
			pageSuccessNonce, recon.OutcomeUnverifiable, `edgeros: answer is for merchant mch_no "MCH9", not this account's "` + pageMchNo + `"`},
		{"another merchant, message not SUCCESS", func(env map[string]any) { dataOf(env)["mch_no"] = "MCH9"; env["message"] = "FAIL" },
			pageSuccessNonce, recon.OutcomeUnverifiable, `edgeros: answer is for merchant mch_no "MCH9", not this account's "` + pageMchNo + `"`},
		{"empty merchant", func(env map[string]any) { dataOf(env)["mch_no"] = "" },
			pageSuccessNonce, recon.OutcomeUnverifiable, `edgeros: answer is for merchant mch_no "", not this account's "` + pageMchNo + `"`},
		{"no merchant", func(env map[string]any) { delete(dataOf(env), "mch_no") }, pageSuccessNonce, recon.OutcomeFound, ""},
		{"another merchant refusing", func(env map[string]any) {
			dataOf(env)["mch_no"] = "MCH9"
			env["status"], env["message"], env["fieldErrors"] = 1003, "MCH_NOT_EXIST", "商户不存在!"
		}, pageSuccessNonce, recon.OutcomePermanent, "edgeros: platform status 1003 MCH_NOT_EXIST: 商户不存在!"},
		{"another merchant, 1007", func(env map[string]any) {
			dataOf(env)["mch_no"] = "MCH1000000"
			env["status"], env["message"] = 1007, "ORDER_NOT_EXIST"
		}, pageSuccessNonce, recon.OutcomeNotFound, "edgeros: platform status 1007 ORDER_NOT_EXIST"},
		{"amount not a decimal", func(env map[string]any) { dataOf(env)["amount_total"] = "0.011" },
			pageSuccessNonce, recon.OutcomePermanent, `edgeros: amount_total: malformed amount: "0.011" has more than 2 decimals`},
		{"time not a time", func(env map[string]any) { dataOf(env)["success_time"] = "yesterday" },
			pageSuccessNonce, recon.OutcomePermanent, `edgeros: success_time "yesterday" is not an RFC 3339 time`},
	})
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
			res := opensslProvider(t, url, pageSuccessNonce).Query(context.Background(), QueryPayment(pageTradeNo, ""))
			if res.Outcome != c.outcome || res.Verified {
				t.Fatalf("outcome %v verified %v (%s), want %v", res.Outcome, res.Verified, res.Err, c.outcome)
			}
			if c.status != 204 && string(res.Raw) != c.body {
				t.Errorf("Raw %q", res.Raw)
			}
		})
	}
}

// TestHTTPOutcomes pins the whole reply for every way the exchange can end:
// Query judges the HTTP status itself (PROTOCOL: anything but 200 is
// transient, whatever plugins.Exchange says of it), and a 2xx other than
// 200 is no answer even when its body is a genuine one.
func TestHTTPOutcomes(t *testing.T) {
	genuine := MustRead(t, "openssl/page_success_signed.json")
	big := make([]byte, plugins.MaxBodyBytes+1)
	const desc = "GET /pay/v1/transactions/trade mch_trade_no=" + pageTradeNo
	for _, c := range []struct {
		name        string
		status      int
		retryAfter  string
		body        []byte
		want        recon.Reply // Raw is checked against body
		found, keep bool        // found: a FOUND answer; keep: Raw is the body
	}{
		{"200", 200, "", genuine, recon.Reply{Outcome: recon.OutcomeFound, HTTPStatus: 200, Verified: true}, true, true},
		{"201 with a genuine answer", 201, "", genuine, recon.Reply{Outcome: recon.OutcomeTransient, HTTPStatus: 201,
			Err: "edgeros: HTTP 201: the platform answers 200"}, false, true},
		{"204", 204, "", nil, recon.Reply{Outcome: recon.OutcomeTransient, HTTPStatus: 204,
			Err: "edgeros: HTTP 204: the platform answers 200"}, false, true},
		{"400 with a genuine answer", 400, "", genuine, recon.Reply{Outcome: recon.OutcomeTransient, HTTPStatus: 400,
			Err: "edgeros: HTTP 400 Bad Request"}, false, true},
		{"404", 404, "", []byte("not found"), recon.Reply{Outcome: recon.OutcomeTransient, HTTPStatus: 404,
			Err: "edgeros: HTTP 404 Not Found"}, false, true},
		{"503 with Retry-After", 503, "7", []byte("busy"), recon.Reply{Outcome: recon.OutcomeTransient, HTTPStatus: 503,
			Err: "edgeros: HTTP 503 Service Unavailable", RetryAfter: 7 * time.Second}, false, true},
		{"200 too large", 200, "", big, recon.Reply{Outcome: recon.OutcomePermanent, HTTPStatus: 200,
			Err: fmt.Sprintf("edgeros: response body larger than %d bytes", plugins.MaxBodyBytes)}, false, false},
		{"413 too large", 413, "", big, recon.Reply{Outcome: recon.OutcomeTransient, HTTPStatus: 413,
			Err: fmt.Sprintf("edgeros: response body larger than %d bytes", plugins.MaxBodyBytes)}, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.retryAfter != "" {
					w.Header().Set("Retry-After", c.retryAfter)
				}
				w.WriteHeader(c.status)
				_, _ = w.Write(c.body)
			}))
			defer srv.Close()
			res := opensslProvider(t, srv.URL, pageSuccessNonce).Query(context.Background(), QueryPayment(pageTradeNo, ""))
			if c.keep != (string(res.Raw) == string(c.body)) || !c.keep && res.Raw != nil {
				t.Errorf("Raw is %d bytes, want the body (%v)", len(res.Raw), c.keep)
			}
			if found := res.Answer.Status != "" && res.Answer.Amount != nil; found != c.found {
				t.Errorf("answer %+v", res.Answer)
			}
			res.Raw, res.Answer = nil, recon.Answer{}
			c.want.Request = desc
			if !reflect.DeepEqual(res, c.want) {
				t.Errorf("reply\n got %+v\nwant %+v", res, c.want)
			}
		})
	}
	t.Run("no server", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		res := opensslProvider(t, srv.URL, pageSuccessNonce).Query(context.Background(), QueryPayment(pageTradeNo, ""))
		if res.Outcome != recon.OutcomeTransient || res.HTTPStatus != 0 || res.Request != desc || !strings.HasPrefix(res.Err, "edgeros: ") {
			t.Errorf("reply %+v", res)
		}
	})
}

// TestRepeatedMembers: a member named twice, in the envelope or in data, is
// read differently by every parser (encoding/json keeps the last) and the
// stored Raw shows the first to a person: the answer is malformed
// (TRANSIENT), never judged, whatever the signature covers.
func TestRepeatedMembers(t *testing.T) {
	success := string(MustRead(t, "openssl/page_success_signed.json"))
	notFound := string(MustRead(t, "openssl/page_error_signed.json"))
	// in puts text right after the first occurrence of at in body.
	in := func(body, at, text string) string {
		i := strings.Index(body, at)
		if i < 0 {
			t.Fatalf("%q not in the body", at)
		}
		return body[:i+len(at)] + text + body[i+len(at):]
	}
	for _, c := range []struct {
		name, body, nonce string
		outcome           recon.Outcome
	}{
		{"genuine success", success, pageSuccessNonce, recon.OutcomeFound},
		{"genuine not found", notFound, pageErrorNonce, recon.OutcomeNotFound},
		{"code and amount before signed data", in(success, `"data": {`, `"code":"NOTPAY","amount_total":"999.00",`),
			pageSuccessNonce, recon.OutcomeTransient},
		{"sign twice in data", in(success, `"data": {`, `"sign":"x",`), pageSuccessNonce, recon.OutcomeTransient},
		{"status 1007 before a whole success", in(success, "{", `"status":1007,`), pageSuccessNonce, recon.OutcomeTransient},
		{"status 200 before a whole not found", in(notFound, "{", `"status":200,`), pageErrorNonce, recon.OutcomeTransient},
		{"data twice", in(success, "{", `"data":{},`), pageSuccessNonce, recon.OutcomeTransient},
		{"message twice", in(success, "{", `"message":"FAIL",`), pageSuccessNonce, recon.OutcomeTransient},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, url := serveStatic(t, 200, []byte(c.body))
			res := opensslProvider(t, url, c.nonce).Query(context.Background(), QueryPayment(pageTradeNo, ""))
			if res.Outcome != c.outcome {
				t.Fatalf("outcome %v verified %v (%s), want %v", res.Outcome, res.Verified, res.Err, c.outcome)
			}
			if c.outcome == recon.OutcomeTransient && (res.Verified || res.Answer.Status != "" || res.Answer.Amount != nil ||
				!strings.Contains(res.Err, "twice") || string(res.Raw) != c.body) {
				t.Errorf("verified %v answer %+v err %q", res.Verified, res.Answer, res.Err)
			}
		})
	}
}

// TestStatedAmounts: an amount the answer leaves out is not said (nil); one
// it states, even as "" or null, must be a decimal (doc.go: a present but
// unreadable amount is PERMANENT, never dropped), for trades and refunds.
func TestStatedAmounts(t *testing.T) {
	trade, refund := QueryPayment(pageTradeNo, pageTxnNo), QueryRefund(pageTradeNo, "R1")
	for _, c := range []struct {
		name    string
		q       recon.Query
		data    map[string]any
		outcome recon.Outcome
		err     string
		amount  *int64 // Amount for a trade, RefundAmount for a refund
	}{
		{"trade amount", trade, identityTrade, recon.OutcomeFound, "", recon.Int64(1)},
		{"trade amount left out", trade, without(identityTrade, "amount_total"), recon.OutcomeFound, "", nil},
		{"trade amount empty", trade, with(identityTrade, "amount_total", ""), recon.OutcomePermanent,
			"edgeros: amount_total: malformed amount: empty", nil},
		{"trade amount null", trade, with(identityTrade, "amount_total", nil), recon.OutcomePermanent,
			"edgeros: amount_total is null", nil},
		{"refund amount", refund, identityRefund, recon.OutcomeFound, "", recon.Int64(1)},
		{"refund amount left out", refund, without(identityRefund, "refund_amount"), recon.OutcomeFound, "", nil},
		{"refund amount empty", refund, with(identityRefund, "refund_amount", ""), recon.OutcomePermanent,
			"edgeros: refund_amount: malformed amount: empty", nil},
		{"refund amount null", refund, with(identityRefund, "refund_amount", nil), recon.OutcomePermanent,
			"edgeros: refund_amount is null", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := opensslProvider(t, "http://127.0.0.1:9", pageSuccessNonce)
			res := p.interpret(c.q, pageSuccessNonce, identityAnswer(t, without(c.data)))
			if res.Outcome != c.outcome || res.Err != c.err {
				t.Fatalf("outcome %v err %q, want %v %q", res.Outcome, res.Err, c.outcome, c.err)
			}
			got := res.Answer.Amount
			if c.q.Kind == recon.Refund {
				got = res.Answer.RefundAmount
			}
			if (got == nil) != (c.amount == nil) || got != nil && *got != *c.amount {
				t.Errorf("amount %v, want %v", got, c.amount)
			}
		})
	}
}

// TestAmounts: amount_total is read exactly as yuan, the only currency an
// account can have (Configure refuses any other).
func TestAmounts(t *testing.T) {
	p := &Provider{}
	p.digits = mustDigits(t, "CNY")
	for _, c := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{"0.01", 1, false}, {"12345.67", 1234567, false}, {"7", 700, false}, {"1.50", 150, false},
		{"1.005", 0, true}, {"-1.00", 0, true}, {"1,00", 0, true}, {"", 0, true}, {"1e2", 0, true},
	} {
		got, err := p.amount("amount_total", c.in)
		if c.bad != (err != nil) || (!c.bad && *got != c.want) {
			t.Errorf("%q: %v %v", c.in, got, err)
		}
	}
}

func mustDigits(t *testing.T, cur string) int {
	t.Helper()
	p := New()
	err := p.Configure(context.Background(), plugins.Account{Endpoint: "http://x", Currency: cur, Credentials: map[string]string{
		CredMchNo: "M", CredAppNo: "A",
		CredMerchantPrivateKey: string(MustRead(t, "openssl/merchant_key.pem")),
		CredPlatformPublicKey:  string(MustRead(t, "openssl/platform_pub.pem")),
	}})
	if err != nil {
		t.Fatal(err)
	}
	return p.digits
}

// TestInstant: RFC 3339 keeps its offset; a time without one is read in the
// account's zone.
func TestInstant(t *testing.T) {
	p := &Provider{loc: chinaTime}
	for _, c := range []struct{ in, want string }{
		{"2024-04-24T18:00:28+08:00", "2024-04-24T10:00:28Z"},
		{"2024-04-24T10:00:28Z", "2024-04-24T10:00:28Z"},
		{"2024-04-24T18:00:28.5+08:00", "2024-04-24T10:00:28.5Z"},
		{"2024-04-24 18:00:28", "2024-04-24T10:00:28Z"},
		{"2024-04-24T18:00:28", "2024-04-24T10:00:28Z"},
	} {
		got, err := p.instant("success_time", c.in)
		if err != nil || got.UTC().Format("2006-01-02T15:04:05.999Z07:00") != c.want {
			t.Errorf("%q: %v %v", c.in, got, err)
		}
	}
	if _, err := p.instant("success_time", "24/04/2024"); err == nil {
		t.Error("garbage time accepted")
	}
	if got, err := p.instant("success_time", ""); err != nil || !got.IsZero() {
		t.Errorf("empty: %v %v", got, err)
	}
}

// identityAnswer is a SUCCESS answer with data (plus mch_no, nonce and
// sign_type), signed by the OpenSSL platform key, as the answer to a client
// sending pageSuccessNonce.
func identityAnswer(t *testing.T, data map[string]any) []byte {
	t.Helper()
	data["mch_no"], data["nonce"], data["sign_type"] = pageMchNo, pageSuccessNonce, SignType
	env := map[string]any{"status": 200, "message": "SUCCESS", "fieldErrors": nil, "data": data}
	return signedBody(t, env, nil)
}

// without is fields less the keys drop.
func without(fields map[string]any, drop ...string) map[string]any {
	m := map[string]any{}
	for k, v := range fields {
		m[k] = v
	}
	for _, k := range drop {
		delete(m, k)
	}
	return m
}

// with is fields with k set to v.
func with(fields map[string]any, k string, v any) map[string]any {
	m := without(fields)
	m[k] = v
	return m
}

var (
	identityTrade = map[string]any{"mch_trade_no": pageTradeNo, "transaction_no": pageTxnNo, "code": "SUCCESS",
		"amount_total": "0.01", "success_time": "2024-04-24T18:00:28+08:00"}
	identityRefund = map[string]any{"mch_trade_no": pageTradeNo, "transaction_no": pageTxnNo, "mch_refund_no": "R1",
		"refund_no": "RF1", "refund_amount": "0.01", "code": "SUCCESS"}
)

// TestAnswerIdentity: a found answer states the identity the platform
// echoed, from the answer only: a number the answer lacks stays empty even
// though the query has it, and the host's check then refuses the answer.
func TestAnswerIdentity(t *testing.T) {
	trade, refund := QueryPayment(pageTradeNo, pageTxnNo), QueryRefund(pageTradeNo, "R1")
	for _, c := range []struct {
		name                                    string
		q                                       recon.Query
		data                                    map[string]any
		orderNo, tradeNo, refundNo, refundTrade string
		refused                                 string // the IdentityError field the host's check names; "" passes
	}{
		{"trade", trade, identityTrade, pageTradeNo, pageTxnNo, "", "", ""},
		{"trade, ledger without provider_trade_no", QueryPayment(pageTradeNo, ""), identityTrade, pageTradeNo, pageTxnNo, "", "", ""},
		{"trade with refund members", trade, without(identityRefund, "refund_amount"), pageTradeNo, pageTxnNo, "", "", ""},
		{"trade without mch_trade_no", trade, without(identityTrade, "mch_trade_no"), "", pageTxnNo, "", "", "order_no"},
		{"trade without transaction_no", trade, without(identityTrade, "transaction_no"), pageTradeNo, "", "", "", ""},
		{"trade without either", trade, without(identityTrade, "mch_trade_no", "transaction_no"), "", "", "", "", "order_no"},
		{"refund", refund, identityRefund, pageTradeNo, pageTxnNo, "R1", "RF1", ""},
		{"refund without mch_refund_no", refund, without(identityRefund, "mch_refund_no"), pageTradeNo, pageTxnNo, "", "RF1", "refund_no"},
		{"refund without refund_no", refund, without(identityRefund, "refund_no"), pageTradeNo, pageTxnNo, "R1", "", ""},
		{"refund without mch_trade_no", refund, without(identityRefund, "mch_trade_no"), "", pageTxnNo, "R1", "RF1", "order_no"},
		{"refund without transaction_no", refund, without(identityRefund, "transaction_no"), pageTradeNo, "", "R1", "RF1", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := opensslProvider(t, "http://127.0.0.1:9", pageSuccessNonce)
			res := p.interpret(c.q, pageSuccessNonce, identityAnswer(t, without(c.data)))
			if res.Outcome != recon.OutcomeFound || !res.Verified {
				t.Fatalf("outcome %v verified %v (%s)", res.Outcome, res.Verified, res.Err)
			}
			a := res.Answer
			if a.OrderNo != c.orderNo || a.TradeNo != c.tradeNo || a.RefundNo != c.refundNo || a.RefundTradeNo != c.refundTrade {
				t.Errorf("identity %q %q %q %q, want %q %q %q %q", a.OrderNo, a.TradeNo, a.RefundNo, a.RefundTradeNo,
					c.orderNo, c.tradeNo, c.refundNo, c.refundTrade)
			}
			err := c.q.Check(&res)
			var ie *recon.IdentityError
			switch {
			case c.refused == "" && err != nil:
				t.Errorf("the host's check refuses it: %v", err)
			case c.refused != "" && (!errors.As(err, &ie) || ie.Field != c.refused || ie.Answered != ""):
				t.Errorf("the host's check: %v, want %s not said", err, c.refused)
			}
		})
	}
}

// TestAnswerAboutAnotherOrder: an authentic answer whose identity differs
// from what the plugin asked is UNVERIFIABLE, naming both numbers, and keeps
// the identity it states but no state. The host's check, on the same answer
// taken as found, refuses it too: it does not depend on the plugin's.
func TestAnswerAboutAnotherOrder(t *testing.T) {
	const otherTxn = "ffffffffffffffffffffffffffffffff"
	for _, c := range []struct {
		name         string
		q            recon.Query
		data         map[string]any
		err          string
		field, asked string // the host's IdentityError
		answered     string
	}{
		{"trade of another order", QueryPayment(pageTradeNo, ""), with(identityTrade, "mch_trade_no", "OTHER"),
			`edgeros: answer is about mch_trade_no "OTHER", not "` + pageTradeNo + `"`, "order_no", pageTradeNo, "OTHER"},
		{"trade of another transaction", QueryPayment(pageTradeNo, otherTxn), identityTrade,
			`edgeros: answer is about transaction_no "` + pageTxnNo + `", not "` + otherTxn + `"`,
			"provider_trade_no", otherTxn, pageTxnNo},
		{"another refund", QueryRefund(pageTradeNo, "R2"), identityRefund,
			`edgeros: answer is about mch_refund_no "R1", not "R2"`, "refund_no", "R2", "R1"},
		{"a refund of another order", QueryRefund("OTHER", "R1"), identityRefund,
			`edgeros: answer is about mch_trade_no "` + pageTradeNo + `", not "OTHER"`, "order_no", "OTHER", pageTradeNo},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := without(c.data)
			p := opensslProvider(t, "http://127.0.0.1:9", pageSuccessNonce)
			body := identityAnswer(t, data)
			res := p.interpret(c.q, pageSuccessNonce, body)
			if res.Outcome != recon.OutcomeUnverifiable || res.Err != c.err || res.Verified {
				t.Fatalf("outcome %v verified %v err %q, want UNVERIFIABLE %q", res.Outcome, res.Verified, res.Err, c.err)
			}
			a := res.Answer
			if a.Status != "" || a.Amount != nil || a.RefundAmount != nil || !a.PaidAt.IsZero() || string(res.Raw) != string(body) {
				t.Errorf("an untrusted answer carries a state: %+v", a)
			}
			if a.OrderNo != data["mch_trade_no"] || a.TradeNo != data["transaction_no"] {
				t.Errorf("identity %q %q not the answer's", a.OrderNo, a.TradeNo)
			}
			found := res
			found.Outcome = recon.OutcomeFound
			var ie *recon.IdentityError
			if err := c.q.Check(&found); !errors.As(err, &ie) || *ie != (recon.IdentityError{Field: c.field, Asked: c.asked, Answered: c.answered}) {
				t.Errorf("the host's check: %v", err)
			}
		})
	}
}

// Provider text quoted in an error is clipped (plugins.Clip): past
// plugins.MaxTextBytes the wire would make a busy platform's TRANSIENT
// answer a PERMANENT one.
func TestDescribeClipsProviderText(t *testing.T) {
	long := strings.Repeat("x", 6000)
	e := &envelope{status: 503, message: long, fieldErrors: `{"f":"` + long + `"}`}
	if d := e.describe(); len(d) > 3*plugins.ClipBytes || !strings.Contains(d, "503") {
		t.Fatalf("describe is %d bytes: %.120q", len(d), d)
	}
}
