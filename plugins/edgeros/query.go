package edgeros

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/helper/endpoint"
)

// The API, relative to the account's endpoint. The paths and the headers are
// exported for the simulator (package sim), which plays the platform's side
// of the same protocol.
const (
	TradePath  = "/pay/v1/transactions/trade"
	RefundPath = "/pay/v1/transactions/refund"

	sdkVersion = "2.0.0" // aco_pay_sdk: sent, not signed
	apiVersion = "1.0"   // version: sent, not signed
)

// The request headers.
const (
	HeaderMchNo    = "x-acopay-mch-no"
	HeaderNonce    = "x-acopay-nonce"
	HeaderSignType = "x-acopay-sign-type"
	HeaderSign     = "x-acopay-sign"
)

// param is one query parameter; signed says whether the request signature
// covers it.
type param struct {
	key, value string
	signed     bool
}

// call is one query request, before its nonce and signature.
type call struct {
	path   string
	params []param // in the order they are sent
}

// buildCall turns q into a request. The trade query sends mch_trade_no and,
// when the ledger has it, transaction_no (the platform prefers
// transaction_no); the refund query sends mch_refund_no, which the
// ledger's refund_no is.
func buildCall(q recon.Query) (call, error) {
	switch q.Kind {
	case recon.Payment:
		if q.OrderNo == "" && q.ProviderTradeNo == "" {
			return call{}, errors.New("a trade query needs mch_trade_no or transaction_no")
		}
		c := call{path: TradePath}
		if q.OrderNo != "" {
			c.params = append(c.params, param{"mch_trade_no", q.OrderNo, true})
		}
		if q.ProviderTradeNo != "" {
			c.params = append(c.params, param{"transaction_no", q.ProviderTradeNo, true})
		}
		c.params = append(c.params, param{"aco_pay_sdk", sdkVersion, false}, param{"version", apiVersion, false})
		return c, nil
	case recon.Refund:
		if q.RefundNo == "" {
			return call{}, errors.New("a refund query needs the refund's refund_no (mch_refund_no)")
		}
		// The platform's SDK sends only the refund numbers here.
		return call{path: RefundPath, params: []param{{"mch_refund_no", q.RefundNo, true}}}, nil
	}
	return call{}, fmt.Errorf("unknown query kind %v", q.Kind)
}

// rawQuery encodes the parameters in their order.
func (c call) rawQuery() string {
	parts := make([]string, len(c.params))
	for i, p := range c.params {
		parts[i] = url.QueryEscape(p.key) + "=" + url.QueryEscape(p.value)
	}
	return strings.Join(parts, "&")
}

// describe is the request as kept for audit: method, API path and the
// order's numbers, nothing signed or secret.
func (c call) describe() string {
	var b strings.Builder
	b.WriteString(http.MethodGet + " " + c.path)
	for _, p := range c.params {
		if p.signed {
			b.WriteString(" " + p.key + "=" + p.value)
		}
	}
	return b.String()
}

// signedFields are what the request signature covers.
func (p *Provider) signedFields(c call, nonce string) map[string]string {
	f := map[string]string{"mch_no": p.mchNo, "nonce": nonce, "sign_type": SignType}
	for _, pr := range c.params {
		if pr.signed {
			f[pr.key] = pr.value
		}
	}
	return f
}

// Query asks the platform about one order or refund, once.
func (p *Provider) Query(ctx context.Context, q recon.Query) recon.Reply {
	if p.key == nil || p.platform == nil {
		return recon.Reply{Outcome: recon.OutcomePermanent, Err: "edgeros: not configured"}
	}
	c, err := buildCall(q)
	if err != nil {
		return recon.Reply{Outcome: recon.OutcomePermanent, Err: "edgeros: " + err.Error()}
	}
	desc := c.describe()
	fail := func(o recon.Outcome, err error) recon.Reply {
		return recon.Reply{Outcome: o, Err: "edgeros: " + err.Error(), Request: desc}
	}
	nonce, err := p.nonce()
	if err != nil {
		return fail(recon.OutcomeTransient, err)
	}
	sig, err := Sign(p.key, SigningString(p.signedFields(c, nonce)))
	if err != nil {
		return fail(recon.OutcomePermanent, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint.Join(p.base, c.path)+"?"+c.rawQuery(), nil)
	if err != nil {
		return fail(recon.OutcomePermanent, fmt.Errorf("building request: %w", err))
	}
	req.Header.Set(HeaderMchNo, p.mchNo)
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderSignType, SignType)
	req.Header.Set(HeaderSign, sig)
	req.Header.Set("Accept", "application/json")

	parsed := false // whether the body reached interpret, whose errors say "edgeros: "
	res := plugins.Do(ctx, p.client, req, desc, func(body []byte) recon.Reply {
		parsed = true
		return p.interpret(q, nonce, body)
	})
	if !parsed {
		res.Err = "edgeros: " + res.Err
	}
	// PROTOCOL: the platform answers HTTP 200 whenever it answered; any other
	// HTTP status is transient (Exchange calls a 4xx permanent, and hands
	// any 2xx body to interpret: a 201's is no answer, however genuine).
	if res.HTTPStatus != 0 && res.HTTPStatus != http.StatusOK {
		if parsed {
			res = recon.Reply{HTTPStatus: res.HTTPStatus, Raw: res.Raw, Request: desc,
				Err: fmt.Sprintf("edgeros: HTTP %d: the platform answers 200", res.HTTPStatus)}
		}
		res.Outcome = recon.OutcomeTransient
	}
	return res
}
