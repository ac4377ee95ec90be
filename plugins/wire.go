package plugins

import (
	"time"

	"github.com/reconhq/recon/plugins/internal/pluginpb"
)

// Conversions between the SDK's plain types and the wire messages.

func queryToPB(id uint64, q Query, timeout time.Duration) *pluginpb.QueryRequest {
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

func queryFromPB(m *pluginpb.QueryRequest) Query {
	return Query{
		Kind:            Kind(m.GetKind()),
		OrderNo:         m.GetOrderNo(),
		ProviderTradeNo: m.GetProviderTradeNo(),
		RefundNo:        m.GetRefundNo(),
		Attempt:         int(m.GetAttempt()),
	}
}

func resultToPB(id uint64, r Result) *pluginpb.QueryResponse {
	a := r.Answer
	return &pluginpb.QueryResponse{
		Id:           id,
		Outcome:      pluginpb.Outcome(r.Outcome),
		Error:        r.Err,
		RetryAfterMs: r.RetryAfter.Milliseconds(),
		HttpStatus:   int32(r.HTTPStatus),
		Raw:          r.Raw,
		Request:      r.Request,
		Verified:     r.Verified,
		Answer: &pluginpb.Answer{
			Status:           a.Status,
			SubStatus:        a.SubStatus,
			Currency:         a.Currency,
			Amount:           a.Amount,
			Received:         a.Received,
			Refunded:         a.Refunded,
			RefundAmount:     a.RefundAmount,
			TradeNo:          a.TradeNo,
			RefundTradeNo:    a.RefundTradeNo,
			PaidAtUnixMs:     unixMs(a.PaidAt),
			RefundedAtUnixMs: unixMs(a.RefundedAt),
			Fields:           a.Fields,
		},
	}
}

func resultFromPB(m *pluginpb.QueryResponse) Result {
	a := m.GetAnswer()
	return Result{
		Outcome:    Outcome(m.GetOutcome()),
		Err:        m.GetError(),
		RetryAfter: time.Duration(m.GetRetryAfterMs()) * time.Millisecond,
		HTTPStatus: int(m.GetHttpStatus()),
		Raw:        m.GetRaw(),
		Request:    m.GetRequest(),
		Verified:   m.GetVerified(),
		Answer: Answer{
			Status:        a.GetStatus(),
			SubStatus:     a.GetSubStatus(),
			Currency:      a.GetCurrency(),
			Amount:        a.Amount,
			Received:      a.Received,
			Refunded:      a.Refunded,
			RefundAmount:  a.RefundAmount,
			TradeNo:       a.GetTradeNo(),
			RefundTradeNo: a.GetRefundTradeNo(),
			PaidAt:        fromUnixMs(a.GetPaidAtUnixMs()),
			RefundedAt:    fromUnixMs(a.GetRefundedAtUnixMs()),
			Fields:        a.GetFields(),
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
