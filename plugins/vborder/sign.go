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

// signField is the name of the signature field inside a business JSON.
const signField = "sign"

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
		if k != signField {
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
// empty value (dropped).
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

// computeSign returns the uppercase hex MD5 of signString (PROTOCOL decision).
func computeSign(fields map[string]json.RawMessage, key string) (string, error) {
	s, err := signString(fields, key)
	if err != nil {
		return "", err
	}
	sum := md5.Sum([]byte(s))
	return strings.ToUpper(hex.EncodeToString(sum[:])), nil
}

// signMatches compares a received sign with the expected one in constant
// time. Hex case is not significant: a lowercase rendering of the right
// digest is the same digest.
func signMatches(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.ToUpper(got)), []byte(want)) == 1
}

// rawFields turns a map of Go values into JSON values, the form signString
// reads. HTML characters are not escaped: the JSON must say what the sender
// meant, byte for byte, since the other side signs what it parses.
func rawFields(m map[string]any) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		b, err := marshalJSON(v)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", k, err)
		}
		out[k] = b
	}
	return out, nil
}

// marshalJSON is json.Marshal without HTML escaping and without the
// trailing newline of json.Encoder.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
