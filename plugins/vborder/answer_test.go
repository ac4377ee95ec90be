package vborder

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
)

const exampleOrder = "202209070002"

// exampleFields are the page's decrypted example (reqmsg明文) as Fields.
var exampleFields = map[string]string{
	"customerNo":           "202112090603",
	"orderNo":              "202209070002",
	"platformSeq":          "S1567327155606323202",
	"goodName":             "test",
	"payType":              "WECHAT_JSAPI",
	"payTime":              "2022-09-07 09:41:58",
	"orderAmount":          "1",
	"payStatus":            "SUCCESS",
	"bankReturnOrderNo":    "5515880892220987",
	"channelReturnOrderNo": "4200001615202209072973882689",
	"identifyId":           "o2O6gt8QJYry9JEyL1zhr0WuGdwe",
	"payerInfo":            "{}",
	"errCode":              "0000",
	"errMessage":           "成功",
}

func checkExampleAnswer(t *testing.T, res recon.Reply, plain []byte, extra map[string]string) {
	t.Helper()
	if res.Outcome != recon.OutcomeFound {
		t.Fatalf("outcome %v (%s), want FOUND", res.Outcome, res.Err)
	}
	a := res.Answer
	if a.Status != "SUCCESS" || a.SubStatus != "" || a.Currency != "CNY" || a.TradeNo != "S1567327155606323202" {
		t.Errorf("status %q sub %q currency %q trade %q", a.Status, a.SubStatus, a.Currency, a.TradeNo)
	}
	if a.OrderNo != exampleOrder || a.RefundNo != "" || a.RefundTradeNo != "" {
		t.Errorf("identity: order %q refund %q refund trade %q", a.OrderNo, a.RefundNo, a.RefundTradeNo)
	}
	if a.Amount == nil || *a.Amount != 1 {
		t.Errorf("amount %v, want 1 fen", a.Amount)
	}
	if a.Received != nil || a.Refunded != nil || a.RefundAmount != nil {
		t.Errorf("received/refunded/refund_amount should be nil: %v %v %v", a.Received, a.Refunded, a.RefundAmount)
	}
	// 09:41:58 China time is 01:41:58 UTC.
	if want := time.Date(2022, 9, 7, 1, 41, 58, 0, time.UTC); !a.PaidAt.Equal(want) {
		t.Errorf("paid at %v, want %v", a.PaidAt, want)
	}
	want := map[string]string{plaintextField: string(plain)}
	for k, v := range exampleFields {
		want[k] = v
	}
	for k, v := range extra {
		want[k] = v
	}
	if !reflect.DeepEqual(a.Fields, want) {
		t.Errorf("fields:\n got %v\nwant %v", a.Fields, want)
	}
}

// The page's decrypted example parses to the right fields and amounts.
func TestPageExample(t *testing.T) {
	plain := readTestdata(t, "example_plain.json")
	res := testConfig(t, ResponseMerchantPrivate).business(exampleOrder, plain)
	checkExampleAnswer(t, res, plain, nil)
	if res.Verified {
		t.Error("an unsigned answer under merchant_private is not verified")
	}
}

// Whole HTTP answers made with openssl and md5sum (testdata/gen.sh): the
// example, signed, encrypted to the merchant key or in type-1 blocks.
func TestResponseVectors(t *testing.T) {
	plain := readTestdata(t, "vectors/signed_example.json")
	sign := readTestdataString(t, "sign/example.sign")
	for _, c := range []struct{ file, responseKey string }{
		{"vectors/response_merchant_private.json", ResponseMerchantPrivate},
		{"vectors/response_platform_public.json", ResponsePlatformPublic},
	} {
		t.Run(c.responseKey, func(t *testing.T) {
			cfg := testConfig(t, c.responseKey)
			res := cfg.parseResponse(exampleOrder, readTestdata(t, c.file))
			checkExampleAnswer(t, res, plain, map[string]string{"sign": sign})
			if !res.Verified {
				t.Error("a signed answer whose sign holds must be Verified")
			}

			// The same answer read with the wrong sign key: never FOUND.
			cfg.signKey = "another-key"
			if res := cfg.parseResponse(exampleOrder, readTestdata(t, c.file)); res.Outcome != recon.OutcomeUnverifiable {
				t.Errorf("wrong sign key: outcome %v, want UNVERIFIABLE", res.Outcome)
			}
			// Read under the other scheme: it does not decrypt.
			cfg = testConfig(t, ResponseMerchantPrivate)
			if c.responseKey == ResponseMerchantPrivate {
				cfg.responseKey = ResponsePlatformPublic
			}
			if res := cfg.parseResponse(exampleOrder, readTestdata(t, c.file)); res.Outcome != recon.OutcomeUnverifiable {
				t.Errorf("other scheme: outcome %v, want UNVERIFIABLE", res.Outcome)
			}
			// Asked about another order: the answer is not ours.
			if res := testConfig(t, c.responseKey).parseResponse("OTHER", readTestdata(t, c.file)); res.Outcome != recon.OutcomeUnverifiable {
				t.Errorf("other order: outcome %v, want UNVERIFIABLE", res.Outcome)
			}
		})
	}
}

// sealFor encrypts plain to cfg's merchant key and base64s it.
func sealFor(t *testing.T, cfg *config, plain string) string {
	t.Helper()
	ct, err := EncryptSegmented(&cfg.merchantPriv.PublicKey, []byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(ct)
}

// outerBody is the platform's HTTP answer around reqmsg.
func outerBody(customerNo, reqmsg string) []byte {
	return []byte(fmt.Sprintf(`{"code":"200","success":true,"data":"{\"customerNo\":\"%s\",\"reqmsg\":\"%s\"}","msg":"操作成功"}`,
		customerNo, reqmsg))
}

// signedJSON is m with its sign, as JSON.
func signedJSON(t *testing.T, cfg *config, m map[string]any) string {
	t.Helper()
	if err := AddSign(m, cfg.signKey); err != nil {
		t.Fatal(err)
	}
	b, err := MarshalJSON(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func paid(extra map[string]any) map[string]any {
	m := map[string]any{"customerNo": "202112090603", "orderNo": "A1", "platformSeq": "S1",
		"orderAmount": 1234, "payStatus": "SUCCESS", "payTime": "2026-11-21 23:10:04",
		"errCode": "0000", "errMessage": "成功"}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func TestParseResponse(t *testing.T) {
	cfg := testConfig(t, ResponseMerchantPrivate)
	body := func(m map[string]any) []byte {
		return outerBody(cfg.customerNo, sealFor(t, cfg, signedJSON(t, cfg, m)))
	}
	good := body(paid(nil))
	cases := []struct {
		name  string
		body  []byte
		want  recon.Outcome
		check func(t *testing.T, r recon.Reply)
	}{
		{"paid", good, recon.OutcomeFound, func(t *testing.T, r recon.Reply) {
			if !r.Verified || r.Answer.Status != "SUCCESS" || *r.Answer.Amount != 1234 || r.Answer.TradeNo != "S1" {
				t.Errorf("got %+v", r)
			}
			if got := r.Answer.PaidAt.UTC().Format("2006-01-02 15:04:05"); got != "2026-11-21 15:10:04" {
				t.Errorf("paid at %s UTC", got)
			}
		}},
		{"unsigned answer", outerBody(cfg.customerNo, sealFor(t, cfg, `{"orderNo":"A1","errCode":"0000","payStatus":"WAITPAY","orderAmount":5}`)),
			recon.OutcomeFound, func(t *testing.T, r recon.Reply) {
				if r.Verified || r.Answer.Status != "WAITPAY" || !r.Answer.PaidAt.IsZero() {
					t.Errorf("got %+v", r)
				}
			}},
		{"checkStatus is the sub-status", body(paid(map[string]any{"payType": "B2C", "checkStatus": "FAIL", "checkMsg": "户名不符"})),
			recon.OutcomeFound, func(t *testing.T, r recon.Reply) {
				if r.Answer.SubStatus != "FAIL" || r.Answer.Fields["checkMsg"] != "户名不符" {
					t.Errorf("got %+v", r.Answer)
				}
			}},
		{"nested objects as objects or strings", body(paid(map[string]any{
			"payerInfo":       map[string]any{"bankId": "CMBCHINA", "cardType": "DEBIT"},
			"payeeInfo":       `{ "payeeAccName" : "微保科技" }`,
			"installmentData": `not json`,
			"ext1":            `{ "kept": "as is" }`, // not a documented object field
		})), recon.OutcomeFound, func(t *testing.T, r recon.Reply) {
			f := r.Answer.Fields
			if f["payerInfo"] != `{"bankId":"CMBCHINA","cardType":"DEBIT"}` || f["payeeInfo"] != `{"payeeAccName":"微保科技"}` ||
				f["installmentData"] != "not json" || f["ext1"] != `{ "kept": "as is" }` {
				t.Errorf("fields %v", f)
			}
		}},
		{"orderAmount as a string of digits", body(paid(map[string]any{"orderAmount": "1200"})), recon.OutcomeFound,
			func(t *testing.T, r recon.Reply) {
				if *r.Answer.Amount != 1200 {
					t.Errorf("amount %d", *r.Answer.Amount)
				}
			}},
		{"orderAmount beyond float precision stays exact", body(paid(map[string]any{"orderAmount": int64(9007199254740991)})),
			recon.OutcomeFound, func(t *testing.T, r recon.Reply) {
				if *r.Answer.Amount != 9007199254740991 {
					t.Errorf("amount %d", *r.Answer.Amount)
				}
			}},
		{"no orderAmount", body(paid(map[string]any{"orderAmount": nil})), recon.OutcomeFound,
			func(t *testing.T, r recon.Reply) {
				if r.Answer.Amount != nil {
					t.Errorf("amount %d", *r.Answer.Amount)
				}
			}},
		{"lowercase hex sign", outerBody(cfg.customerNo, sealFor(t, cfg, lowerSign(signedJSON(t, cfg, paid(nil))))),
			recon.OutcomeFound, nil},
		{"reqmsg with line breaks", outerBody(cfg.customerNo, wrap76(sealFor(t, cfg, signedJSON(t, cfg, paid(nil))))),
			recon.OutcomeFound, nil},
		{"numeric code, data as an object", []byte(fmt.Sprintf(`{"code":200,"success":true,"data":{"customerNo":"%s","reqmsg":"%s"}}`,
			cfg.customerNo, sealFor(t, cfg, signedJSON(t, cfg, paid(nil))))), recon.OutcomeFound, nil},

		{"errCode 1001", body(map[string]any{"customerNo": cfg.customerNo, "orderNo": "A1", "errCode": "1001", "errMessage": "订单不存在"}),
			recon.OutcomeNotFound, func(t *testing.T, r recon.Reply) {
				if r.Answer.Fields["errCode"] != "1001" || r.Err != "errCode 1001: 订单不存在" {
					t.Errorf("got %+v", r)
				}
			}},
		{"other errCode", body(map[string]any{"orderNo": "A1", "errCode": "2001", "errMessage": "参数错误"}),
			recon.OutcomePermanent, func(t *testing.T, r recon.Reply) {
				if !strings.Contains(r.Err, "errCode 2001: 参数错误") || r.Answer.Fields["errCode"] != "2001" {
					t.Errorf("got %+v", r)
				}
			}},
		{"no errCode", body(paid(map[string]any{"errCode": nil})), recon.OutcomePermanent, nil},
		// PROTOCOL: orderAmount is 必选 integer fen. Present but empty or null
		// is unreadable, not "not said": a paid order must not lose its amount.
		{"empty orderAmount", body(paid(map[string]any{"orderAmount": ""})), recon.OutcomePermanent, nil},
		{"null orderAmount", outerBody(cfg.customerNo, sealFor(t, cfg, `{"orderNo":"A1","errCode":"0000","payStatus":"SUCCESS","orderAmount":null}`)),
			recon.OutcomePermanent, nil},
		{"fractional orderAmount", body(paid(map[string]any{"orderAmount": "12.5"})), recon.OutcomePermanent, nil},
		{"negative orderAmount", body(paid(map[string]any{"orderAmount": -1})), recon.OutcomePermanent, nil},
		{"orderAmount as exponent", outerBody(cfg.customerNo, sealFor(t, cfg, `{"orderNo":"A1","errCode":"0000","payStatus":"SUCCESS","orderAmount":1e3}`)),
			recon.OutcomePermanent, nil},
		{"bad payTime", body(paid(map[string]any{"payTime": "2026-11-21T23:10:04Z"})), recon.OutcomePermanent, nil},
		// PROTOCOL: payTime is exactly yyyy-MM-dd HH:mm:ss. Go's parser also
		// takes a fraction after the seconds and a one-digit hour.
		{"payTime with a fraction", body(paid(map[string]any{"payTime": "2022-09-07 09:41:58.999999"})), recon.OutcomePermanent, nil},
		{"payTime with a comma fraction", body(paid(map[string]any{"payTime": "2022-09-07 09:41:58,5"})), recon.OutcomePermanent, nil},
		{"payTime with a one-digit hour", body(paid(map[string]any{"payTime": "2022-09-07 9:41:58"})), recon.OutcomePermanent, nil},
		{"payTime with a zone", body(paid(map[string]any{"payTime": "2022-09-07 09:41:58+08:00"})), recon.OutcomePermanent, nil},

		{"wrong sign", outerBody(cfg.customerNo, sealFor(t, cfg, strings.Replace(signedJSON(t, cfg, paid(nil)), "SUCCESS", "SUCCESS ", 1))),
			recon.OutcomeUnverifiable, nil},
		{"sign of another key", outerBody(cfg.customerNo, sealFor(t, cfg, signedJSON(t, &config{signKey: "x"}, paid(nil)))),
			recon.OutcomeUnverifiable, nil},
		{"sign not a string", outerBody(cfg.customerNo, sealFor(t, cfg, `{"orderNo":"A1","errCode":"0000","sign":1}`)),
			recon.OutcomeUnverifiable, nil},
		{"empty sign", outerBody(cfg.customerNo, sealFor(t, cfg, `{"orderNo":"A1","errCode":"0000","payStatus":"SUCCESS","sign":""}`)),
			recon.OutcomeUnverifiable, nil},
		{"tampered reqmsg", outerBody(cfg.customerNo, flipB64(sealFor(t, cfg, signedJSON(t, cfg, paid(nil))))),
			recon.OutcomeUnverifiable, nil},
		{"reqmsg not base64", outerBody(cfg.customerNo, "%%%"), recon.OutcomeUnverifiable, nil},
		{"reqmsg not whole blocks", outerBody(cfg.customerNo, base64.StdEncoding.EncodeToString(make([]byte, 100))),
			recon.OutcomeUnverifiable, nil},
		{"decrypts to non-JSON", outerBody(cfg.customerNo, sealFor(t, cfg, "payStatus=SUCCESS")), recon.OutcomeUnverifiable, nil},
		{"decrypts to two JSON values", outerBody(cfg.customerNo, sealFor(t, cfg, `{"errCode":"0000"}{}`)), recon.OutcomeUnverifiable, nil},
		{"answer for another order", body(paid(map[string]any{"orderNo": "A2"})), recon.OutcomeUnverifiable, nil},
		{"answer for another merchant", body(paid(map[string]any{"customerNo": "999"})), recon.OutcomeUnverifiable, nil},
		{"envelope for another merchant", outerBody("999", sealFor(t, cfg, signedJSON(t, cfg, paid(nil)))), recon.OutcomeUnverifiable, nil},

		{"code 500", []byte(`{"code":"500","success":false,"data":null,"msg":"系统繁忙"}`), recon.OutcomeTransient, nil},
		{"code 503", []byte(`{"code":"503","success":false,"data":null,"msg":"x"}`), recon.OutcomeTransient, nil},
		{"code 400", []byte(`{"code":"400","success":false,"data":null,"msg":"签名错误"}`), recon.OutcomePermanent,
			func(t *testing.T, r recon.Reply) {
				if !strings.Contains(r.Err, "签名错误") {
					t.Errorf("err %q", r.Err)
				}
			}},
		{"code 200 without success", []byte(`{"code":"200","success":false,"data":null}`), recon.OutcomePermanent, nil},
		{"unknown code", []byte(`{"code":"302","success":false,"data":null}`), recon.OutcomePermanent, nil},
		{"truncated body", []byte(`{"code":"200","data":{"trunc`), recon.OutcomeTransient, nil},
		{"not JSON", []byte(`<html>gateway</html>`), recon.OutcomeTransient, nil},
		{"no code", []byte(`{"success":true}`), recon.OutcomeTransient, nil},
		{"data null", []byte(`{"code":"200","success":true,"data":null}`), recon.OutcomeTransient, nil},
		{"data not JSON", []byte(`{"code":"200","success":true,"data":"oops"}`), recon.OutcomeTransient, nil},
		{"no reqmsg", []byte(`{"code":"200","success":true,"data":"{\"customerNo\":\"202112090603\"}"}`), recon.OutcomeTransient, nil},
		// A member named twice is read differently by every parser (encoding/json
		// keeps the last): the answer is malformed, never FOUND.
		{"envelope names customerNo twice", []byte(fmt.Sprintf(`{"code":"200","success":true,"data":"{\"customerNo\":\"OTHER\",\"customerNo\":\"%s\",\"reqmsg\":\"%s\"}"}`,
			cfg.customerNo, sealFor(t, cfg, signedJSON(t, cfg, paid(nil))))), recon.OutcomeTransient, nil},
		{"envelope object names reqmsg twice", []byte(fmt.Sprintf(`{"code":"200","success":true,"data":{"customerNo":"%s","reqmsg":"x","reqmsg":"%s"}}`,
			cfg.customerNo, sealFor(t, cfg, signedJSON(t, cfg, paid(nil))))), recon.OutcomeTransient, nil},
		{"outer names code twice", []byte(fmt.Sprintf(`{"code":"500","code":"200","success":true,"data":"{\"customerNo\":\"%s\",\"reqmsg\":\"%s\"}"}`,
			cfg.customerNo, sealFor(t, cfg, signedJSON(t, cfg, paid(nil))))), recon.OutcomeTransient, nil},
		{"outer names data twice", []byte(fmt.Sprintf(`{"code":"200","success":true,"data":null,"data":"{\"customerNo\":\"%s\",\"reqmsg\":\"%s\"}"}`,
			cfg.customerNo, sealFor(t, cfg, signedJSON(t, cfg, paid(nil))))), recon.OutcomeTransient, nil},
		{"success not a boolean", []byte(`{"code":"200","success":"true","data":null}`), recon.OutcomeTransient, nil},
		{"customerNo not a string", []byte(`{"code":"200","success":true,"data":{"customerNo":202112090603,"reqmsg":"x"}}`), recon.OutcomeTransient, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := cfg.parseResponse("A1", c.body)
			if r.Outcome != c.want {
				t.Fatalf("outcome %v (%s), want %v", r.Outcome, r.Err, c.want)
			}
			if c.want != recon.OutcomeFound && r.Err == "" {
				t.Error("a result that is not FOUND must say why")
			}
			if c.want == recon.OutcomeUnverifiable && r.Answer.Status != "" {
				t.Errorf("an unverifiable answer carries status %q", r.Answer.Status)
			}
			if strings.Contains(r.Err, cfg.signKey) {
				t.Errorf("error quotes the sign key: %s", r.Err)
			}
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
}

// padBlocks is m, signed, with an ext1 that makes its JSON exactly fill n
// blocks of cfg's merchant key (before the caller drops it).
func padBlocks(t *testing.T, cfg *config, m map[string]any, n int) string {
	t.Helper()
	chunk := cfg.merchantPriv.Size() - 11
	m["ext1"] = ""
	base := len(signedJSON(t, cfg, m))
	delete(m, SignField)
	m["ext1"] = strings.Repeat("x", n*chunk-base)
	js := signedJSON(t, cfg, m)
	if len(js) != n*chunk {
		t.Fatalf("padded answer is %d bytes, want %d", len(js), n*chunk)
	}
	return js
}

// The block limit holds under both schemes, and under platform_public an
// account without a merchant private key (which it may leave out) still
// has its answers read.
func TestReqmsgBlockLimit(t *testing.T) {
	priv, _ := testKeys(t, 1024) // the platform's key too, in testConfig
	for _, c := range []struct {
		responseKey string
		blocks      int
		want        recon.Outcome
	}{
		{ResponseMerchantPrivate, 8, recon.OutcomeFound},
		{ResponseMerchantPrivate, MaxReqmsgBlocks, recon.OutcomeFound},
		{ResponseMerchantPrivate, MaxReqmsgBlocks + 1, recon.OutcomeUnverifiable},
		{ResponsePlatformPublic, MaxReqmsgBlocks, recon.OutcomeFound},
		{ResponsePlatformPublic, MaxReqmsgBlocks + 1, recon.OutcomeUnverifiable},
	} {
		t.Run(fmt.Sprintf("%s/%d", c.responseKey, c.blocks), func(t *testing.T) {
			cfg := testConfig(t, c.responseKey)
			js := padBlocks(t, cfg, paid(nil), c.blocks)
			var ct []byte
			var err error
			if c.responseKey == ResponsePlatformPublic {
				ct, err = PrivateEncryptSegmented(priv, []byte(js))
				cfg.merchantPriv = nil
			} else {
				ct, err = EncryptSegmented(&cfg.merchantPriv.PublicKey, []byte(js))
			}
			if err != nil {
				t.Fatal(err)
			}
			r := cfg.parseResponse("A1", outerBody(cfg.customerNo, base64.StdEncoding.EncodeToString(ct)))
			if r.Outcome != c.want {
				t.Fatalf("outcome %v (%s), want %v", r.Outcome, r.Err, c.want)
			}
			if c.want == recon.OutcomeUnverifiable && !strings.Contains(r.Err, fmt.Sprint(MaxReqmsgBlocks)) {
				t.Errorf("err %q does not name the limit", r.Err)
			}
		})
	}
}

// BenchmarkOversizedReqmsg reads a body near the 1 MiB cap made of valid
// RSA-2048 blocks: before MaxReqmsgBlocks every block was decrypted.
func BenchmarkOversizedReqmsg(b *testing.B) {
	cfg := testConfig(b, ResponseMerchantPrivate)
	cfg.merchantPriv, _ = testKeys(b, 2048)
	plain := bytes.Repeat([]byte("x"), 2780*(cfg.merchantPriv.Size()-11)) // a body of ~0.95 MB
	ct, err := EncryptSegmented(&cfg.merchantPriv.PublicKey, plain)
	if err != nil {
		b.Fatal(err)
	}
	body := outerBody(cfg.customerNo, base64.StdEncoding.EncodeToString(ct))
	b.ReportMetric(float64(len(body)), "body-bytes")
	b.ResetTimer()
	for b.Loop() {
		if r := cfg.parseResponse("A1", body); r.Outcome != recon.OutcomeUnverifiable {
			b.Fatalf("outcome %v", r.Outcome)
		}
	}
}

func lowerSign(js string) string {
	i := strings.Index(js, `"sign":"`) + len(`"sign":"`)
	return js[:i] + strings.ToLower(js[i:i+32]) + js[i+32:]
}

// wrap76 breaks base64 into MIME lines, JSON-escaped (the envelope is a JSON string inside a JSON string).
func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + `\\r\\n`)
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

// flipB64 changes one base64 character in the middle of the first block.
func flipB64(s string) string {
	i := 60
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

// Every payStatus and checkStatus of the page reaches the rules raw, as
// Status and SubStatus; payTime only when paid, as the page says.
func TestEveryStatus(t *testing.T) {
	cfg := testConfig(t, ResponseMerchantPrivate)
	for _, c := range []struct{ pay, check, payType string }{
		{"WAITPAY", "", "ALIPAY_SCAN"},
		{"PROCESSING", "", "UNION_JSPAY"},
		{"SUCCESS", "", "WECHAT_JSAPI"},
		{"TIME_OUT", "", "ALIPAY_H5"},
		{"FAIL", "", "ALIPAY_APP"},
		{"CLOSE", "", "ALIPAY_LIFE"},
		{"SUCCESS", "SUCCESS", "B2B"},
		{"SUCCESS", "FAIL", "B2C"},
		{"SUCCESS", "CLOSE", "B2C"},
		{"SUCCESS", "PROCESSING", "B2B"},
	} {
		t.Run(c.pay+"/"+c.check, func(t *testing.T) {
			m := paid(map[string]any{"payStatus": c.pay, "payType": c.payType})
			if c.check != "" {
				m["checkStatus"] = c.check
			}
			if c.pay != "SUCCESS" {
				delete(m, "payTime")
			}
			r := cfg.parseResponse("A1", outerBody(cfg.customerNo, sealFor(t, cfg, signedJSON(t, cfg, m))))
			if r.Outcome != recon.OutcomeFound || !r.Verified {
				t.Fatalf("outcome %v verified %v (%s)", r.Outcome, r.Verified, r.Err)
			}
			a := r.Answer
			if a.Status != c.pay || a.SubStatus != c.check || a.Fields["payType"] != c.payType {
				t.Errorf("status %q sub %q payType %q", a.Status, a.SubStatus, a.Fields["payType"])
			}
			if a.PaidAt.IsZero() != (c.pay != "SUCCESS") {
				t.Errorf("paid at %v for %s", a.PaidAt, c.pay)
			}
		})
	}
}

// The identity an answer states is the answer's own orderNo and
// platformSeq, never the query's: the host's Query.Check compares it with
// what was asked, and here the plugin refuses another orderNo itself.
func TestAnswerIdentity(t *testing.T) {
	cfg := testConfig(t, ResponseMerchantPrivate)
	body := func(m map[string]any) []byte {
		return outerBody(cfg.customerNo, sealFor(t, cfg, signedJSON(t, cfg, m)))
	}
	for _, c := range []struct {
		name          string
		body          []byte
		ledgerTrade   string // the query's ProviderTradeNo
		want          recon.Outcome
		order, trade  string // Answer.OrderNo, Answer.TradeNo
		checkField    string // the *recon.IdentityError Query.Check returns, "" for none
		asked, answer string // the numbers its message must name
	}{
		{name: "paid", body: body(paid(nil)), want: recon.OutcomeFound, order: "A1", trade: "S1"},
		{name: "ledger trade number agrees", body: body(paid(nil)), ledgerTrade: "S1", want: recon.OutcomeFound,
			order: "A1", trade: "S1"},
		{name: "ledger names another trade", body: body(paid(nil)), ledgerTrade: "S2", want: recon.OutcomeFound,
			order: "A1", trade: "S1", checkField: "provider_trade_no", asked: "S2", answer: "S1"},
		{name: "no platformSeq", body: body(paid(map[string]any{"platformSeq": nil})), ledgerTrade: "S1",
			want: recon.OutcomeFound, order: "A1"},
		{name: "no orderNo", body: body(paid(map[string]any{"orderNo": nil})), want: recon.OutcomeFound,
			trade: "S1", checkField: "order_no", asked: "A1"},
		{name: "empty orderNo", body: body(paid(map[string]any{"orderNo": ""})), want: recon.OutcomeUnverifiable,
			trade: "S1"},
		{name: "another order", body: body(paid(map[string]any{"orderNo": "A2", "platformSeq": "S2"})),
			want: recon.OutcomeUnverifiable, order: "A2", trade: "S2"},
		{name: "not found echoes the order", body: body(map[string]any{"customerNo": cfg.customerNo, "orderNo": "A1",
			"errCode": ErrCodeNotFound, "errMessage": "订单不存在"}), want: recon.OutcomeNotFound, order: "A1"},
		{name: "not found about another order", body: body(map[string]any{"customerNo": cfg.customerNo, "orderNo": "A2",
			"errCode": ErrCodeNotFound, "errMessage": "订单不存在"}), want: recon.OutcomeUnverifiable, order: "A2"},
		{name: "undecryptable: nothing said", body: outerBody(cfg.customerNo, "%%%"), want: recon.OutcomeUnverifiable},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := cfg.parseResponse("A1", c.body)
			if r.Outcome != c.want {
				t.Fatalf("outcome %v (%s), want %v", r.Outcome, r.Err, c.want)
			}
			a := r.Answer
			if a.OrderNo != c.order || a.TradeNo != c.trade || a.RefundNo != "" || a.RefundTradeNo != "" {
				t.Errorf("identity order %q trade %q refund %q/%q, want %q %q", a.OrderNo, a.TradeNo,
					a.RefundNo, a.RefundTradeNo, c.order, c.trade)
			}
			if c.want == recon.OutcomeUnverifiable && c.order != "" &&
				(!strings.Contains(r.Err, `"`+c.order+`"`) || !strings.Contains(r.Err, `"A1"`)) {
				t.Errorf("refusal %q does not name both %s and A1", r.Err, c.order)
			}
			err := recon.Query{Kind: recon.Payment, OrderNo: "A1", ProviderTradeNo: c.ledgerTrade}.Check(&r)
			var ie *recon.IdentityError
			switch {
			case c.checkField == "" && err != nil:
				t.Errorf("Check: %v, want nil", err)
			case c.checkField == "":
			case !errors.As(err, &ie):
				t.Errorf("Check: %v, want an *recon.IdentityError on %s", err, c.checkField)
			case ie.Field != c.checkField || ie.Asked != c.asked || ie.Answered != c.answer:
				t.Errorf("Check: %+v, want %s asked %q answered %q", ie, c.checkField, c.asked, c.answer)
			case !strings.Contains(err.Error(), c.asked) || !strings.Contains(err.Error(), c.answer):
				t.Errorf("Check: %q does not name %q and %q", err, c.asked, c.answer)
			}
		})
	}
}

// Provider text quoted in an error is clipped (plugins.Clip): past
// plugins.MaxTextBytes the wire would make the platform's TRANSIENT 5xx a
// PERMANENT one. A 5xx code is three digits, as upay's.
func TestCallFailedClipsAndReadsCodes(t *testing.T) {
	long := strings.Repeat("x", 6000)
	for _, tt := range []struct {
		code string
		want recon.Outcome
	}{{"500", recon.OutcomeTransient}, {"503", recon.OutcomeTransient}, {"5ab", recon.OutcomePermanent},
		{"400", recon.OutcomePermanent}, {long, recon.OutcomePermanent}} {
		r := callFailed(tt.code, nil, long)
		if r.Outcome != tt.want || len(r.Err) > 3*plugins.ClipBytes {
			t.Errorf("code %.10q: %s, %d-byte error; want %s, clipped", tt.code, r.Outcome, len(r.Err), tt.want)
		}
	}
}
