package sim

import (
	"strings"
	"testing"

	"github.com/reconhq/recon/plugins/simkit/script"
)

func TestLoadScenarioRejects(t *testing.T) {
	sim := New()
	for name, y := range map[string]string{
		"unknown field":        "orders: [{orderNo: A, colour: red}]",
		"duplicate order":      "orders: [{orderNo: A}, {orderNo: A}]",
		"no orderNo":           "orders: [{payStatus: SUCCESS}]",
		"float amount":         "orders: [{orderNo: A, orderAmount: 12.5}]",
		"float string":         "orders: [{orderNo: A, orderAmount: '12.5'}]",
		"negative amount":      "orders: [{orderNo: A, orderAmount: -1}]",
		"bad payTime":          "orders: [{orderNo: A, payTime: yesterday}]",
		"unknown fault":        "orders: [{orderNo: A, faults: {explode: 1}}]",
		"bad scheme":           "account: {response_key: both}",
		"scripted unknown":     "scripted: [{key: A, fault: explode, times: 1}]",
		"scripted no times":    "scripted: [{key: A, fault: busy}]",
		"extra unknown":        "faults: {extra: {explode: 0.5}}",
		"extra with own field": "faults: {extra: {http_5xx: 0.5}}",
	} {
		if err := sim.LoadScenario([]byte(y)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := sim.LoadScenario(nil); err != nil {
		t.Errorf("empty scenario: %v", err)
	}
}

// A scenario written with the old name of the HTTP 503 fault is told the
// new one, rather than only that it is unknown.
func TestLoadScenarioRenamedFault(t *testing.T) {
	err := New().LoadScenario([]byte("orders: [{orderNo: A, faults: {5xx: -1}}]"))
	if err == nil || !strings.Contains(err.Error(), string(script.HTTP5xx)) {
		t.Fatalf("error %v, want one naming %s", err, script.HTTP5xx)
	}
}

// A bad scenario leaves the simulator as it was.
func TestLoadScenarioAllOrNothing(t *testing.T) {
	sim := New()
	if err := sim.LoadScenario([]byte("orders: [{orderNo: A, faults: {busy: 1}}, {orderNo: B, faults: {explode: 1}}]")); err == nil {
		t.Fatal("accepted")
	}
	if _, ok := sim.orders["VB-DEMO-SUCCESS"]; !ok || len(sim.plan.Pending("A")) != 0 {
		t.Errorf("the failed scenario replaced the default one (orders %d)", len(sim.orders))
	}
}

// The scenario's faults reach the plan: per order, and in scripted: by key
// or for every request.
func TestLoadScenarioScripts(t *testing.T) {
	sim := New()
	if err := sim.LoadScenario([]byte(`
scripted:
  - {key: B, fault: tamper, times: 2}
  - {fault: slow, times: -1}
orders:
  - {orderNo: A, faults: {http_5xx: 3, badsign: -1}}
`)); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]script.Counts{
		"A": {script.HTTP5xx: 3, script.BadSign: script.Always},
		"B": {script.Tamper: 2},
		"":  {script.Slow: script.Always},
	} {
		got := sim.plan.Pending(key)
		if len(got) != len(want) {
			t.Errorf("key %q: %v, want %v", key, got, want)
		}
		for f, n := range want {
			if got[f] != n {
				t.Errorf("key %q: %v, want %v", key, got, want)
			}
		}
	}
}
