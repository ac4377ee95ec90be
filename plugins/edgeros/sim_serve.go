package edgeros

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/reconhq/recon/plugins/money"
)

// The simulator's refusals. PROTOCOL: the platform's error-code table is not
// public; 1007 and 1008 are the protocol's, the rest are the simulator's
// choice. The client treats all three as PERMANENT.
const (
	simParamError  = 1001 // PARAM_ERROR: a header or the order's number missing, a bad nonce
	simSignError   = 1002 // SIGN_ERROR: sign type not SHA256withRSA, or the request signature does not verify
	simMchNotExist = 1003 // MCH_NOT_EXIST: x-acopay-mch-no is not the simulator's merchant
)

// kv is one member of an answer's data, kept in the page's order.
type kv struct{ k, v string }

// reply is an answer before it is signed and written.
type reply struct {
	status      int
	message     string
	fieldErrors string // "" is written as null
	data        []kv   // business fields; mch_no, nonce, sign, sign_type are added
}

func refusal(status int, message, why string) *reply {
	return &reply{status: status, message: message, fieldErrors: why}
}

// authenticate checks a request as the platform does: the headers, the
// merchant, and the signature over the query fields (all but aco_pay_sdk
// and version, empty ones dropped) plus mch_no, nonce and sign_type.
func (s *Simulator) authenticate(r *http.Request) *reply {
	mch, nonce := r.Header.Get(hdrMchNo), r.Header.Get(hdrNonce)
	st, sig := r.Header.Get(hdrSignType), r.Header.Get(hdrSign)
	if mch == "" || nonce == "" || st == "" || sig == "" {
		return refusal(simParamError, "PARAM_ERROR", "缺少签名请求头!")
	}
	if !validNonce(nonce) {
		return refusal(simParamError, "PARAM_ERROR", "随机字符串格式错误!")
	}
	s.mu.Lock()
	known := mch == s.mchNo
	s.mu.Unlock()
	if !known {
		return refusal(simMchNotExist, "MCH_NOT_EXIST", "商户不存在!")
	}
	if st != signType {
		return refusal(simSignError, "SIGN_ERROR", "签名类型不支持!")
	}
	fields := map[string]string{"mch_no": mch, "nonce": nonce, "sign_type": st}
	for k, vs := range r.URL.Query() {
		if k != "aco_pay_sdk" && k != "version" && len(vs) > 0 {
			fields[k] = vs[0]
		}
	}
	if verify(&s.merchant.PublicKey, signingString(fields), sig) != nil {
		return refusal(simSignError, "SIGN_ERROR", "签名验证失败!")
	}
	return nil
}

func (s *Simulator) serveTrade(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r) {
		return
	}
	q := r.URL.Query()
	mchTradeNo, txn := q.Get("mch_trade_no"), q.Get("transaction_no")
	if mchTradeNo == "" && txn == "" {
		s.write(w, r, refusal(simParamError, "PARAM_ERROR", "商户订单号与翼辉支付订单号不能同时为空!"), "")
		return
	}
	s.mu.Lock()
	t := s.trades[mchTradeNo]
	if txn != "" { // the platform's number wins when both are given
		t = s.byTxn[txn]
	}
	var tr Trade
	if t != nil {
		tr = *t
	}
	appNo := s.appNo
	s.mu.Unlock()
	key := mchTradeNo
	if t != nil {
		key = tr.MchTradeNo
	} else if key == "" {
		key = txn
	}
	fault := s.fault(key)
	if t == nil {
		s.write(w, r, refusal(statusOrderNotExist, "ORDER_NOT_EXIST", "此订单不存在!"), fault)
		return
	}
	s.write(w, r, &reply{status: statusOK, message: messageSuccess, data: []kv{
		{"app_no", appNo}, {"mch_trade_no", tr.MchTradeNo}, {"transaction_no", tr.TransactionNo},
		{"code", tr.Code}, {"description", tr.Description}, {"extra", tr.Extra},
		{"success_time", tr.SuccessTime}, {"acoid", tr.Acoid}, {"amount_total", tr.AmountTotal},
		{"pay_channel", tr.PayChannel}, {"pay_method", tr.PayMethod},
	}}, fault)
}

func (s *Simulator) serveRefund(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r) {
		return
	}
	q := r.URL.Query()
	mchRefundNo, refundNo := q.Get("mch_refund_no"), q.Get("refund_no")
	if mchRefundNo == "" && refundNo == "" {
		s.write(w, r, refusal(simParamError, "PARAM_ERROR", "商户退款单号与翼辉退款单号不能同时为空!"), "")
		return
	}
	s.mu.Lock()
	rf := s.refunds[mchRefundNo]
	if refundNo != "" { // the platform's number wins when both are given
		rf = s.byRefundNo[refundNo]
	}
	var rc Refund
	if rf != nil {
		rc = *rf
	}
	s.mu.Unlock()
	key := mchRefundNo
	if rf != nil {
		key = rc.MchRefundNo
	} else if key == "" {
		key = refundNo
	}
	fault := s.fault(key)
	if rf == nil {
		s.write(w, r, refusal(statusRefundNotExist, "REFUND_NOT_EXIST", "此退款单不存在!"), fault)
		return
	}
	s.write(w, r, &reply{status: statusOK, message: messageSuccess, data: []kv{
		{"mch_trade_no", rc.MchTradeNo}, {"transaction_no", rc.TransactionNo},
		{"mch_refund_no", rc.MchRefundNo}, {"refund_no", rc.RefundNo}, {"refund_amount", rc.RefundAmount},
		{"code", rc.Code}, {"description", rc.Description}, {"refund_reason", rc.RefundReason},
		{"success_time", rc.SuccessTime}, {"refund_channel", rc.RefundChannel},
	}}, fault)
}

// admit answers a request that is not a signed GET, as the platform does,
// and reports whether the handler should go on.
func (s *Simulator) admit(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return false
	}
	if rej := s.authenticate(r); rej != nil {
		s.write(w, r, rej, "")
		return false
	}
	return true
}

// fault picks this request's fault: a scripted one for key first, else a
// random one.
func (s *Simulator) fault(key string) string {
	if f := s.scripted(key); f != "" {
		return f
	}
	return s.random()
}

// write signs rep with the platform key and sends it, applying fault.
func (s *Simulator) write(w http.ResponseWriter, r *http.Request, rep *reply, fault string) {
	switch fault {
	case fault5xx:
		http.Error(w, `{"error":"scripted: service unavailable"}`, http.StatusServiceUnavailable)
		return
	case faultMalformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":200,"message":"SUCCESS","data":{"mch_no`))
		return
	}
	nonce := r.Header.Get(hdrNonce)
	mch := r.Header.Get(hdrMchNo)
	signedNonce := nonce
	if fault == faultReplay {
		signedNonce, _ = newNonce() // an answer to some other request
	}
	data := append([]kv{{"mch_no", mch}, {"nonce", signedNonce}, {"sign_type", signType}}, rep.data...)
	canon := map[string]any{"status": rep.status, "message": rep.message}
	if rep.fieldErrors != "" {
		canon["fieldErrors"] = rep.fieldErrors
	}
	dm := map[string]any{}
	for _, f := range data {
		if f.v != "" {
			dm[f.k] = f.v
		}
	}
	canon["data"] = dm
	msg, err := canonicalJSON(canon)
	if err != nil {
		http.Error(w, "simulator: "+err.Error(), http.StatusInternalServerError)
		return
	}
	sig, err := sign(s.platform, msg)
	if err != nil {
		http.Error(w, "simulator: "+err.Error(), http.StatusInternalServerError)
		return
	}
	switch fault {
	case faultBadSign:
		raw, _ := base64.StdEncoding.DecodeString(sig)
		raw[len(raw)/2] ^= 0x01
		sig = base64.StdEncoding.EncodeToString(raw)
	case faultTamper:
		tamper(rep, data)
	case faultNoSign:
		sig = ""
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(body(rep, data, sig))
}

// tamper changes one signed field after signing: an amount up by one fen,
// else the code, else the message.
func tamper(rep *reply, data []kv) {
	for i, f := range data {
		if (f.k == "amount_total" || f.k == "refund_amount") && f.v != "" {
			if v, err := money.Parse(f.v, 2); err == nil {
				data[i].v = money.Format(v+1, 2)
				return
			}
		}
	}
	for i, f := range data {
		if f.k == "code" {
			data[i].v = map[bool]string{true: "CLOSED", false: "SUCCESS"}[f.v == "SUCCESS"]
			return
		}
	}
	rep.message += "!"
}

// body writes the answer the way the platform's page shows it: envelope
// members in the order status, message, fieldErrors, data; data members in
// the page's order with sign after nonce; empty members left out. It is
// deliberately not the canonical form (and json.Marshal escapes <, >, &),
// so the client must rebuild the signed string itself.
func body(rep *reply, data []kv, sig string) []byte {
	var b bytes.Buffer
	str := func(s string) { j, _ := json.Marshal(s); b.Write(j) }
	b.WriteString(`{"status":` + strconv.Itoa(rep.status) + `,"message":`)
	str(rep.message)
	b.WriteString(`,"fieldErrors":`)
	if rep.fieldErrors == "" {
		b.WriteString("null")
	} else {
		str(rep.fieldErrors)
	}
	b.WriteString(`,"data":{`)
	first := true
	member := func(k, v string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		str(k)
		b.WriteByte(':')
		str(v)
	}
	placed := sig == ""
	for _, f := range data {
		if f.v == "" {
			continue
		}
		member(f.k, f.v)
		if f.k == "nonce" && !placed {
			member("sign", sig)
			placed = true
		}
	}
	if !placed { // a refusal of a request without a nonce
		member("sign", sig)
	}
	b.WriteString("}}")
	return b.Bytes()
}
