package paypro

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
)

// Query asks PayPro once for the pay-in result of q.OrderNo (PayPro's
// tradeNo) and hands the answer to parse (answer.go). Refund queries are
// answered OutcomeUnsupported without any network call: PayPro's pay-in API
// cannot confirm a refund.
func (p *Provider) Query(ctx context.Context, q recon.Query) recon.Reply {
	cfg := p.cfg.Load()
	switch {
	case q.Kind == recon.Refund:
		return recon.Reply{Outcome: recon.OutcomeUnsupported,
			Err: "paypro has no refund query: a refund cannot be confirmed at PayPro"}
	case q.Kind != recon.Payment:
		return recon.Reply{Outcome: recon.OutcomePermanent, Err: "paypro: unknown query kind " + q.Kind.String()}
	case cfg == nil:
		return recon.Reply{Outcome: recon.OutcomePermanent, Err: "paypro: query before Configure"}
	case q.OrderNo == "":
		return recon.Reply{Outcome: recon.OutcomePermanent, Err: "paypro: empty order number"}
	}

	body, err := requestBody(q.OrderNo, strconv.FormatInt(p.now().UnixMilli(), 10), cfg.secret)
	if err != nil {
		return recon.Reply{Outcome: recon.OutcomePermanent, Err: "paypro: encoding request: " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.url, bytes.NewReader(body))
	if err != nil {
		return recon.Reply{Outcome: recon.OutcomePermanent, Err: "paypro: building request: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("merchantNo", cfg.merchantNo)
	desc := req.Method + " " + req.URL.Path + " tradeNo=" + q.OrderNo

	return plugins.Do(ctx, p.client, req, desc, func(body []byte) recon.Reply { return cfg.parse(body) })
}

// requestBody is the signed query body. encoding/json writes struct fields in
// order, so the body reads like the provider page's example.
func requestBody(tradeNo, timestamp, secret string) ([]byte, error) {
	return json.Marshal(struct {
		TradeNo   string `json:"tradeNo"`
		Timestamp string `json:"timestamp"`
		Sign      string `json:"sign"`
	}{
		TradeNo:   tradeNo,
		Timestamp: timestamp,
		Sign:      Sign(map[string]string{"tradeNo": tradeNo, "timestamp": timestamp}, secret),
	})
}
