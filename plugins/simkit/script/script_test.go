package script

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
)

// testReg is a provider registry like vborder's would be.
var testReg = NewRegistry(
	Spec{Busy, `HTTP 200, {"code":"500","success":false}`},
	Spec{Tamper, "a ciphertext altered so that it does not decrypt"},
	Spec{BadSign, "the answer signed with the wrong key"},
)

// counter records counts as simkit.Injector would.
type counter struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counter) Count(kind string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[kind]++
}

func (c *counter) get(kind string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[kind]
}

func TestRegistry(t *testing.T) {
	var names []Fault
	for _, s := range testReg.Specs() {
		names = append(names, s.Name)
		if s.Doc == "" {
			t.Errorf("%s has no Doc", s.Name)
		}
	}
	if got, want := joinFaults(names), "http_5xx malformed slow hang busy tamper badsign"; got != want {
		t.Errorf("order %q, want %q", got, want)
	}
	tests := []struct {
		name    string
		wantErr string
	}{
		{"http_5xx", ""},
		{"tamper", ""},
		{"nosign", `unknown fault "nosign" (known: http_5xx, malformed, slow, hang, busy, tamper, badsign)`},
		{"explode", `unknown fault "explode" (known: http_5xx, malformed, slow, hang, busy, tamper, badsign)`},
		{"5xx", `unknown fault "5xx": it is now called http_5xx (known: http_5xx,`},
		{"HTTP_5XX", "unknown fault"},
		{"", `unknown fault ""`},
	}
	for _, tt := range tests {
		f, err := testReg.Check(tt.name)
		switch {
		case tt.wantErr == "" && (err != nil || f != Fault(tt.name)):
			t.Errorf("Check(%q) = %q, %v", tt.name, f, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("Check(%q) error %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestNewRegistryPanics(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
	}{
		{"generic name again", Spec{HTTP5xx, "again"}},
		{"upper case", Spec{"Busy", "x"}},
		{"starts with a digit", Spec{"5xx", "x"}},
		{"hyphen", Spec{"bad-sign", "x"}},
		{"empty", Spec{"", "x"}},
		{"too long", Spec{Fault(strings.Repeat("a", 33)), "x"}},
		{"no doc", Spec{"code_500", ""}},
	}
	for _, tt := range tests {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: NewRegistry did not panic", tt.name)
				}
			}()
			NewRegistry(tt.spec)
		}()
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("a provider fault declared twice did not panic")
			}
		}()
		NewRegistry(Spec{Busy, "a"}, Spec{Busy, "b"})
	}()
}

func TestCheckExtra(t *testing.T) {
	tests := []struct {
		rates   map[string]float64
		wantErr string
	}{
		{nil, ""},
		{map[string]float64{"busy": 0.1, "tamper": 0, "hang": 0.01}, ""},
		{map[string]float64{"nosign": 0.1}, `faults.extra: unknown fault "nosign"`},
		{map[string]float64{"http_5xx": 0.1}, "faults.extra: http_5xx has its own rate, faults.error_rate"},
		{map[string]float64{"slow": 0.1}, "faults.slow_rate"},
		{map[string]float64{"malformed": 0.1}, "faults.malformed_rate"},
		{map[string]float64{"zz": 1, "aa": 1}, `unknown fault "aa"`}, // sorted: the same error every time
	}
	for _, tt := range tests {
		err := testReg.CheckExtra(tt.rates)
		if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("CheckExtra(%v) = %v, want %q", tt.rates, err, tt.wantErr)
		}
	}
}

func TestCountYAML(t *testing.T) {
	tests := []struct {
		src     string
		want    Count
		wantErr bool
	}{
		{"3", 3, false},
		{"0", 0, false},
		{"-1", Always, false},
		{"1000000", 1000000, false},
		{"-2", 0, true},
		{"1.0", 0, true},
		{"1.5", 0, true},
		{"1e3", 0, true},
		{"012", 0, true}, // yaml.v3 alone would read 10
		{"0x10", 0, true},
		{"+1", 0, true},
		{"1_000", 0, true},
		{`"3"`, 0, true},
		{"always", 0, true},
		{"true", 0, true},
		{"[1]", 0, true},
		{"99999999999999999999", 0, true},
	}
	for _, tt := range tests {
		var v struct {
			N Count `yaml:"n"`
		}
		err := yaml.Unmarshal([]byte("n: "+tt.src), &v)
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), "a fault count is a number of requests, or -1") {
				t.Errorf("%s: error %v", tt.src, err)
			}
			continue
		}
		if err != nil || v.N != tt.want {
			t.Errorf("%s: %d, %v; want %d", tt.src, v.N, err, tt.want)
		}
	}
}

// fixtureScenario is how a provider's scenario embeds the shapes.
type fixtureScenario struct {
	Orders []struct {
		ClientSN string `yaml:"client_sn"`
		Faults   Counts `yaml:"faults"`
	} `yaml:"orders"`
	Scripted []Entry `yaml:"scripted"`
	Faults   struct {
		ErrorRate float64            `yaml:"error_rate"`
		Extra     map[string]float64 `yaml:"extra"`
	} `yaml:"faults"`
}

func loadFixture(t *testing.T, c Counter) *Plan {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "scenario.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var sc fixtureScenario
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil {
		t.Fatal(err)
	}
	p := NewPlan(testReg, c)
	for _, o := range sc.Orders {
		if err := p.SetCounts(o.ClientSN, o.Faults); err != nil {
			t.Fatalf("order %s: %v", o.ClientSN, err)
		}
	}
	if err := p.Load(sc.Scripted); err != nil {
		t.Fatal(err)
	}
	if err := testReg.CheckExtra(sc.Faults.Extra); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScenarioFixture(t *testing.T) {
	c := &counter{}
	p := loadFixture(t, c)
	steps := []struct {
		key  string
		want Fault // "" none
	}{
		{"A1", HTTP5xx},
		{"A1", HTTP5xx},
		{"A1", Slow},
		{"A3", Malformed}, // A3's busy is 0: the every-request fault is next
		{"A1", ""},        // and it was used up
		{"A4", ""},
		{"A4-R1", BadSign},
		{"A4-R1", ""},
		{"A2", Tamper},
		{"A2", Tamper},
		{"A2", Tamper},
		{"unknown order", ""},
	}
	for i, s := range steps {
		f, ok := p.Take(s.key)
		if f != s.want || ok != (s.want != "") {
			t.Errorf("step %d: Take(%s) = %q, %v; want %q", i, s.key, f, ok, s.want)
		}
	}
	for kind, n := range map[string]int{"scripted_http_5xx": 2, "scripted_slow": 1, "scripted_malformed": 1,
		"scripted_badsign": 1, "scripted_tamper": 3, "scripted_busy": 0} {
		if got := c.get(kind); got != n {
			t.Errorf("counted %s %d times, want %d", kind, got, n)
		}
	}
	if got := p.Pending("A2"); len(got) != 1 || got[Tamper] != Always {
		t.Errorf("Pending(A2) = %v", got)
	}
	if got := p.Pending(""); len(got) != 0 {
		t.Errorf("Pending(every request) = %v", got)
	}
}

// Take gives one fault per request: the key's, in registry order, before
// the every-request ones.
func TestTakeOrder(t *testing.T) {
	p := NewPlan(testReg, nil)
	must(t, p.Set("", HTTP5xx, 1))
	must(t, p.Set("K", BadSign, 1))
	must(t, p.Set("K", Slow, 1))
	must(t, p.Set("K", Busy, Always))
	var got []Fault
	for i := 0; i < 4; i++ {
		f, _ := p.Take("K")
		got = append(got, f)
	}
	if s := joinFaults(got); s != "slow busy busy busy" {
		t.Errorf("K took %q", s)
	}
	must(t, p.Set("K", Busy, 0)) // cleared
	if f, _ := p.Take("K"); f != BadSign {
		t.Errorf("after clearing busy: %q, want K's badsign (a key's own faults come first)", f)
	}
	if f, _ := p.Take("K"); f != HTTP5xx {
		t.Errorf("then %q, want the every-request http_5xx", f)
	}
	if f, ok := p.Take("K"); ok {
		t.Errorf("then %q, want none", f)
	}
}

// TakeFault lets faults compose: a simulator asks for each at its stage.
func TestTakeFault(t *testing.T) {
	c := &counter{}
	p := NewPlan(testReg, c)
	must(t, p.SetCounts("K", Counts{Slow: 1, BadSign: 2}))
	must(t, p.Set("", Tamper, 1))
	type stage struct {
		f    Fault
		want bool
	}
	for i, req := range [][]stage{
		{{HTTP5xx, false}, {Slow, true}, {BadSign, true}, {Tamper, true}},
		{{HTTP5xx, false}, {Slow, false}, {BadSign, true}, {Tamper, false}},
		{{Slow, false}, {BadSign, false}},
	} {
		for _, s := range req {
			if got := p.TakeFault("K", s.f); got != s.want {
				t.Errorf("request %d: TakeFault(K, %s) = %v, want %v", i, s.f, got, s.want)
			}
		}
	}
	if c.get("scripted_badsign") != 2 || c.get("scripted_slow") != 1 || c.get("scripted_tamper") != 1 {
		t.Errorf("counts %v", c.m)
	}
	defer func() {
		if recover() == nil {
			t.Error("TakeFault of an undeclared fault did not panic")
		}
	}()
	p.TakeFault("K", NoSign)
}

func TestSetErrors(t *testing.T) {
	p := NewPlan(testReg, nil)
	tests := []struct {
		name    string
		do      func() error
		wantErr string
	}{
		{"unknown", func() error { return p.Set("K", "explode", 1) }, `unknown fault "explode" (known: `},
		{"renamed", func() error { return p.Set("K", "5xx", 1) }, "now called http_5xx"},
		{"below -1", func() error { return p.Set("K", Slow, -2) }, "count -2"},
		{"counts, one bad", func() error { return p.SetCounts("K", Counts{Slow: 1, "zz": 1, "explode": 1}) }, `faults: unknown fault "explode"`},
		{"counts, bad count", func() error { return p.SetCounts("K", Counts{Slow: 1, Busy: -5}) }, "faults: fault busy: count -5"},
		{"entry without times", func() error { return p.Load([]Entry{{Key: "K", Fault: Slow}}) }, "scripted[0]: times is required"},
		{"entry unknown", func() error { return p.Load([]Entry{{Key: "K", Fault: Slow, Times: 1}, {Fault: "fire", Times: 1}}) }, `scripted[1]: unknown fault "fire"`},
		{"entry below -1", func() error { return p.Load([]Entry{{Fault: Slow, Times: -3}}) }, "scripted[0]: fault slow: count -3"},
		{"entry twice", func() error {
			return p.Load([]Entry{{Key: "K", Fault: Slow, Times: 1}, {Key: "K", Fault: Slow, Times: 2}})
		}, `scripted[1]: fault slow for key "K" is listed twice`},
	}
	for _, tt := range tests {
		err := tt.do()
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.wantErr)
		}
	}
	// All or nothing: none of the failed calls above left anything behind.
	if got := p.Pending("K"); len(got) != 0 {
		t.Errorf("Pending(K) after failed calls = %v", got)
	}
	if got := p.Pending(""); len(got) != 0 {
		t.Errorf("Pending(every request) after failed calls = %v", got)
	}
}

// Entry decoding keeps the scenario decoder's KnownFields: a typo in a
// scripted entry is an error, not a fault that never fires.
func TestEntryYAML(t *testing.T) {
	for src, wantErr := range map[string]string{
		"scripted: [{key: A, fault: tamper, times: -1}]":       "",
		"scripted: [{fault: http_5xx, times: 2}]":              "",
		"scripted: [{key: A, fault: tamper, time: -1}]":        "field time not found",
		"scripted: [{key: A, fault: tamper, times: 1.5}]":      "a fault count",
		"scripted: [{key: A, fault: tamper, times: forever}]":  "a fault count",
		"orders: [{client_sn: A, faults: {http_5xx: 1.0}}]":    "a fault count",
		"orders: [{client_sn: A, faults: {slow: 1, slow: 2}}]": "already defined",
		"orders: [{client_sn: A, faults: [http_5xx]}]":         "cannot unmarshal",
		"orders: [{client_sn: A, faults: {http_5xx: -1}}]":     "",
		"orders: [{client_sn: A, faults: {http_5xx: }}]":       "", // null: 0, no fault
		"scripted: [{key: A, fault: tamper, times: 1, x: 2}]":  "field x not found",
		"scripted: {key: A, fault: tamper, times: 1}":          "cannot unmarshal",
		"scripted: [{key: A, fault: [tamper], times: 1}]":      "cannot unmarshal",
		"scripted: [{key: A, fault: tamper, times: \"1\"}]":    "a fault count",
		"scripted: [{key: A, fault: tamper, times: 0x1}]":      "a fault count",
		"scripted: [{key: A, fault: tamper, times: 01}]":       "a fault count",
		"orders: [{client_sn: A, faults: {http_5xx: \"2\"}}]":  "a fault count",
		"orders: [{client_sn: A, faults: {http_5xx: 9e9999}}]": "a fault count",
		"orders: [{client_sn: A, faults: {http_5xx: [1, 2]}}]": "a fault count",
	} {
		var sc fixtureScenario
		dec := yaml.NewDecoder(strings.NewReader(src))
		dec.KnownFields(true)
		err := dec.Decode(&sc)
		if (wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), wantErr)) {
			t.Errorf("%s: %v, want %q", src, err, wantErr)
		}
	}
}

func TestConcurrentTake(t *testing.T) {
	c := &counter{}
	p := NewPlan(testReg, c)
	must(t, p.Set("K", HTTP5xx, 100))
	must(t, p.Set("", Busy, 50))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		taken = map[Fault]int{}
	)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				f, ok := p.Take("K")
				if !ok {
					continue
				}
				mu.Lock()
				taken[f]++
				mu.Unlock()
				if i%7 == 0 {
					_ = p.Set("other", Slow, 1) // writers alongside readers
					p.TakeFault("other", Slow)
				}
			}
		}()
	}
	wg.Wait()
	if taken[HTTP5xx] != 100 || taken[Busy] != 50 {
		t.Errorf("taken %v, want 100 http_5xx and 50 busy", taken)
	}
	if c.get("scripted_http_5xx") != 100 || c.get("scripted_busy") != 50 {
		t.Errorf("counted %v", c.m)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func joinFaults(fs []Fault) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, " ")
}
