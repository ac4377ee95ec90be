package rsakey

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// reference reads a private key fixture with crypto/x509 directly, not with
// the code under test, as the key every other form must come back equal to.
func reference(t *testing.T, name string) *rsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode([]byte(read(t, name)))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

// bare is a PEM file's body without the armour: bare base64 wrapped at 64,
// as a key pasted from a console looks.
func bare(t *testing.T, name string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(read(t, name)), "\n")
	return strings.Join(lines[1:len(lines)-1], "\n")
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// rewrap joins a base64 body and wraps it again at width, with sep.
func rewrap(s string, width int, sep string) string {
	s = strings.Join(strings.Fields(s), "")
	var b strings.Builder
	for len(s) > width {
		b.WriteString(s[:width] + sep)
		s = s[width:]
	}
	b.WriteString(s)
	return b.String()
}

func TestParsePrivate(t *testing.T) {
	k1024, k2048 := reference(t, "rsa1024.pem"), reference(t, "rsa2048.pem")
	tests := []struct {
		name string
		text string
		want *rsa.PrivateKey
	}{
		{"PKCS#8 PEM 1024", read(t, "rsa1024.pem"), k1024},
		{"PKCS#1 PEM 1024", read(t, "rsa1024_pkcs1.pem"), k1024},
		{"PKCS#8 PEM 2048", read(t, "rsa2048.pem"), k2048},
		{"PKCS#1 PEM 2048", read(t, "rsa2048_pkcs1.pem"), k2048},
		{"PKCS#8 PEM, CRLF", crlf(read(t, "rsa2048.pem")), k2048},
		{"PKCS#1 PEM, CRLF", crlf(read(t, "rsa1024_pkcs1.pem")), k1024},
		{"PEM without final newline", strings.TrimSpace(read(t, "rsa2048.pem")), k2048},
		{"PEM in whitespace", "\n\n  \t" + read(t, "rsa2048.pem") + "\n\n\t ", k2048},
		{"PEM after a BOM", "\ufeff" + read(t, "rsa2048.pem"), k2048},
		{"PEM body wrapped at 76", "-----BEGIN PRIVATE KEY-----\n" + rewrap(bare(t, "rsa2048.pem"), 76, "\n") + "\n-----END PRIVATE KEY-----\n", k2048},
		{"PKCS#8 base64, one line (openssl)", read(t, "rsa2048.b64"), k2048},
		{"PKCS#1 base64, wrapped (openssl)", read(t, "rsa2048_pkcs1.b64"), k2048},
		{"PKCS#8 base64 from PEM", bare(t, "rsa1024.pem"), k1024},
		{"PKCS#1 base64 from PEM", bare(t, "rsa1024_pkcs1.pem"), k1024},
		{"base64, CRLF wrapped at 76", rewrap(bare(t, "rsa2048.pem"), 76, "\r\n"), k2048},
		{"base64 with spaces", rewrap(bare(t, "rsa2048.pem"), 4, " "), k2048},
		{"base64 in whitespace", "  " + read(t, "rsa2048.b64") + "\r\n", k2048},
	}
	for _, tt := range tests {
		k, err := ParsePrivate("merchant_private_key", tt.text)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !k.Equal(tt.want) {
			t.Errorf("%s: a different key came back", tt.name)
		}
	}
}

func TestParsePublic(t *testing.T) {
	k1024, k2048 := &reference(t, "rsa1024.pem").PublicKey, &reference(t, "rsa2048.pem").PublicKey
	tests := []struct {
		name string
		text string
		want *rsa.PublicKey
	}{
		{"PKIX PEM 1024", read(t, "rsa1024_pub.pem"), k1024},
		{"PKCS#1 PEM 1024", read(t, "rsa1024_pub_pkcs1.pem"), k1024},
		{"PKIX PEM 2048", read(t, "rsa2048_pub.pem"), k2048},
		{"PKCS#1 PEM 2048", read(t, "rsa2048_pub_pkcs1.pem"), k2048},
		{"certificate PEM", read(t, "rsa2048_cert.pem"), k2048},
		{"PKIX PEM, CRLF", crlf(read(t, "rsa2048_pub.pem")), k2048},
		{"PEM in whitespace", "\r\n " + read(t, "rsa1024_pub.pem") + " \r\n", k1024},
		{"PKIX base64, one line (openssl)", read(t, "rsa2048_pub.b64"), k2048},
		{"PKCS#1 base64, wrapped (openssl)", read(t, "rsa2048_pub_pkcs1.b64"), k2048},
		{"certificate base64 (openssl)", read(t, "rsa2048_cert.b64"), k2048},
		{"PKIX base64 from PEM", bare(t, "rsa1024_pub.pem"), k1024},
		{"PKCS#1 base64 from PEM", bare(t, "rsa1024_pub_pkcs1.pem"), k1024},
		{"base64, CRLF wrapped at 76", rewrap(bare(t, "rsa2048_pub.pem"), 76, "\r\n"), k2048},
	}
	for _, tt := range tests {
		k, err := ParsePublic("platform_public_key", tt.text)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !k.Equal(tt.want) {
			t.Errorf("%s: a different key came back", tt.name)
		}
	}
}

// rejections are texts that neither parser accepts, with what each error
// must say; shared by both tests where the reason is the same.
func rejections(t *testing.T) map[string]struct{ text, want string } {
	priv := read(t, "rsa2048.pem")
	pub := read(t, "rsa2048_pub.pem")
	pkcs1DER, _ := pem.Decode([]byte(read(t, "rsa2048_pkcs1.pem")))
	lines := strings.Split(priv, "\n")
	corrupt := strings.Replace(priv, lines[5], strings.Repeat("A", len(lines[5])), 1)
	der, _ := base64.StdEncoding.DecodeString(read(t, "rsa2048.b64"))
	return map[string]struct{ text, want string }{
		"empty":                   {"", "is empty"},
		"whitespace":              {" \r\n\t ", "is empty"},
		"garbage":                 {"not a key at all!", "neither PEM nor base64 DER"},
		"base64 of nothing key":   {base64.StdEncoding.EncodeToString([]byte("hello, not a key at all")), "is base64 but is not well-formed DER"},
		"base64 of other DER":     {base64.StdEncoding.EncodeToString([]byte{0x30, 0x03, 0x02, 0x01, 0x07}), "is base64 DER but not a key in a form recon reads"},
		"unpadded base64":         {strings.TrimRight(read(t, "rsa2048_cert.b64"), "=\n"), "neither PEM nor base64 DER"},
		"DER with trailing bytes": {base64.StdEncoding.EncodeToString(append(append([]byte{}, der...), 0, 0)), "is base64 but has data after the key (2 bytes)"},
		"PEM with trailing bytes": {string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: append(append([]byte{}, der...), 5)})),
			"is labelled PEM PRIVATE KEY but has data after the key (1 bytes)"},
		"truncated PEM":             {priv[:len(priv)/2], "malformed PEM"},
		"PEM without END":           {strings.Replace(pub, "-----END PUBLIC KEY-----", "", 1), "malformed PEM"},
		"text before PEM":           {"merchant key:\n" + priv, "text before the PEM block"},
		"text after PEM":            {priv + "copied from the console\n", "text after the PEM block"},
		"damaged block, then a key": {priv[:len(priv)/2] + "\n" + priv, "more than one PEM block"},
		"two keys":                  {priv + read(t, "rsa1024.pem"), "more than one PEM block"},
		"key and its public":        {priv + pub, "more than one PEM block"},
		"public and private":        {pub + priv, "more than one PEM block"},
		"literal \\n":               {strings.ReplaceAll(strings.TrimSpace(priv), "\n", `\n`), `literal \n`},
		"PEM headers":               {strings.Replace(pub, "-----\n", "-----\nComment: from the console\n\n", 1), "PEM headers"},
		"unknown label":             {"-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n", `PEM "FOO" block`},
		"corrupt DER in PEM":        {corrupt, "labelled PEM PRIVATE KEY but does not hold a PKCS#8 private key"},
		"PKCS#1 labelled PKCS#8": {string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs1DER.Bytes})),
			"labelled PEM PRIVATE KEY but holds a PKCS#1 RSA private key"},
		"too long": {strings.Repeat("A", 65<<10), "too long"},
	}
}

func TestParsePrivateRejects(t *testing.T) {
	tests := rejections(t)
	for name, tt := range map[string]struct{ text, want string }{
		"PKIX public":             {read(t, "rsa2048_pub.pem"), "holds a public key (PEM PUBLIC KEY), not a private key"},
		"PKCS#1 public":           {read(t, "rsa2048_pub_pkcs1.pem"), "holds a public key (PEM RSA PUBLIC KEY)"},
		"certificate":             {read(t, "rsa2048_cert.pem"), "holds a public key (PEM CERTIFICATE)"},
		"PKIX public, base64":     {read(t, "rsa2048_pub.b64"), "holds a public key (base64 DER, PKIX)"},
		"certificate, base64":     {read(t, "rsa2048_cert.b64"), "holds a public key (base64 DER, certificate)"},
		"encrypted PKCS#8":        {read(t, "rsa2048_enc_pkcs8.pem"), "encrypted private key; decrypt it first"},
		"encrypted PKCS#1":        {read(t, "rsa2048_enc_pkcs1.pem"), "encrypted private key; decrypt it first"},
		"encrypted PKCS#8 base64": {read(t, "rsa2048_enc_pkcs8.b64"), "encrypted private key; decrypt it first"},
		"encrypted, labelled plain": {strings.ReplaceAll(read(t, "rsa2048_enc_pkcs8.pem"), "ENCRYPTED PRIVATE KEY", "PRIVATE KEY"),
			"labelled PEM PRIVATE KEY but holds an encrypted private key"},
		"512 bits":      {read(t, "rsa512.pem"), "RSA key of 512 bits, too short: at least 1024"},
		"1023 bits":     {read(t, "rsa1023.pem"), "RSA key of 1023 bits, too short"},
		"EC":            {read(t, "ec256.pem"), "holds an ECDSA private key (PEM PRIVATE KEY), not an RSA one"},
		"Ed25519":       {read(t, "ed25519.pem"), "holds an Ed25519 private key"},
		"EC, SEC1 form": {"-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n", "holds a non-RSA private key (PEM EC PRIVATE KEY)"},
	} {
		tests[name] = tt
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			k, err := ParsePrivate("merchant_private_key", tt.text)
			checkRejected(t, k != nil, err, "merchant_private_key", tt.text, tt.want)
		})
	}
}

func TestParsePublicRejects(t *testing.T) {
	tests := rejections(t)
	for name, tt := range map[string]struct{ text, want string }{
		"PKCS#8 private":           {read(t, "rsa2048.pem"), "holds a private key (PEM PRIVATE KEY), not a public key"},
		"PKCS#1 private":           {read(t, "rsa2048_pkcs1.pem"), "holds a private key (PEM RSA PRIVATE KEY), not a public key"},
		"PKCS#8 private, base64":   {read(t, "rsa2048.b64"), "holds a private key (base64 DER, PKCS#8)"},
		"PKCS#1 private, base64":   {read(t, "rsa2048_pkcs1.b64"), "holds a private key (base64 DER, PKCS#1)"},
		"encrypted PKCS#8":         {read(t, "rsa2048_enc_pkcs8.pem"), "holds an encrypted private key, not a public key"},
		"encrypted PKCS#1":         {read(t, "rsa2048_enc_pkcs1.pem"), "holds an encrypted private key, not a public key"},
		"encrypted base64":         {read(t, "rsa2048_enc_pkcs8.b64"), "holds an encrypted private key, not a public key"},
		"EC private":               {read(t, "ec256.pem"), "holds a private key (PEM PRIVATE KEY), not a public key"},
		"512 bits":                 {read(t, "rsa512_pub.pem"), "RSA key of 512 bits, too short: at least 1024"},
		"1023 bits":                {read(t, "rsa1023_pub.pem"), "RSA key of 1023 bits, too short"},
		"EC":                       {read(t, "ec256_pub.pem"), "holds an ECDSA public key (PEM PUBLIC KEY), not an RSA one"},
		"Ed25519":                  {read(t, "ed25519_pub.pem"), "holds an Ed25519 public key"},
		"PKIX labelled PKCS#1":     {strings.ReplaceAll(read(t, "rsa2048_pub.pem"), "PUBLIC KEY", "RSA PUBLIC KEY"), "labelled PEM RSA PUBLIC KEY but holds a PKIX public key"},
		"certificate labelled key": {strings.ReplaceAll(read(t, "rsa2048_cert.pem"), "CERTIFICATE", "PUBLIC KEY"), "labelled PEM PUBLIC KEY but holds a certificate"},
	} {
		tests[name] = tt
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			k, err := ParsePublic("platform_public_key", tt.text)
			checkRejected(t, k != nil, err, "platform_public_key", tt.text, tt.want)
		})
	}
}

func checkRejected(t *testing.T, gotKey bool, err error, cred, text, want string) {
	t.Helper()
	if err == nil || gotKey {
		t.Fatalf("accepted (err %v), want an error saying %q", err, want)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "credential "+cred+": ") {
		t.Errorf("error %q does not start with the credential's name", msg)
	}
	if !strings.Contains(msg, want) {
		t.Errorf("error %q does not say %q", msg, want)
	}
	if leak := quoted(msg, text); leak != "" {
		t.Errorf("error %q quotes the key text (%q)", msg, leak)
	}
}

// quoted returns a 12-character run of text's base64 that msg contains, or
// "" when it contains none: key material must never reach an error.
func quoted(msg, text string) string {
	var body strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "-----") && !strings.Contains(line, ":") {
			body.WriteString(strings.TrimSpace(line))
		}
	}
	b := body.String()
	for i := 0; i+12 <= len(b); i++ {
		if w := b[i : i+12]; strings.Trim(w, "A") != "" && strings.Contains(msg, w) {
			return w
		}
	}
	return ""
}

func TestUnnamedCredential(t *testing.T) {
	_, err := ParsePrivate("", "")
	if err == nil || !strings.HasPrefix(err.Error(), "credential (unnamed): ") {
		t.Errorf("error %v", err)
	}
}

// The fixtures are what gen.sh says they are; a regenerated set that is not
// (a different OpenSSL default, say) would make the tests above prove less.
func TestFixtures(t *testing.T) {
	for name, bits := range map[string]int{"rsa512.pem": 512, "rsa1023.pem": 1023, "rsa1024.pem": 1024, "rsa2048.pem": 2048} {
		if got := reference(t, name).N.BitLen(); got != bits {
			t.Errorf("%s: %d bits, want %d", name, got, bits)
		}
	}
	for _, name := range []string{"rsa2048_enc_pkcs8.pem", "rsa2048_enc_pkcs1.pem"} {
		if !strings.Contains(read(t, name), "ENCRYPTED") {
			t.Errorf("%s is not encrypted", name)
		}
	}
}
