package edgeros

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/helper/jsonfields"
)

// FuzzAnswer judges any body as the answer to a trade or a refund query,
// with the OpenSSL keys of testdata and the page's nonce. Whatever the body:
//
//   - no panic, and one of the SDK's outcomes;
//   - FOUND only when the answer is Verified, and Verified only when the
//     platform key really signed the verification string (checked here with
//     crypto/rsa, not with the code's check);
//   - the same content signed by the platform key (re-encoded by
//     encoding/json, with its HTML escaping, key order and number text) is
//     never UNVERIFIABLE: what the platform signs, recon verifies; unless
//     it is about another order or refund than asked, which the host's
//     check refuses as well, or a status 200 answer for another mch_no;
//   - and that signed answer with one member added to data after signing is
//     UNVERIFIABLE, never an answer.
func FuzzAnswer(f *testing.F) {
	for _, name := range []string{"openssl/page_success_signed.json", "openssl/page_error_signed.json", "page_success.json",
		"canon_tricky.json"} {
		f.Add(MustRead(f, name), false)
	}
	f.Add([]byte(`{"status":200,"message":"SUCCESS","data":{"mch_refund_no":"R1","mch_trade_no":"`+pageTradeNo+
		`","refund_no":"RF1","refund_amount":"0.01","success_time":"2024-04-24 18:00:28","code":"REFUND_SUCCESS","n":1.50e3}}`), true)
	f.Add([]byte(`{"status":503,"message":"SYSTEM_BUSY","data":null}`), false)
	f.Add([]byte(`{"status":200,"message":"SUCCESS","data":{"mch_no":"MCH9","mch_trade_no":"`+pageTradeNo+`","code":"SUCCESS"}}`), false)

	p := New()
	err := p.Configure(context.Background(), plugins.Account{Name: "fuzz", Endpoint: "http://127.0.0.1:9", Currency: "CNY",
		Credentials: map[string]string{CredMchNo: pageMchNo, CredAppNo: "APP1000000",
			CredMerchantPrivateKey: string(MustRead(f, "openssl/merchant_key.pem")),
			CredPlatformPublicKey:  string(MustRead(f, "openssl/platform_pub.pem"))}})
	if err != nil {
		f.Fatal(err)
	}
	platformKey := opensslPlatformKey(f)
	f.Fuzz(func(t *testing.T, body []byte, refund bool) {
		q := QueryPayment(pageTradeNo, "")
		if refund {
			q = QueryRefund(pageTradeNo, "R1")
		}
		res := p.interpret(q, pageSuccessNonce, body)
		checkTrust(t, p, res, body)

		// Sign what the body says, as the platform would, and judge again.
		var env map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if dec.Decode(&env) != nil || env == nil {
			return
		}
		data, ok := env["data"].(map[string]any)
		if !ok {
			data = map[string]any{}
			env["data"] = data
		}
		data["sign_type"], data["nonce"] = SignType, pageSuccessNonce
		delete(data, "sign")
		parsed, err := parseEnvelope(mustJSON(t, env))
		if err != nil {
			return // not an answer (no integer status): nothing to sign
		}
		msg, err := parsed.verificationString()
		if err != nil {
			t.Fatalf("verification string of a parsed answer: %v", err)
		}
		sig, err := Sign(platformKey, msg)
		if err != nil {
			t.Fatal(err)
		}
		data["sign"] = sig
		signed := mustJSON(t, env)
		res = p.interpret(q, pageSuccessNonce, signed)
		checkTrust(t, p, res, signed)
		if res.Outcome == recon.OutcomeUnverifiable && strings.HasPrefix(res.Err, "edgeros: answer is about ") {
			// Authentic, but about another order or refund than asked:
			// the host's check, on it taken as found, must refuse it too.
			found := res
			found.Outcome = recon.OutcomeFound
			var ie *recon.IdentityError
			if !errors.As(q.Check(&found), &ie) {
				t.Fatalf("refused as another order's (%s), yet the host's check passes it: %+v", res.Err, res.Answer)
			}
		} else if res.Outcome == recon.OutcomeUnverifiable && strings.HasPrefix(res.Err, "edgeros: answer is for merchant ") {
			// Authentic, but another merchant's: only a status 200 answer
			// naming another mch_no is refused so.
			if parsed.status != StatusOK || answerFields(parsed)["mch_no"] == pageMchNo {
				t.Fatalf("refused as another merchant's (%s), yet status %d mch_no %q", res.Err, parsed.status, answerFields(parsed)["mch_no"])
			}
		} else if res.Outcome == recon.OutcomeUnverifiable || !res.Verified {
			t.Fatalf("an answer the platform key signed is not trusted: %v %q\n%s", res.Outcome, res.Err, signed)
		}

		data["zz_added_after_signing"] = "1"
		tampered := mustJSON(t, env)
		res = p.interpret(q, pageSuccessNonce, tampered)
		checkTrust(t, p, res, tampered)
		if res.Outcome != recon.OutcomeUnverifiable || res.Verified || res.Answer.Status != "" {
			t.Fatalf("a tampered answer: outcome %v verified %v status %q\n%s", res.Outcome, res.Verified, res.Answer.Status, tampered)
		}
	})
}

// checkTrust: an SDK outcome; FOUND only if Verified; Verified only if the
// platform's key signed the body's verification string.
func checkTrust(t *testing.T, p *Provider, res recon.Reply, body []byte) {
	t.Helper()
	if res.Outcome < recon.OutcomeFound || res.Outcome > recon.OutcomePermanent {
		t.Fatalf("outcome %d is none of the SDK's", res.Outcome)
	}
	if res.Outcome != recon.OutcomeFound && !strings.HasPrefix(res.Err, "edgeros: ") {
		t.Fatalf("outcome %v with error %q", res.Outcome, res.Err)
	}
	if res.Outcome == recon.OutcomeFound && (!res.Verified || res.Err != "") {
		t.Fatalf("FOUND, verified %v, err %q", res.Verified, res.Err)
	}
	if res.Outcome == recon.OutcomeUnverifiable && (res.Verified || res.Answer.Status != "" || res.Answer.Amount != nil) {
		t.Fatalf("UNVERIFIABLE yet verified %v status %q amount %v", res.Verified, res.Answer.Status, res.Answer.Amount)
	}
	if !res.Verified {
		return
	}
	env, err := parseEnvelope(body)
	if err != nil {
		t.Fatalf("verified, yet the body does not parse: %v", err)
	}
	msg, err := env.verificationString()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := base64.StdEncoding.DecodeString(env.sign)
	h := sha256.Sum256(msg)
	if err != nil || rsa.VerifyPKCS1v15(p.platform, crypto.SHA256, h[:], sig) != nil {
		t.Fatalf("verified, but the platform key did not sign %s", msg)
	}
	if nonce, _ := jsonfields.Value(env.data["nonce"]); nonce != pageSuccessNonce {
		t.Fatalf("verified with nonce %s", env.data["nonce"])
	}
}

// mustJSON encodes as encoding/json does by default: HTML characters
// escaped, unlike the platform's serializer.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
