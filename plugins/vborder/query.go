package vborder

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
)

// Query asks vborder once for the state of q.OrderNo. Refund queries are
// answered OutcomeUnsupported without touching the network: the platform
// has no refund query.
func (p *Provider) Query(ctx context.Context, q recon.Query) recon.Reply {
	desc := "POST " + APIPath + " orderNo=" + q.OrderNo
	switch q.Kind {
	case recon.Payment:
	case recon.Refund:
		return recon.Reply{Outcome: recon.OutcomeUnsupported,
			Err: "vborder has no refund query: a refund cannot be confirmed through its API"}
	default:
		return recon.Reply{Outcome: recon.OutcomePermanent, Err: fmt.Sprintf("unknown query kind %d", q.Kind)}
	}
	cfg := p.cfg.Load()
	if cfg == nil {
		return recon.Reply{Outcome: recon.OutcomePermanent, Request: desc, Err: "vborder: Query before Configure"}
	}
	if q.OrderNo == "" {
		return recon.Reply{Outcome: recon.OutcomePermanent, Request: desc, Err: "empty order number"}
	}

	body, err := cfg.requestBody(q.OrderNo)
	if err != nil {
		return recon.Reply{Outcome: recon.OutcomePermanent, Request: desc, Err: "building request: " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.url, bytes.NewReader(body))
	if err != nil {
		return recon.Reply{Outcome: recon.OutcomePermanent, Request: desc, Err: "building request: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("Accept", "application/json")

	return plugins.Do(ctx, p.client, req, desc, func(body []byte) recon.Reply { return cfg.parseResponse(q.OrderNo, body) })
}

// requestBody builds {"customerNo":...,"reqmsg":...} for one order
// (PROTOCOL request steps 1-4).
func (c *config) requestBody(orderNo string) ([]byte, error) {
	biz := map[string]any{"orderNo": orderNo}
	if err := AddSign(biz, c.signKey); err != nil {
		return nil, err
	}
	plain, err := MarshalJSON(biz)
	if err != nil {
		return nil, err
	}
	ct, err := EncryptSegmented(c.platformPub, plain)
	if err != nil {
		return nil, err
	}
	return MarshalJSON(Envelope{CustomerNo: c.customerNo, Reqmsg: base64.StdEncoding.EncodeToString(ct)})
}
