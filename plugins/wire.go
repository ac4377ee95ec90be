package plugins

import (
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
// queries share. Raw keeps the bytes as received. pairs sends Fields as
// field_pairs (protocol version 2) rather than as the map.
func resultToPB(id uint64, r recon.Reply, pairs bool) *pluginpb.QueryResponse {
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
	if pairs {
		m.Answer.FieldPairs = fieldPairs(a.Fields)
	} else {
		m.Answer.Fields = validFields(a.Fields)
	}
	return m
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

// fieldsFromPB reads either form of an answer's fields. Two invalid keys
// made valid alike keep one value, as with the map.
func fieldsFromPB(a *pluginpb.Answer) map[string]string {
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
	return recon.Reply{
		Outcome:    recon.Outcome(m.GetOutcome()),
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
			Fields:        fieldsFromPB(a),
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
