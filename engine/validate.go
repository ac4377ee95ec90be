package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/ledger"
	"github.com/reconhq/recon/plugins/money"
)

// validate turns a ledger row into a row the rules can judge, or says why
// it is invalid.
func validate(r ledger.Row, cfg *config.Config) (recon.Row, string) {
	out := recon.Row{Line: r.Line, Account: r.Account, OrderNo: r.OrderNo, ProviderTradeNo: r.ProviderTradeNo,
		RefundNo: r.RefundNo, Status: recon.State(strings.ToUpper(r.Status)), Currency: strings.ToUpper(r.Currency),
		AmountText: r.Amount}
	if r.Type != "" {
		out.Kind, _ = recon.ParseKind(strings.ToLower(r.Type)) // shown even when the row is invalid
	}
	if r.Err != nil {
		return out, "line " + r.Err.Error()
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"account", r.Account}, {"order_no", r.OrderNo},
		{"amount", r.Amount}, {"status", r.Status}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return out, "missing " + strings.Join(missing, ", ")
	}
	acct, ok := cfg.Accounts[r.Account]
	if !ok {
		return out, fmt.Sprintf("account %q is not in the config", r.Account)
	}
	out.Provider = acct.Plugin
	kind, err := recon.ParseKind(strings.ToLower(r.Type))
	if err != nil {
		return out, fmt.Sprintf("type %q is not payment or refund", r.Type)
	}
	out.Kind = kind
	if kind == recon.Refund && r.RefundNo == "" {
		return out, "a refund row needs refund_no"
	}
	statuses := recon.LedgerStatuses(kind)
	if !slices.Contains(statuses, out.Status) {
		names := make([]string, len(statuses))
		for i, s := range statuses {
			names[i] = string(s)
		}
		return out, fmt.Sprintf("status %q is not a %s status (%s)", r.Status, kind, strings.Join(names, ", "))
	}
	if out.Currency == "" {
		out.Currency = acct.Currency
	}
	digits, err := money.Digits(out.Currency)
	if err != nil {
		return out, fmt.Sprintf("currency %q is not an ISO 4217 code", r.Currency)
	}
	if out.Amount, err = money.Parse(r.Amount, digits); err != nil {
		return out, fmt.Sprintf("amount %q is not a decimal with at most %d decimals for %s", r.Amount, digits, out.Currency)
	}
	if r.CreatedAt != "" {
		if out.CreatedAt, err = parseTime(r.CreatedAt, acct.Location); err != nil {
			return out, fmt.Sprintf("created_at %q is neither RFC 3339 nor yyyy-MM-dd HH:mm:ss", r.CreatedAt)
		}
	}
	return out, ""
}

func parseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02 15:04:05", s, loc)
}
