package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
	"github.com/reconhq/recon/plugins/simkit/simyaml"
	"github.com/reconhq/recon/plugins/vborder"
)

// Scenario is the vborder section of a sandbox scenario file (see doc.go).
type Scenario struct {
	Account ScenarioAccount `yaml:"account"`
	Faults  simkit.Faults   `yaml:"faults"`
	// Scripted scripts faults by key (an orderNo), or for every request
	// when the key is left out.
	Scripted []script.Entry `yaml:"scripted"`
	Orders   []Order        `yaml:"orders"`
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
	OrderNo              string        `yaml:"orderNo"`
	GoodNo               string        `yaml:"goodNo"`
	GoodName             string        `yaml:"goodName"`
	PlatformSeq          string        `yaml:"platformSeq"`
	OrderAmount          simyaml.Minor `yaml:"orderAmount"` // fen
	PayType              string        `yaml:"payType"`
	PayTime              string        `yaml:"payTime"` // yyyy-MM-dd HH:mm:ss, China time
	IdentifyID           string        `yaml:"identifyId"`
	PayStatus            string        `yaml:"payStatus"`
	CheckStatus          string        `yaml:"checkStatus"`
	CheckMsg             string        `yaml:"checkMsg"`
	ChannelReturnOrderNo string        `yaml:"channelReturnOrderNo"`
	BankReturnOrderNo    string        `yaml:"bankReturnOrderNo"`
	Ext1                 string        `yaml:"ext1"`
	Ext2                 string        `yaml:"ext2"`
	ChannelCode          string        `yaml:"channelCode"`
	// PayerInfo, PayeeInfo, InstallmentData: a mapping (sent as a JSON
	// object) or a string (sent as is, e.g. "{}" as on the page).
	PayerInfo       any `yaml:"payerInfo"`
	PayeeInfo       any `yaml:"payeeInfo"`
	InstallmentData any `yaml:"installmentData"`
	// Faults scripts faults for this order: fault -> how many queries meet
	// it (-1 forever).
	Faults script.Counts `yaml:"faults"`

	at time.Time // when it was paid, for the statement: see billedAt
}

func (o Order) validate() error {
	if o.OrderNo == "" {
		return errors.New("order without orderNo")
	}
	if o.PayTime != "" {
		if _, err := vborder.ParsePayTime(o.PayTime); err != nil {
			return fmt.Errorf("order %s: payTime %q is not yyyy-MM-dd HH:mm:ss", o.OrderNo, o.PayTime)
		}
	}
	return nil
}

// LoadScenario replaces the simulator's orders, scripted faults and fault
// rates with the scenario's; account overrides apply on top of the current
// account. Keys are never replaced. A scenario with an error changes nothing.
func (s *Simulator) LoadScenario(data []byte) error {
	var sc Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// An empty document (io.EOF) is an empty scenario: no orders, no faults.
	if err := dec.Decode(&sc); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("vborder scenario: %w", err)
	}
	switch sc.Account.ResponseKey {
	case "", vborder.ResponseMerchantPrivate, vborder.ResponsePlatformPublic:
	default:
		return fmt.Errorf("vborder scenario: account.response_key %q is not %s or %s",
			sc.Account.ResponseKey, vborder.ResponseMerchantPrivate, vborder.ResponsePlatformPublic)
	}
	if err := faults.CheckExtra(sc.Faults.Extra); err != nil {
		return fmt.Errorf("vborder scenario: %w", err)
	}
	orders := make(map[string]*Order, len(sc.Orders))
	plan := script.NewPlan(faults, s.inj)
	for i := range sc.Orders {
		o := sc.Orders[i]
		if err := o.validate(); err != nil {
			return fmt.Errorf("vborder scenario: %w", err)
		}
		if _, dup := orders[o.OrderNo]; dup {
			return fmt.Errorf("vborder scenario: order %s listed twice", o.OrderNo)
		}
		o.at = billedAt(o.PayTime, i)
		orders[o.OrderNo] = &o
		if err := plan.SetCounts(o.OrderNo, o.Faults); err != nil {
			return fmt.Errorf("vborder scenario: order %s: %w", o.OrderNo, err)
		}
	}
	if err := plan.Load(sc.Scripted); err != nil {
		return fmt.Errorf("vborder scenario: %w", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.customerNo == "" {
		s.customerNo, s.signKey, s.responseKey, s.signResponses = DemoCustomerNo, DemoSignKey, vborder.ResponseMerchantPrivate, true
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
		s.slowDelay = script.DefaultSlowDelay
	}
	s.orders = orders
	s.plan = plan
	s.inj.Set(sc.Faults)
	return nil
}
