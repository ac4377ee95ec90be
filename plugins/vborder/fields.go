package vborder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/reconhq/recon/plugins/money"
)

// plaintextField holds the decrypted business JSON, byte for byte, in
// Answer.Fields: Raw is the encrypted HTTP body, which nobody can read back
// without the key, so the audit trail keeps the plaintext here.
const plaintextField = "_plaintext"

// jsonTextFields are the nested objects the page documents. The page's own
// example sends payerInfo as the string "{}", so each is accepted as an
// object or as a string holding JSON, and normalised to compact JSON text.
var jsonTextFields = map[string]bool{"payerInfo": true, "payeeInfo": true, "installmentData": true}

// flatten renders every business field as a string: strings as is, numbers
// and booleans as their JSON text, objects and arrays as compact JSON. JSON
// null is left out (the field says nothing).
func flatten(fields map[string]json.RawMessage) map[string]string {
	out := make(map[string]string, len(fields)+1)
	for k, raw := range fields {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || isNull(raw) {
			continue
		}
		if s, ok := stringValue(raw); ok {
			if jsonTextFields[k] {
				s = compactIfJSON(s)
			}
			out[k] = s
			continue
		}
		var c bytes.Buffer
		if err := json.Compact(&c, raw); err != nil {
			out[k] = string(raw) // cannot happen: raw came out of a decoder
			continue
		}
		out[k] = c.String()
	}
	return out
}

// compactIfJSON compacts s when it is a JSON object or array; any other
// string is kept as sent.
func compactIfJSON(s string) string {
	t := bytes.TrimSpace([]byte(s))
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') || !json.Valid(t) {
		return s
	}
	var c bytes.Buffer
	if err := json.Compact(&c, t); err != nil {
		return s
	}
	return c.String()
}

// parseFen reads orderAmount: integer fen (PROTOCOL), never through a float.
// A JSON number is read from its text; a string of digits is accepted too.
func parseFen(raw json.RawMessage) (int64, error) {
	text, ok := scalarText(raw)
	if !ok {
		return 0, fmt.Errorf("not a number")
	}
	v, err := money.ParseMinor(text)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number of fen", text)
	}
	return v, nil
}

// parsePayTime reads payTime, "yyyy-MM-dd HH:mm:ss" in China time.
func parsePayTime(s string) (time.Time, error) {
	return time.ParseInLocation(time.DateTime, s, chinaTime)
}
