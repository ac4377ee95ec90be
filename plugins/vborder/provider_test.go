package vborder

import (
	"context"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon/plugins"
)

// testAccount is a valid account with testdata's keys: rsa2048 plays the
// platform, rsa1024 the merchant.
func testAccount(t *testing.T) plugins.Account {
	t.Helper()
	return plugins.Account{Name: "shop-vborder", Endpoint: "http://127.0.0.1:1", Currency: "CNY", Location: time.UTC,
		Credentials: map[string]string{
			CredCustomerNo:         "202112090603",
			CredSignKey:            readTestdataString(t, "sign/key.txt"),
			CredPlatformPublicKey:  string(readTestdata(t, "keys/rsa2048_pub.pem")),
			CredMerchantPrivateKey: string(readTestdata(t, "keys/rsa1024.pem")),
			CredResponseKey:        ResponseMerchantPrivate,
		}}
}

func TestInfo(t *testing.T) {
	info := New().Info()
	want := []string{"customer_no", "sign_key", "platform_public_key", "merchant_private_key", "response_key", "require_sign"}
	if info.Name != "vborder" || info.Version != "1.0.0" || info.RefundQuery || strings.Join(info.Credentials, ",") != strings.Join(want, ",") {
		t.Fatalf("info %+v", info)
	}
}

func TestConfigure(t *testing.T) {
	creds := testAccount(t).Credentials
	for _, c := range []struct {
		name    string
		acct    func(a *plugins.Account)
		wantErr string // "" for success
	}{
		{"ok", func(a *plugins.Account) {}, ""},
		{"currency defaults to CNY", func(a *plugins.Account) { a.Currency = "" }, ""},
		{"response_key from options", func(a *plugins.Account) {
			delete(a.Credentials, "response_key")
			a.Options = map[string]string{"response_key": "platform_public"}
			delete(a.Credentials, "merchant_private_key")
		}, ""},
		{"missing customer_no", func(a *plugins.Account) { delete(a.Credentials, "customer_no") }, "customer_no"},
		{"missing sign_key", func(a *plugins.Account) { a.Credentials["sign_key"] = " " }, "sign_key"},
		{"missing platform key", func(a *plugins.Account) { delete(a.Credentials, "platform_public_key") }, "platform_public_key"},
		{"missing merchant key", func(a *plugins.Account) { delete(a.Credentials, "merchant_private_key") }, "merchant_private_key"},
		{"bad platform key", func(a *plugins.Account) { a.Credentials["platform_public_key"] = creds["merchant_private_key"] }, "platform_public_key"},
		{"bad merchant key", func(a *plugins.Account) { a.Credentials["merchant_private_key"] = creds["platform_public_key"] }, "merchant_private_key"},
		{"bad merchant key with platform_public", func(a *plugins.Account) {
			a.Credentials["response_key"] = "platform_public"
			a.Credentials["merchant_private_key"] = "garbage"
		}, "merchant_private_key"},
		{"bad response_key", func(a *plugins.Account) { a.Credentials["response_key"] = "merchant_public" }, "response_key"},
		{"not CNY", func(a *plugins.Account) { a.Currency = "USD" }, "currency"},
		{"no endpoint", func(a *plugins.Account) { a.Endpoint = "" }, "endpoint"},
		{"endpoint not a URL", func(a *plugins.Account) { a.Endpoint = "ftp://x" }, "endpoint"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := testAccount(t)
			c.acct(&a)
			err := New().Configure(context.Background(), a)
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want one naming %s", err, c.wantErr)
			}
			for _, v := range creds {
				for _, line := range strings.Split(v, "\n") {
					if len(line) > 16 && strings.Contains(err.Error(), line) {
						t.Fatalf("error quotes a credential: %v", err)
					}
				}
			}
			if strings.Contains(err.Error(), creds["sign_key"]) {
				t.Fatalf("error quotes the sign key: %v", err)
			}
		})
	}
}

// Keys from files: the host hands over file contents with one trailing
// newline trimmed; openssl's own PEM files must work as they are.
func TestConfigureOpensslKeyFiles(t *testing.T) {
	read := func(name string) string { return strings.TrimSuffix(string(readTestdata(t, "keys/"+name)), "\n") }
	for _, c := range [][2]string{{"rsa1024_pub.pem", "rsa1024.pem"}, {"rsa2048_pub_pkcs1.pem", "rsa2048_pkcs1.pem"}} {
		err := New().Configure(context.Background(), plugins.Account{Endpoint: "https://vb.example.test",
			Credentials: map[string]string{"customer_no": "1", "sign_key": "k",
				"platform_public_key": read(c[0]), "merchant_private_key": read(c[1])}})
		if err != nil {
			t.Errorf("%v: %v", c, err)
		}
	}
}

// Every key form a merchant may be handed reads as the same key: PEM
// PKIX/PKCS#1 public keys, PEM PKCS#8/PKCS#1 private keys, and each as
// bare base64 DER, as platforms often hand keys out.
func TestConfigureKeyForms(t *testing.T) {
	priv, _ := testKeys(t, 1024)
	for _, c := range []struct{ cred, file string }{
		{CredPlatformPublicKey, "keys/rsa1024_pub.pem"},
		{CredPlatformPublicKey, "keys/rsa1024_pub_pkcs1.pem"},
		{CredMerchantPrivateKey, "keys/rsa1024.pem"},
		{CredMerchantPrivateKey, "keys/rsa1024_pkcs1.pem"},
	} {
		text := string(readTestdata(t, c.file))
		block, _ := pem.Decode([]byte(text))
		for form, key := range map[string]string{"PEM": text, "bare base64": bareBase64(block.Bytes)} {
			a := testAccount(t)
			a.Credentials[c.cred] = key
			cfg, err := newConfig(a)
			if err != nil {
				t.Errorf("%s as %s: %v", c.file, form, err)
				continue
			}
			got := cfg.platformPub.N
			if c.cred == CredMerchantPrivateKey {
				got = cfg.merchantPriv.N
			}
			if got.Cmp(priv.N) != 0 {
				t.Errorf("%s as %s: another key", c.file, form)
			}
		}
	}
}

// A key that cannot be used is refused at Configure, naming the credential
// and quoting none of the key.
func TestConfigureKeyRejects(t *testing.T) {
	privText := string(readTestdata(t, "keys/rsa1024.pem"))
	pubText := string(readTestdata(t, "keys/rsa1024_pub.pem"))
	secret := strings.Split(privText, "\n")[1] // a line of the private key
	const encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n"
	for _, c := range []struct{ cred, name, text string }{
		{CredPlatformPublicKey, "empty", ""},
		{CredPlatformPublicKey, "garbage", "not a key at all"},
		{CredPlatformPublicKey, "private as public", privText},
		{CredPlatformPublicKey, "truncated PEM", pubText[:len(pubText)/2]},
		{CredPlatformPublicKey, "encrypted PEM", encrypted},
		{CredPlatformPublicKey, "corrupt DER in PEM", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n"},
		{CredMerchantPrivateKey, "empty", ""},
		{CredMerchantPrivateKey, "public as private", pubText},
		{CredMerchantPrivateKey, "encrypted PEM", encrypted},
		{CredMerchantPrivateKey, "corrupted", strings.Replace(privText, secret, strings.Repeat("A", len(secret)), 1)},
	} {
		a := testAccount(t)
		a.Credentials[c.cred] = c.text
		_, err := newConfig(a)
		switch {
		case err == nil:
			t.Errorf("%s %s: accepted", c.cred, c.name)
		case !strings.Contains(err.Error(), c.cred):
			t.Errorf("%s %s: error does not name the credential: %v", c.cred, c.name, err)
		case strings.Contains(err.Error(), secret):
			t.Errorf("%s %s: error quotes the key", c.cred, c.name)
		}
	}
}

// bareBase64 is der as base64 wrapped at 64 columns, without PEM armour, as
// a pasted key would be.
func bareBase64(der []byte) string {
	p := string(pem.EncodeToMemory(&pem.Block{Type: "X", Bytes: der}))
	lines := strings.Split(strings.TrimSpace(p), "\n")
	return strings.Join(lines[1:len(lines)-1], "\n")
}
