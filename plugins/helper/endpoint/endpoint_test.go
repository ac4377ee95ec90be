package endpoint

import (
	"strings"
	"testing"
)

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		raw, want string
	}{
		{"https://vsi-api.shouqianba.com", "https://vsi-api.shouqianba.com"},
		{"https://vsi-api.shouqianba.com/", "https://vsi-api.shouqianba.com"},
		{"https://x.test///", "https://x.test"},
		{"http://127.0.0.1:8080/paypro", "http://127.0.0.1:8080/paypro"},
		{"http://127.0.0.1:8080/paypro/", "http://127.0.0.1:8080/paypro"},
		{"HTTPS://X.test/a/b/", "https://X.test/a/b"},
		{"http://[::1]:9000/gw", "http://[::1]:9000/gw"},
		{"  https://x.test/api\n", "https://x.test/api"},       // a value read from a file or the environment
		{"https://x.test/a%2Fb%2F", "https://x.test/a%2Fb%2F"}, // an escaped slash is data, not a separator
		{"https://x.test/a%20b/", "https://x.test/a%20b"},      // escapes are kept as written
		{"https://x.test/v1//gw/", "https://x.test/v1//gw"},    // inner empty segments are the provider's business
		{"https://xn--hwt50y.example/", "https://xn--hwt50y.example"},
		{"https://x.test:443", "https://x.test:443"}, // an explicit port is kept
		{"https://x.test/~merchant/gw", "https://x.test/~merchant/gw"},
	}
	for _, tt := range tests {
		u, err := Parse(tt.raw)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.raw, err)
			continue
		}
		if got := u.String(); got != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.raw, got, tt.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"empty", "", "empty"},
		{"blank", " \n\t", "empty"},
		{"no scheme", "x.test/api", "absolute http"},
		{"scheme-relative", "//x.test/api", "absolute http"},
		{"ftp", "ftp://x.test", "absolute http"},
		{"file", "file:///etc/passwd", "absolute http"},
		{"opaque", "https:x.test", "no host"},
		{"no host", "https:///api", "no host"},
		{"port only", "https://:8080/api", "no host"},
		{"empty port", "https://x.test:/api", "empty port"},
		{"port zero", "https://x.test:0", "port"},
		{"port too big", "https://x.test:65536", "port"},
		{"port not a number", "https://x.test:http", "not a valid URL"},
		{"query", "https://x.test/?a=1", "query string"},
		{"query without slash", "https://x.test?a=1", "query string"},
		{"bare question mark", "https://x.test/?", "query string"},
		{"fragment", "https://x.test/#top", "fragment"},
		{"bare hash", "https://x.test/#", "fragment"},
		{"user", "https://merchant@x.test", "user info"},
		{"user and password", "https://merchant:s3cr3t-pw@x.test/api", "user info"},
		{"user info and query", "https://merchant:s3cr3t-pw@x.test/?a=1", "user info"},
		{"inner space", "https://x.test/a b", "space"},
		{"full-width space", "https://x.test/a\u3000b", "space"},
		{"tab inside", "https://x.test/a\tb", "space"},
		{"control character", "https://x.test/a\x00b", "control"},
		{"newline inside", "https://x.test\n/api", "space"},
		{"dot segment", "https://x.test/./api", `"." or ".."`},
		{"dot-dot segment", "https://x.test/a/../b", `"." or ".."`},
		{"trailing dot-dot", "https://x.test/a/..", `"." or ".."`},
		{"escaped dot-dot", "https://x.test/a/%2e%2e/b", `"." or ".."`},
		{"bad escape", "https://x.test/a%zz", "not a valid URL"},
		{"bad host", "https://x.test%zz/", "not a valid URL"},
		{"non-ASCII host", "https://支付.example/", "ASCII"},
		{"escaped host", "https://%E6%94%AF.example/", "ASCII"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := Parse(tt.raw)
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want an error mentioning %q", tt.raw, u, tt.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("Parse(%q) error %q does not mention %q", tt.raw, msg, tt.want)
			}
			if !strings.HasPrefix(msg, "endpoint ") {
				t.Errorf("Parse(%q) error %q does not start with \"endpoint \"", tt.raw, msg)
			}
			// No part of the input is ever quoted back.
			for _, secret := range []string{"s3cr3t-pw", "merchant", "x.test", "a=1"} {
				if strings.Contains(tt.raw, secret) && strings.Contains(msg, secret) {
					t.Errorf("Parse(%q) error %q quotes %q", tt.raw, msg, secret)
				}
			}
		})
	}
}

// A credential typed without a scheme parses with the user name as the
// scheme and the password in the opaque part: neither may be quoted.
func TestParseNeverQuotesSchemelessCredentials(t *testing.T) {
	_, err := Parse("merchant:s3cr3t-pw@x.test")
	if err == nil {
		t.Fatal("accepted a schemeless URL")
	}
	if strings.Contains(err.Error(), "s3cr3t-pw") || strings.Contains(err.Error(), "merchant") {
		t.Errorf("error quotes the input: %v", err)
	}
}

func TestParseReturnsACopy(t *testing.T) {
	a, err := Parse("https://x.test/gw/")
	if err != nil {
		t.Fatal(err)
	}
	a.Path = "/changed"
	b, err := Parse("https://x.test/gw/")
	if err != nil {
		t.Fatal(err)
	}
	if b.Path != "/gw" {
		t.Errorf("second Parse path %q", b.Path)
	}
}

func TestJoin(t *testing.T) {
	tests := []struct {
		base, apiPath, want string
	}{
		// The four providers' paths, under the endpoint forms their tests use.
		{"https://vsi-api.shouqianba.com", "/upay/v2/query", "https://vsi-api.shouqianba.com/upay/v2/query"},
		{"https://id.paypro.test/", "/v1/paypro/queryPayInResult", "https://id.paypro.test/v1/paypro/queryPayInResult"},
		{"http://127.0.0.1:8080/paypro", "/v1/paypro/queryPayInResult", "http://127.0.0.1:8080/paypro/v1/paypro/queryPayInResult"},
		{"http://127.0.0.1:8080/", "/api/vborder/order/standard/qrcodeQuery", "http://127.0.0.1:8080/api/vborder/order/standard/qrcodeQuery"},
		{"https://pay.edgeros.test/gw//", "/v1/trade", "https://pay.edgeros.test/gw/v1/trade"},
		{"https://x.test/gw", "v1/trade", "https://x.test/gw/v1/trade"},
		{"https://x.test/gw", "//v1/trade", "https://x.test/gw/v1/trade"},
		{"https://x.test/gw", "", "https://x.test/gw"},
		{"https://x.test", "/", "https://x.test"},
		{"https://x.test/a%2Fb", "/q", "https://x.test/a%2Fb/q"},
	}
	for _, tt := range tests {
		base, err := Parse(tt.base)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.base, err)
		}
		if got := Join(base, tt.apiPath); got != tt.want {
			t.Errorf("Join(%q, %q) = %s, want %s", tt.base, tt.apiPath, got, tt.want)
		}
		if base.String() != strings.TrimRight(tt.base, "/") {
			// Join must not change the base it is given.
			t.Errorf("Join changed the base to %s", base)
		}
	}
}
