package vborder

import (
	"bytes"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// SignField is the name of the signature field inside a business JSON.
const SignField = "sign"

// signString is the text whose MD5 is the sign (PROTOCOL request step 2):
// every field but `sign` whose value is not empty, sorted by key (byte order,
// so case-sensitive), joined as k=v with &, then &key=<sign key>.
//
// PROTOCOL: "a string is written as is, a number as its JSON text, an object
// or array as its compact JSON". Values are taken from the JSON as received:
// a number keeps its exact text ("1", never "1.0"), an object or array is
// json.Compact of its own bytes, so its key order and escapes are the
// sender's. `true`/`false` are written as their JSON text too. "Empty" is
// read literally as the empty string and JSON null; "{}" and "[]" are values.
func signString(fields map[string]json.RawMessage, key string) (string, error) {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if k != SignField {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v, ok, err := signValue(fields[k])
		if err != nil {
			return "", fmt.Errorf("field %q: %w", k, err)
		}
		if !ok {
			continue
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
		b.WriteByte('&')
	}
	b.WriteString("key=")
	b.WriteString(key)
	return b.String(), nil
}

// signValue renders one JSON value for the sign string; ok is false for an
// empty value (dropped). It is not jsonfields.Value: an empty string is
// dropped here and kept in Fields, and a number is not re-validated — the
// sign covers the bytes as sent.
func signValue(raw json.RawMessage) (v string, ok bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, err
		}
		return s, s != "", nil
	case 'n':
		return "", false, nil
	case '{', '[':
		var c bytes.Buffer
		if err := json.Compact(&c, raw); err != nil {
			return "", false, err
		}
		return c.String(), true, nil
	default: // a number, true or false: its JSON text
		return string(raw), true, nil
	}
}

// Sign returns the sign of a business JSON's fields under signKey: the
// uppercase hex MD5 of signString (PROTOCOL decision). The simulator checks
// requests and signs answers with it, so both sides share one rule.
func Sign(fields map[string]json.RawMessage, signKey string) (string, error) {
	s, err := signString(fields, signKey)
	if err != nil {
		return "", err
	}
	sum := md5.Sum([]byte(s))
	return strings.ToUpper(hex.EncodeToString(sum[:])), nil
}

// SignMatches compares a received sign with the expected one in constant
// time. Hex case is not significant: a lowercase rendering of the right
// digest is the same digest.
func SignMatches(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.ToUpper(got)), []byte(want)) == 1
}

// AddSign sets m[SignField] to the sign over m's other fields, each rendered
// as MarshalJSON writes it: the sign then covers exactly the JSON sent.
func AddSign(m map[string]any, signKey string) error {
	fields := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		b, err := MarshalJSON(v)
		if err != nil {
			return fmt.Errorf("field %q: %w", k, err)
		}
		fields[k] = b
	}
	sign, err := Sign(fields, signKey)
	if err != nil {
		return err
	}
	m[SignField] = sign
	return nil
}

// MarshalJSON is json.Marshal without HTML escaping and without the
// trailing newline of json.Encoder. The JSON must say what the sender
// meant, byte for byte, since the other side signs what it parses: "<"
// escaped as \u003c inside a nested object would change its sign.
func MarshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
