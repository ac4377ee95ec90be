// Package simkit holds what the provider simulators share: fault injection,
// the sandbox/demo interface each simulator implements, and planted demo cases.
// Everything a provider knows stays in that provider's folder.
package simkit

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/simkit/script"
)

// Simulator is one provider's API, simulated on loopback for tests, the
// sandbox and the demo. Its handler serves the provider's API paths as the
// real provider does (the base URL is wherever it is mounted).
type Simulator interface {
	http.Handler
	// Name is the provider's plugin name (upay, vborder, paypro, edgeros).
	Name() string
	// Account says what an account must be configured with to talk to this
	// simulator. Credential values are final (PEM text for keys, not paths).
	Account() Account
	// LoadScenario replaces the simulator's data with a scenario, given as
	// the YAML of the provider's section of a sandbox scenario file.
	LoadScenario(yaml []byte) error
	// Plant adds about n orders (at least one of every verdict the provider
	// can produce) and returns the ledger rows for them, each with the verdict
	// a correct reconciliation must reach, and the NotInLedger cases only
	// the provider and its statement have. Planted payments and refunds
	// happen on PlantDay (yesterday in the account's zone).
	Plant(rng *rand.Rand, n int) []Case
	// Faults is the simulator's fault injector.
	Faults() *Injector
	// Statement is the provider's statement (对账单) of a day: the rows
	// whose Time falls on day's calendar day in the account's time zone
	// (day is that day's midnight there), ordered by time, then order
	// number. It lists what the provider took or paid back: every paid
	// order (also one since refunded, with the status word its query gives
	// now) and every successful or still-processing refund, each a row of
	// its own; never an unpaid, failed or closed-without-payment order.
	// WriteStatement writes it as a file.
	Statement(day time.Time) []StatementRow
	// StatementDays are the days (midnights in the account's zone) on
	// which Statement has rows, in order.
	StatementDays() []time.Time
}

// Account is what a recon account needs to talk to a simulator.
type Account struct {
	Currency    string
	Timezone    string
	Credentials map[string]string
}

// Case is a planted ledger row with the verdict it must get.
type Case struct {
	OrderNo         string
	ProviderTradeNo string
	Kind            recon.Kind
	RefundNo        string
	Amount          string // decimal, major units, as the ledger writes it
	Currency        string // empty: the account's
	Status          recon.State
	Want            recon.Verdict // the verdict a correct reconciliation reaches
	Why             string        // what was planted, for the demo's output
	// NotInLedger: the provider and its statement have it; the ledger must
	// not. The demo writes no ledger row for it, and expects a
	// MISSING_IN_LEDGER result (Want) when the statement is read. Status
	// is then the provider's state, not a ledger's.
	NotInLedger bool
}

// VerdictMissingInLedger is the verdict of a NotInLedger case.
const VerdictMissingInLedger = recon.VerdictMissingInLedger

// Faults configures random faults, each a probability per request.
type Faults struct {
	ErrorRate     float64       `yaml:"error_rate"`     // answer HTTP 503
	SlowRate      float64       `yaml:"slow_rate"`      // answer after SlowDelay
	SlowDelay     time.Duration `yaml:"slow_delay"`     // default 2s
	MalformedRate float64       `yaml:"malformed_rate"` // answer 200 with a truncated JSON body
	// Extra holds provider-specific fault rates, by name (e.g. "tamper").
	Extra map[string]float64 `yaml:"extra"`
	Seed  uint64             `yaml:"seed"`
}

// Injector decides, per request, whether to inject a fault, and counts them.
// It is safe for concurrent use.
type Injector struct {
	mu     sync.Mutex
	f      Faults
	rng    *rand.Rand
	counts map[string]int64
}

// NewInjector returns an injector that injects nothing until Set.
func NewInjector() *Injector {
	return &Injector{rng: rand.New(rand.NewPCG(1, 2)), counts: map[string]int64{}}
}

// Set replaces the fault configuration.
func (i *Injector) Set(f Faults) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if f.SlowDelay == 0 {
		f.SlowDelay = 2 * time.Second
	}
	i.f = f
	i.rng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
}

// Roll returns true with probability p and, if so, counts one fault of kind.
func (i *Injector) Roll(kind string, p float64) bool {
	if p <= 0 {
		return false
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.rng.Float64() >= p {
		return false
	}
	i.counts[kind]++
	return true
}

// Extra rolls the provider-specific fault of that name.
func (i *Injector) Extra(kind string) bool {
	i.mu.Lock()
	p := i.f.Extra[kind]
	i.mu.Unlock()
	return i.Roll(kind, p)
}

// Count records a fault injected by other means (a scripted one).
func (i *Injector) Count(kind string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.counts[kind]++
}

// Counts returns how many faults of each kind were injected.
func (i *Injector) Counts() map[string]int64 {
	i.mu.Lock()
	defer i.mu.Unlock()
	out := make(map[string]int64, len(i.counts))
	for k, v := range i.counts {
		out[k] = v
	}
	return out
}

// Wrap injects the generic faults in front of h, counted under the fault
// vocabulary's names (script.HTTP5xx, Slow, Malformed) like scripted ones.
func (i *Injector) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i.mu.Lock()
		f := i.f
		i.mu.Unlock()
		if i.Roll(string(script.HTTP5xx), f.ErrorRate) {
			http.Error(w, `{"error":"injected: service unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		if i.Roll(string(script.Slow), f.SlowRate) {
			select {
			case <-time.After(f.SlowDelay):
			case <-r.Context().Done():
				return
			}
		}
		if i.Roll(string(script.Malformed), f.MalformedRate) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"code":"200","data":{"trunc`))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Countdown scripts faults per key: "fail the first N requests for order X".
type Countdown struct {
	mu sync.Mutex
	m  map[string]int
}

// Set arranges for the next n Take(key) calls to return true.
func (c *Countdown) Set(key string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[key] = n
}

// Take returns true, and uses one up, while failures remain for key.
// A negative count fails forever.
func (c *Countdown) Take(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.m[key]
	switch {
	case n < 0:
		return true
	case n == 0:
		return false
	}
	c.m[key] = n - 1
	return true
}
