package statement

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/internal/flatjson"
	"github.com/reconhq/recon/engine/internal/lines"
)

// MaxLineBytes caps one line of a statement: a longer one is skipped up to
// its newline without being read into memory, and is a bad row at its line
// (a header that long is an *Error: no row could be read under it).
const MaxLineBytes = 1 << 20

// sniffBytes is how much of a CSV is looked at to tell GBK from UTF-8.
const sniffBytes = 64 << 10

// Error is a statement that cannot be read at all, or no further. It reads
// "statement FILE:LINE: what" when one line is at fault.
type Error struct {
	Path string
	Line int // the line at fault (the header's); 0 when no one line is
	Err  error
}

func (e *Error) Error() string {
	where := e.Path
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.Path, e.Line)
	}
	return "statement " + where + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrFormat is wrapped by the *Error of a statement whose format is unknown.
var ErrFormat = errors.New("unknown statement format")

// ErrColumn is wrapped by the *Error of a CSV statement whose header lacks
// a column the mapping names.
var ErrColumn = errors.New("the header lacks a column the mapping names")

// Row is one transaction of a statement, as the provider wrote it.
type Row struct {
	// Line is where the row starts in its file: a CSV's header is line 1.
	Line            int
	OrderNo         string
	ProviderTradeNo string
	Kind            recon.Kind
	RefundNo        string // a refund's merchant refund number; "" on a payment
	Amount          int64  // minor units of Currency
	AmountText      string // the amount as written, for a row that is invalid
	Currency        string
	// Status is the statement's own word ("SUCCESS", "REVOKED"), as
	// written: the engine maps it to a provider state.
	Status string
	Time   time.Time
	// Raw holds every named column of the row (for the report), with
	// TrimPrefix cut.
	Raw map[string]string
}

// Reader reads a statement row by row, holding one row at a time.
type Reader struct {
	path   string
	m      Mapping
	types  map[string]recon.Kind // m.Types by lower-cased value
	closer io.Closer
	lim    *lines.Limiter
	// next returns the next row's line and cells, why it cannot be read
	// (raw then holds what could be), or the source's error (io.EOF).
	next func() (line int, raw map[string]string, bad *recon.RowError, err error)
}

// Open opens a statement file to read it by m. A CSV's header is read and
// checked here: a column m names that the header lacks is an error wrapping
// ErrColumn. Every error is an *Error.
func Open(path string, m Mapping) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			err = pe.Err // the *Error names the file
		}
		return nil, &Error{Path: path, Err: err}
	}
	r, err := NewReader(f, path, m)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader reads a statement from src as Open does a file; name stands for
// it in errors and, when m.Format is "", tells the format by its extension
// (.csv; .jsonl or .ndjson). Closing the Reader leaves src open.
func NewReader(src io.Reader, name string, m Mapping) (*Reader, error) {
	if m.Format == "" {
		switch strings.ToLower(filepath.Ext(name)) {
		case ".csv":
			m.Format = FormatCSV
		case ".jsonl", ".ndjson":
			m.Format = FormatJSONL
		default:
			return nil, &Error{Path: name, Err: fmt.Errorf(
				"%w: the extension tells none; name the file .csv or .jsonl, or set the mapping's format", ErrFormat)}
		}
	}
	r := &Reader{path: name, m: m, lim: lines.New(src, MaxLineBytes)}
	err := m.Validate()
	if err == nil && m.Types != nil {
		r.types = make(map[string]recon.Kind, len(m.Types))
		for v, k := range m.Types {
			r.types[strings.ToLower(v)] = k
		}
	}
	if err == nil {
		switch m.Format {
		case FormatCSV:
			err = r.openCSV()
		case FormatJSONL:
			r.openJSONL()
		default:
			err = fmt.Errorf("%w %q (csv or jsonl)", ErrFormat, m.Format)
		}
	}
	if err != nil {
		se, ok := err.(*Error)
		if !ok {
			se = &Error{Err: err}
		}
		se.Path = name
		return nil, se
	}
	return r, nil
}

// Path is the statement's name, as Open or NewReader was given it: with a
// RowError's Line, where a bad row is.
func (r *Reader) Path() string { return r.path }

// Next returns the next transaction, or io.EOF after the last (a CSV's
// summary section, from the StopAt row on, is not read). A row that does
// not hold up comes with bad set and holds what could be read of it; the
// next call reads on. An error other than io.EOF is an *Error: the
// statement could not be read further.
func (r *Reader) Next() (row Row, bad *recon.RowError, err error) {
	line, raw, bad, err := r.next()
	if err == io.EOF {
		return Row{}, nil, io.EOF
	}
	if err != nil {
		return Row{}, nil, &Error{Path: r.path, Err: err}
	}
	row, bad = r.check(line, raw, bad)
	return row, bad, nil
}

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

var errUTF16 = errors.New("the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8 or GBK")

// decoding returns how the CSV's raw bytes become UTF-8: nil when they
// are, by the mapping's encoding or by what its first bytes tell.
func (r *Reader) decoding() (func(dst, src []byte) []byte, error) {
	head := r.lim.Peek(sniffBytes)
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		return nil, nil // a BOM says UTF-8 whatever the mapping guessed; Records skips it
	case bytes.HasPrefix(head, bomUTF16LE), bytes.HasPrefix(head, bomUTF16BE):
		return nil, errUTF16
	}
	gbk := r.m.Encoding == "gbk"
	if r.m.Encoding == "" {
		gbk = !validPrefix(head, len(head) == sniffBytes)
	}
	if !gbk {
		return nil, nil
	}
	dec := simplifiedchinese.GBK.NewDecoder()
	return func(dst, src []byte) []byte {
		// A record ends at a newline, which no GBK character holds: each
		// is decoded whole, as the stream was.
		for room := 3*len(src) + utf8.UTFMax; ; room *= 2 { // U+FFFD for one bad byte is three
			dst = slices.Grow(dst, room)
			dec.Reset()
			n, _, err := dec.Transform(dst[len(dst):cap(dst)], src, true)
			if err != transform.ErrShortDst {
				return dst[:len(dst)+n] // the decoder writes U+FFFD for what is not GBK
			}
		}
	}, nil
}

// validPrefix says whether b is UTF-8, but for a rune cut at its end when
// b is only the start of the file.
func validPrefix(b []byte, cut bool) bool {
	if cut {
		i := len(b) - 1
		for i > 0 && len(b)-i < utf8.UTFMax && !utf8.RuneStart(b[i]) {
			i--
		}
		if i >= 0 && !utf8.FullRune(b[i:]) {
			b = b[:i]
		}
	}
	return utf8.Valid(b)
}

func (r *Reader) openCSV() error {
	decode, err := r.decoding()
	if err != nil {
		return err
	}
	recs := lines.NewRecords(r.lim)
	recs.Decode = decode
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
	names := make([]string, len(header))
	col := map[string]int{}
	for i, h := range header {
		if !utf8.ValidString(h) {
			return &Error{Line: headLine, Err: fmt.Errorf("header (line %d) is not UTF-8: set the mapping's encoding (gbk?)", headLine)}
		}
		names[i] = strings.TrimSpace(h)
		if _, dup := col[names[i]]; !dup && names[i] != "" {
			col[names[i]] = i
		}
	}
	for _, c := range r.m.columns() {
		if _, ok := col[c[1]]; !ok {
			return &Error{Line: headLine, Err: fmt.Errorf("%w: header (line %d) has no column %q (the mapping's %s); it has %s",
				ErrColumn, headLine, c[1], c[0], strings.Join(names, ","))}
		}
		if n := countOf(names, c[1]); n > 1 {
			return &Error{Line: headLine, Err: fmt.Errorf("header (line %d): column %q (the mapping's %s) appears %d times", headLine, c[1], c[0], n)}
		}
	}
	recs.Width = len(names)
	done := false
	r.next = func() (int, map[string]string, *recon.RowError, error) {
		for !done {
			// A bad record comes before stop_at is compared: a cut line's
			// stand-in is no first cell to compare.
			rec, line, err := recs.Read()
			if err == io.EOF {
				break
			}
			if bad, ok := errors.AsType[*lines.BadRecord](err); ok {
				return bad.Line, nil, &recon.RowError{Line: bad.Line, Reason: "line " + bad.Err.Error()}, nil
			}
			if err != nil {
				return 0, nil, nil, err
			}
			if r.m.StopAt != "" && r.cell(rec[0]) == r.m.StopAt {
				done = true // the summary section: totals, not transactions
				break
			}
			raw := make(map[string]string, len(names))
			blank := true
			for i, v := range rec {
				v = r.cell(v)
				blank = blank && v == ""
				if i < len(names) && names[i] != "" {
					if _, dup := raw[names[i]]; !dup {
						raw[names[i]] = v
					}
				}
			}
			if blank {
				continue // a spreadsheet's row of empty cells carries no transaction
			}
			for i, v := range rec {
				if !utf8.ValidString(v) {
					return line, raw, &recon.RowError{Line: line, Reason: fmt.Sprintf(
						"line is not UTF-8 in field %d: is the statement in GBK? Set the mapping's encoding", i+1)}, nil
				}
			}
			if len(rec) != len(names) {
				return line, raw, &recon.RowError{Line: line,
					Reason: fmt.Sprintf("line has %d fields, the header has %d", len(rec), len(names))}, nil
			}
			return line, raw, nil, nil
		}
		done = true
		return 0, nil, nil, io.EOF
	}
	return nil
}

// cell is a CSV cell as the row holds it.
func (r *Reader) cell(v string) string {
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), r.m.TrimPrefix))
}

func countOf(names []string, name string) (n int) {
	for _, s := range names {
		if s == name {
			n++
		}
	}
	return n
}

func (r *Reader) openJSONL() {
	r.next = func() (int, map[string]string, *recon.RowError, error) {
		for {
			b, line, cut, err := r.lim.Next()
			if err != nil {
				return 0, nil, nil, err
			}
			if cut {
				return line, nil, tooLong(line, r.lim.TooLong()), nil
			}
			if line == 1 {
				if bytes.HasPrefix(b, bomUTF16LE) || bytes.HasPrefix(b, bomUTF16BE) {
					return line, nil, &recon.RowError{Line: line, Reason: "line " + errUTF16.Error()}, nil
				}
				b = bytes.TrimPrefix(b, bomUTF8)
			}
			b = bytes.TrimSpace(b)
			if len(b) == 0 {
				continue // blank lines carry no row
			}
			if !utf8.Valid(b) {
				return line, nil, &recon.RowError{Line: line, Reason: "line is not UTF-8 (JSON Lines are UTF-8)"}, nil
			}
			obj, e := flatjson.Decode(b)
			if e != nil {
				return line, nil, &recon.RowError{Line: line, Reason: "line " + e.Error()}, nil
			}
			return line, obj, nil, nil
		}
	}
}

// tooLong is a row that stands on a line longer than MaxLineBytes: the line
// was skipped, so nothing of the row is read.
func tooLong(line int, why error) *recon.RowError {
	return &recon.RowError{Line: line, Reason: "line " + why.Error()}
}
