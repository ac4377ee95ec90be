package plugins

import (
	"fmt"

	"github.com/reconhq/recon"
)

// Bounds on one reply, enforced on both sides of the wire: by Serve before a
// plugin built with this SDK sends, and by the host on whatever any plugin
// sent. A provider's answer is a few kilobytes; a reply past these is a
// broken or hostile plugin, and storing it would grow the store by megabytes
// a row.
const (
	// MaxRawBytes caps Reply.Raw: the provider's body, which Exchange
	// already caps at MaxBodyBytes.
	MaxRawBytes = MaxBodyBytes
	// MaxFieldsBytes caps Answer.Fields, keys and values together: what the
	// rules may read of one answer.
	MaxFieldsBytes = 1 << 20
	// MaxTextBytes caps each other text of a reply (statuses, numbers, the
	// error, the request's description).
	MaxTextBytes = 4 << 10
)

// checkBounds returns why r is too large to be taken as a reply, or nil.
func checkBounds(r *recon.Reply) error {
	if n := len(r.Raw); n > MaxRawBytes {
		return fmt.Errorf("the plugin's reply carries a %d-byte raw body, more than %d", n, MaxRawBytes)
	}
	total := 0
	for k, v := range r.Answer.Fields {
		total += len(k) + len(v)
	}
	if total > MaxFieldsBytes {
		return fmt.Errorf("the plugin's reply carries %d bytes of fields, more than %d", total, MaxFieldsBytes)
	}
	a := &r.Answer
	for _, t := range []struct{ name, v string }{{"error", r.Err}, {"request", r.Request}, {"status", a.Status},
		{"sub_status", a.SubStatus}, {"currency", a.Currency}, {"order_no", a.OrderNo}, {"trade_no", a.TradeNo},
		{"refund_no", a.RefundNo}, {"refund_trade_no", a.RefundTradeNo}} {
		if len(t.v) > MaxTextBytes {
			return fmt.Errorf("the plugin's reply has a %s of %d bytes, more than %d", t.name, len(t.v), MaxTextBytes)
		}
	}
	return nil
}

// bounded returns r, or in its place a permanent failure saying what was too
// large (keeping the request's description when that is not what was).
func bounded(r recon.Reply) recon.Reply {
	err := checkBounds(&r)
	if err == nil {
		return r
	}
	out := recon.Reply{Outcome: recon.OutcomePermanent, Err: err.Error(), HTTPStatus: r.HTTPStatus}
	if len(r.Request) <= MaxTextBytes {
		out.Request = r.Request
	}
	return out
}
