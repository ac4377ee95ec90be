package edgeros

import (
	"bytes"
	"encoding/json"
)

// CanonicalJSON serializes v compactly with object keys sorted (bytewise, at
// every depth: encoding/json sorts map keys) and HTML escaping OFF, as the
// platform's Gson (disableHtmlEscaping) does. json.Number values are written
// as their literal text, so numbers decoded with UseNumber come back exactly
// as received. The simulator signs its answers over this form.
func CanonicalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// SigningString is what a request's x-acopay-sign covers: the query fields
// plus mch_no, nonce and sign_type as one JSON object, empty values dropped,
// keys sorted, compact, no HTML escaping. The caller leaves aco_pay_sdk and
// version out: they are sent but not signed.
func SigningString(fields map[string]string) []byte {
	m := make(map[string]string, len(fields))
	for k, v := range fields {
		if k != "" && v != "" {
			m[k] = v
		}
	}
	b, err := CanonicalJSON(m)
	if err != nil {
		panic("edgeros: marshal map[string]string: " + err.Error()) // cannot happen
	}
	return b
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
	out, err := decodeMembers(e.members, "")
	if err != nil {
		return nil, err
	}
	if e.data != nil {
		d, err := decodeMembers(e.data, "sign")
		if err != nil {
			return nil, err
		}
		out["data"] = d
	}
	return CanonicalJSON(out)
}

// decodeMembers decodes the members of an object but the null ones and
// skip, numbers as json.Number so that they are re-emitted as received.
func decodeMembers(m map[string]json.RawMessage, skip string) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, raw := range m {
		if k == skip {
			continue
		}
		v, err := decodeValue(raw)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out[k] = v
		}
	}
	return out, nil
}

// decodeValue decodes one JSON value, numbers as json.Number.
func decodeValue(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
