package builtin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon/plugins/simkit"
)

// Sandbox serves every built-in provider's simulator on one loopback
// listener, each under its own prefix: http://127.0.0.1:PORT/<name>.
type Sandbox struct {
	Sims map[string]simkit.Simulator
	URL  string // base; a provider's base URL is URL + "/" + name
	srv  *http.Server
	ln   net.Listener
	hits map[string]*atomic.Int64
}

// StartSandbox listens on addr ("127.0.0.1:0" for any free port) and serves.
func StartSandbox(addr string) (*Sandbox, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	s := &Sandbox{Sims: map[string]simkit.Simulator{}, ln: ln, URL: "http://" + ln.Addr().String(),
		hits: map[string]*atomic.Int64{}}
	mux := http.NewServeMux()
	for _, p := range All() {
		sim := p.NewSimulator()
		s.Sims[p.Name] = sim
		prefix := "/" + p.Name
		n := &atomic.Int64{}
		s.hits[p.Name] = n
		counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1); sim.ServeHTTP(w, r) })
		mux.Handle(prefix+"/", http.StripPrefix(prefix, counted)) // each simulator injects its own faults
	}
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Requests is how many requests the provider's simulator was sent.
func (s *Sandbox) Requests(name string) int64 {
	if n, ok := s.hits[name]; ok {
		return n.Load()
	}
	return 0
}

// BaseURL is the endpoint an account of that provider is configured with.
func (s *Sandbox) BaseURL(name string) string { return s.URL + "/" + name }

// LoadScenario hands each provider its section of a scenario file
// (top-level keys are provider names).
func (s *Sandbox) LoadScenario(data []byte) error {
	var sections map[string]yaml.Node
	if err := yaml.Unmarshal(data, &sections); err != nil {
		return fmt.Errorf("scenario: %w", err)
	}
	for name, node := range sections {
		sim, ok := s.Sims[name]
		if !ok {
			return fmt.Errorf("scenario: section %q names no built-in provider", name)
		}
		b, err := yaml.Marshal(&node)
		if err != nil {
			return err
		}
		if err := sim.LoadScenario(b); err != nil {
			return fmt.Errorf("scenario section %s: %w", name, err)
		}
	}
	return nil
}

// Close stops serving.
func (s *Sandbox) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return s.srv.Close()
	}
	return err
}
