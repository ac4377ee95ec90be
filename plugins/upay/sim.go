package upay

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/reconhq/recon/plugins/simkit"
)

// Demo credentials of the simulator's default terminal. They are fixed so
// that sandbox configs and the sign test vectors can name them.
const (
	DemoTerminalSN  = "100111220054361978"
	DemoTerminalKey = "8fb5a4d2c6e1f3b7a9d0c2e4f6a8b1c3"
)

// Scripted fault kinds (Order.Faults, Simulator.Script).
const (
	FaultHTTP5xx   = "http_5xx"  // answer HTTP 503
	FaultCode500   = "code_500"  // answer HTTP 200 with result_code "500" UNKNOWN_SYSTEM_ERROR
	FaultSlow      = "slow"      // answer after the scenario's slow_delay
	FaultMalformed = "malformed" // answer HTTP 200 with a truncated JSON body
)

// ExtraBusy is the provider-specific random fault (simkit.Faults.Extra):
// result_code "500" MAINTENANCE_INPROGRESS.
const ExtraBusy = "busy"

var faultKinds = []string{FaultHTTP5xx, FaultCode500, FaultSlow, FaultMalformed}

// Simulator is upay's query API on loopback: it checks the Authorization
// signature like upay, holds orders with their refunds, and injects faults.
// It is safe for concurrent use.
type Simulator struct {
	inj     *simkit.Injector
	handler http.Handler

	mu        sync.Mutex
	terminals map[string]string // terminal_sn -> terminal_key
	primary   string            // the terminal Account() names
	orders    map[string]*Order // by client_sn
	bySN      map[string]*Order
	script    *simkit.Countdown // keys: kind + "|" + client_sn
	slowDelay time.Duration
	seq       int // numbers planted orders
}

// NewSimulator returns a simulator holding the demo terminal and an order
// for every order_status and refund flow status of upay (see defaultOrders).
func NewSimulator() *Simulator {
	s := &Simulator{inj: simkit.NewInjector()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+APIPath, s.query)
	s.handler = s.inj.Wrap(mux)
	s.reset(map[string]string{DemoTerminalSN: DemoTerminalKey}, DemoTerminalSN, 2*time.Second)
	for _, o := range defaultOrders() {
		if err := s.addLocked(o); err != nil {
			panic("upay: default orders: " + err.Error())
		}
	}
	return s
}

// reset empties the simulator; the caller holds s.mu or owns s.
func (s *Simulator) reset(terminals map[string]string, primary string, slow time.Duration) {
	s.terminals = terminals
	s.primary = primary
	s.orders = map[string]*Order{}
	s.bySN = map[string]*Order{}
	s.script = &simkit.Countdown{}
	s.slowDelay = slow
}

// Name is the plugin name.
func (s *Simulator) Name() string { return Name }

// Account returns what a recon account needs to talk to this simulator.
func (s *Simulator) Account() simkit.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return simkit.Account{
		Currency: "CNY",
		Timezone: "Asia/Shanghai",
		Credentials: map[string]string{
			CredTerminalSN:  s.primary,
			CredTerminalKey: s.terminals[s.primary],
		},
	}
}

// Faults is the simulator's fault injector.
func (s *Simulator) Faults() *simkit.Injector { return s.inj }

// ServeHTTP serves POST /upay/v2/query (relative to wherever it is mounted).
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// AddOrder adds (or replaces) an order, with its scripted faults.
func (s *Simulator) AddOrder(o Order) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addLocked(o)
}

// Script makes the next n queries of order clientSN fail with the fault
// kind (n < 0: all of them).
func (s *Simulator) Script(clientSN, kind string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script.Set(kind+"|"+clientSN, n)
}

func (s *Simulator) addLocked(o Order) error {
	if err := normalize(&o, len(s.orders)); err != nil {
		return err
	}
	if old := s.orders[o.ClientSN]; old != nil {
		delete(s.bySN, old.SN)
	}
	if other := s.bySN[o.SN]; other != nil && other.ClientSN != o.ClientSN {
		return fmt.Errorf("order %s: sn %s is already order %s's", o.ClientSN, o.SN, other.ClientSN)
	}
	s.orders[o.ClientSN] = &o
	s.bySN[o.SN] = &o
	for kind, n := range o.Faults {
		s.script.Set(kind+"|"+o.ClientSN, n)
	}
	return nil
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
	var req queryRequest
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
	faultKey := req.ClientSN
	if o != nil {
		faultKey = o.ClientSN
	}
	fault := ""
	for _, kind := range faultKinds {
		if s.script.Take(kind + "|" + faultKey) {
			fault = kind
			break
		}
	}
	slow := s.slowDelay
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

	if fault != "" {
		s.inj.Count("scripted_" + fault)
	}
	switch fault {
	case FaultHTTP5xx:
		http.Error(w, `{"error":"scripted: service unavailable"}`, http.StatusServiceUnavailable)
		return
	case FaultCode500:
		reject(w, "500", "UNKNOWN_SYSTEM_ERROR", "系统错误")
		return
	case FaultMalformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"result_code":"200","biz_response":{"result_code":"SUCC`))
		return
	case FaultSlow:
		t := time.NewTimer(slow)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	if s.inj.Extra(ExtraBusy) {
		reject(w, "500", "MAINTENANCE_INPROGRESS", "系统维护中")
		return
	}
	writeJSON(w, apiAnswer{ResultCode: "200", BizResponse: reply})
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
