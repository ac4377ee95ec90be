package vborder

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/reconhq/recon/plugins/simkit"
)

// simOuter is the platform's HTTP answer. data is a JSON string (or null).
type simOuter struct {
	Code    string  `json:"code"`
	Success bool    `json:"success"`
	Data    *string `json:"data"`
	Msg     string  `json:"msg"`
}

// simView is what one request needs of the simulator's state, read once.
type simView struct {
	customerNo, signKey, responseKey string
	signResponses                    bool
	slowDelay                        time.Duration
	script                           *simkit.Countdown
	order                            *Order
}

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
	var req envelope
	if err := json.Unmarshal(body, &req); err != nil {
		writeOuter(w, simOuter{Code: "400", Msg: "请求报文格式错误"})
		return
	}
	s.mu.RLock()
	v := simView{customerNo: s.customerNo, signKey: s.signKey, responseKey: s.responseKey,
		signResponses: s.signResponses, slowDelay: s.slowDelay, script: s.script}
	s.mu.RUnlock()
	if req.CustomerNo != v.customerNo {
		writeOuter(w, simOuter{Code: "400", Msg: "商户号不存在"})
		return
	}
	orderNo, msg := s.openRequest(req.Reqmsg, v.signKey)
	if msg != "" {
		writeOuter(w, simOuter{Code: "400", Msg: msg})
		return
	}

	// Faults scripted for this order (Countdown) or rolled at their rates.
	if s.fault(v.script, Fault5xx, orderNo, false) {
		http.Error(w, `{"error":"scripted: service unavailable"}`, http.StatusServiceUnavailable)
		return
	}
	if s.fault(v.script, FaultBusy, orderNo, true) {
		writeOuter(w, simOuter{Code: "500", Msg: "系统繁忙,请稍后再试"})
		return
	}
	if s.fault(v.script, FaultSlow, orderNo, false) {
		select {
		case <-time.After(v.slowDelay):
		case <-r.Context().Done():
			return
		}
	}
	if s.fault(v.script, FaultMalformed, orderNo, false) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_, _ = w.Write([]byte(`{"code":"200","success":true,"data":"{\"customerNo\":\"` + v.customerNo + `\",\"req`))
		return
	}

	s.mu.RLock()
	if o, ok := s.orders[orderNo]; ok {
		cp := *o
		v.order = &cp
	}
	s.mu.RUnlock()
	biz := notFound(v.customerNo, orderNo)
	if v.order != nil {
		biz = v.order.business(v.customerNo)
	}
	badSign := s.fault(v.script, FaultBadSign, orderNo, true)
	if v.signResponses || badSign {
		key := v.signKey
		if badSign {
			key = "not-" + v.signKey
		}
		if err := signInto(biz, key); err != nil {
			http.Error(w, "simulator: "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	plain, err := marshalJSON(biz)
	if err != nil {
		http.Error(w, "simulator: "+err.Error(), http.StatusInternalServerError)
		return
	}
	ct, err := s.seal(plain, v.responseKey)
	if err != nil {
		http.Error(w, "simulator: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if s.fault(v.script, FaultTamper, orderNo, true) {
		ct = s.tamper(ct, v.responseKey)
	}
	data, _ := marshalJSON(envelope{CustomerNo: v.customerNo, Reqmsg: base64.StdEncoding.EncodeToString(ct)})
	ds := string(data)
	writeOuter(w, simOuter{Code: "200", Success: true, Data: &ds, Msg: "操作成功"})
}

// openRequest decrypts reqmsg with the platform key and checks its sign. It
// returns the order number, or the platform's rejection message.
func (s *Simulator) openRequest(reqmsg, signKey string) (orderNo, rejection string) {
	ct, err := base64.StdEncoding.DecodeString(reqmsg)
	if err != nil || len(ct) == 0 {
		return "", "reqmsg解密失败"
	}
	plain, err := decryptSegmented(s.platformKey, ct)
	if err != nil {
		return "", "reqmsg解密失败"
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return "", "reqmsg解密失败"
	}
	got, ok := stringValue(fields[signField])
	if !ok || got == "" {
		return "", "签名错误"
	}
	want, err := computeSign(fields, signKey)
	if err != nil || !signMatches(got, want) {
		return "", "签名错误"
	}
	orderNo, _ = stringValue(fields["orderNo"])
	if orderNo == "" {
		return "", "orderNo不能为空"
	}
	return orderNo, ""
}

// fault reports whether this query of orderNo meets the fault: scripted for
// the order, or (withRate) rolled at the rate faults.extra names.
func (s *Simulator) fault(script *simkit.Countdown, kind, orderNo string, withRate bool) bool {
	if script.Take(kind + ":" + orderNo) {
		s.inj.Count(kind)
		return true
	}
	return withRate && s.inj.Extra(kind)
}

// seal encrypts the answer as the account's scheme says.
func (s *Simulator) seal(plain []byte, responseKey string) ([]byte, error) {
	if responseKey == ResponsePlatformPublic {
		return privateEncryptSegmented(s.platformKey, plain)
	}
	return encryptSegmented(&s.merchantKey.PublicKey, plain)
}

// opens reports whether ct still decrypts under the account's scheme.
func (s *Simulator) opens(ct []byte, responseKey string) bool {
	var err error
	if responseKey == ResponsePlatformPublic {
		_, err = publicDecryptSegmented(&s.platformKey.PublicKey, ct)
	} else {
		_, err = decryptSegmented(s.merchantKey, ct)
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
		"errCode":     errCodeOK,
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

// notFound is the answer for an order the platform does not know
// (PROTOCOL decision: errCode 1001 订单不存在, no payStatus).
func notFound(customerNo, orderNo string) map[string]any {
	return map[string]any{"customerNo": customerNo, "orderNo": orderNo,
		"errCode": errCodeNotFound, "errMessage": "订单不存在"}
}

// signInto adds the sign over m's other fields.
func signInto(m map[string]any, key string) error {
	fields, err := rawFields(m)
	if err != nil {
		return err
	}
	sign, err := computeSign(fields, key)
	if err != nil {
		return err
	}
	m[signField] = sign
	return nil
}

func writeOuter(w http.ResponseWriter, o simOuter) {
	b, _ := marshalJSON(o)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(b)
}
