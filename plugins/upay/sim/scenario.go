package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
	"github.com/reconhq/recon/plugins/simkit/simyaml"
)

// Scenario is the upay section of a sandbox scenario file (see doc.go).
type Scenario struct {
	// Terminals replace the demo terminal; the first is the one Account()
	// names. Empty: the demo terminal only.
	Terminals []Terminal `yaml:"terminals"`
	// SlowDelay is how long a scripted "slow" fault waits; default 2s.
	SlowDelay time.Duration `yaml:"slow_delay"`
	Orders    []Order       `yaml:"orders"`
	// Scripted are faults for a key (a client_sn) or, without one, for
	// whatever the next requests ask.
	Scripted []script.Entry `yaml:"scripted"`
	Faults   simkit.Faults  `yaml:"faults"`
}

// Terminal is one upay terminal the simulator accepts.
type Terminal struct {
	TerminalSN  string `yaml:"terminal_sn"`
	TerminalKey string `yaml:"terminal_key"`
}

// LoadScenario replaces the simulator's terminals, orders, scripted faults
// and random fault rates with those of a scenario. On error nothing changes.
func (s *Simulator) LoadScenario(src []byte) error {
	var sc Scenario
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	// An empty section (no YAML document) is an empty scenario.
	if err := dec.Decode(&sc); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("upay scenario: %w", err)
	}
	terminals := map[string]string{DemoTerminalSN: DemoTerminalKey}
	primary := DemoTerminalSN
	if len(sc.Terminals) > 0 {
		terminals = map[string]string{}
		for i, t := range sc.Terminals {
			if t.TerminalSN == "" || t.TerminalKey == "" {
				return fmt.Errorf("upay scenario: terminals[%d]: terminal_sn and terminal_key are required", i)
			}
			terminals[t.TerminalSN] = t.TerminalKey
		}
		primary = sc.Terminals[0].TerminalSN
	}
	slow := sc.SlowDelay
	if slow <= 0 {
		slow = script.DefaultSlowDelay
	}
	if err := faults.CheckExtra(sc.Faults.Extra); err != nil {
		return fmt.Errorf("upay scenario: %w", err)
	}
	// Build into a scratch simulator so that a bad scenario leaves s as it
	// was; its plan counts on s's injector, which it will replace.
	tmp := &Simulator{inj: s.inj}
	tmp.reset(terminals, primary, slow)
	for i, o := range sc.Orders {
		if _, dup := tmp.orders[o.ClientSN]; dup && o.ClientSN != "" {
			return fmt.Errorf("upay scenario: orders[%d]: client_sn %q appears twice", i, o.ClientSN)
		}
		if err := tmp.addLocked(o); err != nil {
			return fmt.Errorf("upay scenario: orders[%d]: %w", i, err)
		}
	}
	if err := tmp.script.Load(sc.Scripted); err != nil {
		return fmt.Errorf("upay scenario: %w", err)
	}
	s.mu.Lock()
	s.terminals, s.primary, s.orders, s.bySN, s.slowDelay = tmp.terminals, tmp.primary, tmp.orders, tmp.bySN, tmp.slowDelay
	s.script = tmp.script
	s.mu.Unlock()
	s.inj.Set(sc.Faults)
	return nil
}

// normalize checks an order and fills its defaults; i numbers generated sns.
func normalize(o *Order, i int) error {
	if o.ClientSN == "" {
		return errors.New("client_sn is required")
	}
	if o.TotalAmount < 0 {
		return fmt.Errorf("order %s: total_amount must not be negative", o.ClientSN)
	}
	if o.OrderStatus == "" {
		o.OrderStatus = "PAID"
	}
	if o.Status == "" {
		o.Status = defaultFlowStatus[o.OrderStatus]
		if o.Status == "" {
			o.Status = flowSuccess
		}
	}
	if o.SN == "" {
		o.SN = fmt.Sprintf("7895%012d", 100000+i)
	}
	if o.Payway == "" {
		o.Payway = "3"
	}
	if o.SubPayway == "" {
		o.SubPayway = "1"
	}
	if o.Subject == "" {
		o.Subject = "商品"
	}
	if o.Operator == "" {
		o.Operator = "cashier-01"
	}
	if o.FinishTime.IsZero() {
		o.FinishTime = simkit.ScenarioTime(time.Now(), chinaTime, i)
	}
	if o.Ctime.IsZero() {
		o.Ctime = o.FinishTime.Add(-7 * time.Second)
	}
	o.Refunds = slices.Clone(o.Refunds)
	seen := map[string]bool{}
	var refunded simyaml.Minor
	for j := range o.Refunds {
		r := &o.Refunds[j]
		if r.RefundRequestNo == "" {
			return fmt.Errorf("order %s: refunds[%d]: refund_request_no is required", o.ClientSN, j)
		}
		if seen[r.RefundRequestNo] {
			return fmt.Errorf("order %s: refund_request_no %q appears twice", o.ClientSN, r.RefundRequestNo)
		}
		seen[r.RefundRequestNo] = true
		if r.Amount <= 0 {
			return fmt.Errorf("order %s: refund %s: amount must be positive", o.ClientSN, r.RefundRequestNo)
		}
		if r.Status == "" {
			r.Status = flowSuccess
		}
		if r.FinishTime.IsZero() {
			r.FinishTime = o.FinishTime.Add(time.Duration(j+1) * time.Hour)
		}
		if r.Status == flowSuccess {
			refunded += r.Amount
		}
	}
	if o.NetAmount == nil && refunded > o.TotalAmount {
		return fmt.Errorf("order %s: successful refunds exceed total_amount (set net_amount to plant that)", o.ClientSN)
	}
	if o.NetAmount != nil && *o.NetAmount < 0 {
		return fmt.Errorf("order %s: net_amount must not be negative", o.ClientSN)
	}
	return nil
}

// Order is one order the simulator holds. Amounts are fen, as upay sends
// them. It is also the YAML form of an order in a scenario (see doc.go).
type Order struct {
	SN       string `yaml:"sn"`        // upay's order number; generated when empty
	ClientSN string `yaml:"client_sn"` // the merchant's order number; required
	// TotalAmount is the order amount in fen.
	TotalAmount simyaml.Minor `yaml:"total_amount"`
	// OrderStatus is the state the payment left the order in (default
	// PAID). A PAID order with refunds derives its answered order_status
	// from them (PARTIAL_REFUNDED, REFUNDED, REFUND_INPROGRESS,
	// REFUND_ERROR); any other value is answered as given.
	OrderStatus string `yaml:"order_status"`
	// Status is the payment flow's status; default from OrderStatus
	// (PAID -> SUCCESS, PAY_CANCELED -> FAIL_CANCELED, ...).
	Status string `yaml:"status"`
	// NetAmount overrides the derived net_amount (total minus successful
	// refunds), to plant inconsistent answers like upay's own example.
	NetAmount *simyaml.Minor `yaml:"net_amount"`

	TradeNo   string `yaml:"trade_no"`   // the channel's number
	Payway    string `yaml:"payway"`     // default "3" (WeChat)
	SubPayway string `yaml:"sub_payway"` // default "1" (barcode)
	Subject   string `yaml:"subject"`
	Operator  string `yaml:"operator"`
	PayerUID  string `yaml:"payer_uid"`

	Ctime      time.Time `yaml:"ctime"`       // creation; default FinishTime minus a few seconds
	FinishTime time.Time `yaml:"finish_time"` // when the payment finished (sent only if it succeeded)

	Refunds []Refund `yaml:"refunds"`
	// Faults scripts failures for this order: fault -> how many of the
	// next queries meet it (-1: all), whichever number they ask by.
	Faults script.Counts `yaml:"faults"`
}

// Refund is one refund flow of an order, named by the merchant's
// refund_request_no.
type Refund struct {
	RefundRequestNo string        `yaml:"refund_request_no"`
	Amount          simyaml.Minor `yaml:"amount"`
	Status          string        `yaml:"status"` // flow status; default SUCCESS
	FinishTime      time.Time     `yaml:"finish_time"`
	// StatementStatus is the status the statement billed the refund
	// with, when it differs from what a query answers now: a bill freezes
	// a refund's status (IN_PROG billed, SUCCESS since). Default Status.
	StatementStatus string `yaml:"statement_status"`
}

// Flow statuses of upay (the `status` field).
const (
	flowSuccess      = "SUCCESS"
	flowInProg       = "IN_PROG"
	flowCreated      = "CREATED"
	flowFailCanceled = "FAIL_CANCELED"
	flowFailError    = "FAIL_ERROR"
	flowCancelError  = "CANCEL_ERROR"
	flowRefundError  = "REFUND_ERROR"
)

// defaultFlowStatus is the status of the flow that left an order in
// orderStatus, when a scenario does not say.
var defaultFlowStatus = map[string]string{
	"CREATED":             flowInProg,
	"PAID":                flowSuccess,
	"PAY_CANCELED":        flowFailCanceled,
	"PAY_ERROR":           flowFailError,
	"REFUNDED":            flowSuccess,
	"PARTIAL_REFUNDED":    flowSuccess,
	"REFUND_INPROGRESS":   flowInProg,
	"REFUND_ERROR":        flowRefundError,
	"CANCELED":            flowSuccess,
	"CANCEL_ERROR":        flowCancelError,
	"CANCEL_INPROGRESS":   flowInProg,
	"INVALID_STATUS_CODE": flowFailError,
}
