package statement

import (
	"fmt"
	"time"

	"github.com/reconhq/recon"
)

// Mapping says how to read one provider's statement: where each field of a
// Row is (a column of the CSV header, or a key of a JSON Lines object) and
// how its cells are written. The zero value reads nothing; start from a
// Preset or name at least OrderNo and Amount.
type Mapping struct {
	// Format is FormatCSV, FormatJSONL or "" (by the file's extension).
	Format string
	// Encoding of a CSV: "utf-8", "gbk", or "" to detect it (a UTF-8 byte
	// order mark is UTF-8; bytes that are not UTF-8 in the first 64 KiB
	// are GBK; else UTF-8). JSON Lines are always UTF-8.
	Encoding string

	// The columns (header names, or JSON keys) of the fields. OrderNo and
	// Amount are required; every other one may be "" (not in the statement).
	OrderNo, ProviderTradeNo, Type, RefundNo, Amount, Currency, Status, Time string
	// RefundAmount and RefundStatus are the columns of a refund row's amount
	// and status when they are not Amount and Status (a WeChat bill keeps
	// the order's columns on a refund row and adds the refund's own).
	RefundAmount, RefundStatus string

	// Types maps the values of the Type column (compared without regard to
	// case) to kinds; a value it lacks makes the row invalid. Nil with Type
	// set reads the contract's words: "payment", "refund", "" (a payment).
	// With no Type column a row is a refund when its RefundNo cell is
	// non-empty, else a payment.
	Types map[string]recon.Kind

	// AmountUnit is "major" (or ""): exact decimals in the currency's major
	// unit, "12.34" yuan; or "minor": whole minor units, "1234" fen.
	AmountUnit string
	// DefaultCurrency is the currency of a row whose Currency cell is empty
	// (or of every row when Currency is "").
	DefaultCurrency string
	// TimeLayout is the layout of the Time column (time.Parse); "" is RFC
	// 3339. Location is the zone of a layout without an offset; nil is UTC.
	TimeLayout string
	Location   *time.Location

	// TrimPrefix is cut once from the start of every cell of a CSV row (WeChat
	// writes a backtick before each, so that spreadsheets keep long numbers).
	TrimPrefix string
	// StopAt ends a CSV's details: a row whose first cell (after TrimPrefix)
	// is StopAt, and everything after it, is a summary, not transactions.
	StopAt string
}

// Formats a statement may be in.
const (
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// Amount units.
const (
	UnitMajor = "major"
	UnitMinor = "minor"
)

// Validate checks what can be checked of m without the file.
func (m *Mapping) Validate() error {
	if m.OrderNo == "" {
		return fmt.Errorf("the mapping names no order_no column")
	}
	if m.Amount == "" {
		return fmt.Errorf("the mapping names no amount column")
	}
	switch m.AmountUnit {
	case "", UnitMajor, UnitMinor:
	default:
		return fmt.Errorf("amount unit %q is not %s or %s", m.AmountUnit, UnitMajor, UnitMinor)
	}
	switch m.Format {
	case "", FormatCSV, FormatJSONL:
	default:
		return fmt.Errorf("%w %q (want %s or %s)", ErrFormat, m.Format, FormatCSV, FormatJSONL)
	}
	switch m.Encoding {
	case "", "utf-8", "gbk":
	default:
		return fmt.Errorf("encoding %q is not utf-8 or gbk", m.Encoding)
	}
	if m.Types != nil && m.Type == "" {
		return fmt.Errorf("the mapping has type values but names no type column")
	}
	return nil
}

// columns lists the columns m names, with the field each stands for.
func (m *Mapping) columns() [][2]string {
	all := [][2]string{{"order_no", m.OrderNo}, {"provider_trade_no", m.ProviderTradeNo}, {"type", m.Type},
		{"refund_no", m.RefundNo}, {"amount", m.Amount}, {"refund_amount", m.RefundAmount},
		{"currency", m.Currency}, {"status", m.Status}, {"refund_status", m.RefundStatus}, {"time", m.Time}}
	out := all[:0]
	for _, c := range all {
		if c[1] != "" {
			out = append(out, c)
		}
	}
	return out
}

// shanghai is China Standard Time. China has kept +08:00 without daylight
// saving since 1991, so a fixed zone is exact for any bill and needs no
// zoneinfo on the host.
var shanghai = time.FixedZone("CST", 8*60*60)

// Presets lists the names Preset knows.
func Presets() []string { return []string{"recon", "wechat"} }

// Preset returns a mapping for a statement format this package knows:
// "wechat" (WeChat Pay's v2 trade bill, bill_type=ALL) or "recon" (the plain
// CSV this project defines). ok is false for any other name.
func Preset(name string) (m Mapping, ok bool) {
	switch name {
	case "wechat":
		return Mapping{
			Format:          FormatCSV,
			OrderNo:         "商户订单号",
			ProviderTradeNo: "微信订单号",
			Type:            "交易状态",
			Types: map[string]recon.Kind{
				"SUCCESS": recon.Payment, "REVOKED": recon.Payment, "CLOSED": recon.Payment,
				"NOTPAY": recon.Payment, "USERPAYING": recon.Payment, "PAYERROR": recon.Payment,
				"REFUND": recon.Refund,
			},
			RefundNo:        "商户退款单号",
			Amount:          "订单金额",
			RefundAmount:    "申请退款金额",
			Currency:        "货币种类",
			DefaultCurrency: "CNY",
			Status:          "交易状态",
			RefundStatus:    "退款状态",
			Time:            "交易时间",
			TimeLayout:      time.DateTime,
			Location:        shanghai,
			TrimPrefix:      "`",
			StopAt:          "总交易单数",
		}, true
	case "recon":
		// No Format: a .jsonl or .ndjson statement is JSON Lines, as
		// docs/statements.md says, and a --statement file has no other way
		// to say so.
		return Mapping{
			OrderNo:         "order_no",
			ProviderTradeNo: "provider_trade_no",
			Type:            "type",
			RefundNo:        "refund_no",
			Amount:          "amount",
			Currency:        "currency",
			Status:          "status",
			Time:            "time",
		}, true
	}
	return Mapping{}, false
}
