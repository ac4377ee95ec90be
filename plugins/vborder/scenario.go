package vborder

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/simkit"
)

// Scenario is the vborder section of a sandbox scenario file (see doc.go).
type Scenario struct {
	Account ScenarioAccount `yaml:"account"`
	Faults  simkit.Faults   `yaml:"faults"`
	Orders  []Order         `yaml:"orders"`
}

// ScenarioAccount overrides the simulator's account. Empty fields keep the
// simulator's current values (the demo ones at first).
type ScenarioAccount struct {
	CustomerNo string `yaml:"customer_no"`
	SignKey    string `yaml:"sign_key"`
	// ResponseKey: merchant_private (default) encrypts answers to the
	// merchant public key; platform_public answers in type-1 blocks under the
	// platform private key.
	ResponseKey string `yaml:"response_key"`
	// SignResponses: sign answers (default true).
	SignResponses *bool `yaml:"sign_responses"`
}

// Order is one order the simulator knows, in the platform's own field names.
// Empty fields are left out of the answer.
type Order struct {
	OrderNo              string `yaml:"orderNo"`
	GoodNo               string `yaml:"goodNo"`
	GoodName             string `yaml:"goodName"`
	PlatformSeq          string `yaml:"platformSeq"`
	OrderAmount          Fen    `yaml:"orderAmount"`
	PayType              string `yaml:"payType"`
	PayTime              string `yaml:"payTime"` // yyyy-MM-dd HH:mm:ss, China time
	IdentifyID           string `yaml:"identifyId"`
	PayStatus            string `yaml:"payStatus"`
	CheckStatus          string `yaml:"checkStatus"`
	CheckMsg             string `yaml:"checkMsg"`
	ChannelReturnOrderNo string `yaml:"channelReturnOrderNo"`
	BankReturnOrderNo    string `yaml:"bankReturnOrderNo"`
	Ext1                 string `yaml:"ext1"`
	Ext2                 string `yaml:"ext2"`
	ChannelCode          string `yaml:"channelCode"`
	// PayerInfo, PayeeInfo, InstallmentData: a mapping (sent as a JSON
	// object) or a string (sent as is, e.g. "{}" as on the page).
	PayerInfo       any `yaml:"payerInfo"`
	PayeeInfo       any `yaml:"payeeInfo"`
	InstallmentData any `yaml:"installmentData"`
	// Faults scripts faults for this order: name -> how many queries meet it
	// (-1 forever). Names: FaultNames.
	Faults map[string]int `yaml:"faults"`
}

// Fault names, scriptable per order (Order.Faults, Simulator.Script) and,
// for busy/tamper/badsign, as rates in faults.extra.
const (
	Fault5xx       = "5xx"       // HTTP 503
	FaultBusy      = "busy"      // HTTP 200, {"code":"500","success":false,"data":null}
	FaultSlow      = "slow"      // answer after faults.slow_delay (2s by default)
	FaultMalformed = "malformed" // HTTP 200 with a truncated JSON body
	FaultTamper    = "tamper"    // a ciphertext altered so that it does not decrypt
	FaultBadSign   = "badsign"   // the answer signed with the wrong key
)

// FaultNames lists the scriptable faults.
var FaultNames = []string{Fault5xx, FaultBusy, FaultSlow, FaultMalformed, FaultTamper, FaultBadSign}

func knownFault(name string) bool {
	for _, f := range FaultNames {
		if f == name {
			return true
		}
	}
	return false
}

func (o Order) validate() error {
	if o.OrderNo == "" {
		return errors.New("order without orderNo")
	}
	if o.OrderAmount < 0 || o.OrderAmount > money.MaxMinor {
		return fmt.Errorf("order %s: orderAmount %d out of range", o.OrderNo, o.OrderAmount)
	}
	if o.PayTime != "" {
		if _, err := time.ParseInLocation(time.DateTime, o.PayTime, chinaTime); err != nil {
			return fmt.Errorf("order %s: payTime %q is not yyyy-MM-dd HH:mm:ss", o.OrderNo, o.PayTime)
		}
	}
	for name := range o.Faults {
		if !knownFault(name) {
			return fmt.Errorf("order %s: unknown fault %q (want one of %v)", o.OrderNo, name, FaultNames)
		}
	}
	return nil
}

// LoadScenario replaces the simulator's orders, scripted faults and fault
// rates with the scenario's; account overrides apply on top of the current
// account. Keys are never replaced.
func (s *Simulator) LoadScenario(data []byte) error {
	var sc Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// An empty document (io.EOF) is an empty scenario: no orders, no faults.
	if err := dec.Decode(&sc); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("vborder scenario: %w", err)
	}
	switch sc.Account.ResponseKey {
	case "", ResponseMerchantPrivate, ResponsePlatformPublic:
	default:
		return fmt.Errorf("vborder scenario: account.response_key %q is not %s or %s",
			sc.Account.ResponseKey, ResponseMerchantPrivate, ResponsePlatformPublic)
	}
	orders := make(map[string]*Order, len(sc.Orders))
	script := &simkit.Countdown{}
	for i := range sc.Orders {
		o := sc.Orders[i]
		if err := o.validate(); err != nil {
			return fmt.Errorf("vborder scenario: %w", err)
		}
		if _, dup := orders[o.OrderNo]; dup {
			return fmt.Errorf("vborder scenario: order %s listed twice", o.OrderNo)
		}
		orders[o.OrderNo] = &o
		for f, n := range o.Faults {
			script.Set(f+":"+o.OrderNo, n)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.customerNo == "" {
		s.customerNo, s.signKey, s.responseKey, s.signResponses = DemoCustomerNo, DemoSignKey, ResponseMerchantPrivate, true
	}
	if v := sc.Account.CustomerNo; v != "" {
		s.customerNo = v
	}
	if v := sc.Account.SignKey; v != "" {
		s.signKey = v
	}
	if v := sc.Account.ResponseKey; v != "" {
		s.responseKey = v
	}
	if v := sc.Account.SignResponses; v != nil {
		s.signResponses = *v
	}
	s.slowDelay = sc.Faults.SlowDelay
	if s.slowDelay <= 0 {
		s.slowDelay = 2 * time.Second
	}
	s.orders = orders
	s.script = script
	s.inj.Set(sc.Faults)
	return nil
}

// Fen is an amount in fen in a scenario: a YAML integer (or a quoted string
// of digits). yaml.v3 would silently truncate 12.5 into an int64; money is
// never truncated, so anything but a whole number is an error.
type Fen int64

// UnmarshalYAML reads a whole number of fen.
func (f *Fen) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!str") {
		return fmt.Errorf("line %d: orderAmount %q is not a whole number of fen", n.Line, n.Value)
	}
	v, err := money.ParseMinor(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: orderAmount %q is not a whole number of fen", n.Line, n.Value)
	}
	*f = Fen(v)
	return nil
}
