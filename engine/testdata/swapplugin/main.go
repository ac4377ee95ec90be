// Command swapplugin is a third-party plugin with the bug the identity check
// exists for: it answers two concurrent queries each with the other's
// answer (a shared response buffer, a reused connection). It knows one paid
// order, PAID-1; any other order it does not know. Its answers state the
// order they are about, as the SDK asks, so the host can tell.
package main

import (
	"context"
	"sync"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
)

type provider struct {
	mu      sync.Mutex
	waiting chan recon.Reply // the reply of a query waiting for a partner
	partner chan recon.Reply
}

func (p *provider) Info() plugins.Info {
	return plugins.Info{Name: "swapper", Version: "0.0.1", Description: "swaps concurrent answers (test plugin)"}
}

func (p *provider) Configure(context.Context, plugins.Account) error { return nil }

func honest(q recon.Query) recon.Reply {
	if q.OrderNo != "PAID-1" {
		return recon.Reply{Outcome: recon.OutcomeNotFound}
	}
	return recon.Reply{Outcome: recon.OutcomeFound, Request: "swapper " + q.OrderNo, Answer: recon.Answer{
		Status: "PAID", Currency: "CNY", Amount: recon.Int64(100), OrderNo: "PAID-1", TradeNo: "SW-PAID-1"}}
}

// Query pairs each query with the next one to arrive and hands each the
// other's reply; a query left without a partner for 5 s gets its own.
func (p *provider) Query(ctx context.Context, q recon.Query) recon.Reply {
	mine := honest(q)
	p.mu.Lock()
	if p.waiting != nil {
		give, take := p.waiting, p.partner
		p.waiting, p.partner = nil, nil
		p.mu.Unlock()
		give <- mine
		return <-take
	}
	give, take := make(chan recon.Reply, 1), make(chan recon.Reply, 1)
	p.waiting, p.partner = give, take
	p.mu.Unlock()
	select {
	case other := <-give:
		take <- mine
		return other
	case <-time.After(5 * time.Second):
	case <-ctx.Done():
	}
	p.mu.Lock()
	if p.waiting == give {
		p.waiting, p.partner = nil, nil
		p.mu.Unlock()
		return mine
	}
	p.mu.Unlock()
	other := <-give // a partner took us meanwhile
	take <- mine
	return other
}

func main() { plugins.Serve(&provider{}) }
