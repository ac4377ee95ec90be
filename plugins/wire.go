package plugins

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/internal/pluginpb"
)

// Conversions between the SDK's plain types and the wire messages.

func queryToPB(id uint64, q recon.Query, timeout time.Duration) *pluginpb.QueryRequest {
	return &pluginpb.QueryRequest{
		Id:              id,
		Kind:            pluginpb.Kind(q.Kind),
		OrderNo:         q.OrderNo,
		ProviderTradeNo: q.ProviderTradeNo,
		RefundNo:        q.RefundNo,
		TimeoutMs:       timeout.Milliseconds(),
		Attempt:         uint32(q.Attempt),
	}
}

func queryFromPB(m *pluginpb.QueryRequest) recon.Query {
	return recon.Query{
		Kind:            recon.Kind(m.GetKind()),
		OrderNo:         m.GetOrderNo(),
		ProviderTradeNo: m.GetProviderTradeNo(),
		RefundNo:        m.GetRefundNo(),
		Attempt:         int(m.GetAttempt()),
	}
}

// resultToPB makes every string valid UTF-8, as proto3 requires: a provider
// answer with one stray byte (in a nested JSON value kept as text) would
// otherwise fail to marshal and break the stream that all of the account's
// queries share. Raw keeps the bytes as received. Fields go in the form of
// the protocol version: the map (1), field_pairs (2) or fields_packed (3).
func resultToPB(id uint64, r recon.Reply, version int) *pluginpb.QueryResponse {
	a := r.Answer
	m := &pluginpb.QueryResponse{
		Id:           id,
		Outcome:      pluginpb.Outcome(r.Outcome),
		Error:        validUTF8(r.Err),
		RetryAfterMs: r.RetryAfter.Milliseconds(),
		HttpStatus:   int32(r.HTTPStatus),
		Raw:          r.Raw,
		Request:      validUTF8(r.Request),
		Verified:     r.Verified,
		Answer: &pluginpb.Answer{
			Status:           validUTF8(a.Status),
			SubStatus:        validUTF8(a.SubStatus),
			Currency:         validUTF8(a.Currency),
			Amount:           a.Amount,
			Received:         a.Received,
			Refunded:         a.Refunded,
			RefundAmount:     a.RefundAmount,
			OrderNo:          validUTF8(a.OrderNo),
			TradeNo:          validUTF8(a.TradeNo),
			RefundNo:         validUTF8(a.RefundNo),
			RefundTradeNo:    validUTF8(a.RefundTradeNo),
			PaidAtUnixMs:     unixMs(a.PaidAt),
			RefundedAtUnixMs: unixMs(a.RefundedAt),
		},
	}
	switch {
	case version >= protocolPacked:
		m.Answer.FieldsPacked = packFields(a.Fields)
	case version >= protocolBatches:
		m.Answer.FieldPairs = fieldPairs(a.Fields)
	default:
		m.Answer.Fields = validFields(a.Fields)
	}
	return m
}

// packFields is f as fields_packed: the count, then each key and value as
// a uvarint length and its bytes, made valid UTF-8.
func packFields(f map[string]string) []byte {
	if len(f) == 0 {
		return nil
	}
	n := binary.MaxVarintLen64
	for k, v := range f {
		n += len(k) + len(v) + 2*binary.MaxVarintLen64
	}
	b := make([]byte, 0, n)
	b = binary.AppendUvarint(b, uint64(len(f)))
	for k, v := range f {
		for _, s := range [2]string{validUTF8(k), validUTF8(v)} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	return b
}

// errPacked is a fields_packed that is not of its form: only a plugin not
// built with this SDK sends one.
var errPacked = errors.New("the plugin's reply has malformed fields_packed")

// unpackFields reads fields_packed. The strings are slices of one copy of
// p. Text that is not UTF-8 is made valid, as proto3 strings must be; two
// keys made valid alike keep one value, as with the map.
func unpackFields(p []byte) (map[string]string, error) {
	count, i := binary.Uvarint(p)
	if i <= 0 || count > uint64(len(p)) { // every field takes at least two bytes
		return nil, errPacked
	}
	all, valid := string(p), utf8.Valid(p)
	next := func() (string, bool) {
		n, w := binary.Uvarint(p[i:])
		if w <= 0 || n > uint64(len(p)-i-w) {
			return "", false
		}
		s := all[i+w : i+w+int(n)]
		i += w + int(n)
		if !valid {
			s = validUTF8(s)
		}
		return s, true
	}
	m := make(map[string]string, count)
	for range count {
		k, ok := next()
		if !ok {
			return nil, errPacked
		}
		v, ok := next()
		if !ok {
			return nil, errPacked
		}
		m[k] = v
	}
	if i != len(p) {
		return nil, errPacked
	}
	return m, nil
}

func fieldPairs(f map[string]string) []string {
	if len(f) == 0 {
		return nil
	}
	out := make([]string, 0, 2*len(f))
	for k, v := range f {
		out = append(out, validUTF8(k), validUTF8(v))
	}
	return out
}

// fieldsFromPB reads any form of an answer's fields. Two invalid keys
// made valid alike keep one value, as with the map.
func fieldsFromPB(a *pluginpb.Answer) (map[string]string, error) {
	if p := a.GetFieldsPacked(); len(p) > 0 {
		return unpackFields(p)
	}
	return pairsFromPB(a), nil
}

func pairsFromPB(a *pluginpb.Answer) map[string]string {
	p := a.GetFieldPairs()
	if len(p) < 2 {
		return a.GetFields()
	}
	m := make(map[string]string, len(p)/2)
	for i := 0; i+1 < len(p); i += 2 {
		m[p[i]] = p[i+1]
	}
	return m
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func validFields(m map[string]string) map[string]string {
	clean := true
	for k, v := range m {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			clean = false
			break
		}
	}
	if clean {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[validUTF8(k)] = validUTF8(v)
	}
	return out
}

func resultFromPB(m *pluginpb.QueryResponse) recon.Reply {
	a := m.GetAnswer()
	if a == nil {
		a = &pluginpb.Answer{} // a plugin not built with this SDK may send none: the fields below are read directly
	}
	fields, err := fieldsFromPB(a)
	if err != nil {
		return recon.Reply{Outcome: recon.OutcomePermanent, Err: err.Error(), HTTPStatus: int(m.GetHttpStatus()),
			Request: m.GetRequest()}
	}
	o := m.GetOutcome()
	if o < pluginpb.Outcome(recon.OutcomeFound) || o > pluginpb.Outcome(recon.OutcomePermanent) {
		// Not one of the protocol's: converted, 257 would read as FOUND.
		return recon.Reply{Outcome: recon.OutcomePermanent, HTTPStatus: int(m.GetHttpStatus()), Request: m.GetRequest(),
			Err: fmt.Sprintf("the plugin answered outcome %d, which the protocol does not have", int32(o))}
	}
	return recon.Reply{
		Outcome:    recon.Outcome(o),
		Err:        m.GetError(),
		RetryAfter: time.Duration(m.GetRetryAfterMs()) * time.Millisecond,
		HTTPStatus: int(m.GetHttpStatus()),
		Raw:        m.GetRaw(),
		Request:    m.GetRequest(),
		Verified:   m.GetVerified(),
		Answer: recon.Answer{
			Status:        a.GetStatus(),
			SubStatus:     a.GetSubStatus(),
			Currency:      a.GetCurrency(),
			Amount:        a.Amount,
			Received:      a.Received,
			Refunded:      a.Refunded,
			RefundAmount:  a.RefundAmount,
			OrderNo:       a.GetOrderNo(),
			TradeNo:       a.GetTradeNo(),
			RefundNo:      a.GetRefundNo(),
			RefundTradeNo: a.GetRefundTradeNo(),
			PaidAt:        fromUnixMs(a.GetPaidAtUnixMs()),
			RefundedAt:    fromUnixMs(a.GetRefundedAtUnixMs()),
			Fields:        fields,
		},
	}
}

func unixMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromUnixMs(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
