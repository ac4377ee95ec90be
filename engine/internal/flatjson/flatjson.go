// Package flatjson reads the one-object lines of a JSON Lines ledger or
// statement: flat, every value a string, a number kept as written (never a
// float) or null, no key twice (which of two values would be meant?).
package flatjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Decode reads one flat JSON object whose values are strings, numbers
// or null (absent). Numbers keep their exact text: an amount of 12.30 stays
// "12.30", never a float.
func Decode(b []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("is not JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("is not a JSON object: it holds %s", kindOf(tok))
	}
	out := map[string]string{}
	for dec.More() {
		tok, err = dec.Token()
		if err != nil {
			return nil, fmt.Errorf("is not valid JSON: %v", err)
		}
		k, _ := tok.(string) // the decoder allows nothing else here
		if tok, err = dec.Token(); err != nil {
			return nil, fmt.Errorf("is not valid JSON: %v", err)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("has the key %q twice", k)
		}
		switch v := tok.(type) {
		case string:
			out[k] = strings.TrimSpace(v)
		case json.Number:
			out[k] = v.String()
		case nil:
			out[k] = ""
		default:
			return nil, fmt.Errorf("key %q holds %s, want a string or a number", k, kindOf(tok))
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fmt.Errorf("is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("has more after the JSON object (one object per line)")
	}
	return out, nil
}

// kindOf names what a JSON token starts, for errors.
func kindOf(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		return "an object"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	}
	return fmt.Sprintf("%T", tok)
}
