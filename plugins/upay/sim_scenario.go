package upay

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon/plugins/simkit"
)

// Scenario is the upay section of a sandbox scenario file (see doc.go).
type Scenario struct {
	// Terminals replace the demo terminal; the first is the one Account()
	// names. Empty: the demo terminal only.
	Terminals []Terminal `yaml:"terminals"`
	// SlowDelay is how long a scripted "slow" fault waits; default 2s.
	SlowDelay time.Duration `yaml:"slow_delay"`
	Orders    []Order       `yaml:"orders"`
	Faults    simkit.Faults `yaml:"faults"`
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
		slow = 2 * time.Second
	}
	// Build into a scratch simulator so that a bad scenario leaves s as it was.
	tmp := &Simulator{}
	tmp.reset(terminals, primary, slow)
	for i, o := range sc.Orders {
		if _, dup := tmp.orders[o.ClientSN]; dup && o.ClientSN != "" {
			return fmt.Errorf("upay scenario: orders[%d]: client_sn %q appears twice", i, o.ClientSN)
		}
		if err := tmp.addLocked(o); err != nil {
			return fmt.Errorf("upay scenario: orders[%d]: %w", i, err)
		}
	}
	s.mu.Lock()
	s.terminals, s.primary, s.orders, s.bySN, s.script, s.slowDelay = tmp.terminals, tmp.primary, tmp.orders, tmp.bySN, tmp.script, tmp.slowDelay
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
		o.FinishTime = time.Date(2026, 11, 21, 15, 4, 5, 0, time.UTC)
	}
	if o.Ctime.IsZero() {
		o.Ctime = o.FinishTime.Add(-7 * time.Second)
	}
	o.Refunds = slices.Clone(o.Refunds)
	seen := map[string]bool{}
	var refunded Fen
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
	o.Faults = cloneFaults(o.Faults)
	for kind := range o.Faults {
		if !slices.Contains(faultKinds, kind) {
			return fmt.Errorf("order %s: unknown fault %q (want one of %v)", o.ClientSN, kind, faultKinds)
		}
	}
	return nil
}

func cloneFaults(m map[string]int) map[string]int {
	if m == nil {
		return nil
	}
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
