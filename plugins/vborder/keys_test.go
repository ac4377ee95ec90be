package vborder

import (
	"encoding/pem"
	"strings"
	"testing"
)

func TestParseKeys(t *testing.T) {
	priv, _ := testKeys(t, 1024)
	for _, f := range []string{"keys/rsa1024_pub.pem", "keys/rsa1024_pub_pkcs1.pem"} {
		text := string(readTestdata(t, f))
		pub, err := parsePublicKey(text)
		if err != nil || pub.N.Cmp(priv.N) != 0 {
			t.Errorf("%s: %v", f, err)
		}
		// The same key as bare base64 DER, as platforms often hand it out.
		block, _ := pem.Decode([]byte(text))
		pub, err = parsePublicKey(bareBase64(block.Bytes))
		if err != nil || pub.N.Cmp(priv.N) != 0 {
			t.Errorf("%s as bare base64: %v", f, err)
		}
	}
	for _, f := range []string{"keys/rsa1024.pem", "keys/rsa1024_pkcs1.pem"} {
		text := string(readTestdata(t, f))
		got, err := parsePrivateKey(text)
		if err != nil || got.N.Cmp(priv.N) != 0 {
			t.Errorf("%s: %v", f, err)
		}
		block, _ := pem.Decode([]byte(text))
		got, err = parsePrivateKey(bareBase64(block.Bytes))
		if err != nil || got.N.Cmp(priv.N) != 0 {
			t.Errorf("%s as bare base64: %v", f, err)
		}
	}
}

func TestParseKeysRejects(t *testing.T) {
	privText := string(readTestdata(t, "keys/rsa1024.pem"))
	pubText := string(readTestdata(t, "keys/rsa1024_pub.pem"))
	secret := strings.Split(privText, "\n")[1] // a line of the private key
	for name, text := range map[string]string{
		"empty":              "",
		"garbage":            "not a key at all",
		"private as public":  privText,
		"truncated PEM":      pubText[:len(pubText)/2],
		"encrypted PEM":      "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n",
		"corrupt DER in PEM": "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n",
	} {
		if _, err := parsePublicKey(text); err == nil {
			t.Errorf("parsePublicKey(%s) succeeded", name)
		} else if strings.Contains(err.Error(), secret) {
			t.Errorf("parsePublicKey(%s) error quotes the key", name)
		}
	}
	for name, text := range map[string]string{
		"empty":             "",
		"public as private": pubText,
		"encrypted PEM":     "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n",
		"corrupted":         strings.Replace(privText, secret, strings.Repeat("A", len(secret)), 1),
	} {
		if _, err := parsePrivateKey(text); err == nil {
			t.Errorf("parsePrivateKey(%s) succeeded", name)
		} else if strings.Contains(err.Error(), secret) {
			t.Errorf("parsePrivateKey(%s) error quotes the key", name)
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
