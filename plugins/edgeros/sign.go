package edgeros

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// signType is the only signature algorithm the platform supports.
const signType = "SHA256withRSA"

// sign returns base64(RSASSA-PKCS1-v1_5(SHA-256(msg))) under k.
func sign(k *rsa.PrivateKey, msg []byte) (string, error) {
	h := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, h[:])
	if err != nil {
		return "", fmt.Errorf("signing: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// verify checks a base64 SHA256withRSA signature of msg under k.
func verify(k *rsa.PublicKey, msg []byte, sigB64 string) error {
	if sigB64 == "" {
		return errors.New("empty signature")
	}
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return errors.New("signature is not base64")
	}
	h := sha256.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig); err != nil {
		return errors.New("signature does not verify")
	}
	return nil
}

const nonceAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// nonceLen is the length the platform's SDK uses (the page: at most 32).
const nonceLen = 32

// newNonce returns 32 characters of [0-9a-zA-Z] from crypto/rand. Bytes of
// 248 and above are rejected so that every character is equally likely
// (248 = 4*62).
func newNonce() (string, error) {
	out := make([]byte, 0, nonceLen)
	buf := make([]byte, 64)
	for len(out) < nonceLen {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("nonce: %w", err)
		}
		for _, b := range buf {
			if b < 248 && len(out) < nonceLen {
				out = append(out, nonceAlphabet[b%62])
			}
		}
	}
	return string(out), nil
}

// validNonce reports whether s is 1 to 32 characters of [0-9a-zA-Z].
func validNonce(s string) bool {
	if s == "" || len(s) > nonceLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
