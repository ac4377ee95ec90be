package edgeros

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/helper/rsakey"
)

// Signing and verification against vectors computed outside the code under
// test (testdata/README.md).

// TestSigningStringGolden: the string x-acopay-sign covers for fixed requests.
func TestSigningStringGolden(t *testing.T) {
	p := &Provider{mchNo: "ea887713933c42a0bd7e657b06f279d3"}
	c, err := buildCall(QueryPayment("mp202104021606341385640107521832", "4af336b1bd904c69ab2edb76af3a2a35"))
	if err != nil {
		t.Fatal(err)
	}
	got := SigningString(p.signedFields(c, "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"))
	if want := MustRead(t, "request_trade.sign.golden"); !bytes.Equal(got, want) {
		t.Errorf("trade signing string\n got %s\nwant %s", got, want)
	}
	if q := c.rawQuery(); q != "mch_trade_no=mp202104021606341385640107521832&transaction_no=4af336b1bd904c69ab2edb76af3a2a35&aco_pay_sdk=2.0.0&version=1.0" {
		t.Errorf("trade query string %s is not the page's", q)
	}

	p = &Provider{mchNo: "M1"}
	c, err = buildCall(QueryRefund("A1", `R<1>&"2"`))
	if err != nil {
		t.Fatal(err)
	}
	got = SigningString(p.signedFields(c, "0123456789abcdefghijABCDEFGHIJ01"))
	if want := MustRead(t, "request_refund.sign.golden"); !bytes.Equal(got, want) {
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
	msg := MustRead(t, "request_trade.sign.golden")
	sig := strings.TrimSpace(string(MustRead(t, "openssl/request_trade.sig.b64")))
	for _, pubFile := range []string{"openssl/merchant_pub.pem"} {
		pub, err := rsakey.ParsePublic(pubFile, string(MustRead(t, pubFile)))
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(pub, msg, sig); err != nil {
			t.Fatalf("OpenSSL signature does not verify: %v", err)
		}
		for i := range msg {
			bad := bytes.Clone(msg)
			bad[i] ^= 0x01
			if Verify(pub, bad, sig) == nil {
				t.Fatalf("message with byte %d changed verifies", i)
			}
		}
		raw := []byte(sig)
		raw[10] = map[bool]byte{true: 'B', false: 'A'}[raw[10] == 'A']
		if Verify(pub, msg, string(raw)) == nil {
			t.Fatal("signature with one base64 character changed verifies")
		}
	}
	for _, keyFile := range []string{"openssl/merchant_key.pem", "openssl/merchant_key_pkcs1.pem"} {
		key, err := rsakey.ParsePrivate(keyFile, string(MustRead(t, keyFile)))
		if err != nil {
			t.Fatalf("%s: %v", keyFile, err)
		}
		got, err := Sign(key, msg)
		if err != nil {
			t.Fatal(err)
		}
		if got != sig {
			t.Errorf("%s: Go signature differs from OpenSSL's", keyFile)
		}
	}
	// The platform key in its PKCS#1 form verifies the platform-signed examples too.
	for _, pubFile := range []string{"openssl/platform_pub.pem", "openssl/platform_pub_pkcs1.pem"} {
		pub, err := rsakey.ParsePublic(pubFile, string(MustRead(t, pubFile)))
		if err != nil {
			t.Fatalf("%s: %v", pubFile, err)
		}
		for _, name := range []string{"page_success", "page_error"} {
			env, err := parseEnvelope(MustRead(t, "openssl/"+name+"_signed.json"))
			if err != nil {
				t.Fatal(err)
			}
			s, err := env.verificationString()
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(pub, s, env.sign); err != nil {
				t.Errorf("%s, %s: %v", pubFile, name, err)
			}
		}
	}
}

// TestVerificationStringGolden: the string data.sign covers, for the page's
// examples and a tricky body, byte for byte against Python's json module.
func TestVerificationStringGolden(t *testing.T) {
	for _, name := range []string{"page_success", "page_error", "canon_tricky"} {
		t.Run(name, func(t *testing.T) {
			env, err := parseEnvelope(MustRead(t, name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := env.verificationString()
			if err != nil {
				t.Fatal(err)
			}
			if want := MustRead(t, name+".verify.golden"); !bytes.Equal(got, want) {
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

// TestNonce: 32 characters of [0-9a-zA-Z], fresh each time.
func TestNonce(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		n, err := NewNonce()
		if err != nil {
			t.Fatal(err)
		}
		if len(n) != 32 || !ValidNonce(n) || seen[n] {
			t.Fatalf("nonce %q", n)
		}
		seen[n] = true
	}
	for _, bad := range []string{"", "a b", "é", strings.Repeat("x", 33)} {
		if ValidNonce(bad) {
			t.Errorf("ValidNonce(%q)", bad)
		}
	}
}

// TestTamperedAnswers: any changed field, an altered sign, another
// sign_type, a missing sign or another nonce make the answer UNVERIFIABLE,
// never a payment state. (Correctly signed answers judged on their content:
// TestSignedAnswers.)
func TestTamperedAnswers(t *testing.T) {
	type mut func(env map[string]any)
	cases := map[string]mut{
		"sign altered": func(env map[string]any) {
			s := []byte(dataOf(env)["sign"].(string))
			s[5] = map[bool]byte{true: 'b', false: 'a'}[s[5] == 'a']
			dataOf(env)["sign"] = string(s)
		},
		"sign not base64":   func(env map[string]any) { dataOf(env)["sign"] = "not base64!" },
		"sign empty":        func(env map[string]any) { dataOf(env)["sign"] = "" },
		"sign removed":      func(env map[string]any) { delete(dataOf(env), "sign") },
		"sign null":         func(env map[string]any) { dataOf(env)["sign"] = nil },
		"sign a number":     func(env map[string]any) { dataOf(env)["sign"] = 12 },
		"data removed":      func(env map[string]any) { delete(env, "data") },
		"sign_type RSA":     func(env map[string]any) { dataOf(env)["sign_type"] = "RSA" },
		"message changed":   func(env map[string]any) { env["message"] = "SUCCESS " },
		"status changed":    func(env map[string]any) { env["status"] = 1007 },
		"fieldErrors added": func(env map[string]any) { env["fieldErrors"] = "x" },
		"member added":      func(env map[string]any) { dataOf(env)["refunded"] = "0.00" },
		"member nulled":     func(env map[string]any) { dataOf(env)["extra"] = nil },
	}
	for k := range pageSuccessEnv(t)["data"].(map[string]any) {
		if k == "sign" {
			continue
		}
		k := k
		cases["data."+k+" changed"] = func(env map[string]any) { dataOf(env)[k] = dataOf(env)[k].(string) + "0" }
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			env := pageSuccessEnv(t)
			m(env)
			body, _ := json.Marshal(env)
			_, url := serveStatic(t, 200, body)
			res := opensslProvider(t, url, pageSuccessNonce).Query(context.Background(), QueryPayment(pageTradeNo, ""))
			if res.Outcome != recon.OutcomeUnverifiable || res.Verified || res.Answer.Status != "" || res.Answer.Amount != nil {
				t.Fatalf("outcome %v verified %v status %q (%s)", res.Outcome, res.Verified, res.Answer.Status, res.Err)
			}
			if !strings.HasPrefix(res.Err, "edgeros: ") || strings.Contains(res.Err, "PRIVATE") {
				t.Errorf("err %q", res.Err)
			}
		})
	}

	// Correctly signed, but not an answer to this request.
	runSigned(t, []signedCase{
		{"sign_type other, correctly signed", func(env map[string]any) { dataOf(env)["sign_type"] = "SHA1withRSA" },
			pageSuccessNonce, recon.OutcomeUnverifiable, `edgeros: data.sign_type "SHA1withRSA" is not SHA256withRSA`},
		{"another request's nonce", nil, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", recon.OutcomeUnverifiable,
			`edgeros: data.nonce "5K8264ILTKCH16CQ2502SI8ZNMTM67VS" does not echo the request's nonce (replayed answer?)`},
	})
}
