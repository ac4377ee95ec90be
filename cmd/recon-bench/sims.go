package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon"
	edgerossim "github.com/reconhq/recon/plugins/edgeros/sim"
	payprosim "github.com/reconhq/recon/plugins/paypro/sim"
	"github.com/reconhq/recon/plugins/simkit"
	upaysim "github.com/reconhq/recon/plugins/upay/sim"
	vbordersim "github.com/reconhq/recon/plugins/vborder/sim"
)

// allProviders is the bench's order of the built-in providers: the cheap
// MD5 ones first, then the RSA ones.
var allProviders = []string{"upay", "paypro", "vborder", "edgeros"}

func newSim(name string) (simkit.Simulator, error) {
	switch name {
	case "upay":
		return upaysim.New(), nil
	case "paypro":
		return payprosim.New(), nil
	case "vborder":
		return vbordersim.New(), nil
	case "edgeros":
		return edgerossim.New(), nil
	}
	return nil, fmt.Errorf("unknown provider %q (known: %s)", name, strings.Join(allProviders, ", "))
}

// account is what both clients need to talk to one simulator; the sims
// process writes it to accounts.json for the plain client.
type account struct {
	Name        string            `json:"name"` // the recon account: bench-<provider>
	Provider    string            `json:"provider"`
	URL         string            `json:"url"`
	Currency    string            `json:"currency"`
	Timezone    string            `json:"timezone"`
	Credentials map[string]string `json:"credentials"` // final values (PEM text for keys)
}

// ledgerRow is one planted payment the simulator holds and agrees with.
type ledgerRow struct {
	Account, OrderNo, TradeNo, Amount, Currency string
}

// counter records, per simulator, how many answers it gave and when the
// first request came in and the last answer went out: throughput measured
// where neither client's start-up counts.
type counter struct {
	mu    sync.Mutex
	n     int64
	first time.Time
	last  time.Time
}

// simStat is one simulator's counter as /_bench/stats serves it.
type simStat struct {
	Requests int64 `json:"requests"`
	FirstNS  int64 `json:"first_ns"`
	LastNS   int64 `json:"last_ns"`
}

func (c *counter) wrap(h http.Handler, delay time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		c.mu.Lock()
		if c.n == 0 && c.first.IsZero() {
			c.first = start
		}
		c.mu.Unlock()
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		h.ServeHTTP(w, r)
		end := time.Now()
		c.mu.Lock()
		c.n++
		if end.After(c.last) {
			c.last = end
		}
		c.mu.Unlock()
	})
}

func (c *counter) stat() simStat {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := simStat{Requests: c.n}
	if !c.first.IsZero() {
		s.FirstNS, s.LastNS = c.first.UnixNano(), c.last.UnixNano()
	}
	return s
}

func (c *counter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n, c.first, c.last = 0, time.Time{}, time.Time{}
}

// simsStats is what /_bench/stats serves.
type simsStats struct {
	Providers   map[string]simStat `json:"providers"`
	Connections int64              `json:"connections"` // accepted since the last reset (the bench's own included)
}

// simsReady is the line the sims process prints once it serves.
type simsReady struct {
	URL string `json:"url"`
}

// runSims is the sims mode: plant, write ledgers, configs and accounts into
// --dir, serve until stdin closes (the bench exited or is done with us).
func runSims(args []string) error {
	fs := flag.NewFlagSet("sims", flag.ContinueOnError)
	dir := fs.String("dir", "", "where to write ledgers, configs and accounts.json")
	orders := fs.Int("orders", 1000, "payments per provider")
	provs := fs.String("providers", strings.Join(allProviders, ","), "providers to serve")
	slow := fs.String("slow", "", "provider=duration added before every answer of that provider")
	seed := fs.Uint64("seed", 1, "seed of the planted data")
	conc := fs.Int("concurrency", 16, "accounts' concurrency in the configs")
	rate := fs.Float64("rate", 100000, "accounts' rate_limit in the configs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	names := splitList(*provs)
	slowName, slowBy, err := parseSlow(*slow)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	counters := map[string]*counter{}
	accounts := map[string]account{}
	ledgers := map[string][]ledgerRow{}
	for i, name := range names {
		sim, err := newSim(name)
		if err != nil {
			return err
		}
		c := &counter{}
		counters[name] = c
		var delay time.Duration
		if name == slowName {
			delay = slowBy
		}
		prefix := "/" + name
		mux.Handle(prefix+"/", c.wrap(http.StripPrefix(prefix, sim), delay))
		a := sim.Account()
		acct := account{Name: "bench-" + name, Provider: name, URL: base + prefix, Currency: a.Currency,
			Timezone: a.Timezone, Credentials: a.Credentials}
		accounts[name] = acct
		rng := rand.New(rand.NewPCG(*seed+uint64(i), 0x5eed))
		ledgers[name] = plantMatched(sim, rng, acct.Name, *orders)
	}
	// New TCP connections since the last reset: a client that does not
	// keep its connections alive pays a handshake per query, and so do we.
	var conns atomic.Int64
	mux.HandleFunc("GET /_bench/stats", func(w http.ResponseWriter, r *http.Request) {
		out := simsStats{Providers: map[string]simStat{}, Connections: conns.Load()}
		for n, c := range counters {
			out.Providers[n] = c.stat()
		}
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("POST /_bench/reset", func(w http.ResponseWriter, r *http.Request) {
		for _, c := range counters {
			c.reset()
		}
		conns.Store(0)
	})
	if err := writeInputs(*dir, names, slowName, accounts, ledgers, accountSettings{conc: *conc, rate: *rate}); err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ConnState: func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}}
	go func() { _ = srv.Serve(ln) }()
	b, _ := json.Marshal(simsReady{URL: base})
	fmt.Println(string(b))
	// The bench holds our stdin; EOF means it is done (or gone).
	_, _ = bufio.NewReader(os.Stdin).ReadString(0)
	return srv.Close()
}

// plantMatched has the simulator plant orders and keeps the payments the
// ledger and the provider agree on (PAID, MATCHED): the benchmark measures
// the clean path every row of a healthy night takes. The planted
// discrepancy rows each Plant call adds are left out, and so are refund rows
// (two of the four providers have no refund query).
func plantMatched(sim simkit.Simulator, rng *rand.Rand, acct string, n int) []ledgerRow {
	out := make([]ledgerRow, 0, n)
	for len(out) < n {
		want := n - len(out)
		for _, c := range sim.Plant(rng, want+want/4+8) {
			if c.Kind != recon.Payment || c.Status != recon.StatePaid || c.Want != recon.VerdictMatched {
				continue
			}
			out = append(out, ledgerRow{Account: acct, OrderNo: c.OrderNo, TradeNo: c.ProviderTradeNo, Amount: c.Amount, Currency: c.Currency})
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// writeInputs writes, into dir: accounts.json; per provider p ledger-p.csv
// and config-p.yaml (that account alone); the "all" combination of every
// provider and the "rest" one of all but the slowed provider.
func writeInputs(dir string, names []string, slowName string, accounts map[string]account, ledgers map[string][]ledgerRow, set accountSettings) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(accounts, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "accounts.json"), b, 0o600); err != nil {
		return err
	}
	for _, n := range names {
		a, err := accountYAML(dir, accounts[n], set)
		if err != nil {
			return err
		}
		if err := writeYAML(filepath.Join(dir, "config-"+n+".yaml"), map[string]any{"fail_on": "warn", "accounts": map[string]any{accounts[n].Name: a}}); err != nil {
			return err
		}
		if err := writeLedger(filepath.Join(dir, "ledger-"+n+".csv"), ledgers[n]); err != nil {
			return err
		}
	}
	if err := writeCombo(dir, "all", names, accounts, ledgers, set); err != nil {
		return err
	}
	var rest []string
	for _, n := range names {
		if n != slowName {
			rest = append(rest, n)
		}
	}
	return writeCombo(dir, "rest", rest, accounts, ledgers, set)
}

// writeCombo writes config-<tag>.yaml with the accounts of names and
// ledger-<tag>.csv with their rows interleaved, as a merchant's export
// mixes its accounts.
func writeCombo(dir, tag string, names []string, accounts map[string]account, ledgers map[string][]ledgerRow, set accountSettings) error {
	all := map[string]any{}
	for _, n := range names {
		a, err := accountYAML(dir, accounts[n], set)
		if err != nil {
			return err
		}
		all[accounts[n].Name] = a
	}
	if err := writeYAML(filepath.Join(dir, "config-"+tag+".yaml"), map[string]any{"fail_on": "warn", "accounts": all}); err != nil {
		return err
	}
	var mixed []ledgerRow
	for i := 0; ; i++ {
		added := false
		for _, n := range names {
			if i < len(ledgers[n]) {
				mixed = append(mixed, ledgers[n][i])
				added = true
			}
		}
		if !added {
			break
		}
	}
	return writeLedger(filepath.Join(dir, "ledger-"+tag+".csv"), mixed)
}

// accountYAML is the config of one account: limits that do not bind (the
// bench measures recon, not its throttle), keys in files as a merchant keeps them.
// accountSettings are what every account of the configs gets.
type accountSettings struct {
	conc int
	rate float64
}

func accountYAML(dir string, a account, set accountSettings) (map[string]any, error) {
	creds := map[string]string{}
	keys := make([]string, 0, len(a.Credentials))
	for k := range a.Credentials {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := a.Credentials[k]
		if v == "" {
			continue
		}
		if !strings.Contains(v, "\n") {
			creds[k] = v
			continue
		}
		file := a.Provider + "-" + strings.ReplaceAll(k, "_", "-") + ".pem"
		if err := os.WriteFile(filepath.Join(dir, file), []byte(v), 0o600); err != nil {
			return nil, err
		}
		creds[k+"_file"] = file
	}
	out := map[string]any{"plugin": a.Provider, "endpoint": a.URL, "rate_limit": set.rate, "concurrency": set.conc,
		"timeout": "10s", "retries": 2, "backoff": "20ms", "credentials": creds}
	if a.Currency != "" {
		out["currency"] = a.Currency
	}
	if a.Timezone != "" {
		out["timezone"] = a.Timezone
	}
	return out, nil
}

func writeYAML(path string, v any) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

var ledgerHeader = []string{"account", "order_no", "provider_trade_no", "type", "amount", "currency", "status"}

func writeLedger(path string, rows []ledgerRow) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	_ = w.Write(ledgerHeader)
	for _, r := range rows {
		_ = w.Write([]string{r.Account, r.OrderNo, r.TradeNo, "payment", r.Amount, r.Currency, "PAID"})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseSlow reads "provider=duration" (empty: nothing slowed).
func parseSlow(s string) (string, time.Duration, error) {
	if s == "" {
		return "", 0, nil
	}
	name, d, ok := strings.Cut(s, "=")
	if !ok {
		return "", 0, fmt.Errorf("--slow %q: want provider=duration, e.g. edgeros=200ms", s)
	}
	dur, err := time.ParseDuration(d)
	if err != nil || dur < 0 {
		return "", 0, fmt.Errorf("--slow %q: %q is not a duration", s, d)
	}
	return name, dur, nil
}
