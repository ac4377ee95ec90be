package upay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
)

// queryRequest is the JSON body of POST /upay/v2/query. Field order is fixed
// by the struct, so the same query always yields the same bytes (and the
// same signature, see testdata/sign_vectors.tsv).
type queryRequest struct {
	TerminalSN      string `json:"terminal_sn"`
	SN              string `json:"sn,omitempty"`
	ClientSN        string `json:"client_sn,omitempty"`
	RefundRequestNo string `json:"refund_request_no,omitempty"`
}

// newQueryRequest builds the body for q. The merchant's order number is
// always sent as client_sn; the provider's sn too when the ledger has it,
// because upay looks up sn first and falls back to client_sn.
func newQueryRequest(terminalSN string, q recon.Query) (queryRequest, error) {
	r := queryRequest{TerminalSN: terminalSN, SN: q.ProviderTradeNo, ClientSN: q.OrderNo}
	switch q.Kind {
	case recon.Payment:
	case recon.Refund:
		if q.RefundNo == "" {
			return r, fmt.Errorf("refund query for order %q without a refund number (refund_request_no)", q.OrderNo)
		}
		r.RefundRequestNo = q.RefundNo
	default:
		return r, fmt.Errorf("unknown query kind %v", q.Kind)
	}
	if r.SN == "" && r.ClientSN == "" {
		return r, fmt.Errorf("query without an order number: upay needs sn or client_sn")
	}
	return r, nil
}

// describe is the audit line of a request: the method, path and what was
// asked. It carries no signature and no key.
func (r queryRequest) describe() string {
	var b strings.Builder
	b.WriteString(http.MethodPost + " " + APIPath)
	for _, kv := range [][2]string{{"sn", r.SN}, {"client_sn", r.ClientSN}, {"refund_request_no", r.RefundRequestNo}} {
		if kv[1] != "" {
			b.WriteString(" " + kv[0] + "=" + kv[1])
		}
	}
	return b.String()
}

// Query asks upay once about an order or one of its refunds. It has no
// recover of its own: plugins.Serve already turns a panic into a permanent
// failure of the one query.
func (p *Provider) Query(ctx context.Context, q recon.Query) recon.Reply {
	cfg := p.cfg.Load()
	if cfg == nil {
		return recon.Reply{Outcome: recon.OutcomePermanent, Err: "upay: query before Configure"}
	}
	qr, err := newQueryRequest(cfg.terminalSN, q)
	if err != nil {
		return recon.Reply{Outcome: recon.OutcomePermanent, Err: "upay: " + err.Error(), Request: qr.describe()}
	}
	desc := qr.describe()
	body, err := json.Marshal(qr)
	if err != nil {
		return recon.Reply{Outcome: recon.OutcomePermanent, Err: "upay: encoding request: " + err.Error(), Request: desc}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.url, bytes.NewReader(body))
	if err != nil {
		return recon.Reply{Outcome: recon.OutcomePermanent, Err: "upay: building request: " + err.Error(), Request: desc}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", authorization(cfg.terminalSN, Sign(body, cfg.terminalKey)))

	return plugins.Do(ctx, p.client, req, desc, func(body []byte) recon.Reply { return interpret(q.Kind, body, cfg) })
}
