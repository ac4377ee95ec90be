package upay

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// Sign returns upay's request signature: lowercase hex MD5(body + terminalKey).
// body must be exactly the bytes sent: the provider hashes the raw request
// body, so re-encoding the JSON after signing breaks the signature.
func Sign(body []byte, terminalKey string) string {
	h := md5.New()
	h.Write(body)
	h.Write([]byte(terminalKey))
	return hex.EncodeToString(h.Sum(nil))
}

// authorization is the value of the Authorization header: "<terminal_sn> <sign>".
func authorization(terminalSN, sign string) string { return terminalSN + " " + sign }

// parseAuthorization splits an Authorization header into terminal_sn and
// sign; ok is false when it is not two non-empty words.
func parseAuthorization(h string) (terminalSN, sign string, ok bool) {
	terminalSN, sign, ok = strings.Cut(strings.TrimSpace(h), " ")
	sign = strings.TrimSpace(sign)
	if !ok || terminalSN == "" || sign == "" || strings.ContainsAny(sign, " \t") {
		return "", "", false
	}
	return terminalSN, sign, true
}

// validSign reports whether sign is the signature of body under terminalKey.
// The comparison is exact (upay documents lowercase hex) and constant-time.
func validSign(body []byte, terminalKey, sign string) bool {
	want := Sign(body, terminalKey)
	return subtle.ConstantTimeCompare([]byte(want), []byte(sign)) == 1
}
