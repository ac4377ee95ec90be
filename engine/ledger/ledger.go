// Package ledger streams a merchant's ledger: CSV with a header row, or JSON
// Lines with the same keys. It reports each row with its line number and
// never drops one: a row it cannot read comes back with Err set, and
// reading goes on with the next. A line longer than MaxLineBytes is skipped
// without being held in memory, and its row says so; a broken CSV quote
// spoils the rows it swallows, and its error names the lines.
//
// Checks that need the config (the account exists, the amount fits its
// currency) are the engine's; this package checks only what a row is.
package ledger

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// Columns of the contract.
var (
	Required = []string{"account", "order_no", "amount", "status"}
	Known    = []string{"account", "order_no", "provider_trade_no", "type", "refund_no", "amount", "currency",
		"status", "created_at"}
)

// MaxLineBytes caps one line of the ledger; a longer line is reported as
// invalid rather than read into memory.
const MaxLineBytes = 1 << 20

// Row is one ledger row as written.
type Row struct {
	Line            int
	Account         string
	OrderNo         string
	ProviderTradeNo string
	Type            string
	RefundNo        string
	Amount          string
	Currency        string
	Status          string
	CreatedAt       string
	// Err is why the row could not be read; the fields may be partial or
	// empty. It reads after the word "line", as the engine reports it:
	// "line is not UTF-8 in column order_no: ...".
	Err error
}

// Reader reads a ledger row by row.
type Reader struct {
	name   string
	closer io.Closer // the file Open opened; nil for NewReader
	sum    hash.Hash
	next   func() (Row, error)
	format string
}

// Formats a ledger may be in.
const (
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// FormatOf picks the format from the file's extension.
func FormatOf(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return FormatCSV, nil
	case ".jsonl", ".ndjson":
		return FormatJSONL, nil
	}
	return "", fmt.Errorf("ledger %s: cannot tell the format from the extension; name it .csv or .jsonl, or pass --ledger-format", path)
}

// Open opens a ledger file. format is FormatCSV, FormatJSONL or "" (by
// extension). A CSV ledger's header is read and checked here: a missing
// required column is an error, since no row could be judged.
func Open(path, format string) (*Reader, error) {
	if format == "" {
		var err error
		if format, err = FormatOf(path); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	r, err := NewReader(f, path, format)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader reads a ledger from src, as Open does a file; name stands for
// it in errors (and picks the format when format is ""). Closing the Reader
// leaves src open.
func NewReader(src io.Reader, name, format string) (*Reader, error) {
	return newReader(src, name, format, MaxLineBytes)
}

func newReader(src io.Reader, name, format string, maxLine int) (*Reader, error) {
	if format == "" {
		var err error
		if format, err = FormatOf(name); err != nil {
			return nil, err
		}
	}
	r := &Reader{name: name, sum: sha256.New(), format: format}
	lim := newLineLimiter(io.TeeReader(src, r.sum), maxLine)
	var err error
	switch format {
	case FormatCSV:
		err = r.openCSV(lim)
	case FormatJSONL:
		r.openJSONL(lim)
	default:
		err = fmt.Errorf("unknown ledger format %q (csv or jsonl)", format)
	}
	if err != nil {
		return nil, fmt.Errorf("ledger %s: %w", name, err)
	}
	return r, nil
}

// Next returns the next row, or io.EOF after the last. An error other than
// io.EOF means the ledger itself could not be read further.
func (r *Reader) Next() (Row, error) { return r.next() }

// SHA256 returns the hex digest of the bytes read so far: of the whole
// ledger once Next returned io.EOF.
func (r *Reader) SHA256() string { return hex.EncodeToString(r.sum.Sum(nil)) }

// Close closes the file Open opened.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// errUTF16 is a ledger saved as "Unicode text": its header would read as
// nonsense with a NUL between letters.
var errUTF16 = errors.New("the file is UTF-16 (it starts with a UTF-16 byte order mark); save the ledger as UTF-8")

func (r *Reader) openCSV(lim *lineLimiter) error {
	br := bufio.NewReader(lim)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		_, _ = br.Discard(3)
	case bytes.HasPrefix(head, bomUTF16LE), bytes.HasPrefix(head, bomUTF16BE):
		return errUTF16
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return errors.New("the file is empty: want a header row naming the columns")
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if e := lim.explain(pe.StartLine, pe.Line); e != nil {
			return fmt.Errorf("header (line %d) %w", pe.StartLine, e)
		}
		return fmt.Errorf("header (line %d) %w", pe.StartLine, csvError(pe))
	}
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	headLine, _ := cr.FieldPos(0)
	if e := lim.explain(headLine, headLine); e != nil {
		return fmt.Errorf("header (line %d) %w", headLine, e)
	}
	header = slices.Clone(header) // ReuseRecord: the next Read overwrites it
	col := map[string]int{}
	for i, h := range header {
		if !utf8.ValidString(h) {
			return fmt.Errorf("header (line %d) is not UTF-8: save the ledger as UTF-8", headLine)
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue // an unnamed column (a spreadsheet's trailing comma) is not read
		}
		if _, dup := col[h]; dup {
			return fmt.Errorf("header (line %d): column %q appears twice", headLine, h)
		}
		col[h] = i
	}
	var missing []string
	for _, c := range Required {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) == len(Required) {
		return fmt.Errorf("header (line %d) names none of the required columns %s (it has %s): is the header row missing?",
			headLine, strings.Join(Required, ", "), strings.Join(header, ","))
	}
	if len(missing) > 0 {
		return fmt.Errorf("header (line %d) lacks the required column(s) %s (it has %s)",
			headLine, strings.Join(missing, ", "), strings.Join(header, ","))
	}
	r.next = func() (Row, error) {
		rec, err := cr.Read()
		if err == io.EOF {
			return Row{}, io.EOF
		}
		if errors.As(err, &pe) {
			if e := lim.explain(pe.StartLine, pe.Line); e != nil {
				return Row{Line: pe.StartLine, Err: e}, nil
			}
			return Row{Line: pe.StartLine, Err: csvError(pe)}, nil
		}
		if err != nil {
			return Row{}, err
		}
		first, _ := cr.FieldPos(0)
		last, _ := cr.FieldPos(len(rec) - 1)
		// A quoted last field may go on over more lines.
		last += strings.Count(rec[len(rec)-1], "\n")
		row := Row{Line: first}
		if row.Err = lim.explain(first, last); row.Err != nil {
			return row, nil // what is left of the row is not the row
		}
		fill(&row, func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		})
		for i, f := range rec {
			if !utf8.ValidString(f) {
				name := fmt.Sprintf("field %d", i+1)
				if i < len(header) {
					name = fmt.Sprintf("column %s", strings.ToLower(strings.TrimSpace(header[i])))
				}
				row.Err = fmt.Errorf("is not UTF-8 in %s: %w", name, errEncoding)
				return row, nil
			}
		}
		if len(rec) != len(header) {
			row.Err = fmt.Errorf("has %d fields, the header has %d", len(rec), len(header))
		}
		return row, nil
	}
	return nil
}

// errEncoding is the hint for text that is not UTF-8.
var errEncoding = errors.New("is the ledger saved in another encoding, such as GBK? Save it as UTF-8")

// csvError words a CSV syntax error with where it is.
func csvError(pe *csv.ParseError) error {
	if pe.StartLine != pe.Line {
		return fmt.Errorf("is not valid CSV: the record from line %d to line %d: %v (line %d, column %d)",
			pe.StartLine, pe.Line, pe.Err, pe.Line, pe.Column)
	}
	return fmt.Errorf("is not valid CSV: %v (column %d)", pe.Err, pe.Column)
}

func (r *Reader) openJSONL(lim *lineLimiter) {
	r.next = func() (Row, error) {
		for {
			b, line, cut, err := lim.next()
			if err != nil {
				return Row{}, err
			}
			row := Row{Line: line}
			if cut {
				row.Err = lim.explain(line, line)
				return row, nil
			}
			if line == 1 {
				if bytes.HasPrefix(b, bomUTF16LE) || bytes.HasPrefix(b, bomUTF16BE) {
					row.Err = errUTF16
					return row, nil
				}
				b = bytes.TrimPrefix(b, bomUTF8)
			}
			b = bytes.TrimSpace(b)
			if len(b) == 0 {
				continue // blank lines carry no row
			}
			if !utf8.Valid(b) {
				row.Err = fmt.Errorf("is not UTF-8 at column %d: %w", invalidAt(b)+1, errEncoding)
				return row, nil
			}
			obj, e := decodeObject(b)
			if e != nil {
				row.Err = e
				return row, nil
			}
			fill(&row, func(k string) string { return obj[k] })
			return row, nil
		}
	}
}

// invalidAt returns the offset of the first byte of b that is not UTF-8.
func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// decodeObject reads one flat JSON object whose values are strings, numbers
// or null (absent). Numbers keep their exact text: an amount of 12.30 stays
// "12.30", never a float.
func decodeObject(b []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("is not JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("is not a JSON object: it holds %s", kindOf(tok))
	}
	out := map[string]string{}
	for dec.More() {
		tok, err = dec.Token()
		if err != nil {
			return nil, fmt.Errorf("is not valid JSON: %v", err)
		}
		k, _ := tok.(string) // the decoder allows nothing else here
		if tok, err = dec.Token(); err != nil {
			return nil, fmt.Errorf("is not valid JSON: %v", err)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("has the key %q twice", k)
		}
		switch v := tok.(type) {
		case string:
			out[k] = strings.TrimSpace(v)
		case json.Number:
			out[k] = v.String()
		case nil:
			out[k] = ""
		default:
			return nil, fmt.Errorf("key %q holds %s, want a string or a number", k, kindOf(tok))
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fmt.Errorf("is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("has more after the JSON object (one object per line)")
	}
	return out, nil
}

// kindOf names what a JSON token starts, for errors.
func kindOf(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		return "an object"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	}
	return fmt.Sprintf("%T", tok)
}

func fill(r *Row, get func(string) string) {
	r.Account = get("account")
	r.OrderNo = get("order_no")
	r.ProviderTradeNo = get("provider_trade_no")
	r.Type = get("type")
	r.RefundNo = get("refund_no")
	r.Amount = get("amount")
	r.Currency = get("currency")
	r.Status = get("status")
	r.CreatedAt = get("created_at")
}
