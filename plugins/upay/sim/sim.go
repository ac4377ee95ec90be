package sim

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
	"github.com/reconhq/recon/plugins/simkit/simyaml"
	"github.com/reconhq/recon/plugins/upay"
)

// Demo credentials of the simulator's default terminal. They are fixed so
// that sandbox configs and the sign test vectors can name them.
const (
	DemoTerminalSN  = "100111220054361978"
	DemoTerminalKey = "8fb5a4d2c6e1f3b7a9d0c2e4f6a8b1c3"
)

// DemoTime is when the default orders were paid.
var DemoTime = time.Date(2026, 11, 21, 23, 10, 4, 0, time.FixedZone("CST", 8*3600))

// OtherOrder is upay's answer about the wrong order: a well-formed SUCCESS
// whose data is another order's, the failure that only comparing the
// echoed identity with the query can catch.
const OtherOrder script.Fault = "other_order"

// faults are the faults a upay scenario may name: the generic ones of
// package script, upay's own answer of a system in trouble, and an answer
// about another order.
var faults = script.NewRegistry(
	script.Spec{Name: script.Busy,
		Doc: `HTTP 200, result_code "500": UNKNOWN_SYSTEM_ERROR when scripted, MAINTENANCE_INPROGRESS at the random rate faults.extra.busy`},
	script.Spec{Name: OtherOrder,
		Doc: `HTTP 200, result_code "200" SUCCESS with the data of another paid order the simulator holds (also at the random rate faults.extra.other_order)`},
)

// Simulator is upay's query API on loopback: it checks the Authorization
// signature like upay, holds orders with their refunds, and injects faults.
// It is safe for concurrent use.
type Simulator struct {
	inj     *simkit.Injector
	handler http.Handler
	simkit.Statements

	mu        sync.Mutex
	terminals map[string]string // terminal_sn -> terminal_key
	primary   string            // the terminal Account() names
	orders    map[string]*Order // by client_sn
	bySN      map[string]*Order
	script    *script.Plan // keys: client_sn
	slowDelay time.Duration
	seq       int // numbers planted orders
}

var _ simkit.Simulator = (*Simulator)(nil)

// New returns a simulator holding the demo terminal and an order for every
// order_status and refund flow status of upay (see defaultOrders).
func New() *Simulator {
	s := &Simulator{inj: simkit.NewInjector()}
	s.Statements = s.statementRows
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+upay.APIPath, s.query)
	s.handler = s.inj.Wrap(mux)
	s.reset(map[string]string{DemoTerminalSN: DemoTerminalKey}, DemoTerminalSN, script.DefaultSlowDelay)
	for _, o := range defaultOrders() {
		if err := s.addLocked(o); err != nil {
			panic("upay simulator: default orders: " + err.Error())
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
	s.script = script.NewPlan(faults, s.inj)
	s.slowDelay = slow
}

// Name is the plugin name.
func (s *Simulator) Name() string { return upay.Name }

// Account returns what a recon account needs to talk to this simulator.
func (s *Simulator) Account() simkit.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return simkit.Account{
		Currency: "CNY",
		Timezone: "Asia/Shanghai",
		Credentials: map[string]string{
			upay.CredTerminalSN:  s.primary,
			upay.CredTerminalKey: s.terminals[s.primary],
		},
	}
}

// Faults is the simulator's random fault injector.
func (s *Simulator) Faults() *simkit.Injector { return s.inj }

// AddOrder adds (or replaces) an order, with its scripted faults.
func (s *Simulator) AddOrder(o Order) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addLocked(o)
}

// Script makes the next n queries of order clientSN meet fault f
// (script.Always: all of them; 0: none).
func (s *Simulator) Script(clientSN string, f script.Fault, n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.script.Set(clientSN, f, n)
}

func (s *Simulator) addLocked(o Order) error {
	if err := normalize(&o, len(s.orders)); err != nil {
		return err
	}
	if other := s.bySN[o.SN]; other != nil && other.ClientSN != o.ClientSN {
		return fmt.Errorf("order %s: sn %s is already order %s's", o.ClientSN, o.SN, other.ClientSN)
	}
	if err := s.script.SetCounts(o.ClientSN, o.Faults); err != nil {
		return fmt.Errorf("order %s: %w", o.ClientSN, err)
	}
	if old := s.orders[o.ClientSN]; old != nil {
		delete(s.bySN, old.SN)
	}
	s.orders[o.ClientSN] = &o
	s.bySN[o.SN] = &o
	return nil
}

// defaultOrders covers every order_status of upay and, on DEMO-FLOWS, every
// status of a refund flow. Client sns are "DEMO-" + what they show.
func defaultOrders() []Order {
	net0 := simyaml.Minor(0)
	refund := func(no string, amount simyaml.Minor, status string) Refund {
		return Refund{RefundRequestNo: no, Amount: amount, Status: status}
	}
	return []Order{
		{ClientSN: "DEMO-CREATED", SN: "7895259800000001", TotalAmount: 1000, OrderStatus: "CREATED"},
		{ClientSN: "DEMO-PAID", SN: "7895259800000002", TotalAmount: 1234, OrderStatus: "PAID",
			TradeNo: "4200001234202611210000000002", PayerUID: "oGFfksxxsiXIWSPsNy4Mu-YhBB-I", FinishTime: DemoTime},
		{ClientSN: "DEMO-PAY_CANCELED", SN: "7895259800000003", TotalAmount: 2000, OrderStatus: "PAY_CANCELED"},
		{ClientSN: "DEMO-PAY_ERROR", SN: "7895259800000004", TotalAmount: 2100, OrderStatus: "PAY_ERROR"},
		// Two successful refunds add up to the order: REFUNDED.
		{ClientSN: "DEMO-REFUNDED", SN: "7895259800000005", TotalAmount: 5000, FinishTime: DemoTime,
			Refunds: []Refund{refund("01", 2000, flowSuccess), refund("02", 3000, flowSuccess)}},
		// One successful refund, then one that failed: PARTIAL_REFUNDED,
		// and the last operation (the failed refund) has no finish_time.
		{ClientSN: "DEMO-PARTIAL_REFUNDED", SN: "7895259800000006", TotalAmount: 5000, FinishTime: DemoTime,
			Refunds: []Refund{refund("01", 1000, flowSuccess), refund("02", 500, flowFailCanceled)}},
		// One refund done, one under way: REFUND_INPROGRESS with net 4000.
		{ClientSN: "DEMO-REFUND_INPROGRESS", SN: "7895259800000007", TotalAmount: 5000, FinishTime: DemoTime,
			Refunds: []Refund{refund("01", 1000, flowSuccess), refund("02", 1000, flowInProg)}},
		{ClientSN: "DEMO-REFUND_ERROR", SN: "7895259800000008", TotalAmount: 3000, FinishTime: DemoTime,
			Refunds: []Refund{refund("01", 3000, flowRefundError)}},
		{ClientSN: "DEMO-CANCELED", SN: "7895259800000009", TotalAmount: 1500, OrderStatus: "CANCELED", FinishTime: DemoTime},
		{ClientSN: "DEMO-CANCEL_ERROR", SN: "7895259800000010", TotalAmount: 1500, OrderStatus: "CANCEL_ERROR"},
		{ClientSN: "DEMO-CANCEL_INPROGRESS", SN: "7895259800000011", TotalAmount: 1500, OrderStatus: "CANCEL_INPROGRESS"},
		{ClientSN: "DEMO-INVALID_STATUS_CODE", SN: "7895259800000012", TotalAmount: 1500, OrderStatus: "INVALID_STATUS_CODE"},
		// upay's own query example: PAID, yet net_amount 0.
		{ClientSN: "DEMO-DOC-EXAMPLE", SN: "7895259867120667", TotalAmount: 300000, OrderStatus: "PAID",
			NetAmount: &net0, Payway: "2", Subject: "test", Operator: "test", FinishTime: DemoTime},
		// One refund flow per flow status: refund_request_no NN asks for it.
		{ClientSN: "DEMO-FLOWS", SN: "7895259800000013", TotalAmount: 100000, FinishTime: DemoTime,
			Refunds: []Refund{
				refund("01", 100, flowSuccess), refund("02", 200, flowInProg), refund("03", 300, flowCreated),
				refund("04", 400, flowFailCanceled), refund("05", 500, "FAIL_PROTOCOL_1"),
				refund("06", 600, "FAIL_PROTOCOL_2"), refund("07", 700, "FAIL_PROTOCOL_3"),
				refund("08", 800, "FAIL_IO_1"), refund("09", 900, "FAIL_IO_2"),
				refund("10", 1000, flowFailError), refund("11", 1100, flowCancelError),
				refund("12", 1200, flowRefundError),
			}},
	}
}
