package report

import (
	"encoding/json"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

// jsonSink writes the contract's JSON report. The head is the stored run
// through encoding/json; each result is appended by hand, byte for byte
// what json.MarshalIndent makes of it (TestResultJSON holds it to that),
// because MarshalIndent (reflection, then a second pass to indent) was
// half of the report's time on a large night.
type jsonSink struct {
	w     io.Writer
	run   *store.Run
	buf   []byte
	first bool
}

func (s *jsonSink) begin() error {
	h, err := json.MarshalIndent(head(s.run), "", "  ")
	if err != nil {
		return err
	}
	// The head object, reopened to stream the results into it.
	h = h[:len(h)-2]
	s.first = true
	_, err = s.w.Write(append(h, ",\n  \"results\": ["...))
	return err
}

func (s *jsonSink) row(r *recon.Result) error {
	sep := ",\n    "
	if s.first {
		sep, s.first = "\n    ", false
	}
	s.buf = appendResult(append(s.buf[:0], sep...), r)
	_, err := s.w.Write(s.buf)
	return err
}

func (s *jsonSink) end(*Summary) error {
	end := "\n  ]\n}\n"
	if s.first {
		end = "]\n}\n"
	}
	_, err := io.WriteString(s.w, end)
	return err
}

// The indents of a result inside the report's results array.
const (
	ind1 = "\n      "
	ind2 = "\n        "
)

// appendResult appends r as json.MarshalIndent(r, "    ", "  ") writes it.
func appendResult(b []byte, r *recon.Result) []byte {
	b = append(b, '{')
	b = field(b, ind1, "account", r.Account, false)
	b = field(b, ind1, "order_no", r.OrderNo, true)
	b = field(b, ind1, "type", r.Kind.String(), true)
	b = field(b, ind1, "refund_no", r.RefundNo, true)
	if r.InLedger() {
		b = append(b, ","+ind1+`"line": `...)
		b = strconv.AppendInt(b, int64(r.Line), 10)
	} else {
		// A row only the statement has: its line names the statement's
		// file and line (the contract).
		b = field(b, ind1, "line", r.Where(), true)
	}
	b = field(b, ind1, "verdict", string(r.Verdict), true)
	b = field(b, ind1, "severity", string(r.Severity), true)
	b = field(b, ind1, "action", string(r.Action), true)
	b = append(b, ","+ind1+`"local": {`...)
	b = field(b, ind2, "status", string(r.Local.Status), false)
	b = field(b, ind2, "amount", r.Local.Amount, true)
	b = field(b, ind2, "currency", r.Local.Currency, true)
	b = append(b, ind1+"}"...)
	if p := r.Provider; p != nil {
		b = append(b, ","+ind1+`"provider": {`...)
		b = field(b, ind2, "status", string(p.Status), false)
		b = field(b, ind2, "raw_status", p.RawStatus, true)
		b = optField(b, ind2, "sub_status", p.SubStatus)
		b = optField(b, ind2, "amount", p.Amount)
		b = optField(b, ind2, "received", p.Received)
		b = optField(b, ind2, "refunded", p.Refunded)
		b = optField(b, ind2, "refund_amount", p.RefundAmount)
		b = optField(b, ind2, "trade_no", p.TradeNo)
		b = optField(b, ind2, "paid_at", p.PaidAt)
		b = optField(b, ind2, "refunded_at", p.RefundedAt)
		b = append(b, ","+ind2+`"verified": `...)
		b = strconv.AppendBool(b, p.Verified)
		b = append(b, ind1+"}"...)
	}
	b = optField(b, ind1, "detail", r.Detail)
	b = optField(b, ind1, "rule_set", r.RuleSet)
	if r.Attempts != 0 {
		b = append(b, ","+ind1+`"attempts": `...)
		b = strconv.AppendInt(b, int64(r.Attempts), 10)
	}
	b = optField(b, ind1, "reused_from", r.Reused)
	b = optField(b, ind1, "fingerprint", r.Fingerprint)
	b = optField(b, ind1, "source", r.Source)
	if st := r.Statement; st != nil {
		b = append(b, ","+ind1+`"statement": {`...)
		b = field(b, ind2, "file", st.File, false)
		b = append(b, ","+ind2+`"line": `...)
		b = strconv.AppendInt(b, int64(st.Line), 10)
		b = append(b, ind1+"}"...)
	}
	return append(b, "\n    }"...)
}

// field appends `"name": "value"` on a line of its own at indent, after a
// comma unless it is the object's first.
func field(b []byte, indent, name, value string, comma bool) []byte {
	if comma {
		b = append(b, ',')
	}
	b = append(b, indent...)
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, `": `...)
	return appendString(b, value)
}

// optField is field for an omitempty string that follows another field.
func optField(b []byte, indent, name, value string) []byte {
	if value == "" {
		return b
	}
	return field(b, indent, name, value, true)
}

const hex = "0123456789abcdef"

// appendString appends s as a JSON string exactly as encoding/json writes
// it: HTML-safe (<, > and & as \u escapes, which also keeps the HTML
// report's data blocks free of "</script"), U+2028 and U+2029 escaped, and
// invalid UTF-8 as U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
