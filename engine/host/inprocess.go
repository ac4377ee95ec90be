package host

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
)

// Exiter is a provider run by InProcess that can die as a plugin process
// can: once Exited reports true its plugin is gone, a query it was
// answering ends with plugins.ErrPluginGone, and the caller starts a fresh
// provider.
type Exiter interface {
	Exited() bool
}

// InProcess is a Starter that runs providers in this process: no binary,
// no gRPC. Each Start makes a fresh provider with its constructor and
// configures it. A query is guarded as a served plugin guards it: it runs
// under its timeout, and a panic or a reply without an outcome is a
// PERMANENT reply, not a crash of the run. A provider that ignores its
// context cannot be stopped; the query is given up at ctx's end, as a
// hung plugin is.
func InProcess(providers map[string]func() plugins.Provider) Starter {
	return &inProcess{providers: providers}
}

type inProcess struct {
	providers map[string]func() plugins.Provider
}

func (h *inProcess) Resolve(name string) (Spec, error) {
	if _, ok := h.providers[name]; !ok {
		names := make([]string, 0, len(h.providers))
		for n := range h.providers {
			names = append(names, n)
		}
		sort.Strings(names)
		return Spec{}, fmt.Errorf("%w %q: not one of the providers in this process (%s)", ErrUnknownPlugin, name, strings.Join(names, ", "))
	}
	return Spec{Name: name}, nil
}

func (h *inProcess) Start(ctx context.Context, spec Spec, acct plugins.Account) (Plugin, error) {
	newProvider, ok := h.providers[spec.Name]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownPlugin, spec.Name)
	}
	p := newProvider()
	if err := p.Configure(ctx, acct); err != nil {
		return nil, fmt.Errorf("plugin %s: configuring account %s: %w", spec.Name, acct.Name, err)
	}
	return &local{impl: p, info: p.Info()}, nil
}

func (h *inProcess) Close() {}

// local is a provider started in this process.
type local struct {
	impl plugins.Provider
	info plugins.Info

	mu      sync.Mutex
	stopped bool
}

func (l *local) Info() plugins.Info { return l.info }

func (l *local) Query(ctx context.Context, q recon.Query, timeout time.Duration) (recon.Reply, error) {
	if l.Exited() {
		return recon.Reply{}, plugins.ErrPluginGone
	}
	answered := make(chan recon.Reply, 1)
	go func() { answered <- plugins.Guard(ctx, l.impl, q, timeout) }()
	select {
	case res := <-answered:
		if l.Exited() {
			return recon.Reply{}, plugins.ErrPluginGone // it died answering
		}
		return res, nil
	case <-ctx.Done():
		return recon.Reply{}, ctx.Err()
	}
}

func (l *local) Exited() bool {
	l.mu.Lock()
	stopped := l.stopped
	l.mu.Unlock()
	if e, ok := l.impl.(Exiter); ok && e.Exited() {
		return true
	}
	return stopped
}

// Kill is Stop: a provider in this process has nothing to wait for.
func (l *local) Kill() { l.Stop() }

func (l *local) Stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
}
