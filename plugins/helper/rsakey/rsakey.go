package rsakey

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// MinBits is the smallest RSA modulus accepted. Go's crypto/rsa refuses to
// sign or decrypt with less, so a shorter key would pass Configure and then
// fail every query; vborder's platform documents RSA-1024.
const MinBits = 1024

// maxText caps a credential's text. The largest RSA key Go uses (16384
// bits) is about 13 KB of PEM; anything far bigger is not one key.
const maxText = 64 << 10

// ParsePrivate reads an RSA private key from the text of the credential
// called name.
func ParsePrivate(name, text string) (*rsa.PrivateKey, error) {
	p, err := parse(text)
	if err != nil {
		if errors.Is(err, errEncrypted) {
			return nil, fail(name, "is an encrypted private key; decrypt it first "+
				"(openssl pkey -in key.pem -out key-plain.pem): recon does not keep passphrases")
		}
		return nil, fail(name, err.Error())
	}
	if !p.private {
		return nil, fail(name, fmt.Sprintf("holds a public key (%s), not a private key", p.form))
	}
	k, ok := p.key.(*rsa.PrivateKey)
	if !ok {
		return nil, fail(name, fmt.Sprintf("holds %s private key (%s), not an RSA one", algorithm(p.key), p.form))
	}
	if bits := k.N.BitLen(); bits < MinBits {
		return nil, fail(name, fmt.Sprintf("is an RSA key of %d bits, too short: at least %d are needed", bits, MinBits))
	}
	return k, nil
}

// ParsePublic reads an RSA public key from the text of the credential
// called name.
func ParsePublic(name, text string) (*rsa.PublicKey, error) {
	p, err := parse(text)
	if err != nil {
		if errors.Is(err, errEncrypted) {
			return nil, fail(name, "holds an encrypted private key, not a public key")
		}
		return nil, fail(name, err.Error())
	}
	if p.private {
		return nil, fail(name, fmt.Sprintf("holds a private key (%s), not a public key; "+
			"give the public key (openssl pkey -in key.pem -pubout)", p.form))
	}
	k, ok := p.key.(*rsa.PublicKey)
	if !ok {
		return nil, fail(name, fmt.Sprintf("holds %s public key (%s), not an RSA one", algorithm(p.key), p.form))
	}
	if bits := k.N.BitLen(); bits < MinBits {
		return nil, fail(name, fmt.Sprintf("is an RSA key of %d bits, too short: at least %d are needed", bits, MinBits))
	}
	return k, nil
}

func fail(name, msg string) error {
	if name == "" {
		name = "(unnamed)"
	}
	return fmt.Errorf("credential %s: %s", name, msg)
}

var errEncrypted = errors.New("encrypted private key")

// parsed is a key read from a credential, before the caller's checks.
type parsed struct {
	key     any    // as crypto/x509 returns it
	private bool   // a private key (whatever its algorithm)
	form    string // how it was written, for errors: "PEM PUBLIC KEY", "base64 DER, PKCS#8"
	what    string // what the DER is, for a mislabelled PEM block: "a PKIX public key"
}

// parse reads text as one PEM block or as bare base64 DER. Its errors are
// the part after "credential <name>: ".
func parse(text string) (parsed, error) {
	if len(text) > maxText {
		return parsed{}, errors.New("is too long to be a key (over 64 KiB)")
	}
	t := strings.TrimLeft(text, "\ufeff") // a BOM from a Windows editor
	t = strings.TrimSpace(t)
	if t == "" {
		return parsed{}, errors.New("is empty")
	}
	if !strings.Contains(t, "\n") && strings.Contains(t, `\n`) {
		return parsed{}, errors.New(`holds literal \n sequences instead of line breaks ` +
			`(give the key with real line breaks, or in a file)`)
	}
	if strings.Contains(t, "-----BEGIN") {
		return parsePEM(t)
	}
	compact := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, t)
	der, err := base64.StdEncoding.Strict().DecodeString(compact)
	if err != nil || len(der) == 0 {
		return parsed{}, errors.New("is neither PEM nor base64 DER")
	}
	if err := oneElement(der); err != nil {
		return parsed{}, fmt.Errorf("is base64 but %v", err)
	}
	return parseBareDER(der)
}

func parsePEM(t string) (parsed, error) {
	if !strings.HasPrefix(t, "-----BEGIN") {
		return parsed{}, errors.New("has text before the PEM block; give exactly one key")
	}
	// Counted before decoding: pem.Decode skips a damaged block and returns
	// the next one, which would make a paste of two things look like one key.
	if strings.Count(t, "-----BEGIN") > 1 {
		return parsed{}, errors.New("holds more than one PEM block; give exactly one key")
	}
	block, rest := pem.Decode([]byte(t))
	if block == nil {
		return parsed{}, errors.New("is malformed PEM (no END line matching the BEGIN line, or damaged base64 inside)")
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return parsed{}, errors.New("has text after the PEM block; give exactly one key")
	}
	label := clip(block.Type)
	if block.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") || block.Headers["DEK-Info"] != "" {
		return parsed{}, errEncrypted
	}
	if len(block.Headers) > 0 {
		return parsed{}, fmt.Errorf("has PEM headers in its %q block; give the key without them", label)
	}
	der := block.Bytes
	form := "PEM " + label
	switch block.Type {
	case "RSA PRIVATE KEY", "PRIVATE KEY", "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE":
		if err := oneElement(der); err != nil {
			return parsed{}, fmt.Errorf("is labelled %s but %v", form, err)
		}
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case "RSA PRIVATE KEY":
		if key, err = x509.ParsePKCS1PrivateKey(der); err != nil {
			return parsed{}, mislabeled(form, der, "a PKCS#1 RSA private key")
		}
		return parsed{key: key, private: true, form: form}, nil
	case "PRIVATE KEY":
		if key, err = x509.ParsePKCS8PrivateKey(der); err != nil {
			return parsed{}, mislabeled(form, der, "a PKCS#8 private key")
		}
		return parsed{key: key, private: true, form: form}, nil
	case "PUBLIC KEY":
		if key, err = x509.ParsePKIXPublicKey(der); err != nil {
			return parsed{}, mislabeled(form, der, "a PKIX public key")
		}
		return parsed{key: key, form: form}, nil
	case "RSA PUBLIC KEY":
		if key, err = x509.ParsePKCS1PublicKey(der); err != nil {
			return parsed{}, mislabeled(form, der, "a PKCS#1 RSA public key")
		}
		return parsed{key: key, form: form}, nil
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return parsed{}, mislabeled(form, der, "a certificate")
		}
		return parsed{key: cert.PublicKey, form: form}, nil
	}
	if strings.HasSuffix(block.Type, "PRIVATE KEY") {
		// EC, DSA, OPENSSH...: a private key, but of a form (and most likely
		// an algorithm) that is not RSA.
		return parsed{key: nil, private: true, form: form}, nil
	}
	return parsed{}, fmt.Errorf("holds a PEM %q block, which is not a key recon reads "+
		"(want RSA PRIVATE KEY, PRIVATE KEY, PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE)", label)
}

// mislabeled explains a PEM block whose DER is not what its label says:
// when the DER is another accepted form, which one, so that the merchant
// can fix the label (or knows the wrong thing was pasted).
func mislabeled(form string, der []byte, want string) error {
	if p, err := parseBareDER(der); err == nil {
		return fmt.Errorf("is labelled %s but holds %s, not %s", form, p.what, want)
	} else if errors.Is(err, errEncrypted) {
		return fmt.Errorf("is labelled %s but holds an encrypted private key", form)
	}
	return fmt.Errorf("is labelled %s but does not hold %s", form, want)
}

// parseBareDER tells the DER forms apart by trying each: their ASN.1
// structures differ from the first element on, so at most one succeeds.
func parseBareDER(der []byte) (parsed, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return parsed{k, true, "base64 DER, PKCS#8", "a PKCS#8 private key"}, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return parsed{k, true, "base64 DER, PKCS#1", "a PKCS#1 RSA private key"}, nil
	}
	if encryptedPKCS8(der) {
		return parsed{}, errEncrypted
	}
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		return parsed{k, false, "base64 DER, PKIX", "a PKIX public key"}, nil
	}
	if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return parsed{k, false, "base64 DER, PKCS#1", "a PKCS#1 RSA public key"}, nil
	}
	if c, err := x509.ParseCertificate(der); err == nil {
		return parsed{c.PublicKey, false, "base64 DER, certificate", "a certificate"}, nil
	}
	return parsed{}, errors.New("is base64 DER but not a key in a form recon reads " +
		"(PKCS#1, PKCS#8, PKIX or a certificate)")
}

// oneElement checks that der is exactly one ASN.1 element. crypto/x509's
// PKCS#8 parser ignores bytes after the key, and bytes after a key are a
// sign that something else was pasted with it.
func oneElement(der []byte) error {
	var v asn1.RawValue
	rest, err := asn1.Unmarshal(der, &v)
	switch {
	case err != nil:
		return errors.New("is not well-formed DER")
	case len(rest) > 0:
		return fmt.Errorf("has data after the key (%d bytes)", len(rest))
	}
	return nil
}

// encryptedPKCS8 reports whether der is an EncryptedPrivateKeyInfo (RFC
// 5958) under a PKCS#5 or PKCS#12 password-based scheme: what `openssl
// pkcs8 -topk8` writes, and what a console's "download key" sometimes does.
func encryptedPKCS8(der []byte) bool {
	var e struct {
		Algo pkix.AlgorithmIdentifier
		Data []byte
	}
	rest, err := asn1.Unmarshal(der, &e)
	if err != nil || len(rest) > 0 {
		return false
	}
	pkcs5 := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5}
	pkcs12PBE := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1}
	return hasPrefix(e.Algo.Algorithm, pkcs5) || hasPrefix(e.Algo.Algorithm, pkcs12PBE)
}

func hasPrefix(oid, prefix asn1.ObjectIdentifier) bool {
	return len(oid) > len(prefix) && oid[:len(prefix)].Equal(prefix)
}

// algorithm names a non-RSA key for an error, with its article.
func algorithm(key any) string {
	switch key.(type) {
	case *ecdsa.PrivateKey, *ecdsa.PublicKey:
		return "an ECDSA"
	case ed25519.PrivateKey, ed25519.PublicKey:
		return "an Ed25519"
	case *ecdh.PrivateKey, *ecdh.PublicKey:
		return "an X25519"
	}
	return "a non-RSA"
}

// clip bounds a PEM label quoted in an error; labels are not secret, but
// they come from the merchant's text.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}
