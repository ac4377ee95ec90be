package vborder

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// minKeyBits is the smallest key accepted. The platform's example is
// RSA-1024; Go refuses anything smaller anyway, and saying so at Configure
// beats failing every query.
const minKeyBits = 1024

// parsePublicKey reads an RSA public key: PEM "PUBLIC KEY" (PKIX), "RSA
// PUBLIC KEY" (PKCS#1) or "CERTIFICATE"; or, as Chinese platforms often hand
// keys out, the bare base64 of the DER with no PEM armour.
func parsePublicKey(text string) (*rsa.PublicKey, error) {
	der, typ, err := keyDER(text)
	if err != nil {
		return nil, err
	}
	var key any
	switch typ {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(der)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(der)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(der); err == nil {
			key = cert.PublicKey
		}
	case "": // bare DER: PKIX is what the platforms publish; PKCS#1 otherwise
		if key, err = x509.ParsePKIXPublicKey(der); err != nil {
			key, err = x509.ParsePKCS1PublicKey(der)
		}
	default:
		return nil, fmt.Errorf("PEM block %q is not a public key", typ)
	}
	if err != nil {
		return nil, fmt.Errorf("not a readable public key (%s)", describe(typ))
	}
	pub, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("not an RSA public key (%T)", key)
	}
	if pub.N.BitLen() < minKeyBits {
		return nil, fmt.Errorf("RSA key of %d bits; at least %d needed", pub.N.BitLen(), minKeyBits)
	}
	return pub, nil
}

// parsePrivateKey reads an RSA private key: PEM "RSA PRIVATE KEY" (PKCS#1)
// or "PRIVATE KEY" (PKCS#8), or bare base64 DER of either.
func parsePrivateKey(text string) (*rsa.PrivateKey, error) {
	der, typ, err := keyDER(text)
	if err != nil {
		return nil, err
	}
	var key any
	switch typ {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(der)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(der)
	case "":
		if key, err = x509.ParsePKCS8PrivateKey(der); err != nil {
			key, err = x509.ParsePKCS1PrivateKey(der)
		}
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("the private key is encrypted; give it without a passphrase")
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key", typ)
	}
	if err != nil {
		return nil, fmt.Errorf("not a readable private key (%s)", describe(typ))
	}
	priv, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("not an RSA private key (%T)", key)
	}
	if priv.N.BitLen() < minKeyBits {
		return nil, fmt.Errorf("RSA key of %d bits; at least %d needed", priv.N.BitLen(), minKeyBits)
	}
	return priv, nil
}

// keyDER returns the DER of the first PEM block of text and its type, or the
// bare base64 DER with an empty type. Errors never quote the text: it may be
// a private key.
func keyDER(text string) (der []byte, typ string, err error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, "", errors.New("empty")
	}
	if strings.Contains(text, "-----BEGIN") {
		block, _ := pem.Decode([]byte(text))
		if block == nil {
			return nil, "", errors.New("malformed PEM")
		}
		if _, encrypted := block.Headers["DEK-Info"]; encrypted {
			return nil, "", errors.New("the PEM block is encrypted; give it without a passphrase")
		}
		return block.Bytes, block.Type, nil
	}
	compact := strings.Join(strings.Fields(text), "")
	der, err = base64.StdEncoding.DecodeString(compact)
	if err != nil {
		return nil, "", errors.New("neither PEM nor base64 DER")
	}
	return der, "", nil
}

func describe(typ string) string {
	if typ == "" {
		return "base64 DER"
	}
	return "PEM " + typ
}

// Encoding for the simulator's Account(): the forms a merchant gets.

func publicKeyPEM(pub *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err) // an RSA public key always marshals
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func privateKeyPEM(priv *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		panic(err) // an RSA private key always marshals
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}
