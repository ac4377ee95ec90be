package upay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/helper/jsonfields"
	"github.com/reconhq/recon/plugins/money"
)

// level is one level of an answer: the call's codes and the members they
// were read from (biz_response, data).
type level struct {
	resultCode, errorCode, errorMessage string
	members                             map[string]json.RawMessage
}

// The names the two levels are read by: the envelope (did upay understand
// the call) and biz_response (was the order found).
var (
	envelopeNames = []string{"result_code", "error_code", "error_message", "biz_response"}
	bizNames      = []string{"result_code", "error_code", "error_message", "data"}
)

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

// terminalCodes are the refusals that say upay knows no (usable) terminal
// by the terminal_sn sent: the credential to fix is terminal_sn, not the
// key that signs, which `recon check --ping` would blame otherwise.
var terminalCodes = map[string]bool{
	"INVALID_TERMINAL":              true,
	"TERMINAL_NOT_EXISTS":           true,
	"UPAY_TERMINAL_NOT_EXISTS":      true,
	"UPAY_TERMINAL_STATUS_ABNORMAL": true,
}

// blame names the credential a refusal with code points at, as a word the
// host's preflight recognises; "" when the code names none.
func blame(code string) string {
	if terminalCodes[code] {
		return " (check credential " + CredTerminalSN + ")"
	}
	return ""
}

// interpret reads an HTTP 2xx answer body for a query of kind.
func interpret(kind recon.Kind, body []byte, cfg *config) recon.Reply {
	if !json.Valid(body) {
		_, err := jsonfields.Object(body) // for its words
		return transient("malformed answer: %v", err)
	}
	env, err := readLevel(body, envelopeNames)
	if err != nil {
		return transient("malformed answer: %v", err)
	}
	fields := make(map[string]string, 32) // an order's answer has about 20
	put := func(k, v string) {
		if v != "" {
			fields[k] = v
		}
	}
	put("result_code", env.resultCode)
	put("error_code", env.errorCode)
	put("error_message", env.errorMessage)

	switch top := env.resultCode; {
	case top == "200":
	case len(top) == 3 && top[0] == '5' && digits(top):
		r := transient("provider error %s", callError(top, env.errorCode, env.errorMessage))
		r.Answer.Fields = fields
		return r
	case len(top) == 3 && top[0] == '4' && digits(top):
		// INVALID_PARAMS, INVALID_TERMINAL, ILLEGAL_SIGN, TERMINAL_NOT_EXISTS:
		// the same request will be rejected again.
		r := permanent("request rejected %s%s", callError(top, env.errorCode, env.errorMessage), blame(env.errorCode))
		r.Answer.Fields = fields
		return r
	default:
		// PROTOCOL: a result_code other than 200/4xx/5xx (or none) is a
		// malformed answer, hence transient.
		r := transient("unexpected result_code %q", plugins.Clip(top))
		r.Answer.Fields = fields
		return r
	}

	rawBiz := env.members["biz_response"]
	if len(rawBiz) == 0 || string(rawBiz) == "null" {
		return transient("answer without biz_response")
	}
	biz, err := readLevel(rawBiz, bizNames)
	if err != nil {
		return transient("malformed answer: biz_response: %v", err)
	}
	put("biz_result_code", biz.resultCode)
	put("biz_error_code", biz.errorCode)
	put("biz_error_message", biz.errorMessage)

	switch code := biz.errorCode; biz.resultCode {
	case "SUCCESS":
	case "FAIL":
		var r recon.Reply
		switch {
		case notFoundCodes[code], kind == recon.Refund && refundNotFoundCodes[code]:
			r = recon.Reply{Outcome: recon.OutcomeNotFound, Err: "upay: " + callError("FAIL", code, biz.errorMessage)}
		case transientBizCodes[code]:
			r = transient("query failed %s", callError("FAIL", code, biz.errorMessage))
		default:
			// PROTOCOL: any other FAIL code (e.g. UPAY_TERMINAL_NOT_EXISTS,
			// or REFUND_NOT_EXISTS to a payment query) is a business
			// refusal that a retry will not change; a person must look.
			r = permanent("query refused %s%s", callError("FAIL", code, biz.errorMessage), blame(code))
		}
		r.Answer.Fields = fields
		return r
	default:
		r := transient("unexpected biz_response.result_code %q", plugins.Clip(biz.resultCode))
		r.Answer.Fields = fields
		return r
	}

	if err := flattenData(biz.members["data"], fields); err != nil {
		return transient("malformed biz_response.data: %v", err)
	}
	a, err := newAnswer(kind, fields, cfg)
	if err != nil {
		return transient("malformed biz_response.data: %v", err)
	}
	return recon.Reply{Outcome: recon.OutcomeFound, Answer: a}
}

// readLevel reads one level of an answer from obj, a value of a body
// json.Valid accepted (so jsonfields.Members need not check it again). A
// member named twice, or named like one of names in another case (which
// encoding/json, or a person, would read as that member), makes the answer
// ambiguous: which copy did upay mean? It is refused, as paypro refuses
// one.
func readLevel(obj json.RawMessage, names []string) (level, error) {
	m, ok := jsonfields.Members(obj)
	if !ok {
		_, err := jsonfields.Object(obj) // for its words
		if err == nil {
			err = errors.New("not a JSON object")
		}
		return level{}, err
	}
	for k := range m {
		for _, n := range names {
			if k != n && strings.EqualFold(k, n) {
				return level{}, fmt.Errorf("member %.40q is %s in another case", k, n)
			}
		}
	}
	l := level{members: m}
	var err error
	if l.resultCode, err = code(m, "result_code"); err != nil {
		return level{}, err
	}
	if l.errorCode, err = code(m, "error_code"); err != nil {
		return level{}, err
	}
	if l.errorMessage, err = code(m, "error_message"); err != nil {
		return level{}, err
	}
	return l, nil
}

// code reads member name of m as text; "" when absent or null. upay sends
// codes as strings ("200"); a bare number (200) is read as its literal text
// so that a differently typed but otherwise valid answer is not refused.
// Anything else (an object, true) is not a code.
func code(m map[string]json.RawMessage, name string) (string, error) {
	raw := m[name] // Members' values carry no surrounding space
	if len(raw) == 0 {
		return "", nil
	}
	switch c := raw[0]; {
	case c == '"', c == 'n', c == '-', c >= '0' && c <= '9':
		s, _ := jsonfields.Value(raw)
		return s, nil
	}
	return "", fmt.Errorf("%s is not a string", name)
}

// digits reports whether s is all ASCII digits ("4ab" is no HTTP-like
// status, so not a 4xx).
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
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
	// data is a value of a body json.Valid checked whole.
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
		// money quotes the whole value, which is upay's text.
		return nil, fmt.Errorf("%s: %s", key, plugins.Clip(err.Error()))
	}
	return &v, nil
}

// millis reads a 13-digit epoch-milliseconds time (PROTOCOL: "Times are
// 13-digit epoch milliseconds"); a first digit 0 is refused too, as a
// padded seconds value or a time before 2001. A 10-digit seconds value
// read as milliseconds would be a day in January 1970. PROTOCOL: a missing
// or malformed time is left zero (the raw text stays in Fields): a bad
// timestamp must not make the order's state unreadable.
func millis(s string, loc *time.Location) time.Time {
	if len(s) != 13 || s[0] == '0' || !digits(s) {
		return time.Time{}
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
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
func callError(code, errCode, msg string) string {
	s := plugins.Clip(code)
	if errCode != "" {
		s += " " + plugins.Clip(errCode)
	}
	if msg != "" {
		s += ": " + plugins.Clip(msg)
	}
	return s
}
