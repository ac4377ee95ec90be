package vborder

import (
	"encoding/base64"
	"reflect"
	"testing"
	"time"

	"github.com/reconhq/recon"
)

const exampleOrder = "202209070002"

// testConfig is an account whose merchant key is testdata's rsa1024 and
// whose platform key is rsa1024 too (the response vectors use it in both
// roles), signing with testdata/sign/key.txt.
func testConfig(t *testing.T, responseKey string) *config {
	t.Helper()
	priv, pub := testKeys(t, 1024)
	return &config{
		url:          "http://unused.invalid" + APIPath,
		customerNo:   "202112090603",
		signKey:      readTestdataString(t, "sign/key.txt"),
		platformPub:  pub,
		merchantPriv: priv,
		responseKey:  responseKey,
		currency:     "CNY",
	}
}

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

func TestRequestBody(t *testing.T) {
	cfg := testConfig(t, ResponseMerchantPrivate)
	priv, _ := testKeys(t, 1024)
	body, err := cfg.requestBody(exampleOrder)
	if err != nil {
		t.Fatal(err)
	}
	var env envelope
	if err := jsonUnmarshalStrict(body, &env); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if env.CustomerNo != "202112090603" {
		t.Errorf("customerNo %q", env.CustomerNo)
	}
	ct, err := base64.StdEncoding.DecodeString(env.Reqmsg)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := decryptSegmented(priv, ct) // testConfig's platform key is rsa1024
	if err != nil {
		t.Fatal(err)
	}
	want := `{"orderNo":"202209070002","sign":"` + readTestdataString(t, "sign/request.sign") + `"}`
	if string(plain) != want {
		t.Errorf("reqmsg plaintext %s, want %s", plain, want)
	}
}
