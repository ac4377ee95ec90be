package sim

import (
	"strings"
	"testing"

	"github.com/reconhq/recon/plugins/simkit/script"
)

func TestLoadScenario(t *testing.T) {
	sim := New()
	doc := `
merchant_no: "6020000002"
secret: another-secret
currency: MXN
timezone: America/Mexico_City
orders:
  - {trade_no: A, amount: "10.50", status: 0000}
  - {trade_no: B, amount: "10", status: 00029, faults: {http_5xx: -1, busy: 2}}
scripted:
  - {key: A, fault: slow, times: 1}
  - {fault: malformed, times: 3}
faults: {error_rate: 0.5, extra: {busy: 0.25}, seed: 3}
`
	if err := sim.LoadScenario([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	acct := sim.Account()
	if acct.Currency != "MXN" || acct.Timezone != "America/Mexico_City" ||
		acct.Credentials["merchant_no"] != "6020000002" || acct.Credentials["secret"] != "another-secret" {
		t.Errorf("Account = %+v", acct)
	}
	// Unquoted YAML codes keep their leading zeros.
	if sim.orders["A"].Status != "0000" || sim.orders["B"].Status != "00029" {
		t.Errorf("statuses %q %q, want 0000 and 00029", sim.orders["A"].Status, sim.orders["B"].Status)
	}
	if !sim.plan.TakeFault("B", script.HTTP5xx) || !sim.plan.TakeFault("B", script.Busy) || sim.plan.TakeFault("A", script.Busy) {
		t.Error("scripted faults not loaded")
	}
	if got := sim.plan.Pending("A"); len(got) != 1 || got[script.Slow] != 1 {
		t.Errorf("scripted for A: %v, want slow 1", got)
	}
	if got := sim.plan.Pending(""); len(got) != 1 || got[script.Malformed] != 3 {
		t.Errorf("scripted for any request: %v, want malformed 3", got)
	}

	// A later scenario replaces everything; omitted settings are the demo's.
	if err := sim.LoadScenario([]byte(`orders: [{trade_no: C, amount: "1.00", status: "0015"}]`)); err != nil {
		t.Fatal(err)
	}
	if _, ok := sim.orders["A"]; ok || len(sim.orders) != 1 || sim.plan.TakeFault("B", script.HTTP5xx) {
		t.Errorf("old scenario kept: %v", sim.orders)
	}
	if a := sim.Account(); a.Currency != DemoCurrency || a.Credentials["merchant_no"] != DemoMerchantNo {
		t.Errorf("Account after reload = %+v", a)
	}
	if err := sim.LoadScenario(nil); err != nil || len(sim.orders) != 0 {
		t.Errorf("empty scenario: %v, %d orders", err, len(sim.orders))
	}
}

func TestLoadScenarioRejects(t *testing.T) {
	tests := map[string]string{
		"unknown key":            `orders: [{trade_no: A, amout: "1.00", status: "0000"}]`,
		"no trade_no":            `orders: [{amount: "1.00", status: "0000"}]`,
		"no status":              `orders: [{trade_no: A, amount: "1.00"}]`,
		"repeated trade_no":      `orders: [{trade_no: A, status: "0000"}, {trade_no: A, status: "0015"}]`,
		"too many decimals":      `orders: [{trade_no: A, amount: "1.001", status: "0000"}]`,
		"bad received":           `orders: [{trade_no: A, amount: "1.00", received_amount: "x", status: "0001"}]`,
		"bad success_time":       `orders: [{trade_no: A, status: "0000", success_time: "2024-10-19T14:37:28"}]`,
		"bad platform_field":     `orders: [{trade_no: A, status: "0000", platform_field: sn}]`,
		"bad merchant_no":        `merchant_no: "12345"`,
		"bad currency":           `currency: XQQ`,
		"bad timezone":           `timezone: Mars/Olympus`,
		"not a mapping":          `- a`,
		"faults of wrong type":   `faults: {error_rate: often}`,
		"unknown fault":          `orders: [{trade_no: A, status: "0000", faults: {teapot: 1}}]`,
		"old name of http_5xx":   `orders: [{trade_no: A, status: "0000", faults: {5xx: 1}}]`,
		"old per-order key":      `orders: [{trade_no: A, status: "0000", busy: 2}]`,
		"fault count below -1":   `orders: [{trade_no: A, status: "0000", faults: {busy: -2}}]`,
		"fractional count":       `orders: [{trade_no: A, status: "0000", faults: {busy: 1.0}}]`,
		"scripted without times": `scripted: [{key: A, fault: busy}]`,
		"scripted unknown fault": `scripted: [{fault: teapot, times: 1}]`,
		"scripted twice":         `scripted: [{key: A, fault: busy, times: 1}, {key: A, fault: busy, times: 2}]`,
		"unknown extra rate":     `faults: {extra: {teapot: 0.5}}`,
		"extra with own rate":    `faults: {extra: {http_5xx: 0.5}}`,
	}
	for name, doc := range tests {
		err := New().LoadScenario([]byte(doc))
		if err == nil || !strings.HasPrefix(err.Error(), "paypro scenario: ") {
			t.Errorf("%s: LoadScenario error = %v", name, err)
		}
	}
}

// A scenario that fails to load leaves the simulator as it was, and an old
// fault name says what it is called now.
func TestLoadScenarioRejectedKeepsState(t *testing.T) {
	sim := New()
	if err := sim.LoadScenario([]byte(`orders: [{trade_no: A, status: "0000", faults: {busy: 1}}]`)); err != nil {
		t.Fatal(err)
	}
	err := sim.LoadScenario([]byte(`orders: [{trade_no: B, status: "0000", faults: {5xx: 1}}]`))
	if err == nil || !strings.Contains(err.Error(), "now called http_5xx") {
		t.Errorf("old fault name: %v", err)
	}
	if _, ok := sim.orders["A"]; !ok || len(sim.orders) != 1 || !sim.plan.TakeFault("A", script.Busy) {
		t.Errorf("a rejected scenario changed the simulator: %v", sim.orders)
	}
}
