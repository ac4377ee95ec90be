package paypro

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// decodeObject reads a JSON object into its members, kept raw so that no
// value (an amount, a millisecond timestamp) ever passes through float64.
func decodeObject(b []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	return m, nil
}

// flat renders one JSON value as the flat string recon's rules see: a string
// as its text, a number or boolean as its literal (so 1729325978798 and
// "1729325978798" read the same, and 50000.00 keeps its digits), an object
// or array as compact JSON. ok is false for null or a missing value.
func flat(v json.RawMessage) (s string, ok bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return "", false
	}
	switch v[0] {
	case '"':
		if err := json.Unmarshal(v, &s); err != nil {
			return "", false
		}
		return s, true
	case '{', '[':
		var b bytes.Buffer
		if err := json.Compact(&b, v); err != nil {
			return "", false
		}
		return b.String(), true
	}
	return string(v), true
}

// flatAll flattens every non-null member of an object.
func flatAll(m map[string]json.RawMessage) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := flat(v); ok {
			out[k] = s
		}
	}
	return out
}
