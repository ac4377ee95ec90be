package edgeros

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Test vectors computed outside the code under test (testdata/README.md).

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPageExamplesParse: the page's success and error examples decode into
// the envelope the client judges.
func TestPageExamplesParse(t *testing.T) {
	ok, err := parseEnvelope(mustRead(t, "page_success.json"))
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

	bad, err := parseEnvelope(mustRead(t, "page_error.json"))
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

// TestVerificationStringGolden: the string data.sign covers, for the page's
// examples and a tricky body, byte for byte against Python's json module.
func TestVerificationStringGolden(t *testing.T) {
	for _, name := range []string{"page_success", "page_error", "canon_tricky"} {
		t.Run(name, func(t *testing.T) {
			env, err := parseEnvelope(mustRead(t, name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := env.verificationString()
			if err != nil {
				t.Fatal(err)
			}
			if want := mustRead(t, name+".verify.golden"); !bytes.Equal(got, want) {
				t.Errorf("verification string\n got %s\nwant %s", got, want)
			}
		})
	}
}

// TestVerificationStringNumbers: numbers are re-emitted exactly as received
// (no float round trip), HTML characters and non-ASCII are not escaped.
func TestVerificationStringNumbers(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"status":200,"data":{"sign":"s","a":1.10,"b":1e3,"c":-0.0,"d":12345678901234567890}}`,
			`{"data":{"a":1.10,"b":1e3,"c":-0.0,"d":12345678901234567890},"status":200}`},
		{`{"status":1007,"message":"<&>","fieldErrors":"\u003c\u0026\u003e \u6b64","data":null}`,
			`{"fieldErrors":"<&> 此","message":"<&>","status":1007}`},
		{`{ "status" : 200 , "data" : { "z" : "1" , "a" : { "y" : [ 2 , 1 ] , "x" : null } } }`,
			`{"data":{"a":{"x":null,"y":[2,1]},"z":"1"},"status":200}`},
	} {
		env, err := parseEnvelope([]byte(c.body))
		if err != nil {
			t.Fatalf("%s: %v", c.body, err)
		}
		got, err := env.verificationString()
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.body, got, c.want)
		}
	}
}

// TestSigningStringGolden: the string x-acopay-sign covers for fixed requests.
func TestSigningStringGolden(t *testing.T) {
	p := &Provider{mchNo: "ea887713933c42a0bd7e657b06f279d3"}
	c, err := buildCall(queryPayment("mp202104021606341385640107521832", "4af336b1bd904c69ab2edb76af3a2a35"))
	if err != nil {
		t.Fatal(err)
	}
	got := signingString(p.signedFields(c, "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"))
	if want := mustRead(t, "request_trade.sign.golden"); !bytes.Equal(got, want) {
		t.Errorf("trade signing string\n got %s\nwant %s", got, want)
	}
	if q := c.rawQuery(); q != "mch_trade_no=mp202104021606341385640107521832&transaction_no=4af336b1bd904c69ab2edb76af3a2a35&aco_pay_sdk=2.0.0&version=1.0" {
		t.Errorf("trade query string %s is not the page's", q)
	}

	p = &Provider{mchNo: "M1"}
	c, err = buildCall(queryRefund("A1", `R<1>&"2"`))
	if err != nil {
		t.Fatal(err)
	}
	got = signingString(p.signedFields(c, "0123456789abcdefghijABCDEFGHIJ01"))
	if want := mustRead(t, "request_refund.sign.golden"); !bytes.Equal(got, want) {
		t.Errorf("refund signing string\n got %s\nwant %s", got, want)
	}
	if q := c.rawQuery(); q != "mch_refund_no=R%3C1%3E%26%222%22" {
		t.Errorf("refund query string %s", q)
	}
}

// TestOpenSSLSignatures: signatures made by `openssl dgst -sha256 -sign`
// verify; one changed byte of the message or of the signature does not; and
// the Go signer reproduces OpenSSL's (PKCS#1 v1.5 is deterministic).
func TestOpenSSLSignatures(t *testing.T) {
	msg := mustRead(t, "request_trade.sign.golden")
	sig := strings.TrimSpace(string(mustRead(t, "openssl/request_trade.sig.b64")))
	for _, pubFile := range []string{"openssl/merchant_pub.pem"} {
		pub, err := parsePublicKey(string(mustRead(t, pubFile)))
		if err != nil {
			t.Fatal(err)
		}
		if err := verify(pub, msg, sig); err != nil {
			t.Fatalf("OpenSSL signature does not verify: %v", err)
		}
		for i := range msg {
			bad := bytes.Clone(msg)
			bad[i] ^= 0x01
			if verify(pub, bad, sig) == nil {
				t.Fatalf("message with byte %d changed verifies", i)
			}
		}
		raw := []byte(sig)
		raw[10] = map[bool]byte{true: 'B', false: 'A'}[raw[10] == 'A']
		if verify(pub, msg, string(raw)) == nil {
			t.Fatal("signature with one base64 character changed verifies")
		}
	}
	for _, keyFile := range []string{"openssl/merchant_key.pem", "openssl/merchant_key_pkcs1.pem"} {
		key, err := parsePrivateKey(string(mustRead(t, keyFile)))
		if err != nil {
			t.Fatalf("%s: %v", keyFile, err)
		}
		got, err := sign(key, msg)
		if err != nil {
			t.Fatal(err)
		}
		if got != sig {
			t.Errorf("%s: Go signature differs from OpenSSL's", keyFile)
		}
	}
	// The platform key in its PKCS#1 form verifies the platform-signed examples too.
	for _, pubFile := range []string{"openssl/platform_pub.pem", "openssl/platform_pub_pkcs1.pem"} {
		pub, err := parsePublicKey(string(mustRead(t, pubFile)))
		if err != nil {
			t.Fatalf("%s: %v", pubFile, err)
		}
		for _, name := range []string{"page_success", "page_error"} {
			env, err := parseEnvelope(mustRead(t, "openssl/"+name+"_signed.json"))
			if err != nil {
				t.Fatal(err)
			}
			s, err := env.verificationString()
			if err != nil {
				t.Fatal(err)
			}
			if err := verify(pub, s, env.sign); err != nil {
				t.Errorf("%s, %s: %v", pubFile, name, err)
			}
		}
	}
}
