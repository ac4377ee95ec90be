package engine

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/host"
	"github.com/reconhq/recon/plugins"
)

// gatedProvider answers only once its gate opens (or its query's context
// ends): a provider that has stopped answering.
type gatedProvider struct {
	gate    <-chan struct{}
	queries *atomic.Int64
}

func (p *gatedProvider) Info() plugins.Info                               { return plugins.Info{Name: "gated", Version: "1"} }
func (p *gatedProvider) Configure(context.Context, plugins.Account) error { return nil }
func (p *gatedProvider) Query(ctx context.Context, q recon.Query) recon.Reply {
	select {
	case <-p.gate:
	case <-ctx.Done():
		return recon.Reply{Outcome: recon.OutcomeTransient, Err: "gate closed"}
	}
	p.queries.Add(1)
	return recon.Reply{Outcome: recon.OutcomeFound, Answer: recon.Answer{Status: "PAID", OrderNo: q.OrderNo}}
}

// An account whose provider does not answer holds up no other: the other
// account's rows, which come after the stuck account's in the ledger, are
// all queried while it is stuck. (Before the per-account spools, the
// ledger pass waited on the stuck account's full queue, and the other
// account got only the rows read before it.)
func TestStuckAccountHoldsUpNoOther(t *testing.T) {
	const stuckRows, fastRows = 40, 300
	ledgerPath, db := newLedger(t, map[string]int{"stuck": stuckRows, "fast": fastRows}, "stuck", "fast")
	acct := func(name, plugin string) *config.Account {
		a := fakeAccount(0, time.Millisecond)
		a.Name, a.Plugin, a.Concurrency, a.Timeout = name, plugin, 2, time.Minute
		return a
	}
	cfg := &config.Config{FailOn: recon.SeverityWarn, Accounts: map[string]*config.Account{
		"stuck": acct("stuck", "gated"), "fast": acct("fast", "fake")}}

	// The stuck account answers once the fast one has answered every row:
	// if the fast account waits for the stuck one, neither ever finishes,
	// and the deadline below ends the run.
	gate := make(chan struct{})
	var fastAnswered, stuckAnswered atomic.Int64
	fast := &fakeProvider{reply: func(n int) recon.Reply {
		if n == fastRows {
			close(gate)
		}
		return recon.Reply{Outcome: recon.OutcomeFound, Answer: recon.Answer{Status: "PAID"}}
	}, n: &fastAnswered}
	h := host.InProcess(map[string]func() plugins.Provider{
		"fake":  func() plugins.Provider { return fast },
		"gated": func() plugins.Provider { return &gatedProvider{gate: gate, queries: &stuckAnswered} },
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a deadlock detector, not a speed limit
	defer cancel()
	run, st, err := Run(ctx, Options{Config: cfg, Store: db, LedgerPath: ledgerPath, Host: h})
	if err != nil {
		t.Fatalf("run: %v (the fast account answered %d of %d rows, the stuck one %d)", err, fastAnswered.Load(), fastRows, stuckAnswered.Load())
	}
	sum := 0
	for _, n := range run.Totals {
		sum += n
	}
	if st.Answered != stuckRows+fastRows || sum != stuckRows+fastRows {
		t.Fatalf("stats %+v, totals %v; want every row answered and judged", st, run.Totals)
	}
	for name, rows := range map[string]int{"stuck": stuckRows, "fast": fastRows} {
		if s := run.AccountStats[name]; s.Rows != rows || s.Answered != rows {
			t.Errorf("account %s: stats %+v; want its %d rows answered", name, s, rows)
		}
	}
}
