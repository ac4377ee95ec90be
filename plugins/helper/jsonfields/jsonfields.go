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
		if s, ok := plainString(raw); ok {
			return s, true
		}
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
	FlattenInto(out, obj)
	return out
}

// FlattenInto is Flatten into dst: each flattened member is set there, over
// any value of the same name, without a map of its own to copy from.
func FlattenInto(dst map[string]string, obj map[string]json.RawMessage) {
	for k, raw := range obj {
		if s, ok := Value(raw); ok {
			if !utf8.ValidString(k) {
				k = validUTF8([]byte(k))
			}
			dst[k] = s
		}
	}
}

// Object decodes b, which must be exactly one JSON object, into its
// members, each kept as raw JSON so that no number passes through float64.
// A member name that appears twice is an error.
func Object(b []byte) (map[string]json.RawMessage, error) {
	if m, ok := scanObject(b); ok {
		return m, nil
	}
	return decodeObject(b) // for its errors, which name what is wrong
}

// plainString is the text of a JSON string literal without escapes, which
// is its bytes; ok is false for any other (escaped, not UTF-8, not one
// string), left to encoding/json.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	in := raw[1 : len(raw)-1]
	for _, c := range in {
		if c == '"' || c == '\\' || c < 0x20 {
			return "", false
		}
	}
	if !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// scanObject is Object for input that is valid JSON, without the
// reflection and per-token allocations of json.Decoder (a provider's
// answer is read once per query, and this was a third of a query's CPU).
// ok is false when b is not a valid object or has a duplicate member:
// decodeObject then says why. Values are the exact bytes of each member's
// value, as json.RawMessage decoding gives them, copied out of b.
func scanObject(b []byte) (map[string]json.RawMessage, bool) {
	if !json.Valid(b) {
		return nil, false
	}
	return Members(bytes.Clone(b))
}

// Members is Object for a value of a JSON text already known to be valid
// as a whole — one that json.Valid, json.Unmarshal or Object accepted, or
// a value of Object's or Members' result — without checking it again
// (checking was a third of the scan) and without copying it: the values
// share raw's bytes. ok is false when raw is not an object or names a
// member twice; Object(raw) then says why. On bytes that are not valid
// JSON the result is unspecified, but Members never panics.
func Members(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	b := trimSpace(raw)
	if len(b) < 2 || b[0] != '{' {
		return nil, false
	}
	m := make(map[string]json.RawMessage, 16)
	i := skipSpace(b, 1)
	if i < len(b) && b[i] == '}' {
		return m, true
	}
	for i < len(b) {
		// b is valid JSON: a member name, a colon, a value, then , or }.
		end := skipValue(b, i)
		key, ok := plainString(b[i:end])
		if !ok {
			if json.Unmarshal(b[i:end], &key) != nil {
				return nil, false
			}
		}
		i = skipSpace(b, skipSpace(b, end)+1) // past the colon
		if i >= len(b) {
			return nil, false
		}
		end = skipValue(b, i)
		if _, dup := m[key]; dup {
			return nil, false
		}
		m[key] = b[i:end:end]
		i = skipSpace(b, end)
		if i < len(b) && b[i] == '}' {
			return m, true
		}
		i = skipSpace(b, i+1) // past the comma
	}
	return nil, false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the valid JSON value that starts at i.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// skipString returns the end of the string literal that starts at i.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b) // also past a backslash that ends b, which only invalid JSON has
}

func decodeObject(b []byte) (map[string]json.RawMessage, error) {
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
