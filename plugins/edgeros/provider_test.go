package edgeros

import (
	"context"
	"strings"
	"testing"

	"github.com/reconhq/recon"
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
// quote it; PKCS#1, PKCS#8, PKIX and bare base64 keys are accepted. Key and
// endpoint errors are the shared helpers' (plugins/helper/rsakey,
// plugins/helper/endpoint).
func TestConfigure(t *testing.T) {
	key := string(MustRead(t, "openssl/merchant_key.pem"))
	pub := string(MustRead(t, "openssl/platform_pub.pem"))
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
			c[CredMerchantPrivateKey] = string(MustRead(t, "openssl/merchant_key_pkcs1.pem"))
		}, "", "", ""},
		{"PKCS#1 public key", func(c map[string]string) {
			c[CredPlatformPublicKey] = string(MustRead(t, "openssl/platform_pub_pkcs1.pem"))
		}, "", "", ""},
		{"bare base64 keys", func(c map[string]string) {
			c[CredMerchantPrivateKey], c[CredPlatformPublicKey] = bare(key), bare(pub)
		}, "", "", ""},
		{"endpoint with a base path", nil, "https://api.edgeros.com/gw/", "", ""},
		{"no mch_no", func(c map[string]string) { delete(c, CredMchNo) }, "", "", "edgeros: credential mch_no is missing (give mch_no or mch_no_file)"},
		{"blank app_no", func(c map[string]string) { c[CredAppNo] = "  " }, "", "", "edgeros: credential app_no is missing (give app_no or app_no_file)"},
		{"no private key", func(c map[string]string) { delete(c, CredMerchantPrivateKey) }, "", "",
			"edgeros: credential merchant_private_key is missing (give merchant_private_key or merchant_private_key_file)"},
		{"private key garbage", func(c map[string]string) { c[CredMerchantPrivateKey] = "s3cr3t-not-a-key" }, "", "",
			"edgeros: credential merchant_private_key: is neither PEM nor base64 DER"},
		{"public key given as private", func(c map[string]string) { c[CredMerchantPrivateKey] = pub }, "", "",
			"edgeros: credential merchant_private_key: holds a public key (PEM PUBLIC KEY), not a private key"},
		{"private key given as public", func(c map[string]string) { c[CredPlatformPublicKey] = key }, "", "",
			"edgeros: credential platform_public_key: holds a private key (PEM PRIVATE KEY), not a public key; " +
				"give the public key (openssl pkey -in key.pem -pubout)"},
		{"encrypted private key", func(c map[string]string) {
			c[CredMerchantPrivateKey] = string(MustRead(t, "openssl/merchant_key_encrypted.pem"))
		}, "", "", "edgeros: credential merchant_private_key: is an encrypted private key; decrypt it first " +
			"(openssl pkey -in key.pem -out key-plain.pem): recon does not keep passphrases"},
		{"short private key", func(c map[string]string) {
			c[CredMerchantPrivateKey] = string(MustRead(t, "openssl/short_key.pem"))
		}, "", "", "edgeros: credential merchant_private_key: is an RSA key of 512 bits, too short: at least 1024 are needed"},
		{"no public key", func(c map[string]string) { delete(c, CredPlatformPublicKey) }, "", "",
			"edgeros: credential platform_public_key is missing (give platform_public_key or platform_public_key_file)"},
		{"bad endpoint", nil, "ftp://x", "", "edgeros: endpoint must be an absolute http:// or https:// URL"},
		{"endpoint with a query string", nil, "https://api.edgeros.com/?s3cr3t=1", "",
			"edgeros: endpoint must not carry a query string (the API path is appended to it)"},
		// PROTOCOL: amounts are yuan (单位为元): any other currency would
		// read 12.34 yuan as 12.34 dollars, or refuse 12.34 as yen.
		{"currency CNY", nil, "", "CNY", ""},
		{"currency cny, spaced", nil, "", " cny ", ""},
		{"currency USD", nil, "", "USD", `edgeros: currency "USD": amounts are yuan; configure currency CNY`},
		{"currency JPY", nil, "", "JPY", `edgeros: currency "JPY": amounts are yuan; configure currency CNY`},
		{"bad currency", nil, "", "XXXX", `edgeros: currency "XXXX": amounts are yuan; configure currency CNY`},
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

// TestQueryWithoutNetwork: what the client refuses before sending anything.
func TestQueryWithoutNetwork(t *testing.T) {
	st, url := serveStatic(t, 200, []byte(`{}`))
	p := opensslProvider(t, url, pageSuccessNonce)
	for _, q := range []recon.Query{
		{Kind: recon.Payment},
		{Kind: recon.Refund, OrderNo: "A1"},
		{Kind: 9, OrderNo: "A1"},
	} {
		if res := p.Query(context.Background(), q); res.Outcome != recon.OutcomePermanent || res.Err == "" {
			t.Errorf("%+v: outcome %v err %q", q, res.Outcome, res.Err)
		}
	}
	if res := New().Query(context.Background(), QueryPayment("A1", "")); res.Outcome != recon.OutcomePermanent {
		t.Errorf("unconfigured: %v", res.Outcome)
	}
	if st.last != nil {
		t.Errorf("a request was sent: %v", st.last.URL)
	}
}
