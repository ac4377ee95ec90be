package sim

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/reconhq/recon/plugins/edgeros"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/simkit/script"
)

// The simulator's refusals. PROTOCOL: the platform's error-code table is not
// public; 1007 and 1008 are the protocol's, the rest are the simulator's
// choice. The client treats all three as PERMANENT.
const (
	paramError  = 1001 // PARAM_ERROR: a header or the order's number missing, a bad nonce
	signError   = 1002 // SIGN_ERROR: sign type not SHA256withRSA, or the request signature does not verify
	mchNotExist = 1003 // MCH_NOT_EXIST: x-acopay-mch-no is not the simulator's merchant
)

// ServeHTTP serves the platform's API paths.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

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
	mch, nonce := r.Header.Get(edgeros.HeaderMchNo), r.Header.Get(edgeros.HeaderNonce)
	st, sig := r.Header.Get(edgeros.HeaderSignType), r.Header.Get(edgeros.HeaderSign)
	if mch == "" || nonce == "" || st == "" || sig == "" {
		return refusal(paramError, "PARAM_ERROR", "缺少签名请求头!")
	}
	if !edgeros.ValidNonce(nonce) {
		return refusal(paramError, "PARAM_ERROR", "随机字符串格式错误!")
	}
	s.mu.Lock()
	known := mch == s.mchNo
	s.mu.Unlock()
	if !known {
		return refusal(mchNotExist, "MCH_NOT_EXIST", "商户不存在!")
	}
	if st != edgeros.SignType {
		return refusal(signError, "SIGN_ERROR", "签名类型不支持!")
	}
	fields := map[string]string{"mch_no": mch, "nonce": nonce, "sign_type": st}
	for k, vs := range r.URL.Query() {
		if k != "aco_pay_sdk" && k != "version" && len(vs) > 0 {
			fields[k] = vs[0]
		}
	}
	if edgeros.Verify(&s.merchant.PublicKey, edgeros.SigningString(fields), sig) != nil {
		return refusal(signError, "SIGN_ERROR", "签名验证失败!")
	}
	return nil
}

func (s *Simulator) serveTrade(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, "mch_trade_no", "transaction_no",
		refusal(paramError, "PARAM_ERROR", "商户订单号与翼辉支付订单号不能同时为空!"),
		refusal(edgeros.StatusOrderNotExist, "ORDER_NOT_EXIST", "此订单不存在!"),
		func(mchNo, platformNo string) (string, []kv) {
			t := pick(s.trades, s.byTxn, mchNo, platformNo)
			if t == nil {
				return "", nil
			}
			return t.MchTradeNo, s.tradeData(t)
		},
		func(key string) []kv {
			t := another(s.trades, key, func(t *Trade) int { return paidRank[t.Code] })
			if t == nil {
				return nil
			}
			return s.tradeData(t)
		})
}

// paidRank orders the trades other_order may answer with: a paid one first,
// since a paid answer is what would pass for a match.
var paidRank = map[string]int{"SUCCESS": -2, "REFUND": -1}

func (s *Simulator) tradeData(t *Trade) []kv {
	return []kv{
		{"app_no", s.appNo}, {"mch_trade_no", t.MchTradeNo}, {"transaction_no", t.TransactionNo},
		{"code", t.Code}, {"description", t.Description}, {"extra", t.Extra},
		{"success_time", t.SuccessTime}, {"acoid", t.Acoid}, {"amount_total", t.AmountTotal},
		{"pay_channel", t.PayChannel}, {"pay_method", t.PayMethod},
	}
}

func (s *Simulator) serveRefund(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, "mch_refund_no", "refund_no",
		refusal(paramError, "PARAM_ERROR", "商户退款单号与翼辉退款单号不能同时为空!"),
		refusal(edgeros.StatusRefundNotExist, "REFUND_NOT_EXIST", "此退款单不存在!"),
		func(mchNo, platformNo string) (string, []kv) {
			rf := pick(s.refunds, s.byRefundNo, mchNo, platformNo)
			if rf == nil {
				return "", nil
			}
			return rf.MchRefundNo, refundData(rf)
		},
		func(key string) []kv {
			order := ""
			if asked := s.refunds[key]; asked != nil {
				order = asked.MchTradeNo
			}
			rf := another(s.refunds, key, func(rf *Refund) int {
				rank := 0
				if rf.Code == "SUCCESS" {
					rank -= 2
				}
				if rf.MchTradeNo != order {
					rank-- // another order's refund: wrong on both numbers
				}
				return rank
			})
			if rf == nil {
				return nil
			}
			return refundData(rf)
		})
}

func refundData(rf *Refund) []kv {
	return []kv{
		{"mch_trade_no", rf.MchTradeNo}, {"transaction_no", rf.TransactionNo},
		{"mch_refund_no", rf.MchRefundNo}, {"refund_no", rf.RefundNo}, {"refund_amount", rf.RefundAmount},
		{"code", rf.Code}, {"description", rf.Description}, {"refund_reason", rf.RefundReason},
		{"success_time", rf.SuccessTime}, {"refund_channel", rf.RefundChannel},
	}
}

// pick is the record a query names: the platform's number wins when both
// are given, as at the platform.
func pick[T any](byMch, byPlatform map[string]*T, mchNo, platformNo string) *T {
	if platformNo != "" {
		return byPlatform[platformNo]
	}
	return byMch[mchNo]
}

// another is the record of byMch, not key, of lowest rank (ties by merchant
// number, so that a test knows which one answers); nil when there is none.
func another[T any](byMch map[string]*T, key string, rank func(*T) int) *T {
	var best *T
	bestNo, bestRank := "", 0
	for no, rec := range byMch {
		if no == key {
			continue
		}
		r := rank(rec)
		if best == nil || r < bestRank || r == bestRank && no < bestNo {
			best, bestNo, bestRank = rec, no, r
		}
	}
	return best
}

// serve answers one query: a signed GET naming the merchant's number
// (mchParam) or the platform's (platformParam). find, called under s.mu,
// returns the record's merchant number and its data, "" when nothing
// matched; other, also under s.mu, is the data of another record than key
// for the other_order fault, nil when the simulator holds none. The
// request's fault is taken after it is authenticated and its key is known
// (the record's merchant number, else the number asked), so a refused
// request uses up none.
func (s *Simulator) serve(w http.ResponseWriter, r *http.Request, mchParam, platformParam string,
	noNumber, unknown *reply, find func(mchNo, platformNo string) (string, []kv), other func(key string) []kv) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if rej := s.authenticate(r); rej != nil {
		s.write(w, r, rej, "")
		return
	}
	q := r.URL.Query()
	mchNo, platformNo := q.Get(mchParam), q.Get(platformParam)
	if mchNo == "" && platformNo == "" {
		s.write(w, r, noNumber, "")
		return
	}
	s.mu.Lock()
	key, data := find(mchNo, platformNo)
	s.mu.Unlock()
	rep := unknown
	if key == "" {
		key = cmp.Or(mchNo, platformNo)
	} else {
		rep = &reply{status: edgeros.StatusOK, message: edgeros.MessageSuccess, data: data}
	}
	fault := s.fault(key)
	if fault == OtherOrder {
		s.mu.Lock()
		data := other(key)
		s.mu.Unlock()
		if data == nil {
			http.Error(w, "simulator: other_order: no other record to answer with", http.StatusInternalServerError)
			return
		}
		// Signed and sent as usual: nothing in the envelope betrays it.
		rep, fault = &reply{status: edgeros.StatusOK, message: edgeros.MessageSuccess, data: data}, ""
	}
	s.write(w, r, rep, fault)
}

// fault picks this request's fault: a scripted one for key first, else a
// random one.
func (s *Simulator) fault(key string) script.Fault {
	s.mu.Lock()
	plan := s.plan
	s.mu.Unlock()
	if f, ok := plan.Take(key); ok {
		return f
	}
	for _, f := range randomFaults {
		if s.inj.Extra(string(f)) {
			return f
		}
	}
	return ""
}

// write signs rep with the platform key and sends it, applying fault.
func (s *Simulator) write(w http.ResponseWriter, r *http.Request, rep *reply, fault script.Fault) {
	if generic.Serve(w, r, fault) {
		return
	}
	nonce := r.Header.Get(edgeros.HeaderNonce)
	mch := r.Header.Get(edgeros.HeaderMchNo)
	signedNonce := nonce
	if fault == script.Replay {
		signedNonce, _ = edgeros.NewNonce() // an answer to some other request
	}
	data := append([]kv{{"mch_no", mch}, {"nonce", signedNonce}, {"sign_type", edgeros.SignType}}, rep.data...)
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
	msg, err := edgeros.CanonicalJSON(canon)
	if err != nil {
		http.Error(w, "simulator: "+err.Error(), http.StatusInternalServerError)
		return
	}
	sig, err := edgeros.Sign(s.platform, msg)
	if err != nil {
		http.Error(w, "simulator: "+err.Error(), http.StatusInternalServerError)
		return
	}
	switch fault {
	case script.BadSign:
		raw, _ := base64.StdEncoding.DecodeString(sig)
		raw[len(raw)/2] ^= 0x01
		sig = base64.StdEncoding.EncodeToString(raw)
	case script.Tamper:
		tamper(rep, data)
	case script.NoSign:
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
