package vborder

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/reconhq/recon"
)

// sealFor encrypts plain to cfg's merchant key and base64s it.
func sealFor(t *testing.T, cfg *config, plain string) string {
	t.Helper()
	ct, err := encryptSegmented(&cfg.merchantPriv.PublicKey, []byte(plain))
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
	if err := signInto(m, cfg.signKey); err != nil {
		t.Fatal(err)
	}
	b, err := marshalJSON(m)
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
		{"fractional orderAmount", body(paid(map[string]any{"orderAmount": "12.5"})), recon.OutcomePermanent, nil},
		{"negative orderAmount", body(paid(map[string]any{"orderAmount": -1})), recon.OutcomePermanent, nil},
		{"orderAmount as exponent", outerBody(cfg.customerNo, sealFor(t, cfg, `{"orderNo":"A1","errCode":"0000","payStatus":"SUCCESS","orderAmount":1e3}`)),
			recon.OutcomePermanent, nil},
		{"bad payTime", body(paid(map[string]any{"payTime": "2026-11-21T23:10:04Z"})), recon.OutcomePermanent, nil},

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
