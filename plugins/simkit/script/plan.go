package script

import (
	"fmt"
	"slices"
	"strconv"
	"sync"

	"go.yaml.in/yaml/v3"
)

// Always is the count of a fault that every request meets.
const Always = -1

// Count is how many of the next requests meet a fault: a number, or -1
// (Always). In YAML it is an integer and nothing else: yaml.v3 would take
// 1.0 for 1 and 012 for 10.
type Count int

// UnmarshalYAML reads a count strictly.
func (c *Count) UnmarshalYAML(n *yaml.Node) error {
	s := n.Value
	ok := n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" && s != "" &&
		(s == "-1" || (digitsOnly(s) && (s == "0" || s[0] != '0')))
	v, err := strconv.Atoi(s)
	if !ok || err != nil {
		return fmt.Errorf("line %d: a fault count is a number of requests, or -1 for every request, not %.20q", n.Line, s)
	}
	*c = Count(v)
	return nil
}

// Counts scripts faults for one key: fault -> Count. It is the `faults:`
// of an order in a scenario.
type Counts map[Fault]Count

// Entry scripts one fault for a key, or for every request when Key is
// empty. A list of them is the top-level `scripted:` of a scenario.
type Entry struct {
	Key   string `yaml:"key"`
	Fault Fault  `yaml:"fault"`
	Times Count  `yaml:"times"`
}

// Counter counts the faults a Plan hands out; *simkit.Injector is one.
type Counter interface{ Count(kind string) }

// Plan holds what is left of a scenario's scripted faults. It is safe for
// concurrent use. A simulator builds a new Plan for each scenario and
// swaps it in whole, so a bad scenario leaves the old one in place.
type Plan struct {
	reg     *Registry
	counter Counter

	mu   sync.Mutex
	left map[string]map[Fault]int // by key; "" is every request
}

// NewPlan returns an empty plan for reg's faults. c, when not nil, counts
// every fault taken.
func NewPlan(reg *Registry, c Counter) *Plan {
	return &Plan{reg: reg, counter: c, left: map[string]map[Fault]int{}}
}

// Set makes the next n requests for key meet f (Always: every one; 0
// clears it). key "" is every request.
func (p *Plan) Set(key string, f Fault, n int) error {
	if err := p.check(f, n); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setLocked(key, f, n)
	return nil
}

// SetCounts applies an order's `faults:` to key, all or nothing.
func (p *Plan) SetCounts(key string, c Counts) error {
	// Sorted so that of two bad names the same one is reported every time.
	names := make([]Fault, 0, len(c))
	for f := range c {
		names = append(names, f)
	}
	slices.Sort(names)
	for _, f := range names {
		if err := p.check(f, int(c[f])); err != nil {
			return fmt.Errorf("faults: %w", err)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for f, n := range c {
		p.setLocked(key, f, int(n))
	}
	return nil
}

// Load applies a scenario's `scripted:` list, all or nothing. An entry
// needs a count (times: 0 is what a forgotten times: reads as), and a key
// and fault may be listed once.
func (p *Plan) Load(entries []Entry) error {
	type kf struct {
		key string
		f   Fault
	}
	seen := map[kf]bool{}
	for i, e := range entries {
		if e.Times == 0 {
			return fmt.Errorf("scripted[%d]: times is required: a number of requests, or -1 for every request", i)
		}
		if err := p.check(e.Fault, int(e.Times)); err != nil {
			return fmt.Errorf("scripted[%d]: %w", i, err)
		}
		if seen[kf{e.Key, e.Fault}] {
			return fmt.Errorf("scripted[%d]: fault %s for key %.40q is listed twice", i, e.Fault, e.Key)
		}
		seen[kf{e.Key, e.Fault}] = true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range entries {
		p.setLocked(e.Key, e.Fault, int(e.Times))
	}
	return nil
}

func (p *Plan) check(f Fault, n int) error {
	if _, err := p.reg.Check(string(f)); err != nil {
		return err
	}
	if n < Always {
		return fmt.Errorf("fault %s: count %d: a number of requests, or -1 for every request", f, n)
	}
	return nil
}

func (p *Plan) setLocked(key string, f Fault, n int) {
	m := p.left[key]
	if n == 0 {
		delete(m, f)
		if len(m) == 0 {
			delete(p.left, key)
		}
		return
	}
	if m == nil {
		m = map[Fault]int{}
		p.left[key] = m
	}
	m[f] = n
}

// Take returns the one fault this request for key meets, and uses it up:
// key's first, then the every-request ones, each in registry order.
func (p *Plan) Take(key string) (Fault, bool) {
	p.mu.Lock()
	f, ok := p.takeLocked(key, "")
	if !ok && key != "" {
		f, ok = p.takeLocked("", "")
	}
	p.mu.Unlock()
	if ok && p.counter != nil {
		p.counter.Count("scripted_" + string(f))
	}
	return f, ok
}

// TakeFault reports whether this request for key meets f, and if so uses
// it up: key's count first, then the every-request one. For simulators
// whose faults compose, each asked for at its own stage of the answer. It
// panics if f is not in the registry: that is a typo in the simulator, and
// a fault that silently never fires would hide it.
func (p *Plan) TakeFault(key string, f Fault) bool {
	if !p.reg.Has(f) {
		panic(fmt.Sprintf("script: TakeFault(%q): not a fault of this registry", f))
	}
	p.mu.Lock()
	_, ok := p.takeLocked(key, f)
	if !ok && key != "" {
		_, ok = p.takeLocked("", f)
	}
	p.mu.Unlock()
	if ok && p.counter != nil {
		p.counter.Count("scripted_" + string(f))
	}
	return ok
}

// takeLocked uses up only from key's faults: only f if it is set, else the
// first due in registry order.
func (p *Plan) takeLocked(key string, only Fault) (Fault, bool) {
	m := p.left[key]
	if len(m) == 0 {
		return "", false
	}
	for _, s := range p.reg.specs {
		if only != "" && s.Name != only {
			continue
		}
		n, ok := m[s.Name]
		if !ok {
			continue
		}
		if n > 0 {
			p.setLocked(key, s.Name, n-1)
		}
		return s.Name, true
	}
	return "", false
}

// Pending returns what is left for key ("" : every request), for tests and
// for the sandbox to show.
func (p *Plan) Pending(key string) Counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := Counts{}
	for f, n := range p.left[key] {
		out[f] = Count(n)
	}
	return out
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
