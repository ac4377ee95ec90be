package sim

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/reconhq/recon/plugins/helper/jsonfields"
	"github.com/reconhq/recon/plugins/paypro"
	"github.com/reconhq/recon/plugins/simkit/script"
)

// statusPaid is data.status of a successful pay-in.
const statusPaid = "0000"

// maxRequestBytes caps a query body; a real one is about a hundred bytes.
const maxRequestBytes = 64 << 10

// ServeHTTP serves PayPro's API: POST /v1/paypro/queryPayInResult.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// readFirst reads the whole request body before anything else, as a real
// server does before it is slow. It also lets an injected delay end when the
// client gives up: net/http notices a closed connection only once the body
// has been read.
func readFirst(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
		if err != nil {
			http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	})
}

// serveQuery answers POST /v1/paypro/queryPayInResult as PayPro does:
// merchant, then signature and clock, then scripted faults, then the order.
func (s *Simulator) serveQuery(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := readBody(r)
	if err != nil {
		s.reply(w, paypro.CodeFailed, "param error", nil)
		return
	}
	s.mu.RLock()
	merchantNo, secret, plan, generic := s.merchantNo, s.secret, s.plan, s.generic
	s.mu.RUnlock()

	// PROTOCOL (decision): an unknown merchantNo is its own 8000.
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("merchantNo")), []byte(merchantNo)) != 1 {
		s.reply(w, paypro.CodeFailed, "merchant not exist", nil)
		return
	}
	tradeNo := body["tradeNo"]
	if tradeNo == "" {
		s.reply(w, paypro.CodeFailed, "param error", nil)
		return
	}
	want := paypro.Sign(body, secret)
	if subtle.ConstantTimeCompare([]byte(body["sign"]), []byte(want)) != 1 || !s.fresh(body["timestamp"]) {
		s.reply(w, paypro.CodeFailed, paypro.MsgSignError, nil)
		return
	}
	f, _ := plan.Take(tradeNo)
	if generic.Serve(w, r, f) {
		return
	}
	if f == script.Busy || s.inj.Extra(string(script.Busy)) {
		s.reply(w, paypro.CodeBusy, "system exception", nil)
		return
	}
	s.mu.RLock()
	o, ok := s.orders[tradeNo]
	if f == OtherOrder || s.inj.Extra(string(OtherOrder)) {
		o, ok = s.otherOrder(tradeNo), true
	}
	s.mu.RUnlock()
	if !ok {
		s.reply(w, paypro.CodeFailed, paypro.MsgOrderNotExist, nil)
		return
	}
	s.reply(w, paypro.CodeHandled, "success", o.data())
}

// otherOrder is the order an other_order fault answers with instead of
// tradeNo's: the paid order with the lowest tradeNo but tradeNo, paid
// because a paid answer is the one that would wrongly match, the lowest so
// that a scenario answers alike every run. With no other paid order it is a
// made-up one, so that the fault is always about another order. s.mu is
// held for reading.
func (s *Simulator) otherOrder(tradeNo string) order {
	for _, k := range slices.Sorted(maps.Keys(s.orders)) {
		if o := s.orders[k]; k != tradeNo && o.Status == statusPaid {
			return o
		}
	}
	return order{TradeNo: "OTHER-" + tradeNo, PlatformTradeNo: "ppother000000001", Amount: "1000.00",
		Status: statusPaid, SuccessTime: s.now().In(s.loc).Format(time.DateTime)}
}

// readBody decodes the request body into flat strings, as the sign sees them.
func readBody(r *http.Request) (map[string]string, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	return jsonfields.FromObject(raw)
}

// fresh reports whether an epoch-milliseconds timestamp is within clockSkew
// of the simulator's clock.
func (s *Simulator) fresh(ts string) bool {
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	d := s.now().Sub(time.UnixMilli(ms))
	return d <= clockSkew && d >= -clockSkew
}

// reply writes PayPro's envelope; the response timestamp is a JSON number,
// as in the provider page's example.
func (s *Simulator) reply(w http.ResponseWriter, code, msg string, data any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct {
		Msg       string `json:"msg"`
		Code      string `json:"code"`
		Timestamp int64  `json:"timestamp"`
		Success   bool   `json:"success"`
		Data      any    `json:"data"`
	}{msg, code, s.now().UnixMilli(), code == paypro.CodeHandled, data})
}

// wireData is data of a handled query, in the provider page's field order.
type wireData struct {
	PlatFormTradeNo string `json:"platFormTradeNo,omitempty"`
	PayproTradeNo   string `json:"payproTradeNo,omitempty"`
	TradeNo         string `json:"tradeNo"`
	Amount          string `json:"amount"`
	ReceivedAmount  string `json:"receivedAmount,omitempty"`
	Status          string `json:"status"`
	Message         string `json:"message,omitempty"`
	SuccessTime     string `json:"successTime,omitempty"`
}

func (o order) data() wireData {
	d := wireData{TradeNo: o.TradeNo, Amount: o.Amount, ReceivedAmount: o.ReceivedAmount,
		Status: o.Status, Message: o.Message, SuccessTime: o.SuccessTime}
	if o.PlatformField == "payproTradeNo" {
		d.PayproTradeNo = o.PlatformTradeNo
	} else {
		d.PlatFormTradeNo = o.PlatformTradeNo
	}
	return d
}
