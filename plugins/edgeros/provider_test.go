package edgeros

import (
	"context"
	"strings"
	"testing"

	"github.com/reconhq/recon/plugins"
)

func TestInfo(t *testing.T) {
	i := New().Info()
	if i.Name != "edgeros" || i.Version != "1.0.0" || !i.RefundQuery ||
		strings.Join(i.Credentials, ",") != "mch_no,app_no,merchant_private_key,platform_public_key" {
		t.Errorf("%+v", i)
	}
}

// TestConfigure: every credential is checked, errors name it and never
// quote it; PKCS#1, PKCS#8, PKIX and bare base64 keys are accepted.
func TestConfigure(t *testing.T) {
	key := string(mustRead(t, "openssl/merchant_key.pem"))
	pub := string(mustRead(t, "openssl/platform_pub.pem"))
	good := func() map[string]string {
		return map[string]string{CredMchNo: "M1", CredAppNo: "A1", CredMerchantPrivateKey: key, CredPlatformPublicKey: pub}
	}
	bare := func(pemText string) string { // the body of the PEM: base64 DER, as the platform console shows it
		lines := strings.Split(strings.TrimSpace(pemText), "\n")
		return strings.Join(lines[1:len(lines)-1], "")
	}
	for _, c := range []struct {
		name     string
		edit     func(c map[string]string)
		endpoint string
		currency string
		err      string
	}{
		{"good", nil, "", "", ""},
		{"PKCS#1 private key", func(c map[string]string) {
			c[CredMerchantPrivateKey] = string(mustRead(t, "openssl/merchant_key_pkcs1.pem"))
		}, "", "", ""},
		{"PKCS#1 public key", func(c map[string]string) {
			c[CredPlatformPublicKey] = string(mustRead(t, "openssl/platform_pub_pkcs1.pem"))
		}, "", "", ""},
		{"bare base64 keys", func(c map[string]string) {
			c[CredMerchantPrivateKey], c[CredPlatformPublicKey] = bare(key), bare(pub)
		}, "", "", ""},
		{"no mch_no", func(c map[string]string) { delete(c, CredMchNo) }, "", "", "edgeros: credential mch_no is missing"},
		{"blank app_no", func(c map[string]string) { c[CredAppNo] = "  " }, "", "", "edgeros: credential app_no is missing"},
		{"no private key", func(c map[string]string) { delete(c, CredMerchantPrivateKey) }, "", "",
			"edgeros: credential merchant_private_key is missing"},
		{"private key garbage", func(c map[string]string) { c[CredMerchantPrivateKey] = "s3cr3t-not-a-key" }, "", "",
			"edgeros: credential merchant_private_key: neither PEM nor base64 DER"},
		{"public key given as private", func(c map[string]string) { c[CredMerchantPrivateKey] = pub }, "", "",
			"edgeros: credential merchant_private_key: not a PKCS#8 or PKCS#1 RSA private key"},
		{"private key given as public", func(c map[string]string) { c[CredPlatformPublicKey] = key }, "", "",
			"edgeros: credential platform_public_key: not a PKIX, PKCS#1 or certificate RSA public key"},
		{"no public key", func(c map[string]string) { delete(c, CredPlatformPublicKey) }, "", "",
			"edgeros: credential platform_public_key is missing"},
		{"bad endpoint", nil, "ftp://x", "", `edgeros: endpoint "ftp://x" is not an http(s) URL`},
		{"bad currency", nil, "", "XXXX", `edgeros: account currency: unknown currency "XXXX"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			creds := good()
			if c.edit != nil {
				c.edit(creds)
			}
			ep := c.endpoint
			if ep == "" {
				ep = "https://api.edgeros.com"
			}
			err := New().Configure(context.Background(), plugins.Account{Endpoint: ep, Currency: c.currency, Credentials: creds})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.err {
				t.Fatalf("err %q, want %q", got, c.err)
			}
			if strings.Contains(got, "s3cr3t") || strings.Contains(got, "MII") {
				t.Errorf("error quotes a secret: %q", got)
			}
		})
	}
}

// TestAmountsFollowTheAccountCurrency: amount_total is read with the
// account currency's digits.
func TestAmountsFollowTheAccountCurrency(t *testing.T) {
	for _, c := range []struct {
		cur, in string
		want    int64
		bad     bool
	}{
		{"CNY", "0.01", 1, false}, {"CNY", "12345.67", 1234567, false}, {"CNY", "7", 700, false},
		{"CNY", "1.005", 0, true}, {"CNY", "-1.00", 0, true}, {"CNY", "1,00", 0, true},
		{"JPY", "300.00", 300, false}, {"JPY", "300.50", 0, true}, {"KWD", "1.234", 1234, false},
	} {
		p := &Provider{}
		p.digits = mustDigits(t, c.cur)
		got, err := p.amount("amount_total", c.in)
		if c.bad != (err != nil) || (!c.bad && *got != c.want) {
			t.Errorf("%s %q: %v %v", c.cur, c.in, got, err)
		}
	}
}

func mustDigits(t *testing.T, cur string) int {
	t.Helper()
	p := New()
	err := p.Configure(context.Background(), plugins.Account{Endpoint: "http://x", Currency: cur, Credentials: map[string]string{
		CredMchNo: "M", CredAppNo: "A",
		CredMerchantPrivateKey: string(mustRead(t, "openssl/merchant_key.pem")),
		CredPlatformPublicKey:  string(mustRead(t, "openssl/platform_pub.pem")),
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

// TestNonce: 32 characters of [0-9a-zA-Z], fresh each time.
func TestNonce(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		n, err := newNonce()
		if err != nil {
			t.Fatal(err)
		}
		if len(n) != 32 || !validNonce(n) || seen[n] {
			t.Fatalf("nonce %q", n)
		}
		seen[n] = true
	}
	for _, bad := range []string{"", "a b", "é", strings.Repeat("x", 33)} {
		if validNonce(bad) {
			t.Errorf("validNonce(%q)", bad)
		}
	}
}
