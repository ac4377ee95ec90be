package sim

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/reconhq/recon/plugins/simkit/script"
	"github.com/reconhq/recon/plugins/simkit/simyaml"
	"github.com/reconhq/recon/plugins/upay"
)

// ServeHTTP serves POST /upay/v2/query (relative to wherever it is mounted).
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// request is the body of a query as upay reads it. It is the simulator's own
// reading, not the client's struct, so that a wrong JSON name in the client
// is an unknown order here rather than a match by construction.
type request struct {
	TerminalSN      string `json:"terminal_sn"`
	SN              string `json:"sn"`
	ClientSN        string `json:"client_sn"`
	RefundRequestNo string `json:"refund_request_no"`
}

// Answers of the simulated API.
type apiAnswer struct {
	ResultCode   string       `json:"result_code"`
	ErrorCode    string       `json:"error_code,omitempty"`
	ErrorMessage string       `json:"error_message,omitempty"`
	BizResponse  *apiBizReply `json:"biz_response,omitempty"`
}

type apiBizReply struct {
	ResultCode   string         `json:"result_code"`
	ErrorCode    string         `json:"error_code,omitempty"`
	ErrorMessage string         `json:"error_message,omitempty"`
	Data         map[string]any `json:"data,omitempty"`
}

// malformedBody is upay's envelope cut short, so that a client's parser
// fails where it would on a real truncated answer.
const malformedBody = `{"result_code":"200","biz_response":{"result_code":"SUCC`

func (s *Simulator) query(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		reject(w, "400", "INVALID_PARAMS", "参数错误: unreadable body")
		return
	}
	tsn, sign, ok := parseAuthorization(r.Header.Get("Authorization"))
	if !ok {
		reject(w, "400", "ILLEGAL_SIGN", "签名错误: missing or malformed Authorization header")
		return
	}
	s.mu.Lock()
	key, known := s.terminals[tsn]
	s.mu.Unlock()
	if !known {
		reject(w, "400", "TERMINAL_NOT_EXISTS", "终端不存在")
		return
	}
	if !validSign(body, key, sign) {
		reject(w, "400", "ILLEGAL_SIGN", "签名错误")
		return
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		reject(w, "400", "INVALID_PARAMS", "参数错误: body is not a JSON object")
		return
	}
	if req.TerminalSN != tsn {
		reject(w, "400", "INVALID_TERMINAL", "终端错误: terminal_sn differs from the Authorization header")
		return
	}
	if req.SN == "" && req.ClientSN == "" {
		reject(w, "400", "INVALID_PARAMS", "参数错误: sn and client_sn are both empty")
		return
	}

	s.mu.Lock()
	o := s.lookup(req.SN, req.ClientSN)
	// Faults follow the order, whichever number it is asked by.
	faultKey := req.ClientSN
	if o != nil {
		faultKey = o.ClientSN
	}
	plan, slow := s.script, s.slowDelay
	var reply *apiBizReply
	switch {
	case o == nil:
		reply = &apiBizReply{ResultCode: "FAIL", ErrorCode: "UPAY_ORDER_NOT_EXISTS", ErrorMessage: "订单不存在"}
	case req.RefundRequestNo != "":
		if rf := o.refund(req.RefundRequestNo); rf != nil {
			reply = &apiBizReply{ResultCode: "SUCCESS", Data: o.data(tsn, rf)}
		} else {
			reply = &apiBizReply{ResultCode: "FAIL", ErrorCode: "REFUND_NOT_EXISTS", ErrorMessage: "退款不存在"}
		}
	default:
		reply = &apiBizReply{ResultCode: "SUCCESS", Data: o.data(tsn, nil)}
	}
	s.mu.Unlock()

	fault, _ := plan.Take(faultKey)
	if (script.Generic{SlowDelay: slow, MalformedBody: malformedBody}).Serve(w, r, fault) {
		return
	}
	if fault == script.Busy {
		reject(w, "500", "UNKNOWN_SYSTEM_ERROR", "系统错误")
		return
	}
	if s.inj.Extra(string(script.Busy)) {
		reject(w, "500", "MAINTENANCE_INPROGRESS", "系统维护中")
		return
	}
	if fault == OtherOrder || s.inj.Extra(string(OtherOrder)) {
		s.mu.Lock()
		reply = &apiBizReply{ResultCode: "SUCCESS", Data: s.otherPaid(faultKey).data(tsn, nil)}
		s.mu.Unlock()
	}
	writeJSON(w, apiAnswer{ResultCode: "200", BizResponse: reply})
}

// otherPaid is the order an other_order answer is about: the first paid
// order by client_sn that is not the one asked, so that a run scripted to
// answer every query with it meets one and the same order, as from a
// provider stuck on one answer. When the simulator holds no other paid
// order it makes one up. The caller holds s.mu.
func (s *Simulator) otherPaid(asked string) *Order {
	var best *Order
	for clientSN, o := range s.orders {
		if clientSN == asked || o.orderStatus() != "PAID" {
			continue
		}
		if best == nil || clientSN < best.ClientSN {
			best = o
		}
	}
	if best != nil {
		return best
	}
	o := Order{ClientSN: "SIM-OTHER-ORDER", SN: "7895259899999999", TotalAmount: 100}
	if o.ClientSN == asked {
		o.ClientSN, o.SN = "SIM-OTHER-ORDER-2", "7895259899999998"
	}
	if err := normalize(&o, 0); err != nil {
		panic("upay simulator: other_order: " + err.Error())
	}
	return &o
}

// parseAuthorization splits an Authorization header into terminal_sn and
// sign; ok is false when it is not two non-empty words.
func parseAuthorization(h string) (terminalSN, sign string, ok bool) {
	terminalSN, sign, ok = strings.Cut(strings.TrimSpace(h), " ")
	sign = strings.TrimSpace(sign)
	if !ok || terminalSN == "" || sign == "" || strings.ContainsAny(sign, " \t") {
		return "", "", false
	}
	return terminalSN, sign, true
}

// validSign reports whether sign is the signature of body under terminalKey.
// The comparison is exact (upay documents lowercase hex) and constant-time.
func validSign(body []byte, terminalKey, sign string) bool {
	want := upay.Sign(body, terminalKey)
	return subtle.ConstantTimeCompare([]byte(want), []byte(sign)) == 1
}

// lookup finds an order as upay does: by sn first, then by client_sn.
// The caller holds s.mu.
func (s *Simulator) lookup(sn, clientSN string) *Order {
	if o := s.bySN[sn]; sn != "" && o != nil {
		return o
	}
	if clientSN != "" {
		return s.orders[clientSN]
	}
	return nil
}

// reject answers a call-level error: HTTP 200 with result_code 400 or 500.
func reject(w http.ResponseWriter, code, errCode, msg string) {
	writeJSON(w, apiAnswer{ResultCode: code, ErrorCode: errCode, ErrorMessage: msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(b)
}

var paywayNames = map[string]string{
	"1": "支付宝", "2": "支付宝", "3": "微信", "4": "百度钱包", "5": "京东钱包", "6": "qq钱包",
	"7": "NFC支付", "8": "拉卡拉钱包", "15": "拉卡拉微信", "16": "招商银行", "17": "银联云闪付", "18": "翼支付",
}

func (o *Order) refund(no string) *Refund {
	for i := range o.Refunds {
		if o.Refunds[i].RefundRequestNo == no {
			return &o.Refunds[i]
		}
	}
	return nil
}

// netAmount is what remains of the order after its successful refunds.
func (o *Order) netAmount() simyaml.Minor {
	if o.NetAmount != nil {
		return *o.NetAmount
	}
	net := o.TotalAmount
	for _, r := range o.Refunds {
		if r.Status == flowSuccess {
			net -= r.Amount
		}
	}
	return net
}

// orderStatus is the answered order_status: the payment's state, or for a
// paid order with refunds, what the refunds made of it.
func (o *Order) orderStatus() string {
	if o.OrderStatus != "PAID" || len(o.Refunds) == 0 {
		return o.OrderStatus
	}
	for _, r := range o.Refunds {
		if r.Status == flowInProg || r.Status == flowCreated {
			return "REFUND_INPROGRESS"
		}
	}
	if o.Refunds[len(o.Refunds)-1].Status == flowRefundError {
		return "REFUND_ERROR"
	}
	switch net := o.netAmount(); {
	case net == 0:
		return "REFUNDED"
	case net < o.TotalAmount:
		return "PARTIAL_REFUNDED"
	}
	return "PAID"
}

// data is biz_response.data for this order: for a payment query (r nil)
// the last operation is the latest refund, else the payment; for a refund
// query it is the asked refund flow. All values are strings, as upay sends
// them, except payment_list (an array).
func (o *Order) data(terminalSN string, r *Refund) map[string]any {
	status, settlement, finish, clientTSN := o.Status, o.TotalAmount, o.FinishTime, o.ClientSN
	last := r
	if last == nil && len(o.Refunds) > 0 {
		last = &o.Refunds[len(o.Refunds)-1]
	}
	if last != nil {
		status, settlement, finish = last.Status, last.Amount, last.FinishTime
		clientTSN = o.ClientSN + "-" + last.RefundRequestNo
	}
	d := map[string]any{
		"terminal_sn":       terminalSN,
		"sn":                o.SN,
		"client_sn":         o.ClientSN,
		"client_tsn":        clientTSN,
		"status":            status,
		"order_status":      o.orderStatus(),
		"payway":            o.Payway,
		"payway_name":       paywayNames[o.Payway],
		"sub_payway":        o.SubPayway,
		"subject":           o.Subject,
		"operator":          o.Operator,
		"total_amount":      strconv.FormatInt(int64(o.TotalAmount), 10),
		"net_amount":        strconv.FormatInt(int64(o.netAmount()), 10),
		"settlement_amount": strconv.FormatInt(int64(settlement), 10),
		"ctime":             ms(o.Ctime),
	}
	if o.TradeNo != "" {
		d["trade_no"] = o.TradeNo
	}
	if o.PayerUID != "" {
		d["payer_uid"] = o.PayerUID
	}
	// upay sends the finish times only when the operation succeeded.
	if status == flowSuccess && !finish.IsZero() {
		d["finish_time"] = ms(finish)
		d["channel_finish_time"] = ms(finish.Add(-37 * time.Millisecond))
	}
	if o.Status == flowSuccess {
		d["payment_list"] = []map[string]string{{"type": "WALLET_WEIXIN", "amount_total": strconv.FormatInt(int64(o.TotalAmount), 10)}}
		d["provider_response"] = json.RawMessage(`{"goods_details":[],"voucher_details":[]}`)
	}
	return d
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
