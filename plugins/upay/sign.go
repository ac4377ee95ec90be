package upay

import (
	"crypto/md5"
	"encoding/hex"
)

// Sign returns upay's request signature: lowercase hex MD5(body + terminalKey).
// body must be exactly the bytes sent: the provider hashes the raw request
// body, so re-encoding the JSON after signing breaks the signature.
//
// upay signs nothing it answers, so there is no verification here; the
// simulator checks requests with Sign as upay does.
func Sign(body []byte, terminalKey string) string {
	h := md5.New()
	h.Write(body)
	h.Write([]byte(terminalKey))
	return hex.EncodeToString(h.Sum(nil))
}

// authorization is the value of the Authorization header: "<terminal_sn> <sign>".
func authorization(terminalSN, sign string) string { return terminalSN + " " + sign }
