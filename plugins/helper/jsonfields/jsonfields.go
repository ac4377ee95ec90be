package jsonfields

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Value flattens one JSON value. ok is false for null, for an empty raw
// (an absent member) and for text that is not exactly one JSON value.
func Value(raw json.RawMessage) (s string, ok bool) {
	raw = trimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch raw[0] {
	case 'n':
		return "", false // null, or not JSON: either way nothing to say
	case '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	case '{', '[':
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return "", false
		}
		return validUTF8(b.Bytes()), true
	case 't', 'f':
		if string(raw) == "true" || string(raw) == "false" {
			return string(raw), true
		}
		return "", false
	}
	// A number: kept as text, but only if it is one (json.Valid also
	// refuses "1 2" and "01").
	if (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) && json.Valid(raw) {
		return string(raw), true
	}
	return "", false
}

// Flatten flattens every member of an object, leaving out the null ones
// (and any whose raw text is not one JSON value, which only a hand-built
// map can hold). The result is never nil, so callers can add to it.
func Flatten(obj map[string]json.RawMessage) map[string]string {
	out := make(map[string]string, len(obj))
	for k, raw := range obj {
		if s, ok := Value(raw); ok {
			out[validUTF8([]byte(k))] = s
		}
	}
	return out
}

// Object decodes b, which must be exactly one JSON object, into its
// members, each kept as raw JSON so that no number passes through float64.
// A member name that appears twice is an error.
func Object(b []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", plain(err))
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	m := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("malformed JSON object: %w", plain(err))
		}
		key := tok.(string) // inside an object, the decoder yields only names here
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("malformed JSON object: member %.40q: %w", key, plain(err))
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("member %.40q appears twice", key)
		}
		m[key] = raw
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("malformed JSON object: %w", plain(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON object")
	}
	return m, nil
}

// FromObject is Flatten(Object(b)).
func FromObject(b []byte) (map[string]string, error) {
	m, err := Object(b)
	if err != nil {
		return nil, err
	}
	return Flatten(m), nil
}

// plain turns an unexpected end of input into a sentence; other decoder
// errors already are one.
func plain(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("unexpected end of input")
	}
	return err
}

// trimSpace trims JSON's four whitespace characters only: bytes.TrimSpace
// would also accept a value wrapped in \v or U+0085, which is not JSON.
func trimSpace(b []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// validUTF8 replaces each invalid byte with U+FFFD, as encoding/json does
// when it decodes a string (strings.ToValidUTF8 would merge a run of them
// into one, and the two halves of Fields would disagree).
func validUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return string(out)
}
