package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/paypro"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
)

// scenario is the paypro section of a sandbox scenario file (see doc.go).
type scenario struct {
	MerchantNo string          `yaml:"merchant_no"`
	Secret     string          `yaml:"secret"`
	Currency   string          `yaml:"currency"`
	Timezone   string          `yaml:"timezone"`
	Orders     []scenarioOrder `yaml:"orders"`
	Scripted   []script.Entry  `yaml:"scripted"`
	Faults     simkit.Faults   `yaml:"faults"`
}

type scenarioOrder struct {
	TradeNo         string        `yaml:"trade_no"`
	PlatformTradeNo string        `yaml:"platform_trade_no"`
	PlatformField   string        `yaml:"platform_field"`
	Amount          string        `yaml:"amount"`
	ReceivedAmount  string        `yaml:"received_amount"`
	Status          string        `yaml:"status"`
	Message         string        `yaml:"message"`
	SuccessTime     string        `yaml:"success_time"`
	Faults          script.Counts `yaml:"faults"`
}

// LoadScenario replaces the simulator's account, orders, scripted faults and
// random faults with the scenario's. Omitted account settings keep the demo
// values. Unknown keys are an error, so a typo does not pass silently; a bad
// scenario leaves the simulator as it was.
func (s *Simulator) LoadScenario(doc []byte) error {
	var sc scenario
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("paypro scenario: %w", err)
	}
	if sc.MerchantNo == "" {
		sc.MerchantNo = DemoMerchantNo
	}
	if sc.Secret == "" {
		sc.Secret = DemoSecret
	}
	if sc.Currency == "" {
		sc.Currency = DemoCurrency
	}
	if sc.Timezone == "" {
		sc.Timezone = DemoTimezone
	}
	if !paypro.ValidMerchantNo(sc.MerchantNo) {
		return fmt.Errorf("paypro scenario: merchant_no must be 10 digits")
	}
	digits, err := money.Digits(sc.Currency)
	if err != nil {
		return fmt.Errorf("paypro scenario: currency: %w", err)
	}
	loc, err := time.LoadLocation(sc.Timezone)
	if err != nil {
		return fmt.Errorf("paypro scenario: timezone: %w", err)
	}
	if err := faults.CheckExtra(sc.Faults.Extra); err != nil {
		return fmt.Errorf("paypro scenario: %w", err)
	}

	orders := make(map[string]order, len(sc.Orders))
	plan := script.NewPlan(faults, s.inj)
	for i, o := range sc.Orders {
		if err := o.check(digits, loc); err != nil {
			return fmt.Errorf("paypro scenario: orders[%d]: %w", i, err)
		}
		if _, dup := orders[o.TradeNo]; dup {
			return fmt.Errorf("paypro scenario: orders[%d]: trade_no %q repeats", i, o.TradeNo)
		}
		orders[o.TradeNo] = order{TradeNo: o.TradeNo, PlatformTradeNo: o.PlatformTradeNo,
			PlatformField: o.PlatformField, Amount: o.Amount, ReceivedAmount: o.ReceivedAmount,
			Status: o.Status, Message: o.Message, SuccessTime: o.SuccessTime,
			at: billedAt(o.SuccessTime, loc, s.now(), i)}
		if err := plan.SetCounts(o.TradeNo, o.Faults); err != nil {
			return fmt.Errorf("paypro scenario: orders[%d]: %s: %w", i, o.TradeNo, err)
		}
	}
	if err := plan.Load(sc.Scripted); err != nil {
		return fmt.Errorf("paypro scenario: %w", err)
	}

	s.mu.Lock()
	s.merchantNo, s.secret = sc.MerchantNo, sc.Secret
	s.currency, s.timezone, s.loc = sc.Currency, sc.Timezone, loc
	s.orders, s.plan = orders, plan
	s.generic = script.Generic{SlowDelay: sc.Faults.SlowDelay, MalformedBody: malformedBody}
	s.mu.Unlock()
	s.inj.Set(sc.Faults)
	return nil
}

// check rejects an order PayPro could not send: the scenario describes the
// provider; malformed answers come from the faults.
func (o scenarioOrder) check(digits int, loc *time.Location) error {
	if o.TradeNo == "" {
		return errors.New("trade_no is missing")
	}
	if o.Status == "" {
		return fmt.Errorf("%s: status is missing", o.TradeNo)
	}
	switch o.PlatformField {
	case "", "platFormTradeNo", "payproTradeNo":
	default:
		return fmt.Errorf("%s: platform_field %q is neither platFormTradeNo nor payproTradeNo", o.TradeNo, o.PlatformField)
	}
	for name, v := range map[string]string{"amount": o.Amount, "received_amount": o.ReceivedAmount} {
		if v == "" {
			continue
		}
		if _, err := money.Parse(v, digits); err != nil {
			return fmt.Errorf("%s: %s: %w", o.TradeNo, name, err)
		}
	}
	if o.SuccessTime != "" {
		if _, err := paypro.ParseLocalTime(o.SuccessTime, loc); err != nil {
			return fmt.Errorf("%s: %w", o.TradeNo, err)
		}
	}
	return nil
}
