package edgeros

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
)

// The platform console hands out keys as bare base64 DER (the Java SDK reads
// them that way); recon's config delivers PEM files. Both are accepted, and
// the errors never quote the key text.

var (
	errNotRSA = errors.New("not an RSA key")
	errNoKey  = errors.New("neither PEM nor base64 DER")
)

// parsePrivateKey reads an RSA private key: PEM "PRIVATE KEY" (PKCS#8) or
// "RSA PRIVATE KEY" (PKCS#1), or the bare base64 of either DER form.
func parsePrivateKey(text string) (*rsa.PrivateKey, error) {
	der, err := keyDER(text)
	if err != nil {
		return nil, err
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errNotRSA
		}
		return rk, nil
	}
	k, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil {
		return nil, errors.New("not a PKCS#8 or PKCS#1 RSA private key")
	}
	return k, nil
}

// parsePublicKey reads an RSA public key: PEM "PUBLIC KEY" (PKIX), "RSA
// PUBLIC KEY" (PKCS#1) or "CERTIFICATE", or the bare base64 of a PKIX or
// PKCS#1 DER.
func parsePublicKey(text string) (*rsa.PublicKey, error) {
	der, err := keyDER(text)
	if err != nil {
		return nil, err
	}
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, errNotRSA
		}
		return rk, nil
	}
	if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return k, nil
	}
	if c, err := x509.ParseCertificate(der); err == nil {
		rk, ok := c.PublicKey.(*rsa.PublicKey)
		if !ok {
			return nil, errNotRSA
		}
		return rk, nil
	}
	return nil, errors.New("not a PKIX, PKCS#1 or certificate RSA public key")
}

// keyDER returns the DER bytes of the first PEM block in text, or of text
// itself read as base64 when it holds no PEM block.
func keyDER(text string) ([]byte, error) {
	if b, _ := pem.Decode([]byte(text)); b != nil {
		return b.Bytes, nil
	}
	compact := strings.Join(strings.Fields(text), "")
	if compact == "" {
		return nil, errors.New("empty")
	}
	der, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		return nil, errNoKey
	}
	return der, nil
}

// privateKeyPEM encodes k as PKCS#8 PEM, the form the platform's docs use.
func privateKeyPEM(k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic("edgeros: marshal PKCS#8: " + err.Error()) // cannot happen for an RSA key
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// publicKeyPEM encodes k as PKIX PEM.
func publicKeyPEM(k *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		panic("edgeros: marshal PKIX: " + err.Error()) // cannot happen for an RSA key
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}
