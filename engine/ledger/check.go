package ledger

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
)

// Account is what checking a row needs of the account it names.
type Account struct {
	Provider string         // the account's plugin
	Currency string         // the currency of a row that names none
	Location *time.Location // the zone of a created_at without an offset; nil is UTC
}

// Accounts finds the account of that name in the config; ok is false when
// the config has none.
type Accounts func(name string) (acct Account, ok bool)

// check turns a row's columns into the row the rules judge, or says what
// is wrong with it. bad is why the row could not be read at all; the row
// then keeps what could be.
func check(line int, col func(string) string, bad *recon.RowError, accounts Accounts) (recon.Row, *recon.RowError) {
	if col == nil {
		col = func(string) string { return "" }
	}
	typ, amount, status, currency, createdAt := col("type"), col("amount"), col("status"), col("currency"), col("created_at")
	row := recon.Row{Line: line, Account: col("account"), OrderNo: col("order_no"),
		ProviderTradeNo: col("provider_trade_no"), RefundNo: col("refund_no"),
		Status: recon.State(strings.ToUpper(status)), Currency: strings.ToUpper(currency), AmountText: amount}
	if typ != "" {
		row.Kind, _ = recon.ParseKind(strings.ToLower(typ)) // shown even when the row is invalid
	}
	if bad != nil {
		return row, bad
	}
	invalid := func(field, format string, args ...any) (recon.Row, *recon.RowError) {
		return row, &recon.RowError{Line: line, Field: field, Reason: fmt.Sprintf(format, args...)}
	}

	var missing []string
	for _, c := range Required {
		if col(c) == "" {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return invalid(missing[0], "missing %s", strings.Join(missing, ", "))
	}
	acct, ok := accounts(row.Account)
	if !ok {
		return invalid("account", "account %q is not in the config", row.Account)
	}
	row.Provider = acct.Provider
	kind, err := recon.ParseKind(strings.ToLower(typ))
	if err != nil {
		return invalid("type", "type %q is not payment or refund", typ)
	}
	row.Kind = kind
	if kind == recon.Refund && row.RefundNo == "" {
		return invalid("refund_no", "a refund row needs refund_no")
	}
	statuses := recon.LedgerStatuses(kind)
	if !slices.Contains(statuses, row.Status) {
		names := make([]string, len(statuses))
		for i, s := range statuses {
			names[i] = string(s)
		}
		return invalid("status", "status %q is not a %s status (%s)", status, kind, strings.Join(names, ", "))
	}
	if row.Currency == "" {
		row.Currency = acct.Currency
	}
	digits, err := money.Digits(row.Currency)
	if err != nil {
		return invalid("currency", "currency %q is not an ISO 4217 code", currency)
	}
	if row.Amount, err = money.Parse(amount, digits); err != nil {
		// money.Parse's reason, when the decimal is well formed: an amount
		// of 21 digits is not a syntax mistake, and no decimals help it.
		if strings.HasSuffix(err.Error(), "is too large") {
			return invalid("amount", "amount %q is too large: at most %s %s", amount, money.Format(money.MaxMinor, digits), row.Currency)
		}
		return invalid("amount", "amount %q is not a decimal with at most %d decimals for %s", amount, digits, row.Currency)
	}
	if createdAt != "" {
		if row.CreatedAt, err = parseTime(createdAt, acct.Location); err != nil {
			return invalid("created_at", "created_at %q is neither RFC 3339 nor yyyy-MM-dd HH:mm:ss", createdAt)
		}
	}
	return row, nil
}

func parseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	return time.ParseInLocation("2006-01-02 15:04:05", s, loc)
}
