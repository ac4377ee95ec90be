package simyaml

import (
	"bytes"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type order struct {
	Amount Minor  `yaml:"amount"`
	Net    *Minor `yaml:"net"`
}

func decode(src string) (order, error) {
	var o order
	dec := yaml.NewDecoder(bytes.NewReader([]byte(src)))
	dec.KnownFields(true)
	err := dec.Decode(&o)
	return o, err
}

func TestMinor(t *testing.T) {
	tests := []struct {
		src  string
		want Minor
	}{
		{"amount: 1234", 1234},
		{"amount: 0", 0},
		{`amount: "1234"`, 1234},
		{"amount: '50'", 50},
		{"amount: !!str 7", 7},
		{"amount: 9007199254740991", 1<<53 - 1},
		{"amount: ~", 0},                // null: UnmarshalYAML is not called; the field stays as it was
		{"amount:", 0},                  // the same
		{"net: 5", 0},                   // absent
		{"base: &a 100\namount: *a", 0}, // unknown key "base" below; see TestMinorAlias
	}
	for _, tt := range tests[:len(tests)-1] {
		o, err := decode(tt.src)
		if err != nil {
			t.Errorf("%q: %v", tt.src, err)
			continue
		}
		if o.Amount != tt.want {
			t.Errorf("%q: %d, want %d", tt.src, o.Amount, tt.want)
		}
	}
}

func TestMinorPointer(t *testing.T) {
	o, err := decode("amount: 1\n")
	if err != nil || o.Net != nil {
		t.Fatalf("absent net: %v, %v", o.Net, err)
	}
	o, err = decode("amount: 1\nnet: 0\n")
	if err != nil || o.Net == nil || *o.Net != 0 {
		t.Fatalf("net 0: %v, %v", o.Net, err)
	}
}

func TestMinorAlias(t *testing.T) {
	var m struct {
		Base   Minor `yaml:"base"`
		Amount Minor `yaml:"amount"`
	}
	if err := yaml.Unmarshal([]byte("base: &a 100\namount: *a\n"), &m); err != nil || m.Amount != 100 {
		t.Fatalf("alias: %d, %v", m.Amount, err)
	}
}

func TestMinorRejects(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"amount: 1.5", "integers of the smallest unit (write 150 for 1.50 yuan)"},
		{"amount: 1.0", "integers of the smallest unit"},
		{"amount: 1e3", "integers of the smallest unit"},
		{"amount: .5", "integers of the smallest unit"},
		{`amount: "1.5"`, "integers of the smallest unit"},
		{"amount: .inf", "integers of the smallest unit"},
		{"amount: -1", "must not be negative"},
		{`amount: "-1"`, "must not be negative"},
		{"amount: +5", "only the digits 0-9"},
		{"amount: 1_000", "only the digits 0-9"},
		{"amount: 0x1F", "only the digits 0-9"},
		{"amount: 0o12", "only the digits 0-9"},
		{`amount: "12 "`, "only the digits 0-9"},
		{`amount: "１２"`, "only the digits 0-9"}, // full-width digits
		{"amount: 012", "leading zero"},
		{`amount: "007"`, "leading zero"},
		{`amount: ""`, "it is empty"},
		{"amount: true", "want an integer"},
		{"amount: 9007199254740992", "above 9007199254740991"},
		{"amount: 99999999999999999999", "above 9007199254740991"},
		{"amount: [1]", "not a YAML sequence"},
		{"amount: {a: 1}", "not a YAML mapping"},
	}
	for _, tt := range tests {
		_, err := decode(tt.src)
		if err == nil {
			t.Errorf("%q accepted", tt.src)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) || !strings.Contains(msg, "line 1") {
			t.Errorf("%q: error %q does not say %q (with its line)", tt.src, msg, tt.want)
		}
	}
}
