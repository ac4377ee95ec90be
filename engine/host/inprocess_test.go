package host

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
)

// provider answers with query, and fails Configure with configErr.
type provider struct {
	query     func(context.Context) recon.Reply
	configErr error
	gone      bool
}

func (p *provider) Info() plugins.Info { return plugins.Info{Name: "p", Version: "2.0"} }
func (p *provider) Configure(context.Context, plugins.Account) error {
	return p.configErr
}
func (p *provider) Query(ctx context.Context, _ recon.Query) recon.Reply { return p.query(ctx) }

type mortal struct{ provider }

func (m *mortal) Exited() bool { return m.gone }

// TestInProcess: a query in process is guarded as plugins.Serve guards one
// in a plugin process, and a plugin's end reads as a process's does.
func TestInProcess(t *testing.T) {
	found := func(context.Context) recon.Reply { return recon.Reply{Outcome: recon.OutcomeFound} }
	tests := []struct {
		name    string
		impl    plugins.Provider
		timeout time.Duration
		outcome recon.Outcome
		errText string // in the reply's Err
		err     error  // from Query
	}{
		{"answers", &provider{query: found}, time.Second, recon.OutcomeFound, "", nil},
		{"a panic is a permanent failure", &provider{query: func(context.Context) recon.Reply { panic("boom") }}, time.Second,
			recon.OutcomePermanent, "plugin panic: boom", nil},
		{"no outcome is a permanent failure", &provider{query: func(context.Context) recon.Reply { return recon.Reply{} }}, time.Second,
			recon.OutcomePermanent, "plugin returned no outcome", nil},
		{"the attempt's timeout is the provider's deadline", &provider{query: func(ctx context.Context) recon.Reply {
			<-ctx.Done()
			return recon.Reply{Outcome: recon.OutcomeTransient, Err: ctx.Err().Error()}
		}}, 10 * time.Millisecond, recon.OutcomeTransient, "deadline exceeded", nil},
		{"a provider that exited is gone", &mortal{provider{query: found, gone: true}}, time.Second, 0, "", plugins.ErrPluginGone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := InProcess(map[string]func() plugins.Provider{"p": func() plugins.Provider { return tt.impl }})
			defer s.Close()
			spec, err := s.Resolve("p")
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.Start(context.Background(), spec, plugins.Account{Name: "acct"})
			if err != nil {
				t.Fatal(err)
			}
			if p.Info().Version != "2.0" {
				t.Errorf("info %+v", p.Info())
			}
			res, err := p.Query(context.Background(), recon.Query{Kind: recon.Payment, OrderNo: "A1"}, tt.timeout)
			if !errors.Is(err, tt.err) || res.Outcome != tt.outcome || !strings.Contains(res.Err, tt.errText) {
				t.Fatalf("%s %q, %v; want %s %q, %v", res.Outcome, res.Err, err, tt.outcome, tt.errText, tt.err)
			}
			if strings.Contains(res.Err, "goroutine ") || strings.Contains(res.Err, ".go:") {
				t.Errorf("a stack trace in the reply, which the report would show: %q", res.Err)
			}
			if p.Exited() != (tt.err != nil) {
				t.Errorf("Exited() = %v", p.Exited())
			}
		})
	}

	t.Run("stopped", func(t *testing.T) {
		s := InProcess(map[string]func() plugins.Provider{"p": func() plugins.Provider { return &provider{query: found} }})
		p, err := s.Start(context.Background(), Spec{Name: "p"}, plugins.Account{Name: "acct"})
		if err != nil {
			t.Fatal(err)
		}
		p.Stop()
		if _, err := p.Query(context.Background(), recon.Query{}, time.Second); !p.Exited() || !errors.Is(err, plugins.ErrPluginGone) {
			t.Fatalf("after Stop: exited %v, %v", p.Exited(), err)
		}
	})

	t.Run("a query given up when the caller stops waiting", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		s := InProcess(map[string]func() plugins.Provider{"p": func() plugins.Provider {
			return &provider{query: func(context.Context) recon.Reply { <-release; return recon.Reply{Outcome: recon.OutcomeFound} }}
		}})
		p, err := s.Start(context.Background(), Spec{Name: "p"}, plugins.Account{Name: "acct"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		if _, err := p.Query(ctx, recon.Query{}, time.Second); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v; want the caller's deadline, as for a hung plugin", err)
		}
	})

	t.Run("unknown and misconfigured", func(t *testing.T) {
		s := InProcess(map[string]func() plugins.Provider{"p": func() plugins.Provider {
			return &provider{configErr: errors.New("no terminal_key")}
		}})
		if _, err := s.Resolve("q"); !errors.Is(err, ErrUnknownPlugin) || !strings.Contains(err.Error(), `"q"`) {
			t.Errorf("Resolve: %v", err)
		}
		if _, err := s.Start(context.Background(), Spec{Name: "p"}, plugins.Account{Name: "acct"}); err == nil ||
			err.Error() != "plugin p: configuring account acct: no terminal_key" {
			t.Errorf("Start: %v", err)
		}
	})
}
