package vborder

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reconhq/recon/plugins/helper/rsakey"
)

// readTestdata returns a file under testdata/.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readTestdataString(t testing.TB, name string) string {
	return strings.TrimSpace(string(readTestdata(t, name)))
}

// jsonUnmarshalStrict decodes b into v, refusing unknown fields.
func jsonUnmarshalStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// testKeys are the openssl-made keys of testdata/keys, by size.
func testKeys(t testing.TB, bits int) (*rsa.PrivateKey, *rsa.PublicKey) {
	t.Helper()
	priv, err := rsakey.ParsePrivate("test", string(readTestdata(t, fmt.Sprintf("keys/rsa%d.pem", bits))))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := rsakey.ParsePublic("test", string(readTestdata(t, fmt.Sprintf("keys/rsa%d_pub.pem", bits))))
	if err != nil {
		t.Fatal(err)
	}
	if pub.N.Cmp(priv.N) != 0 {
		t.Fatal("testdata public key does not match the private key")
	}
	return priv, pub
}

// testConfig is an account whose merchant key is testdata's rsa1024 and
// whose platform key is rsa1024 too (the response vectors use it in both
// roles), signing with testdata/sign/key.txt.
func testConfig(t testing.TB, responseKey string) *config {
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
