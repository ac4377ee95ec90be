package upay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/helper/jsonfields"
	"github.com/reconhq/recon/plugins/money"
)

// text is a JSON scalar read as a string. upay sends codes as strings
// ("200"); a bare number (200) is read as its literal text so that a
// differently typed but otherwise valid answer is not rejected.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		if s, ok := jsonfields.Value(b); ok { // no reflection for the common case
			*t = text(s)
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
	case bytes.Equal(b, []byte("null")):
		*t = ""
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		*t = text(b)
	default:
		return fmt.Errorf("expected a string, got %.20s", b)
	}
	return nil
}

// envelope is the first level of an answer: did upay understand the call.
type envelope struct {
	ResultCode   text         `json:"result_code"`
	ErrorCode    text         `json:"error_code"`
	ErrorMessage text         `json:"error_message"`
	BizResponse  *bizResponse `json:"biz_response"`
}

// bizResponse is the second level: was the order found.
type bizResponse struct {
	ResultCode   text            `json:"result_code"`
	ErrorCode    text            `json:"error_code"`
	ErrorMessage text            `json:"error_message"`
	Data         json.RawMessage `json:"data"`
}

// Business error codes of a FAIL biz_response, by what they mean for a query.
var (
	// notFoundCodes: upay does not know the order. UPAY_ORDER_NOT_EXIST is
	// the spelling of upay's own error table, UPAY_ORDER_NOT_EXISTS the one
	// of its query page; both are accepted.
	notFoundCodes = map[string]bool{
		"UPAY_ORDER_NOT_EXISTS": true,
		"UPAY_ORDER_NOT_EXIST":  true,
		"TRADE_NOT_EXIST":       true,
	}
	// refundNotFoundCodes: the order exists but not the asked refund
	// (PROTOCOL decision). Only a refund query can get it.
	refundNotFoundCodes = map[string]bool{"REFUND_NOT_EXISTS": true}
	// transientBizCodes: the query itself failed at upay or at the channel
	// and says nothing about the order; asking again may succeed.
	// PROTOCOL: TRADE_TIMEOUT on a query is read as "the query timed out"
	// (it carries no order data, so it cannot be a state); the two
	// system-error codes of the top level are accepted here too.
	transientBizCodes = map[string]bool{
		"TRADE_TIMEOUT":          true,
		"UNKNOWN_SYSTEM_ERROR":   true,
		"MAINTENANCE_INPROGRESS": true,
	}
)

// interpret reads an HTTP 2xx answer body for a query of kind.
func interpret(kind recon.Kind, body []byte, cfg *config) recon.Reply {
	env, ok := scanEnvelope(body)
	if !ok {
		// Unusual or broken: encoding/json decides, as it always has,
		// and words the error.
		env = envelope{}
		if err := json.Unmarshal(body, &env); err != nil {
			return transient("malformed answer: %v", err)
		}
	}
	fields := make(map[string]string, 32) // an order's answer has about 20
	put := func(k string, v text) {
		if v != "" {
			fields[k] = string(v)
		}
	}
	put("result_code", env.ResultCode)
	put("error_code", env.ErrorCode)
	put("error_message", env.ErrorMessage)

	top := string(env.ResultCode)
	switch {
	case top == "200":
	case strings.HasPrefix(top, "5") && len(top) == 3:
		r := transient("provider error %s", callError(top, env.ErrorCode, env.ErrorMessage))
		r.Answer.Fields = fields
		return r
	case strings.HasPrefix(top, "4") && len(top) == 3:
		// INVALID_PARAMS, INVALID_TERMINAL, ILLEGAL_SIGN, TERMINAL_NOT_EXISTS:
		// the same request will be rejected again.
		r := permanent("request rejected %s", callError(top, env.ErrorCode, env.ErrorMessage))
		r.Answer.Fields = fields
		return r
	default:
		// PROTOCOL: a result_code other than 200/4xx/5xx (or none) is a
		// malformed answer, hence transient.
		r := transient("unexpected result_code %q", clip(top))
		r.Answer.Fields = fields
		return r
	}

	biz := env.BizResponse
	if biz == nil {
		return transient("answer without biz_response")
	}
	put("biz_result_code", biz.ResultCode)
	put("biz_error_code", biz.ErrorCode)
	put("biz_error_message", biz.ErrorMessage)

	switch code := string(biz.ErrorCode); string(biz.ResultCode) {
	case "SUCCESS":
	case "FAIL":
		var r recon.Reply
		switch {
		case notFoundCodes[code], kind == recon.Refund && refundNotFoundCodes[code]:
			r = recon.Reply{Outcome: recon.OutcomeNotFound, Err: "upay: " + callError("FAIL", biz.ErrorCode, biz.ErrorMessage)}
		case transientBizCodes[code]:
			r = transient("query failed %s", callError("FAIL", biz.ErrorCode, biz.ErrorMessage))
		default:
			// PROTOCOL: any other FAIL code (e.g. UPAY_TERMINAL_NOT_EXISTS,
			// or REFUND_NOT_EXISTS to a payment query) is a business
			// refusal that a retry will not change; a person must look.
			r = permanent("query refused %s", callError("FAIL", biz.ErrorCode, biz.ErrorMessage))
		}
		r.Answer.Fields = fields
		return r
	default:
		r := transient("unexpected biz_response.result_code %q", clip(string(biz.ResultCode)))
		r.Answer.Fields = fields
		return r
	}

	if err := flattenData(biz.Data, fields); err != nil {
		return transient("malformed biz_response.data: %v", err)
	}
	a, err := newAnswer(kind, fields, cfg)
	if err != nil {
		return transient("malformed biz_response.data: %v", err)
	}
	return recon.Reply{Outcome: recon.OutcomeFound, Answer: a}
}

// The names the envelope's two levels are read by.
var (
	envelopeNames = []string{"result_code", "error_code", "error_message", "biz_response"}
	bizNames      = []string{"result_code", "error_code", "error_message", "data"}
)

// scanEnvelope reads the envelope as json.Unmarshal would, with one check
// of the body and no reflection (the decoder was a seventh of the plugin's
// CPU). ok is false, and json.Unmarshal must decide, for anything but the
// plain case: invalid JSON, a member name that differs from one of ours
// only in case (the decoder matches those too), a member twice, a value
// of a type the decoder would refuse.
func scanEnvelope(body []byte) (env envelope, ok bool) {
	if !json.Valid(body) {
		return env, false
	}
	top, ok := members(body, envelopeNames)
	if !ok {
		return env, false
	}
	if !env.ResultCode.scan(top["result_code"]) || !env.ErrorCode.scan(top["error_code"]) ||
		!env.ErrorMessage.scan(top["error_message"]) {
		return env, false
	}
	switch b := top["biz_response"]; {
	case len(b) == 0 || string(b) == "null":
		return env, true
	case b[0] != '{':
		return env, false
	default:
		m, ok := members(b, bizNames)
		if !ok {
			return env, false
		}
		biz := &bizResponse{Data: m["data"]}
		if !biz.ResultCode.scan(m["result_code"]) || !biz.ErrorCode.scan(m["error_code"]) ||
			!biz.ErrorMessage.scan(m["error_message"]) {
			return env, false
		}
		env.BizResponse = biz
		return env, true
	}
}

// members are the members of obj, a valid JSON object, when each of names
// is either exactly one of them or none in any case.
func members(obj []byte, names []string) (map[string]json.RawMessage, bool) {
	m, ok := jsonfields.Members(obj)
	if !ok {
		return nil, false
	}
	for k := range m {
		for _, n := range names {
			if k != n && strings.EqualFold(k, n) {
				return nil, false
			}
		}
	}
	return m, true
}

// scan sets t from a member's raw value as the decoder would (an absent
// member leaves it empty); false where the decoder would fail.
func (t *text) scan(raw []byte) bool {
	if raw == nil {
		return true
	}
	return t.UnmarshalJSON(raw) == nil
}

// flattenData adds the members of data to fields, flattened by the shared
// rule (jsonfields: a null member is left out). They are added after the
// call-level codes, so a data member of the same name (upay sends none)
// wins, as it always has.
func flattenData(data json.RawMessage, fields map[string]string) error {
	// Checked here, before jsonfields, so that a missing data says so
	// rather than "unexpected end of input".
	if data = bytes.TrimSpace(data); len(data) == 0 || data[0] != '{' {
		return errors.New("data is not an object")
	}
	// data is a value of a body the decoder or scanEnvelope checked whole.
	m, ok := jsonfields.Members(data)
	if !ok {
		_, err := jsonfields.Object(data) // for its words
		if err == nil {
			err = errors.New("data is not an object")
		}
		return err
	}
	if len(m) == 0 {
		return errors.New("data is empty")
	}
	jsonfields.FlattenInto(fields, m)
	return nil
}

// newAnswer reads the order (or refund flow) from the flat data fields.
func newAnswer(kind recon.Kind, f map[string]string, cfg *config) (recon.Answer, error) {
	a := recon.Answer{
		Status:    f["order_status"],
		SubStatus: f["status"],
		Currency:  cfg.currency,
		// The identity upay echoed, for the host's Query.Check: upay answers
		// carry no signature, so nothing else ties an answer to the order
		// asked.
		OrderNo: f["client_sn"],
		TradeNo: f["sn"],
		Fields:  f,
	}
	var err error
	if a.Amount, err = minor(f, "total_amount"); err != nil {
		return a, err
	}
	net, err := minor(f, "net_amount")
	if err != nil {
		return a, err
	}
	settlement, err := minor(f, "settlement_amount")
	if err != nil {
		return a, err
	}
	// PROTOCOL: refunded = total_amount - net_amount, kept even when
	// negative (net above total): the rule flags that answer rather than
	// the plugin hiding it.
	if a.Amount != nil && net != nil {
		a.Refunded = recon.Int64(*a.Amount - *net)
	}
	// finish_time is when the *last* operation finished, and upay sets it
	// only when that operation succeeded.
	finish := millis(f["finish_time"], cfg.loc)
	switch kind {
	case recon.Refund:
		// With refund_request_no, status and settlement_amount describe
		// that refund flow.
		a.RefundAmount = settlement
		a.RefundNo = refundNo(f["client_sn"], f["client_tsn"])
		if a.SubStatus == "SUCCESS" {
			a.RefundedAt = finish
		}
	default:
		switch {
		case a.Status == "PAID":
			// The last operation was the payment.
			a.PaidAt = finish
		case (a.Status == "PARTIAL_REFUNDED" || a.Status == "REFUNDED") && a.SubStatus == "SUCCESS":
			// The last operation was a successful refund: finish_time is
			// that refund's time, not the payment's.
			a.RefundedAt = finish
		}
	}
	return a, nil
}

// refundNo is the merchant's refund number a refund flow's answer states.
// upay has no field for it: it echoes it only inside client_tsn, which it
// builds as client_sn + "-" + refund_request_no. The answer's own client_sn
// is the prefix (never the query's), so a hyphen in either number does not
// shift the split. "" when client_tsn is not of that form: the answer then
// does not say which refund it is about.
func refundNo(clientSN, clientTSN string) string {
	if clientSN == "" {
		return ""
	}
	if no, ok := strings.CutPrefix(clientTSN, clientSN+"-"); ok {
		return no
	}
	return ""
}

// minor reads an amount in fen; "" or absent is nil (not said).
func minor(f map[string]string, key string) (*int64, error) {
	s, ok := f[key]
	if !ok || s == "" {
		return nil, nil
	}
	v, err := money.ParseMinor(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return &v, nil
}

// millis reads a 13-digit epoch-milliseconds time. PROTOCOL: a missing or
// malformed time is left zero (the raw text stays in Fields): a bad
// timestamp must not make the order's state unreadable.
func millis(s string, loc *time.Location) time.Time {
	if s == "" || len(s) > 16 {
		return time.Time{}
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).In(loc)
}

func transient(format string, args ...any) recon.Reply {
	return recon.Reply{Outcome: recon.OutcomeTransient, Err: "upay: " + fmt.Sprintf(format, args...)}
}

func permanent(format string, args ...any) recon.Reply {
	return recon.Reply{Outcome: recon.OutcomePermanent, Err: "upay: " + fmt.Sprintf(format, args...)}
}

// callError formats "<code> <error_code>: <error_message>" from an answer.
func callError(code string, errCode, msg text) string {
	s := clip(code)
	if errCode != "" {
		s += " " + clip(string(errCode))
	}
	if msg != "" {
		s += ": " + clip(string(msg))
	}
	return s
}

// clip keeps provider text in errors short and valid UTF-8.
func clip(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
