package paypro

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/reconhq/recon/plugins/simkit"
)

// Demo account of the simulator: an Indonesian merchant.
const (
	DemoMerchantNo = "6010000001"
	DemoSecret     = "paypro-demo-secret-3f9c2a7e"
	DemoCurrency   = "IDR"
	DemoTimezone   = "Asia/Jakarta"
)

// clockSkew is how far a request's timestamp may be from the simulator's
// clock. PROTOCOL (decision): more than 5 minutes off is "sign error".
const clockSkew = 5 * time.Minute

// Simulator serves PayPro's pay-in result query on loopback. It is safe for
// concurrent use.
type Simulator struct {
	inj     *simkit.Injector
	handler http.Handler
	now     func() time.Time // the clock requests' timestamps are checked against

	mu         sync.RWMutex
	merchantNo string
	secret     string
	currency   string
	timezone   string
	loc        *time.Location
	orders     map[string]order // by tradeNo
	scripts    *scripts         // replaced whole by LoadScenario
	seq        int              // last planted order number
}

// scripts are the per-order scripted faults, keyed by tradeNo. A count of -1
// fails forever.
type scripts struct {
	http5xx simkit.Countdown // answer HTTP 503
	busy    simkit.Countdown // answer outer code 5000 ("5000 the first N times, then answer")
}

// order is one pay-in as the simulator reports it. Strings are sent as
// written, so a scenario can use every form PayPro does ("300", "9:30:13").
type order struct {
	TradeNo         string
	PlatformTradeNo string
	PlatformField   string // platFormTradeNo (default) or payproTradeNo
	Amount          string
	ReceivedAmount  string
	Status          string
	Message         string
	SuccessTime     string
}

// NewSimulator returns a simulator with the demo account and no orders.
func NewSimulator() *Simulator {
	loc, err := time.LoadLocation(DemoTimezone)
	if err != nil {
		loc = time.FixedZone("WIB", 7*3600) // Asia/Jakarta has no DST
	}
	s := &Simulator{
		inj:        simkit.NewInjector(),
		now:        time.Now,
		merchantNo: DemoMerchantNo,
		secret:     DemoSecret,
		currency:   DemoCurrency,
		timezone:   DemoTimezone,
		loc:        loc,
		orders:     map[string]order{},
		scripts:    &scripts{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc(queryPath, s.serveQuery)
	s.handler = readFirst(s.inj.Wrap(mux))
	return s
}

// maxRequestBytes caps a query body; a real one is about a hundred bytes.
const maxRequestBytes = 64 << 10

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

// Name is the provider's plugin name.
func (s *Simulator) Name() string { return Name }

// Faults is the simulator's fault injector. Besides the generic faults it
// rolls Extra["busy"]: answer outer code 5000 (system exception).
func (s *Simulator) Faults() *simkit.Injector { return s.inj }

// Account is what a recon account needs to talk to this simulator.
func (s *Simulator) Account() simkit.Account {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return simkit.Account{
		Currency: s.currency,
		Timezone: s.timezone,
		Credentials: map[string]string{
			credMerchantNo: s.merchantNo,
			credSecret:     s.secret,
		},
	}
}

func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

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
		s.reply(w, codeFailed, "param error", nil)
		return
	}
	s.mu.RLock()
	merchantNo, secret, sc := s.merchantNo, s.secret, s.scripts
	s.mu.RUnlock()

	// PROTOCOL (decision): an unknown merchantNo is its own 8000.
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("merchantNo")), []byte(merchantNo)) != 1 {
		s.reply(w, codeFailed, "merchant not exist", nil)
		return
	}
	tradeNo := body["tradeNo"]
	if tradeNo == "" {
		s.reply(w, codeFailed, "param error", nil)
		return
	}
	want := sign(body, secret)
	if subtle.ConstantTimeCompare([]byte(body["sign"]), []byte(want)) != 1 || !s.fresh(body["timestamp"]) {
		s.reply(w, codeFailed, msgSignError, nil)
		return
	}
	if sc.http5xx.Take(tradeNo) {
		s.inj.Count("scripted_5xx")
		http.Error(w, `{"error":"scripted: service unavailable"}`, http.StatusServiceUnavailable)
		return
	}
	if sc.busy.Take(tradeNo) {
		s.inj.Count("scripted_busy")
		s.reply(w, codeBusy, "system exception", nil)
		return
	}
	if s.inj.Extra("busy") {
		s.reply(w, codeBusy, "system exception", nil)
		return
	}
	s.mu.RLock()
	o, ok := s.orders[tradeNo]
	s.mu.RUnlock()
	if !ok {
		s.reply(w, codeFailed, msgOrderNotExist, nil)
		return
	}
	s.reply(w, codeHandled, "success", o.data())
}

// readBody decodes the request body into flat strings, as the sign sees them.
func readBody(r *http.Request) (map[string]string, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	m, err := decodeObject(raw)
	if err != nil {
		return nil, err
	}
	return flatAll(m), nil
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
	}{msg, code, s.now().UnixMilli(), code == codeHandled, data})
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
