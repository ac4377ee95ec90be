// Command minimalplugin is the smallest third-party provider plugin: built
// outside recon from the SDK alone, it knows every order as paid 1.00
// except "nope", which it does not know. The e2e tests build it into a
// plugin_dir to show recon finds and uses such a binary without a rebuild.
package main

import (
	"context"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
)

type provider struct{ currency string }

func (p *provider) Info() plugins.Info {
	return plugins.Info{Name: "minimal", Version: "0.0.1", Description: "test plugin"}
}

func (p *provider) Configure(_ context.Context, a plugins.Account) error {
	p.currency = a.Currency
	return nil
}

func (p *provider) Query(_ context.Context, q recon.Query) recon.Reply {
	if q.Kind == recon.Refund {
		return recon.Reply{Outcome: recon.OutcomeUnsupported, Err: "minimal has no refund query"}
	}
	if q.OrderNo == "nope" {
		return recon.Reply{Outcome: recon.OutcomeNotFound, Raw: []byte(`{"known":false}`)}
	}
	return recon.Reply{Outcome: recon.OutcomeFound, Raw: []byte(`{"state":"OK"}`), Request: "minimal " + q.OrderNo,
		Answer: recon.Answer{Status: "OK", Currency: p.currency, Amount: recon.Int64(100), OrderNo: q.OrderNo, TradeNo: "M-" + q.OrderNo}}
}

func main() { plugins.Serve(&provider{}) }
