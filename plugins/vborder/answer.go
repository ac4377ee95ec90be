package vborder

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/helper/jsonfields"
	"github.com/reconhq/recon/plugins/money"
)

// Business error codes (errCode in the decrypted answer). errCode only says
// whether the query was accepted; the payment result is payStatus.
const (
	ErrCodeOK       = "0000"
	ErrCodeNotFound = "1001" // PROTOCOL decision: 订单不存在
)

// plaintextField holds the decrypted business JSON, byte for byte, in
// Answer.Fields: Raw is the encrypted HTTP body, which nobody can read back
// without the key, so the audit trail keeps the plaintext here.
const plaintextField = "_plaintext"

// jsonTextFields are the nested objects the page documents. The page's own
// example sends payerInfo as the string "{}", so each is accepted as an
// object or as a string holding JSON, and normalised to compact JSON text.
var jsonTextFields = []string{"payerInfo", "payeeInfo", "installmentData"}

// outer is the HTTP answer: {"code":"200","success":true,"data":"<JSON>","msg":"..."}.
// Its members stay raw: code has been seen as a string and as a number on
// gateways of this kind, and data is a string holding JSON.
type outer struct {
	Code    json.RawMessage
	Success *bool
	Data    json.RawMessage
	Msg     json.RawMessage
}

// parseOuter reads the HTTP answer. A member named twice is malformed: with
// two "code" members encoding/json keeps the last, another reader the first.
func parseOuter(body []byte) (outer, error) {
	m, err := jsonfields.Object(body)
	if err != nil {
		return outer{}, err
	}
	o := outer{Code: m["code"], Data: m["data"], Msg: m["msg"]}
	if raw, ok := m["success"]; ok {
		if err := json.Unmarshal(raw, &o.Success); err != nil {
			return outer{}, fmt.Errorf("success is not a boolean")
		}
	}
	return o, nil
}

// Envelope is the request body, and what an answer's data holds: the
// merchant number and the encrypted business JSON.
type Envelope struct {
	CustomerNo string `json:"customerNo"`
	Reqmsg     string `json:"reqmsg"`
}

// parseResponse reads a 2xx body into a Reply (without HTTPStatus, Raw and
// Request, which the caller fills). It walks the answer from the outside in:
// the call's code, the envelope, the decryption, the sign, errCode, and only
// then the business fields.
func (c *config) parseResponse(orderNo string, body []byte) recon.Reply {
	o, err := parseOuter(body)
	if err != nil {
		return transient("malformed response: %v", err)
	}
	code, ok := scalarText(o.Code)
	if !ok {
		return transient("malformed response: no code")
	}
	msg, _ := scalarText(o.Msg)
	if code != "200" || o.Success == nil || !*o.Success {
		return callFailed(code, o.Success, msg)
	}

	// PROTOCOL: data is a string holding JSON. An object is accepted too:
	// it can only be the same envelope, unquoted.
	inner, ok := dataBytes(o.Data)
	if !ok {
		return transient("malformed response: code 200 without data")
	}
	env, err := parseEnvelope(inner)
	if err != nil {
		return transient("malformed response: data is not the {customerNo, reqmsg} envelope: %v", err)
	}
	if env.Reqmsg == "" {
		return transient("malformed response: data has no reqmsg")
	}
	if env.CustomerNo != "" && env.CustomerNo != c.customerNo {
		return unverifiable("answer is addressed to merchant %q, not this account's", env.CustomerNo)
	}

	plain, err := c.openReqmsg(env.Reqmsg)
	if err != nil {
		return unverifiable("%v", err)
	}
	return c.business(orderNo, plain)
}

// parseEnvelope reads data's {customerNo, reqmsg}, each member named once:
// with two customerNo members the check below could see one and a reader of
// Raw the other.
func parseEnvelope(b []byte) (Envelope, error) {
	m, err := jsonfields.Object(b)
	if err != nil {
		return Envelope{}, err
	}
	var env Envelope
	for name, dst := range map[string]*string{"customerNo": &env.CustomerNo, "reqmsg": &env.Reqmsg} {
		if raw, ok := m[name]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return Envelope{}, fmt.Errorf("%s is not a string", name)
			}
		}
	}
	return env, nil
}

// MaxReqmsgBlocks is the most RSA blocks an answer's reqmsg may hold. The
// page's example is 6 blocks of RSA-1024; 64 leaves room for every optional
// field at its longest. Each block costs a private-key operation, and the
// body cap alone (1 MiB) would allow thousands of them: a 0.95 MB reqmsg of
// RSA-2048 blocks took 2.8 s of CPU.
const MaxReqmsgBlocks = 64

// openReqmsg base64-decodes and decrypts the answer's reqmsg with the key
// the account's response_key names.
func (c *config) openReqmsg(reqmsg string) ([]byte, error) {
	// Java encoders may wrap base64 lines; the line breaks are not data.
	compact := strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, reqmsg)
	var k int // the block size of the key that opens reqmsg
	if c.responseKey == ResponsePlatformPublic {
		k = c.platformPub.Size() // the merchant key may be absent then
	} else {
		k = c.merchantPriv.Size()
	}
	// Refused on its text, before decoding or decrypting anything: a
	// ciphertext of more blocks is whole blocks too, so its base64 (padded
	// or not) is longer than that of MaxReqmsgBlocks blocks.
	if len(compact) > base64.StdEncoding.EncodedLen(MaxReqmsgBlocks*k) {
		return nil, fmt.Errorf("reqmsg is longer than %d blocks of %d bytes", MaxReqmsgBlocks, k)
	}
	ct, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		if ct, err = base64.RawStdEncoding.DecodeString(compact); err != nil {
			return nil, fmt.Errorf("reqmsg is not base64")
		}
	}
	var plain []byte
	if c.responseKey == ResponsePlatformPublic {
		plain, err = PublicDecryptSegmented(c.platformPub, ct)
		if err != nil {
			return nil, fmt.Errorf("reqmsg does not decrypt with the platform public key (response_key %s)", c.responseKey)
		}
		return plain, nil
	}
	plain, err = DecryptSegmented(c.merchantPriv, ct)
	if err != nil {
		return nil, fmt.Errorf("reqmsg does not decrypt with the merchant private key (response_key %s)", c.responseKey)
	}
	return plain, nil
}

// business checks and reads the decrypted answer.
func (c *config) business(orderNo string, plain []byte) recon.Reply {
	// One object, each member named once: with two "payStatus" members the
	// sign could cover one and a reader see the other.
	fields, err := jsonfields.Object(plain)
	if err != nil {
		return unverifiable("decrypted reqmsg is not a JSON object")
	}

	// Type-1 blocks only the platform's private key can make: recovering
	// them with its public key authenticates the answer, as a signature does.
	verified := c.responseKey == ResponsePlatformPublic
	if raw, ok := fields[SignField]; ok && !isNull(raw) {
		got, isString := stringValue(raw)
		if !isString {
			return unverifiable("answer sign is not a string")
		}
		want, err := Sign(fields, c.signKey)
		if err != nil {
			return unverifiable("answer cannot be signed over: %v", err)
		}
		if !SignMatches(got, want) {
			return unverifiable("answer sign does not match (wrong sign_key, or the answer was altered)")
		}
		verified = true
	}
	if !verified && c.requireSign {
		return unverifiable("answer carries no sign, and the account requires one (require_sign)")
	}

	res := recon.Reply{Verified: verified}
	flat := flatten(fields)
	flat[plaintextField] = string(plain)
	// The identity is what the answer says, never what was asked: the host's
	// Query.Check compares the two, and a copy of the query would make that
	// check pass for an answer about any order. Filled before the refusals
	// below, so that a refused answer still shows which order it was about.
	res.Answer = recon.Answer{Currency: c.currency, Fields: flat,
		OrderNo: flat["orderNo"], TradeNo: flat["platformSeq"]}

	// An answer about another merchant or another order is not an answer to
	// this query, however well it is signed. An answer without orderNo is
	// left to the host's check, which refuses it too.
	if v, ok := flat["customerNo"]; ok && v != c.customerNo {
		return withAnswer(unverifiable("answer is about merchant %q, not this account's", v), res)
	}
	if v, ok := flat["orderNo"]; ok && v != orderNo {
		return withAnswer(unverifiable("%v", &recon.IdentityError{Field: "order_no", Asked: orderNo, Answered: v}), res)
	}

	errCode, hasCode := flat["errCode"]
	switch {
	case !hasCode:
		return withAnswer(permanent("answer has no errCode"), res)
	case errCode == ErrCodeNotFound:
		res.Outcome = recon.OutcomeNotFound
		res.Err = "errCode " + errCode + ": " + plugins.Clip(flat["errMessage"])
		return res
	case errCode != ErrCodeOK:
		// PROTOCOL: only 0000 and 1001 are defined; the page's code table is
		// not public. Any other code is a query the platform did not accept
		// for a reason we cannot classify: permanent (a retry of the same
		// question should get the same refusal), with the code kept.
		return withAnswer(permanent("query not accepted: errCode %s: %s", plugins.Clip(errCode), plugins.Clip(flat["errMessage"])), res)
	}

	a := &res.Answer
	a.Status = flat["payStatus"]
	a.SubStatus = flat["checkStatus"]
	// PROTOCOL: orderAmount is 必选. Absent is "not said" (nil, which no
	// rule matches); present, even as "" or null, it must be read: an empty
	// amount dropped would pass a paid order with no amount.
	if raw, ok := fields["orderAmount"]; ok {
		amt, err := parseFen(raw)
		if err != nil {
			return withAnswer(permanent("orderAmount: %v", err), res)
		}
		a.Amount = recon.Int64(amt)
	}
	if v := flat["payTime"]; v != "" {
		t, err := ParsePayTime(v)
		if err != nil {
			return withAnswer(permanent("payTime %q is not yyyy-MM-dd HH:mm:ss", v), res)
		}
		a.PaidAt = t
	}
	res.Outcome = recon.OutcomeFound
	return res
}

// flatten is jsonfields.Flatten, with the documented nested objects that
// arrived as strings holding JSON compacted like the ones that arrived as
// objects: a rule then reads payerInfo the same way whichever the platform sent.
func flatten(fields map[string]json.RawMessage) map[string]string {
	flat := jsonfields.Flatten(fields)
	for _, k := range jsonTextFields {
		if s, ok := flat[k]; ok {
			flat[k] = compactIfJSON(s)
		}
	}
	return flat
}

// compactIfJSON compacts s when it is a JSON object or array; any other
// string is kept as sent.
func compactIfJSON(s string) string {
	t := bytes.TrimSpace([]byte(s))
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') || !json.Valid(t) {
		return s
	}
	var c bytes.Buffer
	if err := json.Compact(&c, t); err != nil {
		return s
	}
	return c.String()
}

// parseFen reads orderAmount: integer fen (PROTOCOL), never through a float.
// A JSON number is read from its text; a string of digits is accepted too.
func parseFen(raw json.RawMessage) (int64, error) {
	text, ok := scalarText(raw)
	if !ok {
		return 0, fmt.Errorf("not a number")
	}
	v, err := money.ParseMinor(text)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number of fen", text)
	}
	return v, nil
}

// ParsePayTime reads payTime, exactly "yyyy-MM-dd HH:mm:ss", in China time.
// time.Parse alone is not that: it also takes a fraction after the seconds
// ("09:41:58.999999") and a one-digit hour, so the text must be what
// formatting the time gives back.
func ParsePayTime(s string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateTime, s, chinaTime)
	if err != nil {
		return time.Time{}, err
	}
	if t.Format(time.DateTime) != s {
		return time.Time{}, fmt.Errorf("%.40q is not exactly yyyy-MM-dd HH:mm:ss", s)
	}
	return t, nil
}

// FormatPayTime writes t as the platform writes payTime; the simulator's
// planted orders use it, so that they are paid at the instant they say.
func FormatPayTime(t time.Time) string { return t.In(chinaTime).Format(time.DateTime) }

// callFailed classifies an outer code other than "200" + success.
// PROTOCOL decisions: "500" is the platform's error (transient), "400" a
// rejected sign or undecryptable reqmsg (permanent). Other 5xx codes are
// read like 500; any other code, and "200" without success true, is a
// refusal we cannot classify: permanent, with code and msg kept.
func callFailed(code string, success *bool, msg string) recon.Reply {
	succ := "absent"
	if success != nil {
		succ = fmt.Sprint(*success)
	}
	switch {
	case len(code) == 3 && code[0] == '5' && isDigit(code[1]) && isDigit(code[2]): // "5ab" is no 5xx
		return transient("vborder error: code %s: %s", code, plugins.Clip(msg))
	case code == "400":
		return permanent("vborder rejected the request: code 400: %s (check sign_key, customer_no and platform_public_key)", plugins.Clip(msg))
	default:
		return permanent("vborder call failed: code %s, success %s: %s", plugins.Clip(code), succ, plugins.Clip(msg))
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func transient(format string, args ...any) recon.Reply {
	return recon.Reply{Outcome: recon.OutcomeTransient, Err: fmt.Sprintf(format, args...)}
}

func permanent(format string, args ...any) recon.Reply {
	return recon.Reply{Outcome: recon.OutcomePermanent, Err: fmt.Sprintf(format, args...)}
}

func unverifiable(format string, args ...any) recon.Reply {
	return recon.Reply{Outcome: recon.OutcomeUnverifiable, Err: fmt.Sprintf(format, args...)}
}

// withAnswer keeps what was decrypted, for audit, on a result that is not FOUND.
func withAnswer(r, from recon.Reply) recon.Reply {
	r.Verified = from.Verified
	r.Answer = from.Answer
	return r
}

// dataBytes returns the JSON that data holds: a string's content, or an
// object as is.
func dataBytes(raw json.RawMessage) ([]byte, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return nil, false
	}
	if s, ok := stringValue(raw); ok {
		return []byte(s), s != ""
	}
	if raw[0] == '{' {
		return raw, true
	}
	return nil, false
}

// scalarText is a JSON string's content or a number's text, and nothing
// else: unlike jsonfields.Value, true or an object is no code and no amount.
func scalarText(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return "", false
	}
	if s, ok := stringValue(raw); ok {
		return s, true
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), true
	}
	return "", false
}

// stringValue is raw's content when raw is a JSON string.
func stringValue(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }
