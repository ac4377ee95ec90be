package paypro

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/helper/jsonfields"
	"github.com/reconhq/recon/plugins/money"
)

// Outer response codes: they say whether the request was handled, never what
// happened to the payment. Exported, with the messages below, for the
// simulator, which answers in the same words.
const (
	CodeHandled = "0000" // handled: data.status holds the payment result
	CodeBusy    = "5000" // system exception: transient, never a payment failure
	CodeFailed  = "8000" // request failed: msg says why
)

// 8000 messages with a meaning of their own.
const (
	MsgOrderNotExist    = "order not exist"
	MsgSignError        = "sign error"
	MsgMerchantNotExist = "merchant not exist"
)

// parse classifies a 2xx answer to a query and, when PayPro handled it,
// fills the Answer. It leaves HTTPStatus, Raw and Request to the caller.
func (c *config) parse(body []byte) recon.Reply {
	top, err := jsonfields.Object(body)
	if err != nil {
		return malformed("body: %v", err)
	}
	// Every member but data goes to Fields under its own name; data's
	// members follow under theirs (a clash, which PayPro never sends, is
	// kept as "data.<name>" rather than lost).
	// data is taken out before flattening, which would compact its whole
	// text into a field only to delete it.
	rawData := top["data"]
	delete(top, "data")
	fields := make(map[string]string, 32) // an answer has about 20
	jsonfields.FlattenInto(fields, top)
	code, _ := jsonfields.Value(top["code"])
	msg, _ := jsonfields.Value(top["msg"])

	// PROTOCOL: the outer code alone decides; `success` is informational.
	switch code {
	case CodeHandled:
	case CodeBusy:
		return recon.Reply{Outcome: recon.OutcomeTransient, Err: outerErr(code, msg), Answer: recon.Answer{Fields: fields}}
	case CodeFailed:
		return recon.Reply{Outcome: failedOutcome(msg), Err: outerErr(code, msg) + blame(msg), Answer: recon.Answer{Fields: fields}}
	case "":
		return malformed("no outer code")
	default:
		// PROTOCOL: only 0000, 5000 and 8000 are documented. An unknown code
		// did not handle the query and nothing says a retry would help.
		return recon.Reply{Outcome: recon.OutcomePermanent, Err: "paypro: undocumented outer " + outerErr(code, msg),
			Answer: recon.Answer{Fields: fields}}
	}

	// A value of the body Object checked whole: no second check.
	data, ok := jsonfields.Members(rawData)
	if !ok {
		_, err := jsonfields.Object(rawData) // for its words
		if err == nil {
			err = errors.New("not a JSON object")
		}
		return malformed("code 0000 without a data object (%v)", err)
	}
	for k, raw := range data {
		v, ok := jsonfields.Value(raw)
		if !ok {
			continue
		}
		if _, clash := fields[k]; clash {
			k = "data." + k
		}
		fields[k] = v
	}
	a, err := c.answer(data)
	if err != nil {
		return malformed("%v", err)
	}
	a.Fields = fields
	// Whether the answer is about the order asked is the host's one check
	// (recon.Query.Check), which every run's reply meets: it refuses what a
	// check here would (another data.tradeNo) and more (none).
	return recon.Reply{Outcome: recon.OutcomeFound, Answer: a}
}

// answer reads data's business fields. Status stays PayPro's raw code; the
// Lua rule maps it.
func (c *config) answer(data map[string]json.RawMessage) (recon.Answer, error) {
	a := recon.Answer{Currency: c.currency}
	// PROTOCOL's codes are strings whose leading zeros count: a number 15
	// would read as "15", a failure, where 0015 is processing. Members'
	// values carry no surrounding space.
	if raw := data["status"]; len(raw) > 0 && raw[0] != '"' && string(raw) != "null" {
		return a, fmt.Errorf("data.status is not a string (got %s)", jsonKind(raw))
	}
	a.Status, _ = jsonfields.Value(data["status"])
	if a.Status == "" {
		return a, fmt.Errorf("data.status is missing")
	}
	// The identity is the answer's own, never the query's: the host's
	// check compares the two, and a copy would always agree.
	a.OrderNo, _ = jsonfields.Value(data["tradeNo"])
	// Some regions name the platform's number payproTradeNo.
	a.TradeNo, _ = jsonfields.Value(data["platFormTradeNo"])
	if a.TradeNo == "" {
		a.TradeNo, _ = jsonfields.Value(data["payproTradeNo"])
	}
	var err error
	if a.Amount, err = c.amount(data, "amount"); err != nil {
		return a, err
	}
	if a.Received, err = c.amount(data, "receivedAmount"); err != nil {
		return a, err
	}
	if s, _ := jsonfields.Value(data["successTime"]); s != "" {
		if a.PaidAt, err = ParseLocalTime(s, c.loc); err != nil {
			return a, err
		}
	}
	return a, nil
}

// jsonKind names the kind of a JSON value, for an error that must not
// quote provider text at length.
func jsonKind(raw []byte) string {
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// amount reads a decimal amount in major units of the account's currency
// ("50000.00", or "300" where a region omits decimals) exactly. An absent or
// empty amount is nil: the provider did not say.
func (c *config) amount(data map[string]json.RawMessage, key string) (*int64, error) {
	s, _ := jsonfields.Value(data[key])
	if s == "" {
		return nil, nil
	}
	v, err := money.Parse(s, c.digits)
	if err != nil {
		// money quotes the whole value, which is the provider's text.
		return nil, fmt.Errorf("data.%s in %s: %s", key, c.currency, plugins.Clip(err.Error()))
	}
	return &v, nil
}

// failedOutcome classifies an 8000 "request failed" by its msg. PROTOCOL:
// "order not exist" is an unknown order and "sign error" a rejected
// signature (or a timestamp off PayPro's clock). Any other 8000 is the
// provider refusing this request as sent (a parameter or merchant problem):
// sending it again unchanged will not help, so it is permanent too — never a
// payment failure.
func failedOutcome(msg string) recon.Outcome {
	if strings.EqualFold(strings.TrimSpace(msg), MsgOrderNotExist) {
		return recon.OutcomeNotFound
	}
	return recon.OutcomePermanent
}

// blame names the credential an 8000 msg points at, as a word the host's
// preflight recognises: "merchant not exist" is the merchantNo header,
// which `recon check --ping` would otherwise take for the secret's fault.
// "" when the msg names none.
func blame(msg string) string {
	if strings.EqualFold(strings.TrimSpace(msg), MsgMerchantNotExist) {
		return " (check credential " + CredMerchantNo + ")"
	}
	return ""
}

// outerErr words an outer code and its msg, both PayPro's text.
func outerErr(code, msg string) string {
	return fmt.Sprintf("paypro code %s: %s", plugins.Clip(code), plugins.Clip(msg))
}

func malformed(format string, args ...any) recon.Reply {
	return recon.Reply{Outcome: recon.OutcomeTransient, Err: "paypro: malformed answer: " + fmt.Sprintf(format, args...)}
}
