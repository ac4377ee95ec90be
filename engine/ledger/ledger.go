package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/internal/flatjson"
	"github.com/reconhq/recon/engine/internal/lines"
	"github.com/reconhq/recon/internal/suggest"
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

// Error is a ledger that cannot be read at all, or no further.
type Error struct {
	Path string
	// Line is the line at fault (the header's), 0 when no one line is.
	Line int
	Err  error
}

func (e *Error) Error() string {
	if pe, ok := errors.AsType[*fs.PathError](e.Err); ok && pe.Path == e.Path {
		return "ledger: " + e.Err.Error() // it names the file already
	}
	return "ledger " + e.Path + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrFormat is wrapped by the *Error of a ledger whose format is unknown:
// named wrongly, or not named and not told by the file's extension. The
// remedy is on the command line (--ledger-format, or the file's name).
var ErrFormat = errors.New("unknown ledger format")

// ErrChanged is wrapped by the *Error of a ledger whose bytes as read are
// not those it was opened under: it was rewritten while it was read, so
// the rows judged belong to neither file.
var ErrChanged = errors.New("changed while it was read; run again on a finished file")

// tagged is a message of its own over a sentinel for errors.Is.
type tagged struct {
	msg string
	is  error
}

func (t *tagged) Error() string { return t.msg }
func (t *tagged) Unwrap() error { return t.is }

// Reader reads a ledger row by row.
type Reader struct {
	name     string
	closer   io.Closer // the file Open opened; nil for NewReader
	sum      hash.Hash
	accounts Accounts
	// next reads the next row as written: where it starts, its columns by
	// name, and why it cannot be read (its columns then hold what could be,
	// or col is nil). err is the source's: io.EOF, or a failed read.
	next func() (line int, col func(string) string, bad *recon.RowError, err error)
	// typos are the header's columns that recon does not read but that
	// are a typo away from one it does (and which the header lacks).
	typos []Typo
}

// Typo is a CSV header's column that is likely a known one mistyped:
// the ledger reads without it (a merchant's own columns are allowed), but
// a provider_trade_numbr or a currencey would be ignored without a word,
// and currency or created_at then defaulted.
type Typo struct {
	Column, Meant string
}

// Typos lists the CSV header's likely mistyped columns, in header order.
func (r *Reader) Typos() []Typo { return r.typos }

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
	return "", &Error{Path: path, Err: &tagged{is: ErrFormat,
		msg: "cannot tell the format from the extension; name it .csv or .jsonl, or pass --ledger-format"}}
}

// Open opens a ledger file whose rows name accounts that accounts knows.
// format is FormatCSV, FormatJSONL or "" (by extension). A CSV ledger's
// header is read and checked here: a missing required column is an error,
// since no row could be judged. Every error is an *Error.
func Open(path, format string, accounts Accounts) (*Reader, error) {
	if format == "" {
		var err error
		if format, err = FormatOf(path); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	r, err := NewReader(f, path, format, accounts)
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
func NewReader(src io.Reader, name, format string, accounts Accounts) (*Reader, error) {
	r, err := newReader(src, name, format, MaxLineBytes)
	if err != nil {
		return nil, err
	}
	r.accounts = accounts
	return r, nil
}

func newReader(src io.Reader, name, format string, maxLine int) (*Reader, error) {
	if format == "" {
		var err error
		if format, err = FormatOf(name); err != nil {
			return nil, err
		}
	}
	r := &Reader{name: name, sum: sha256.New()}
	lim := lines.New(io.TeeReader(src, r.sum), maxLine)
	var err error
	switch format {
	case FormatCSV:
		err = r.openCSV(lim)
	case FormatJSONL:
		r.openJSONL(lim)
	default:
		err = fmt.Errorf("%w %q (csv or jsonl)", ErrFormat, format)
	}
	if err != nil {
		le, ok := err.(*Error)
		if !ok {
			le = &Error{Err: err}
		}
		le.Path = name
		return nil, le
	}
	return r, nil
}

// Next returns the next row, or io.EOF after the last. A row that cannot be
// judged comes with bad set and holds what could be read of it (its
// AmountText as written); the next call reads on. An error other than
// io.EOF is an *Error: the ledger could not be read further.
func (r *Reader) Next() (row recon.Row, bad *recon.RowError, err error) {
	line, col, bad, err := r.next()
	if err == io.EOF {
		return recon.Row{}, nil, io.EOF
	}
	if err != nil {
		return recon.Row{}, nil, &Error{Path: r.name, Err: err}
	}
	row, bad = check(line, col, bad, r.accounts)
	return row, bad, nil
}

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

func (r *Reader) openCSV(lim *lines.Limiter) error {
	if head := lim.Peek(len(bomUTF16LE)); bytes.HasPrefix(head, bomUTF16LE) || bytes.HasPrefix(head, bomUTF16BE) {
		return errUTF16
	}
	recs := lines.NewRecords(lim) // it skips a UTF-8 byte order mark
	header, headLine, err := recs.Read()
	if err == io.EOF {
		return errors.New("the file is empty: want a header row naming the columns")
	}
	if bad, ok := errors.AsType[*lines.BadRecord](err); ok {
		return &Error{Line: bad.Line, Err: fmt.Errorf("header (line %d) %w", bad.Line, bad.Err)}
	}
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	bad := func(format string, args ...any) error {
		return &Error{Line: headLine, Err: fmt.Errorf(format, args...)}
	}
	header = slices.Clone(header) // ReuseRecord: the next Read overwrites it
	col := map[string]int{}
	for i, h := range header {
		if !utf8.ValidString(h) {
			return bad("header (line %d) is not UTF-8: save the ledger as UTF-8", headLine)
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue // an unnamed column (a spreadsheet's trailing comma) is not read
		}
		if _, dup := col[h]; dup {
			return bad("header (line %d): column %q appears twice", headLine, h)
		}
		col[h] = i
	}
	for _, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" || slices.Contains(Known, h) {
			continue
		}
		// A long name takes more edits to mistype (provider_trade_numbr).
		if meant := suggest.Closest(h, max(3, len(h)/4+1), Known); meant != "" {
			if _, has := col[meant]; !has {
				r.typos = append(r.typos, Typo{Column: h, Meant: meant})
			}
		}
	}
	var missing []string
	for _, c := range Required {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) == len(Required) {
		return bad("header (line %d) names none of the required columns %s (it has %s): is the header row missing?",
			headLine, strings.Join(Required, ", "), strings.Join(header, ","))
	}
	if len(missing) > 0 {
		return bad("header (line %d) lacks the required column(s) %s (it has %s)",
			headLine, strings.Join(missing, ", "), strings.Join(header, ","))
	}
	recs.Width = len(header)
	r.next = func() (int, func(string) string, *recon.RowError, error) {
		rec, first, err := recs.Read()
		if bad, ok := errors.AsType[*lines.BadRecord](err); ok {
			return bad.Line, nil, unreadable(bad.Line, "", bad.Err), nil
		}
		if err != nil {
			return 0, nil, nil, err // io.EOF, or the source failed
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		for i, f := range rec {
			if !utf8.ValidString(f) {
				field, name := "", fmt.Sprintf("field %d", i+1)
				if i < len(header) {
					field = strings.ToLower(strings.TrimSpace(header[i]))
					name = "column " + field
				}
				return first, get, unreadable(first, field, fmt.Errorf("is not UTF-8 in %s: %w", name, errEncoding)), nil
			}
		}
		if len(rec) != len(header) {
			return first, get, unreadable(first, "", fmt.Errorf("has %d fields, the header has %d", len(rec), len(header))), nil
		}
		return first, get, nil, nil
	}
	return nil
}

// unreadable is a row that cannot be read as written. Its reason keeps the
// subject it has always had for the operator: "line is not UTF-8 ...".
func unreadable(line int, field string, err error) *recon.RowError {
	return &recon.RowError{Line: line, Field: field, Reason: "line " + err.Error()}
}

// errEncoding is the hint for text that is not UTF-8.
var errEncoding = errors.New("is the ledger saved in another encoding, such as GBK? Save it as UTF-8")

func (r *Reader) openJSONL(lim *lines.Limiter) {
	r.next = func() (int, func(string) string, *recon.RowError, error) {
		for {
			b, line, cut, err := lim.Next()
			if err != nil {
				return 0, nil, nil, err
			}
			if cut {
				return line, nil, unreadable(line, "", lim.TooLong()), nil
			}
			if line == 1 {
				if bytes.HasPrefix(b, bomUTF16LE) || bytes.HasPrefix(b, bomUTF16BE) {
					return line, nil, unreadable(line, "", errUTF16), nil
				}
				b = bytes.TrimPrefix(b, bomUTF8)
			}
			b = bytes.TrimSpace(b)
			if len(b) == 0 {
				continue // blank lines carry no row
			}
			if !utf8.Valid(b) {
				return line, nil, unreadable(line, "", fmt.Errorf("is not UTF-8 at column %d: %w", invalidAt(b)+1, errEncoding)), nil
			}
			obj, e := flatjson.Decode(b)
			if e != nil {
				return line, nil, unreadable(line, "", e), nil
			}
			return line, func(k string) string { return obj[k] }, nil, nil
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
