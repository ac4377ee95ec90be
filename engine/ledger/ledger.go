// Package ledger streams a merchant's ledger: CSV with a header row, or JSON
// Lines with the same keys. It reports each row with its line number and
// never drops one: a row it cannot read comes back with Err set.
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
	// Err is why the row could not be read; the fields may be partial.
	Err error
}

// Reader reads a ledger row by row.
type Reader struct {
	f      *os.File
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

// Open opens a ledger. format is FormatCSV, FormatJSONL or "" (by extension).
// A CSV ledger's header is read and checked here: a missing required column
// is an error, since no row could be judged.
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
	r := &Reader{f: f, sum: sha256.New(), format: format}
	lr := newLineLimiter(io.TeeReader(f, r.sum), MaxLineBytes)
	switch format {
	case FormatCSV:
		err = r.openCSV(lr)
	case FormatJSONL:
		r.openJSONL(lr)
	default:
		err = fmt.Errorf("unknown ledger format %q (csv or jsonl)", format)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("ledger %s: %w", path, err)
	}
	return r, nil
}

// Next returns the next row, or io.EOF after the last. An error other than
// io.EOF means the file itself could not be read further.
func (r *Reader) Next() (Row, error) { return r.next() }

// SHA256 returns the hex digest of the bytes read so far: of the whole file
// once Next returned io.EOF.
func (r *Reader) SHA256() string { return hex.EncodeToString(r.sum.Sum(nil)) }

// Close closes the file.
func (r *Reader) Close() error { return r.f.Close() }

func (r *Reader) openCSV(src *lineLimiter) error {
	br := bufio.NewReader(src)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return errors.New("the file is empty: want a header row naming the columns")
	}
	if err != nil {
		return fmt.Errorf("header (line 1): %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !utf8.ValidString(h) {
			return errors.New("header (line 1) is not UTF-8: save the ledger as UTF-8")
		}
		if _, dup := col[h]; dup {
			return fmt.Errorf("header (line 1): column %q appears twice", h)
		}
		col[h] = i
	}
	var missing []string
	for _, c := range Required {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("header (line 1) lacks the required column(s) %s (it has %s)",
			strings.Join(missing, ", "), strings.Join(header, ","))
	}
	r.next = func() (Row, error) {
		rec, err := cr.Read()
		line, _ := cr.FieldPos(0)
		if err == io.EOF {
			return Row{}, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Row{Line: pe.StartLine, Err: src.explain(pe.StartLine, pe.Err)}, nil
		}
		if err != nil {
			return Row{}, err
		}
		row := Row{Line: line}
		if len(rec) != len(header) {
			row.Err = fmt.Errorf("has %d fields, the header has %d", len(rec), len(header))
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		fill(&row, get)
		if row.Err == nil {
			row.Err = src.explain(line, nil)
		}
		if row.Err == nil {
			for _, f := range rec {
				if !utf8.ValidString(f) {
					row.Err = errors.New("is not UTF-8 (is the ledger in another encoding, such as GBK?)")
					break
				}
			}
		}
		return row, nil
	}
	return nil
}

func (r *Reader) openJSONL(src *lineLimiter) {
	br := bufio.NewReaderSize(src, 64<<10)
	line := 0
	r.next = func() (Row, error) {
		for {
			b, err := br.ReadBytes('\n')
			if len(b) == 0 && err == io.EOF {
				return Row{}, io.EOF
			}
			if err != nil && err != io.EOF {
				return Row{}, err
			}
			line++
			if line == 1 {
				b = bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF})
			}
			if len(bytes.TrimSpace(b)) == 0 {
				continue // blank lines carry no row
			}
			row := Row{Line: line}
			if e := src.explain(line, nil); e != nil {
				row.Err = e
				return row, nil
			}
			if !utf8.Valid(b) {
				row.Err = errors.New("is not UTF-8 (is the ledger in another encoding, such as GBK?)")
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

// decodeObject reads one JSON object whose values are strings or numbers.
// Numbers keep their exact text: an amount of 12.30 stays "12.30".
func decodeObject(b []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("is not a JSON object: %v", err)
	}
	if dec.More() {
		return nil, errors.New("holds more than one JSON value")
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		switch x := v.(type) {
		case string:
			out[k] = strings.TrimSpace(x)
		case json.Number:
			out[k] = x.String()
		case nil:
		default:
			return nil, fmt.Errorf("key %q holds a %T, want a string or a number", k, v)
		}
	}
	return out, nil
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
