package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/ledger"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/store"
)

var (
	paymentStatuses = []string{"PENDING", "PAID", "FAILED", "CLOSED", "PARTIALLY_REFUNDED", "REFUNDED"}
	refundStatuses  = []string{"PENDING", "SUCCESS", "FAILED"}
)

// validate turns a ledger row into a row the rules can judge, or says why
// it is invalid.
func validate(r ledger.Row, cfg *config.Config) (store.LedgerRow, string) {
	out := store.LedgerRow{Line: r.Line, Account: r.Account, OrderNo: r.OrderNo, ProviderTradeNo: r.ProviderTradeNo,
		RefundNo: r.RefundNo, Status: strings.ToUpper(r.Status), Type: strings.ToLower(r.Type), Currency: strings.ToUpper(r.Currency)}
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
	if out.Type == "" {
		out.Type = "payment"
	}
	statuses := paymentStatuses
	switch out.Type {
	case "payment":
	case "refund":
		statuses = refundStatuses
		if r.RefundNo == "" {
			return out, "a refund row needs refund_no"
		}
	default:
		return out, fmt.Sprintf("type %q is not payment or refund", r.Type)
	}
	if !contains(statuses, out.Status) {
		return out, fmt.Sprintf("status %q is not a %s status (%s)", r.Status, out.Type, strings.Join(statuses, ", "))
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

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
