package edgeros

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/helper/jsonfields"
	"github.com/reconhq/recon/plugins/money"
)

// The platform's envelope status codes and message this client knows
// (exported for the simulator, which answers with them).
const (
	StatusOK             = 200
	StatusOrderNotExist  = 1007 // ORDER_NOT_EXIST
	StatusRefundNotExist = 1008 // REFUND_NOT_EXIST (PROTOCOL: decision)
	MessageSuccess       = "SUCCESS"
)

// envelope is a decoded answer: {"status":..,"message":..,"fieldErrors":..,"data":{..}}.
// Members are kept as sent: the verification string re-emits their numbers
// exactly, and Fields flatten them as the shared jsonfields rule says.
type envelope struct {
	members map[string]json.RawMessage // every top-level member
	data    map[string]json.RawMessage // the data object; nil when absent, null or not an object

	status      int64
	message     string
	fieldErrors string // compact JSON when not a string; "" when null or absent

	// signed is true when data carries a non-empty sign; sign is its text
	// ("" when it is not a string, which then fails verification).
	signed bool
	sign   string
}

var errMalformed = errors.New("malformed answer")

// parseEnvelope decodes body. Only a body that is not one JSON object, that
// names a member twice (in the envelope or in data), or whose status is not
// an integer, is malformed: everything else is judged later (a 200 without
// data.sign is unverifiable, not malformed). A repeated member is read
// differently by every parser (encoding/json keeps the last): the signature
// could cover one and a person reading Raw see the other.
func parseEnvelope(body []byte) (*envelope, error) {
	top, err := jsonfields.Object(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	e := &envelope{members: top}
	st, _ := decodeValue(top["status"])
	n, ok := st.(json.Number)
	if !ok {
		return nil, fmt.Errorf("%w: status missing or not a number", errMalformed)
	}
	status, err := n.Int64()
	if err != nil {
		return nil, fmt.Errorf("%w: status %q is not an integer", errMalformed, n.String())
	}
	e.status = status
	e.message, _ = jsonfields.Value(top["message"])
	e.fieldErrors, _ = jsonfields.Value(top["fieldErrors"])
	// data is a value of a valid object, so Members needs no second check;
	// on an object it fails only for a repeated member.
	if raw := top["data"]; isObject(raw) {
		data, ok := jsonfields.Members(raw)
		if !ok {
			_, err := jsonfields.Object(raw) // for its reason
			return nil, fmt.Errorf("%w: data: %v", errMalformed, err)
		}
		e.data = data
		sign, _ := decodeValue(data["sign"])
		switch s := sign.(type) {
		case nil:
		case string:
			e.sign, e.signed = s, s != ""
		default:
			e.signed = true
		}
	}
	return e, nil
}

// isObject reports whether raw, a valid JSON value, is an object.
func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	return len(raw) > 0 && raw[0] == '{'
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
	if env.status == StatusOK || env.signed {
		if err := p.check(env, nonce); err != nil {
			res.Outcome, res.Err = recon.OutcomeUnverifiable, "edgeros: "+err.Error()
			return res
		}
		res.Verified = true
	}
	res.Answer.Fields = answerFields(env)
	if err := p.sameMerchant(env, res.Answer.Fields); err != nil {
		// Authentic, but another merchant's answer: kept for audit with the
		// identity it states, never with its state.
		res.Answer = identity(q.Kind, res.Answer.Fields)
		res.Distrust(fmt.Errorf("edgeros: %w", err))
		return res
	}
	switch {
	case env.status == StatusOK && env.message == MessageSuccess:
		id := identity(q.Kind, res.Answer.Fields)
		if err := sameIdentity(q, id); err != nil {
			// An authentic answer about another order or refund: kept for
			// audit with the identity it states, never with its state.
			res.Answer = id
			res.Distrust(fmt.Errorf("edgeros: %w", err))
			return res
		}
		a, err := p.answer(q.Kind, id, env.data)
		if err != nil {
			res.Outcome, res.Err = recon.OutcomePermanent, "edgeros: "+err.Error()
			return res
		}
		res.Outcome, res.Answer = recon.OutcomeFound, a
	case env.status == StatusOrderNotExist,
		env.status == StatusRefundNotExist && q.Kind == recon.Refund:
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

// describe renders the envelope's status for an error message.
func (e *envelope) describe() string {
	s := fmt.Sprintf("platform status %d %s", e.status, plugins.Clip(e.message))
	if e.fieldErrors != "" {
		s += ": " + plugins.Clip(e.fieldErrors)
	}
	return s
}

// sameMerchant fails when a status 200 answer names another merchant than
// the account's. PROTOCOL lists data.mch_no among a 200 answer's fields; a
// signature proves who wrote an answer, not for whom, so an answer for
// another merchant of the same platform is not this account's, however
// well it is signed (UNVERIFIABLE, as for another order). Absent (or null)
// is nothing to compare. A refusal is not checked: the page's 1007 example
// carries another mch_no (MCH1000000) than its success example.
func (p *Provider) sameMerchant(env *envelope, fields map[string]string) error {
	if env.status != StatusOK {
		return nil
	}
	if got, ok := fields["mch_no"]; ok && got != p.mchNo {
		return fmt.Errorf("answer is for merchant mch_no %.64q, not this account's %.64q", got, p.mchNo)
	}
	return nil
}

// identity is the order (and refund) a SUCCESS answer says it is about,
// read from the answer alone: the host's Query.Check compares it with the
// query, which it could not do if a number were filled in from the query.
// A number the answer lacks stays empty; the host refuses an answer without
// mch_trade_no (or, for a refund, mch_refund_no).
// A trade answer states no refund, whatever members it carries.
func identity(kind recon.Kind, fields map[string]string) recon.Answer {
	a := recon.Answer{
		OrderNo: fields["mch_trade_no"],
		TradeNo: fields["transaction_no"],
		Fields:  fields,
	}
	if kind == recon.Refund {
		a.RefundNo, a.RefundTradeNo = fields["mch_refund_no"], fields["refund_no"]
	}
	return a
}

// sameIdentity fails when the answer names another order or refund than
// the one asked about. The platform prefers transaction_no, so a ledger's
// provider_trade_no of another order fetches that order's answer; without
// this check its state would pass as the row's. Either side empty is
// nothing to compare here: the host's check refuses an answer that does not
// say.
func sameIdentity(q recon.Query, a recon.Answer) error {
	if err := sameID("mch_trade_no", q.OrderNo, a.OrderNo); err != nil {
		return err
	}
	if err := sameID("transaction_no", q.ProviderTradeNo, a.TradeNo); err != nil {
		return err
	}
	if q.Kind == recon.Refund {
		return sameID("mch_refund_no", q.RefundNo, a.RefundNo)
	}
	return nil
}

// sameID names both numbers when they differ.
func sameID(field, asked, got string) error {
	if asked == "" || got == "" || asked == got {
		return nil
	}
	return fmt.Errorf("answer is about %s %.64q, not %.64q", field, got, asked)
}

// answer reads a verified SUCCESS answer whose identity id holds; data is
// its data object as received. Status stays the raw data.code: the Lua rule
// maps it. A field that is present but unreadable (an amount that is not a
// decimal, "" and null included; a time that is not a time) fails the query
// rather than being dropped: a paid order with no amount must not pass as
// matched.
func (p *Provider) answer(kind recon.Kind, id recon.Answer, data map[string]json.RawMessage) (recon.Answer, error) {
	a := id
	fields := a.Fields
	a.Status, a.Currency = fields["code"], p.currency
	var err error
	switch kind {
	case recon.Payment:
		if a.Amount, err = p.statedAmount(data, "amount_total"); err != nil {
			return a, err
		}
		if a.PaidAt, err = p.instant("success_time", fields["success_time"]); err != nil {
			return a, err
		}
		// The trade query does not say how much was refunded (code REFUND
		// covers part and all): Refunded stays nil.
	case recon.Refund:
		if a.RefundAmount, err = p.statedAmount(data, "refund_amount"); err != nil {
			return a, err
		}
		if a.RefundedAt, err = p.instant("success_time", fields["success_time"]); err != nil {
			return a, err
		}
	}
	return a, nil
}

// statedAmount is data's field as an amount. Absent is nil: not said. Present
// it must be a decimal: Fields leave out null and keep "", so both would
// otherwise read as "not said", and doc.go promises PERMANENT for an amount
// that is there but unreadable.
func (p *Provider) statedAmount(data map[string]json.RawMessage, field string) (*int64, error) {
	raw, ok := data[field]
	if !ok {
		return nil, nil
	}
	s, ok := jsonfields.Value(raw)
	if !ok {
		return nil, fmt.Errorf("%s is null", field)
	}
	return p.amount(field, s)
}

// amount parses a yuan decimal ("0.01") exactly into minor units of the
// account's currency; "" is malformed.
func (p *Provider) amount(field, s string) (*int64, error) {
	v, err := money.Parse(s, p.digits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return &v, nil
}

// localLayouts are tried, in the account's zone, for a time without an
// offset. PROTOCOL: times are RFC 3339 with an offset; these are leniency.
var localLayouts = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05"}

// instant parses success_time. Absent is the zero time.
func (p *Provider) instant(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, p.loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %.40q is not an RFC 3339 time", field, s)
}

// answerFields are all of data's members but sign, flattened by the shared
// rule, plus the envelope's status, message and fieldErrors (unless data
// has a member of that name): rules see why a call was refused.
func answerFields(env *envelope) map[string]string {
	m := jsonfields.Flatten(env.data)
	delete(m, "sign")
	for _, k := range []string{"status", "message", "fieldErrors"} {
		if _, dup := m[k]; dup {
			continue
		}
		if v, ok := jsonfields.Value(env.members[k]); ok {
			m[k] = v
		}
	}
	return m
}
