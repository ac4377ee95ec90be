package script

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Fault names a scripted fault, as it is written in a scenario.
type Fault string

// The generic faults: every Registry holds them and Generic.Serve answers
// them.
const (
	HTTP5xx   Fault = "http_5xx"  // HTTP 503, no provider envelope
	Malformed Fault = "malformed" // HTTP 200 with a truncated JSON body
	Slow      Fault = "slow"      // the normal answer, after Generic.SlowDelay
	Hang      Fault = "hang"      // no answer until the client gives up
)

// Names of faults each provider implements its own way, declared here so
// that they are spelled alike. A provider that has one declares it with a
// Spec saying what it answers; none is in a Registry unless declared.
const (
	Busy    Fault = "busy"    // the provider's own "system busy, try again" answer (HTTP 200)
	BadSign Fault = "badsign" // an answer whose signature does not verify
	Tamper  Fault = "tamper"  // an answer altered after it was signed or encrypted
	NoSign  Fault = "nosign"  // an answer without its signature
	Replay  Fault = "replay"  // a genuine answer to another request
)

var generic = []Spec{
	{HTTP5xx, "HTTP 503 with a JSON error body"},
	{Malformed, "HTTP 200 with a truncated JSON body"},
	{Slow, "the normal answer, after the slow delay"},
	{Hang, "no answer until the client gives up"},
}

// renamed are old spellings, named in the error so that an old scenario is
// fixed in one step; they are not accepted.
var renamed = map[string]Fault{"5xx": HTTP5xx, "code_500": Busy}

// dedicatedRate are the faults simkit.Faults has a field for.
var dedicatedRate = map[Fault]string{HTTP5xx: "error_rate", Slow: "slow_rate", Malformed: "malformed_rate"}

// Spec declares a provider's fault.
type Spec struct {
	Name Fault
	Doc  string // what the simulator answers, for the docs and the error listing
}

// Registry is the set of faults one provider's scenarios may name: the
// generic ones, then the provider's. It is immutable, hence safe for
// concurrent use.
type Registry struct {
	specs []Spec
	index map[Fault]int
}

var validName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// NewRegistry returns the generic faults plus the provider's, in that
// order. It panics on an invalid or repeated name, or a Spec without Doc:
// registries are built once, at package initialisation.
func NewRegistry(provider ...Spec) *Registry {
	r := &Registry{index: map[Fault]int{}}
	for _, s := range append(slices.Clone(generic), provider...) {
		switch {
		case !validName.MatchString(string(s.Name)):
			panic(fmt.Sprintf("script: fault name %q is not [a-z][a-z0-9_]*, at most 32 long", s.Name))
		case s.Doc == "":
			panic(fmt.Sprintf("script: fault %q has no Doc", s.Name))
		}
		if _, dup := r.index[s.Name]; dup {
			panic(fmt.Sprintf("script: fault %q declared twice", s.Name))
		}
		r.index[s.Name] = len(r.specs)
		r.specs = append(r.specs, s)
	}
	return r
}

// Specs returns every fault of the registry, in order.
func (r *Registry) Specs() []Spec { return slices.Clone(r.specs) }

// Has reports whether f is in the registry.
func (r *Registry) Has(f Fault) bool {
	_, ok := r.index[f]
	return ok
}

// Check returns name as a Fault of the registry, or an error that lists the
// known ones.
func (r *Registry) Check(name string) (Fault, error) {
	if r.Has(Fault(name)) {
		return Fault(name), nil
	}
	if to, ok := renamed[name]; ok && r.Has(to) {
		return "", fmt.Errorf("unknown fault %q: it is now called %s (known: %s)", name, to, r.names())
	}
	return "", fmt.Errorf("unknown fault %.32q (known: %s)", name, r.names())
}

// CheckExtra checks the keys of simkit.Faults.Extra (random rates by fault
// name): each must be a fault of the registry without a rate field of its
// own in simkit.Faults.
func (r *Registry) CheckExtra(rates map[string]float64) error {
	names := make([]string, 0, len(rates))
	for k := range rates {
		names = append(names, k)
	}
	slices.Sort(names) // the same error for the same scenario
	for _, k := range names {
		f, err := r.Check(k)
		if err != nil {
			return fmt.Errorf("faults.extra: %w", err)
		}
		if field, ok := dedicatedRate[f]; ok {
			return fmt.Errorf("faults.extra: %s has its own rate, faults.%s", f, field)
		}
	}
	return nil
}

func (r *Registry) names() string {
	s := make([]string, len(r.specs))
	for i, sp := range r.specs {
		s[i] = string(sp.Name)
	}
	return strings.Join(s, ", ")
}
