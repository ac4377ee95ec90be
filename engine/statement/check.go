package statement

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
)

// check turns a row's cells into a Row, or says what is wrong with it. bad
// is why the row could not be read at all; the row then keeps what could be.
func (r *Reader) check(line int, raw map[string]string, bad *recon.RowError) (Row, *recon.RowError) {
	m := &r.m
	get := func(col string) string {
		if col == "" {
			return ""
		}
		return raw[col]
	}
	row := Row{Line: line, Raw: raw, OrderNo: get(m.OrderNo), ProviderTradeNo: get(m.ProviderTradeNo),
		RefundNo: get(m.RefundNo)}
	row.Kind, _ = r.kind(get) // shown even when the row is invalid
	amountCol, statusCol := m.Amount, m.Status
	if row.Kind == recon.Refund {
		amountCol, statusCol = or(m.RefundAmount, amountCol), or(m.RefundStatus, statusCol)
	} else {
		row.RefundNo = "" // a payment has none; WeChat writes 0 there
	}
	row.AmountText, row.Status = get(amountCol), get(statusCol)
	row.Currency = or(strings.ToUpper(get(m.Currency)), m.DefaultCurrency)
	if bad != nil {
		return row, bad
	}
	invalid := func(field, format string, args ...any) (Row, *recon.RowError) {
		return row, &recon.RowError{Line: line, Field: field, Reason: fmt.Sprintf(format, args...)}
	}

	if row.OrderNo == "" {
		return invalid("order_no", "missing order_no (column %q)", m.OrderNo)
	}
	if _, err := r.kind(get); err != nil {
		return invalid("type", "%v", err)
	}
	if row.Kind == recon.Refund && row.RefundNo == "" {
		if m.RefundNo == "" {
			return invalid("refund_no", "a refund row needs a refund_no, and the mapping names no refund_no column")
		}
		return invalid("refund_no", "a refund row needs a refund_no (column %q)", m.RefundNo)
	}
	if row.Currency == "" {
		return invalid("currency", "missing currency (column %q), and the mapping has no default", m.Currency)
	}
	digits, err := money.Digits(row.Currency)
	if err != nil {
		return invalid("currency", "currency %q is not an ISO 4217 code", row.Currency)
	}
	if m.AmountUnit == UnitMinor {
		row.Amount, err = money.ParseMinor(row.AmountText)
	} else {
		row.Amount, err = money.Parse(row.AmountText, digits)
	}
	if err != nil {
		if m.AmountUnit == UnitMinor {
			return invalid("amount", "amount %q (column %q) is not a whole number of minor units", row.AmountText, amountCol)
		}
		return invalid("amount", "amount %q (column %q) is not a decimal with at most %d decimals for %s",
			row.AmountText, amountCol, digits, row.Currency)
	}
	if m.Time != "" {
		s := get(m.Time)
		if s == "" {
			return invalid("time", "missing time (column %q)", m.Time)
		}
		if row.Time, err = r.parseTime(s); err != nil {
			return invalid("time", "time %q (column %q) is not %s", s, m.Time, or(m.TimeLayout, "RFC 3339"))
		}
	}
	return row, nil
}

// kind tells a payment from a refund by the mapping's rule.
func (r *Reader) kind(get func(string) string) (recon.Kind, error) {
	m := &r.m
	if m.Type == "" {
		if get(m.RefundNo) != "" {
			return recon.Refund, nil
		}
		return recon.Payment, nil
	}
	v := get(m.Type)
	if r.types == nil {
		return recon.ParseKind(strings.ToLower(v))
	}
	if k, ok := r.types[strings.ToLower(v)]; ok {
		return k, nil
	}
	known := make([]string, 0, len(m.Types))
	for s := range m.Types {
		known = append(known, s)
	}
	slices.Sort(known)
	return 0, fmt.Errorf("type %q (column %q) is none of %s", v, m.Type, strings.Join(known, ", "))
}

func (r *Reader) parseTime(s string) (time.Time, error) {
	if r.m.TimeLayout == "" {
		return time.Parse(time.RFC3339, s)
	}
	loc := r.m.Location
	if loc == nil {
		loc = time.UTC
	}
	return time.ParseInLocation(r.m.TimeLayout, s, loc)
}

func or(s, otherwise string) string {
	if s != "" {
		return s
	}
	return otherwise
}
