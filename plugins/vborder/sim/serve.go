package sim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/reconhq/recon/plugins/helper/jsonfields"
	"github.com/reconhq/recon/plugins/simkit/script"
	"github.com/reconhq/recon/plugins/vborder"
)

// contentType is what the platform answers with.
const contentType = "application/json;charset=UTF-8"

// outer is the platform's HTTP answer as it writes one: data is a JSON
// string (or null). The client reads the same shape leniently.
type outer struct {
	Code    string  `json:"code"`
	Success bool    `json:"success"`
	Data    *string `json:"data"`
	Msg     string  `json:"msg"`
}

// view is what one request needs of the simulator's state, read once.
type view struct {
	customerNo, signKey, responseKey string
	signResponses                    bool
	slowDelay                        time.Duration
	plan                             *script.Plan
	order                            *Order
}

// ServeHTTP serves vborder.APIPath relative to wherever the simulator is
// mounted, behind the injector's random faults.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// serveQuery is POST APIPath: decrypt and check the request as the platform
// does ("400" when the sign is wrong or reqmsg does not decrypt), apply the
// scripted and random faults, and answer encrypted and signed.
func (s *Simulator) serveQuery(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		return // the client went away
	}
	var req vborder.Envelope
	if err := json.Unmarshal(body, &req); err != nil {
		writeOuter(w, outer{Code: "400", Msg: "请求报文格式错误"})
		return
	}
	s.mu.RLock()
	v := view{customerNo: s.customerNo, signKey: s.signKey, responseKey: s.responseKey,
		signResponses: s.signResponses, slowDelay: s.slowDelay, plan: s.plan}
	s.mu.RUnlock()
	if req.CustomerNo != v.customerNo {
		writeOuter(w, outer{Code: "400", Msg: "商户号不存在"})
		return
	}
	orderNo, msg := s.openRequest(req.Reqmsg, v.signKey)
	if msg != "" {
		writeOuter(w, outer{Code: "400", Msg: msg})
		return
	}

	// Faults scripted for this order (or for every request) or rolled at
	// their rates, each at its own stage, so that they compose: a slow
	// answer may also be badly signed.
	gen := script.Generic{SlowDelay: v.slowDelay, ContentType: contentType,
		MalformedBody: `{"code":"200","success":true,"data":"{\"customerNo\":\"` + v.customerNo + `\",\"req`}
	if v.plan.TakeFault(orderNo, script.HTTP5xx) && gen.Serve(w, r, script.HTTP5xx) {
		return
	}
	if s.meets(v.plan, orderNo, script.Busy) {
		writeOuter(w, outer{Code: "500", Msg: "系统繁忙,请稍后再试"})
		return
	}
	for _, f := range []script.Fault{script.Slow, script.Hang, script.Malformed} {
		if v.plan.TakeFault(orderNo, f) && gen.Serve(w, r, f) {
			return
		}
	}

	otherOrder := s.meets(v.plan, orderNo, OtherOrder)
	s.mu.RLock()
	if o, ok := s.orders[orderNo]; ok {
		cp := *o
		v.order = &cp
	}
	if otherOrder {
		v.order = s.otherPaid(orderNo)
	}
	s.mu.RUnlock()
	biz := notFound(v.customerNo, orderNo)
	if v.order != nil {
		biz = v.order.business(v.customerNo)
	}
	badSign := s.meets(v.plan, orderNo, script.BadSign)
	if v.signResponses || badSign {
		key := v.signKey
		if badSign {
			key = "not-" + v.signKey
		}
		if err := vborder.AddSign(biz, key); err != nil {
			http.Error(w, "simulator: "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	plain, err := vborder.MarshalJSON(biz)
	if err != nil {
		http.Error(w, "simulator: "+err.Error(), http.StatusInternalServerError)
		return
	}
	ct, err := s.seal(plain, v.responseKey)
	if err != nil {
		http.Error(w, "simulator: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if s.meets(v.plan, orderNo, script.Tamper) {
		ct = s.tamper(ct, v.responseKey)
	}
	data, _ := vborder.MarshalJSON(vborder.Envelope{CustomerNo: v.customerNo, Reqmsg: base64.StdEncoding.EncodeToString(ct)})
	ds := string(data)
	writeOuter(w, outer{Code: "200", Success: true, Data: &ds, Msg: "操作成功"})
}

// openRequest decrypts reqmsg with the platform key and checks its sign. It
// returns the order number, or the platform's rejection message.
func (s *Simulator) openRequest(reqmsg, signKey string) (orderNo, rejection string) {
	ct, err := base64.StdEncoding.DecodeString(reqmsg)
	if err != nil || len(ct) == 0 {
		return "", "reqmsg解密失败"
	}
	plain, err := vborder.DecryptSegmented(s.platformKey, ct)
	if err != nil {
		return "", "reqmsg解密失败"
	}
	fields, err := jsonfields.Object(plain)
	if err != nil {
		return "", "reqmsg解密失败"
	}
	got, ok := stringMember(fields, vborder.SignField)
	if !ok || got == "" {
		return "", "签名错误"
	}
	want, err := vborder.Sign(fields, signKey)
	if err != nil || !vborder.SignMatches(got, want) {
		return "", "签名错误"
	}
	orderNo, _ = stringMember(fields, "orderNo")
	if orderNo == "" {
		return "", "orderNo不能为空"
	}
	return orderNo, ""
}

// stringMember is fields[name] when it is a JSON string: the platform
// takes a sign or an order number as nothing else.
func stringMember(fields map[string]json.RawMessage, name string) (string, bool) {
	raw := fields[name]
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	return jsonfields.Value(raw)
}

// meets reports whether this query of orderNo meets the provider's fault f:
// scripted, or rolled at the rate faults.extra names.
func (s *Simulator) meets(plan *script.Plan, orderNo string, f script.Fault) bool {
	return plan.TakeFault(orderNo, f) || s.inj.Extra(string(f))
}

// seal encrypts the answer as the account's scheme says.
func (s *Simulator) seal(plain []byte, responseKey string) ([]byte, error) {
	if responseKey == vborder.ResponsePlatformPublic {
		return vborder.PrivateEncryptSegmented(s.platformKey, plain)
	}
	return vborder.EncryptSegmented(&s.merchantKey.PublicKey, plain)
}

// opens reports whether ct still decrypts under the account's scheme.
func (s *Simulator) opens(ct []byte, responseKey string) bool {
	var err error
	if responseKey == vborder.ResponsePlatformPublic {
		_, err = vborder.PublicDecryptSegmented(&s.platformKey.PublicKey, ct)
	} else {
		_, err = vborder.DecryptSegmented(s.merchantKey, ct)
	}
	return err == nil
}

// tamper alters one byte of the ciphertext, choosing a byte whose change
// makes the padding check fail: a tampered answer must be detectably so,
// every time, or tests that plant one would flake. (A random flip already
// fails all but about 1 in 65,000 times.)
func (s *Simulator) tamper(ct []byte, responseKey string) []byte {
	t := bytes.Clone(ct)
	for i := 0; i < len(ct); i++ {
		pos := (len(ct)/2 + i*131) % len(ct)
		t[pos] ^= 0x5A
		if !s.opens(t, responseKey) {
			return t
		}
		t[pos] ^= 0x5A
	}
	t[len(t)-1] ^= 0xFF
	return t[:len(t)-1] // no longer whole blocks: cannot decrypt
}

// business is the decrypted answer for a known order.
func (o *Order) business(customerNo string) map[string]any {
	m := map[string]any{
		"customerNo":  customerNo,
		"orderNo":     o.OrderNo,
		"orderAmount": o.OrderAmount,
		"errCode":     vborder.ErrCodeOK,
		"errMessage":  "成功",
	}
	for k, v := range map[string]string{
		"goodNo": o.GoodNo, "goodName": o.GoodName, "platformSeq": o.PlatformSeq, "payType": o.PayType,
		"payTime": o.PayTime, "identifyId": o.IdentifyID, "payStatus": o.PayStatus,
		"checkStatus": o.CheckStatus, "checkMsg": o.CheckMsg, "channelReturnOrderNo": o.ChannelReturnOrderNo,
		"bankReturnOrderNo": o.BankReturnOrderNo, "ext1": o.Ext1, "ext2": o.Ext2, "channelCode": o.ChannelCode,
	} {
		if v != "" {
			m[k] = v
		}
	}
	for k, v := range map[string]any{"payerInfo": o.PayerInfo, "payeeInfo": o.PayeeInfo, "installmentData": o.InstallmentData} {
		if v != nil {
			m[k] = v
		}
	}
	return m
}

// otherPaid is a copy of a paid order other than orderNo, for the
// other_order fault: the first by order number, so that a test knows which
// one answers. With none held it is a made-up paid order, so that the fault
// still answers about another order. s.mu is held.
func (s *Simulator) otherPaid(orderNo string) *Order {
	for _, no := range slices.Sorted(maps.Keys(s.orders)) {
		if o := s.orders[no]; no != orderNo && o.PayStatus == "SUCCESS" {
			cp := *o
			cp.Faults = nil
			return &cp
		}
	}
	return &Order{OrderNo: "OTHER-" + orderNo, GoodName: "test", PlatformSeq: "S1999999999999999999",
		OrderAmount: 100, PayType: "WECHAT_JSAPI", PayTime: "2026-01-01 00:00:00", PayStatus: "SUCCESS"}
}

// notFound is the answer for an order the platform does not know
// (PROTOCOL decision: errCode 1001 订单不存在, no payStatus).
func notFound(customerNo, orderNo string) map[string]any {
	return map[string]any{"customerNo": customerNo, "orderNo": orderNo,
		"errCode": vborder.ErrCodeNotFound, "errMessage": "订单不存在"}
}

func writeOuter(w http.ResponseWriter, o outer) {
	b, _ := vborder.MarshalJSON(o)
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(b)
}
