package edgeros

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/reconhq/recon/plugins/helper/jsonfields"
)

// SignType is the only signature algorithm the platform supports.
const SignType = "SHA256withRSA"

// Sign returns base64(RSASSA-PKCS1-v1_5(SHA-256(msg))) under k: a request's
// x-acopay-sign, or (in the simulator) an answer's data.sign.
func Sign(k *rsa.PrivateKey, msg []byte) (string, error) {
	h := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, h[:])
	if err != nil {
		return "", fmt.Errorf("signing: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// Verify checks a base64 SHA256withRSA signature of msg under k. Its errors
// are fixed texts: they end up in a reply, and a signature is no one's
// business there.
func Verify(k *rsa.PublicKey, msg []byte, sigB64 string) error {
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

// check verifies a signed answer: sign_type, the signature over the
// verification string with the platform key, and the nonce echo.
func (p *Provider) check(env *envelope, nonce string) error {
	if env.data == nil || !env.signed {
		return fmt.Errorf("status %d answer without data.sign", env.status)
	}
	if st, _ := jsonfields.Value(env.data["sign_type"]); st != SignType {
		return fmt.Errorf("data.sign_type %.40q is not %s", st, SignType)
	}
	msg, err := env.verificationString()
	if err != nil {
		return fmt.Errorf("building the verification string: %w", err)
	}
	if err := Verify(p.platform, msg, env.sign); err != nil {
		return fmt.Errorf("platform signature: %w", err)
	}
	// PROTOCOL: "the response nonce echoes the request's". A signed answer
	// with another nonce is authentic but not an answer to this request:
	// a replay, so not trusted.
	if got, _ := jsonfields.Value(env.data["nonce"]); got != nonce {
		return fmt.Errorf("data.nonce %.40q does not echo the request's nonce (replayed answer?)", got)
	}
	return nil
}

const nonceAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// nonceLen is the length the platform's SDK uses (the page: at most 32).
const nonceLen = 32

// NewNonce returns 32 characters of [0-9a-zA-Z] from crypto/rand. Bytes of
// 248 and above are rejected so that every character is equally likely
// (248 = 4*62).
func NewNonce() (string, error) {
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

// ValidNonce reports whether s is a nonce the platform accepts: 1 to 32
// characters of [0-9a-zA-Z].
func ValidNonce(s string) bool {
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
