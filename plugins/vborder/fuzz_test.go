package vborder

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/helper/jsonfields"
)

// fuzzOrder is the order every fuzzed answer is asked about: the page's.
const fuzzOrder = "202209070002"

// FuzzResponse feeds any HTTP body to the outer parser (code, envelope,
// decryption, then the business JSON), under both response_key schemes.
// No panic, an SDK outcome, an error for all but FOUND; FOUND only for code
// 200 with success true and a decrypted answer that passes the business
// checks; an UNVERIFIABLE result never carries a payment state.
func FuzzResponse(f *testing.F) {
	f.Add(readTestdata(f, "vectors/response_merchant_private.json"), false)
	f.Add(readTestdata(f, "vectors/response_platform_public.json"), true)
	f.Add([]byte(`{"code":500,"success":false,"data":null,"msg":"系统异常"}`), false)
	f.Add([]byte(`{"code":"400","success":false,"msg":"验签失败"}`), false)
	f.Add([]byte(`{"code":"200","success":true,"data":{"customerNo":"202112090603","reqmsg":"AAAA\nAAAA"},"msg":"ok"}`), false)
	f.Add([]byte(`{"code":"200","success":true,"data":"{\"customerNo\":\"other\",\"reqmsg\":\"AA==\"}"}`), true)

	configs := map[bool]*config{false: testConfig(f, ResponseMerchantPrivate), true: testConfig(f, ResponsePlatformPublic)}
	f.Fuzz(func(t *testing.T, body []byte, platformPublic bool) {
		res := configs[platformPublic].parseResponse(fuzzOrder, body)
		checkResult(t, res, platformPublic)
		if res.Outcome != recon.OutcomeFound {
			return
		}
		var o struct {
			Code    json.RawMessage `json:"code"`
			Success *bool           `json:"success"`
		}
		if err := json.Unmarshal(body, &o); err != nil {
			t.Fatalf("FOUND for a body encoding/json rejects: %v", err)
		}
		code := strings.TrimSpace(string(o.Code))
		_ = json.Unmarshal(o.Code, &code)
		if code != "200" || o.Success == nil || !*o.Success {
			t.Fatalf("FOUND for code %s success %v", o.Code, o.Success)
		}
	})
}

// FuzzBusiness feeds any decrypted business JSON to the answer checks. On
// top of FuzzResponse's properties: the same JSON with a sign made by the
// sign key (spliced in, every other byte as received) is never refused for
// its sign, and with one member added after signing it always is.
func FuzzBusiness(f *testing.F) {
	f.Add(readTestdata(f, "example_plain.json"), false)
	f.Add(readTestdata(f, "vectors/signed_example.json"), false)
	f.Add(readTestdata(f, "sign/nested.json"), true)
	f.Add([]byte(`{"errCode":"1001","errMessage":"订单不存在","orderNo":"202209070002"}`), false)
	f.Add([]byte(`{"errCode":"0000","orderNo":"202209070002","orderAmount":12.5,"payStatus":"SUCCESS","payerInfo":{"b":"<&>","a":[1,2.50]}}`), false)
	f.Add([]byte(`{"errCode":"0000","orderAmount":"1234","payTime":"2026-11-21 23:10:04","sign":null,"ext1":""}`), true)

	configs := map[bool]*config{false: testConfig(f, ResponseMerchantPrivate), true: testConfig(f, ResponsePlatformPublic)}
	f.Fuzz(func(t *testing.T, plain []byte, platformPublic bool) {
		c := configs[platformPublic]
		res := c.business(fuzzOrder, plain)
		checkResult(t, res, platformPublic)
		if res.Outcome == recon.OutcomeFound || res.Verified {
			if res.Answer.Fields[plaintextField] != string(plain) {
				t.Fatalf("Fields[%s] is not the plaintext as received", plaintextField)
			}
		}

		// The same reading as business: a member named twice is refused
		// before any sign is checked.
		fields, err := jsonfields.Object(plain)
		if err != nil || len(fields) == 0 {
			return
		}
		if _, has := fields[SignField]; has {
			return // splicing a second sign would leave two
		}
		sign, err := Sign(fields, c.signKey)
		if err != nil {
			t.Fatalf("no sign over a JSON object: %v", err)
		}
		signed := splice(plain, `"sign":"`+sign+`",`)
		res = c.business(fuzzOrder, signed)
		checkResult(t, res, platformPublic)
		if signRefused(res.Err) || !res.Verified {
			t.Fatalf("signed with the sign key, yet %v verified %v: %s\n%s", res.Outcome, res.Verified, res.Err, signed)
		}

		tampered := splice(signed, `"zz_added_after_signing":"1",`)
		res = c.business(fuzzOrder, tampered)
		checkResult(t, res, platformPublic)
		if res.Outcome != recon.OutcomeUnverifiable || !strings.Contains(res.Err, "sign does not match") {
			t.Fatalf("tampered after signing, yet %v (%s)\n%s", res.Outcome, res.Err, tampered)
		}
	})
}

// signRefused reports whether err is the business check refusing the sign.
func signRefused(err string) bool {
	return strings.Contains(err, "sign does not match") || strings.Contains(err, "sign is not a string") ||
		strings.Contains(err, "cannot be signed over")
}

// splice inserts member right after the object's opening brace.
func splice(obj []byte, member string) []byte {
	i := bytes.IndexByte(obj, '{') + 1
	return append(append(append([]byte{}, obj[:i]...), member...), obj[i:]...)
}

// checkResult: an SDK outcome with an error unless FOUND; UNVERIFIABLE
// with no payment state; FOUND only for errCode 0000 about this order and
// merchant, Verified when signed or read under platform_public.
func checkResult(t *testing.T, res recon.Reply, platformPublic bool) {
	t.Helper()
	if res.Outcome < recon.OutcomeFound || res.Outcome > recon.OutcomePermanent {
		t.Fatalf("outcome %d is none of the SDK's", res.Outcome)
	}
	if (res.Outcome == recon.OutcomeFound) != (res.Err == "") {
		t.Fatalf("outcome %v with error %q", res.Outcome, res.Err)
	}
	a := res.Answer
	if res.Outcome == recon.OutcomeUnverifiable && (a.Status != "" || a.Amount != nil || !a.PaidAt.IsZero()) {
		t.Fatalf("UNVERIFIABLE with status %q amount %v paid %v", a.Status, a.Amount, a.PaidAt)
	}
	if res.Outcome != recon.OutcomeFound {
		return
	}
	f := a.Fields
	if f["errCode"] != ErrCodeOK {
		t.Fatalf("FOUND with errCode %q", f["errCode"])
	}
	if v, ok := f["orderNo"]; ok && v != fuzzOrder {
		t.Fatalf("FOUND for order %q", v)
	}
	if v, ok := f["customerNo"]; ok && v != "202112090603" {
		t.Fatalf("FOUND for merchant %q", v)
	}
	if _, signed := f[SignField]; (signed || platformPublic) && !res.Verified {
		t.Fatalf("FOUND signed (or under platform_public) but not Verified")
	}
	if a.Currency != "CNY" {
		t.Fatalf("currency %q", a.Currency)
	}
}
