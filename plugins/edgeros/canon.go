package edgeros

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// canonicalJSON serializes v compactly with object keys sorted (bytewise, at
// every depth: encoding/json sorts map keys) and HTML escaping OFF, as the
// platform's Gson (disableHtmlEscaping) does. json.Number values are written
// as their literal text, so numbers decoded with UseNumber come back exactly
// as received.
func canonicalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// signingString is what a request's x-acopay-sign covers: the query fields
// plus mch_no, nonce and sign_type as one JSON object, empty values dropped,
// keys sorted, compact, no HTML escaping. The caller leaves aco_pay_sdk and
// version out: they are sent but not signed.
func signingString(fields map[string]string) []byte {
	m := make(map[string]string, len(fields))
	for k, v := range fields {
		if k != "" && v != "" {
			m[k] = v
		}
	}
	b, err := canonicalJSON(m)
	if err != nil {
		panic("edgeros: marshal map[string]string: " + err.Error()) // cannot happen
	}
	return b
}

// envelope is a decoded answer: {"status":..,"message":..,"fieldErrors":..,"data":{..}}.
type envelope struct {
	members map[string]any // every top-level member, numbers as json.Number
	data    map[string]any // the data object; nil when absent, null or not an object

	status      int64
	message     string
	fieldErrors string // compact JSON when not a string; "" when null or absent

	// signed is true when data carries a non-empty sign; sign is its text
	// ("" when it is not a string, which then fails verification).
	signed bool
	sign   string
}

var errMalformed = errors.New("malformed answer")

// parseEnvelope decodes body. Only a body that is not one JSON object, or
// whose status is not an integer, is malformed: everything else is judged
// later (a 200 without data.sign is unverifiable, not malformed).
func parseEnvelope(body []byte) (*envelope, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if top == nil {
		return nil, fmt.Errorf("%w: not a JSON object", errMalformed)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the JSON object", errMalformed)
	}
	e := &envelope{members: top}
	n, ok := top["status"].(json.Number)
	if !ok {
		return nil, fmt.Errorf("%w: status missing or not a number", errMalformed)
	}
	st, err := n.Int64()
	if err != nil {
		return nil, fmt.Errorf("%w: status %q is not an integer", errMalformed, n.String())
	}
	e.status = st
	e.message = flat(top["message"])
	e.fieldErrors = flat(top["fieldErrors"])
	if d, ok := top["data"].(map[string]any); ok {
		e.data = d
		switch s := d["sign"].(type) {
		case nil:
		case string:
			e.sign, e.signed = s, s != ""
		default:
			e.signed = true
		}
	}
	return e, nil
}

// verificationString is what the platform's data.sign covers (PROTOCOL):
// the envelope without null members, sign taken out of data and data's null
// members dropped, keys sorted, compact, no HTML escaping.
//
// PROTOCOL: it names the keys "of data and of the envelope". Objects nested
// deeper (the page has none: every data field is a string) are sorted too, as
// any map-based serializer (Go's encoding/json, Python's sort_keys) does; null
// members are dropped at the two named levels only.
func (e *envelope) verificationString() ([]byte, error) {
	out := make(map[string]any, len(e.members))
	for k, v := range e.members {
		if v != nil {
			out[k] = v
		}
	}
	if e.data != nil {
		d := make(map[string]any, len(e.data))
		for k, v := range e.data {
			if v != nil && k != "sign" {
				d[k] = v
			}
		}
		out["data"] = d
	}
	return canonicalJSON(out)
}

// flat renders a JSON value as a flat string: strings as they are, numbers
// as their literal text, null as "", anything else as compact canonical JSON.
func flat(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	}
	b, err := canonicalJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
