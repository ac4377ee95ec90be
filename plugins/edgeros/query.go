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
)

// The API, relative to the account's endpoint.
const (
	tradePath  = "/pay/v1/transactions/trade"
	refundPath = "/pay/v1/transactions/refund"

	sdkVersion = "2.0.0" // aco_pay_sdk: sent, not signed
	apiVersion = "1.0"   // version: sent, not signed
)

// The request headers.
const (
	hdrMchNo    = "x-acopay-mch-no"
	hdrNonce    = "x-acopay-nonce"
	hdrSignType = "x-acopay-sign-type"
	hdrSign     = "x-acopay-sign"
)

// The platform's envelope status codes this client knows.
const (
	statusOK             = 200
	statusOrderNotExist  = 1007 // ORDER_NOT_EXIST
	statusRefundNotExist = 1008 // REFUND_NOT_EXIST (PROTOCOL: decision)
	messageSuccess       = "SUCCESS"
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
		c := call{path: tradePath}
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
		return call{path: refundPath, params: []param{{"mch_refund_no", q.RefundNo, true}}}, nil
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
	f := map[string]string{"mch_no": p.mchNo, "nonce": nonce, "sign_type": signType}
	for _, pr := range c.params {
		if pr.signed {
			f[pr.key] = pr.value
		}
	}
	return f
}

// Query asks the platform about one order or refund, once.
func (p *Provider) Query(ctx context.Context, q recon.Query) (res recon.Reply) {
	defer func() {
		if r := recover(); r != nil {
			res = recon.Reply{Outcome: recon.OutcomePermanent, Err: fmt.Sprintf("edgeros: internal error: %v", r)}
		}
	}()
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
	sig, err := sign(p.key, signingString(p.signedFields(c, nonce)))
	if err != nil {
		return fail(recon.OutcomePermanent, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.endpoint+c.path+"?"+c.rawQuery(), nil)
	if err != nil {
		return fail(recon.OutcomePermanent, fmt.Errorf("building request: %w", err))
	}
	req.Header.Set(hdrMchNo, p.mchNo)
	req.Header.Set(hdrNonce, nonce)
	req.Header.Set(hdrSignType, signType)
	req.Header.Set(hdrSign, sig)
	req.Header.Set("Accept", "application/json")

	status, body, xfail := plugins.Exchange(ctx, p.client, req)
	if xfail != nil {
		r := *xfail
		r.Request = desc
		r.Err = "edgeros: " + r.Err
		// PROTOCOL: the platform answers HTTP 200 whenever it answered;
		// any other HTTP status is transient (Exchange would call a 4xx
		// permanent).
		if r.HTTPStatus != 0 && r.HTTPStatus != http.StatusOK {
			r.Outcome = recon.OutcomeTransient
		}
		return r
	}
	if status != http.StatusOK {
		return recon.Reply{Outcome: recon.OutcomeTransient, HTTPStatus: status, Raw: body, Request: desc,
			Err: fmt.Sprintf("edgeros: HTTP %d: the platform answers 200", status)}
	}
	res = p.interpret(q, nonce, body)
	res.HTTPStatus, res.Request = status, desc
	return res
}

// interpret judges an HTTP 200 body: verification first, then the
// envelope status, then the answer.
func (p *Provider) interpret(q recon.Query, nonce string, body []byte) recon.Reply {
	res := recon.Reply{Raw: body}
	env, err := parseEnvelope(body)
	if err != nil {
		res.Outcome, res.Err = recon.OutcomeTransient, "edgeros: "+err.Error()
		return res
	}
	// PROTOCOL: verify every answer that carries data.sign, and every
	// status 200 answer (one without a valid sign is rejected).
	if env.status == statusOK || env.signed {
		if err := p.check(env, nonce); err != nil {
			res.Outcome, res.Err = recon.OutcomeUnverifiable, "edgeros: "+err.Error()
			return res
		}
		res.Verified = true
	}
	res.Answer.Fields = answerFields(env)
	switch {
	case env.status == statusOK && env.message == messageSuccess:
		a, err := p.answer(q, env)
		if err != nil {
			res.Outcome, res.Err = recon.OutcomePermanent, "edgeros: "+err.Error()
			return res
		}
		res.Outcome, res.Answer = recon.OutcomeFound, a
	case env.status == statusOrderNotExist,
		env.status == statusRefundNotExist && q.Kind == recon.Refund:
		// PROTOCOL: 1007 on a refund query means the refund's order is
		// unknown, so the refund is too. 1008 on a trade query is no
		// answer to it and falls through to PERMANENT.
		res.Outcome, res.Err = recon.OutcomeNotFound, "edgeros: "+env.describe()
	case env.status == http.StatusTooManyRequests || env.status >= 500 && env.status <= 599:
		// PROTOCOL: decision. The error-code table is not public; an
		// envelope status in the HTTP 5xx range (or 429) is the platform
		// failing or throttling, worth a retry.
		res.Outcome, res.Err = recon.OutcomeTransient, "edgeros: "+env.describe()
	default:
		// PROTOCOL: decision. Every other status is the platform refusing
		// the call (parameters, merchant, signature): retrying the same
		// request cannot help. This includes 200 with a message other
		// than SUCCESS.
		res.Outcome, res.Err = recon.OutcomePermanent, "edgeros: "+env.describe()
	}
	return res
}

// check verifies a signed answer: sign_type, the signature over the
// verification string with the platform key, and the nonce echo.
func (p *Provider) check(env *envelope, nonce string) error {
	if env.data == nil || !env.signed {
		return fmt.Errorf("status %d answer without data.sign", env.status)
	}
	if st := flat(env.data["sign_type"]); st != signType {
		return fmt.Errorf("data.sign_type %.40q is not %s", st, signType)
	}
	msg, err := env.verificationString()
	if err != nil {
		return fmt.Errorf("building the verification string: %w", err)
	}
	if err := verify(p.platform, msg, env.sign); err != nil {
		return fmt.Errorf("platform signature: %w", err)
	}
	// PROTOCOL: "the response nonce echoes the request's". A signed answer
	// with another nonce is authentic but not an answer to this request:
	// a replay, so not trusted.
	if got := flat(env.data["nonce"]); got != nonce {
		return fmt.Errorf("data.nonce %.40q does not echo the request's nonce (replayed answer?)", got)
	}
	return nil
}

// describe renders the envelope's status for an error message.
func (e *envelope) describe() string {
	s := fmt.Sprintf("platform status %d %s", e.status, e.message)
	if e.fieldErrors != "" {
		s += ": " + e.fieldErrors
	}
	return s
}
