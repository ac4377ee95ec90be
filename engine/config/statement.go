package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/statement"
)

// Statement is an account's provider statement: where the night's file is
// and how it is read.
type Statement struct {
	// Pattern is the file's path (relative paths made relative to the
	// config's folder), with {date} or {date:LAYOUT} standing for the
	// statement's day ("" when only --statement names files).
	Pattern string
	// Trust lets a ledger row the statement confirms be judged on it,
	// without a query (statement_trust).
	Trust bool
	// Format is the preset the mapping starts from (statement_format).
	Format  string
	Mapping statement.Mapping
}

// DefaultStatementFormat is the preset of an account that names none: the
// plain CSV this project defines (engine/statement).
const DefaultStatementFormat = "recon"

// Path is the statement file of day (a date in the account's zone).
func (s *Statement) Path(day time.Time) string {
	out, rest := "", s.Pattern
	for {
		i := strings.Index(rest, "{date")
		if i < 0 {
			return out + rest
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return out + rest
		}
		layout := "2006-01-02"
		if l, ok := strings.CutPrefix(rest[i+len("{date"):i+j], ":"); ok {
			layout = l
		}
		out += rest[:i] + day.Format(layout)
		rest = rest[i+j+1:]
	}
}

// checkPattern is why pat's {date} placeholders would not name a file per
// day, nil when they do (or it has none): a placeholder left open stays in
// the path as text, and layouts without the year, month and day name the
// same file on other days (or none that exists), and every night the
// statement is "not published".
func checkPattern(pat string) error {
	var layouts []string
	for rest := pat; ; {
		i := strings.Index(rest, "{date")
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return fmt.Errorf("%s has no closing }", rest[i:])
		}
		spec := rest[i+len("{date") : i+j]
		layout, ok := strings.CutPrefix(spec, ":")
		switch {
		case spec == "":
			layout = time.DateOnly
		case !ok:
			return fmt.Errorf("%s is not {date} or {date:LAYOUT}", rest[i:i+j+1])
		case layout == "":
			return fmt.Errorf("{date:} has no layout (e.g. {date:20060102})")
		}
		layouts = append(layouts, strconv.Quote(layout))
		rest = rest[i+j+1:]
	}
	if len(layouts) == 0 {
		return nil
	}
	s := &Statement{Pattern: pat}
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	for _, other := range []time.Time{day.AddDate(0, 0, -1), day.AddDate(0, -1, 0), day.AddDate(-1, 0, 0)} {
		if s.Path(other) == s.Path(day) {
			return fmt.Errorf("layout %s does not name the year, month and day (e.g. 20060102 or 2006-01-02)",
				strings.Join(layouts, ", "))
		}
	}
	return nil
}

// Dated reports whether the pattern names a file per day.
func (s *Statement) Dated() bool { return strings.Contains(s.Pattern, "{date") }

// fileStatementMap is statement_mapping: the columns of each field, and how
// cells are written, over the preset's. Each is a pointer: "" clears what
// the preset names (a bill without a time column), absent keeps it.
type fileStatementMap struct {
	Format          *string           `yaml:"format"` // csv | jsonl
	Encoding        *string           `yaml:"encoding"`
	OrderNo         *string           `yaml:"order_no"`
	ProviderTradeNo *string           `yaml:"provider_trade_no"`
	Type            *string           `yaml:"type"`
	RefundNo        *string           `yaml:"refund_no"`
	Amount          *string           `yaml:"amount"`
	RefundAmount    *string           `yaml:"refund_amount"`
	Currency        *string           `yaml:"currency"`
	Status          *string           `yaml:"status"`
	RefundStatus    *string           `yaml:"refund_status"`
	Time            *string           `yaml:"time"`
	TimeLayout      *string           `yaml:"time_layout"`
	AmountUnit      *string           `yaml:"amount_unit"`
	TrimPrefix      *string           `yaml:"trim_prefix"`
	StopAt          *string           `yaml:"stop_at"` // the first cell of the row where the details end
	Types           map[string]string `yaml:"types"`   // type column value -> payment | refund
}

// statement reads an account's statement keys; nil when it has none.
func (p *parser) statement(key string, fa *fileAccount, a *Account) *Statement {
	if fa.Statement == "" && fa.StatementTrust == nil && fa.StatementFormat == "" && fa.StatementMapping == nil {
		return nil
	}
	fail := func(sub, format string, args ...any) { p.fail(key+"."+sub, format, args...) }
	st := &Statement{Format: strings.TrimSpace(fa.StatementFormat)}
	if st.Format == "" {
		st.Format = DefaultStatementFormat
	}
	if pat := strings.TrimSpace(fa.Statement); pat != "" {
		if err := checkPattern(pat); err != nil {
			fail("statement", "%q: %v", pat, err)
		}
		st.Pattern = rel(p.dir, pat)
	}
	if fa.StatementTrust != nil {
		st.Trust = *fa.StatementTrust
	}
	m, ok := statement.Preset(st.Format)
	if !ok {
		fail("statement_format", "unknown statement format %q; known: %s", st.Format, strings.Join(statement.Presets(), ", "))
		return st
	}
	if fm := fa.StatementMapping; fm != nil {
		for _, f := range []struct {
			v   *string
			dst *string
		}{{fm.Format, &m.Format}, {fm.Encoding, &m.Encoding}, {fm.OrderNo, &m.OrderNo},
			{fm.ProviderTradeNo, &m.ProviderTradeNo}, {fm.Type, &m.Type}, {fm.RefundNo, &m.RefundNo},
			{fm.Amount, &m.Amount}, {fm.RefundAmount, &m.RefundAmount}, {fm.Currency, &m.Currency},
			{fm.Status, &m.Status}, {fm.RefundStatus, &m.RefundStatus}, {fm.Time, &m.Time},
			{fm.TimeLayout, &m.TimeLayout}, {fm.AmountUnit, &m.AmountUnit}} {
			if f.v != nil {
				*f.dst = *f.v
			}
		}
		if fm.TrimPrefix != nil {
			m.TrimPrefix = *fm.TrimPrefix
		}
		if fm.StopAt != nil {
			m.StopAt = *fm.StopAt
		}
		if fm.Types != nil {
			m.Types = map[string]recon.Kind{}
			vals := make([]string, 0, len(fm.Types))
			for v := range fm.Types {
				vals = append(vals, v)
			}
			sort.Strings(vals)
			for _, v := range vals {
				k, err := recon.ParseKind(fm.Types[v])
				if err != nil {
					fail("statement_mapping.types."+v, "%q is not payment or refund", fm.Types[v])
					continue
				}
				m.Types[v] = k
			}
		}
	}
	if m.DefaultCurrency == "" {
		m.DefaultCurrency = a.Currency
	}
	if m.Location == nil {
		m.Location = a.Location // a layout without an offset is in the account's zone
	}
	if err := m.Validate(); err != nil {
		fail("statement_mapping", "%v", err)
	}
	st.Mapping = m
	return st
}

// String describes the statement setting for messages.
func (s *Statement) String() string { return fmt.Sprintf("%s (%s)", s.Pattern, s.Format) }
