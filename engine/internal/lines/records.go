package lines

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// MaxRecordLines bounds the lines one CSV record may span. A quoted field
// over lines is a note or an address pasted into a cell: a few lines. A
// stray quote opens a field that CSV closes only at the next quote, however
// far: the bound is how far a stray quote is followed before its line is
// judged alone, so it bounds the memory held (with the Limiter's max bytes
// for the whole record) and the lines read twice after each stray quote.
const MaxRecordLines = 64

// BadRecord is a record that cannot be read: it starts on Line and Err
// reads after "line" ("is not valid CSV: ...").
type BadRecord struct {
	Line int
	Err  error
}

func (b *BadRecord) Error() string { return fmt.Sprintf("line %d %v", b.Line, b.Err) }
func (b *BadRecord) Unwrap() error { return b.Err }

// Records reads the CSV records of a Limiter's lines, resynchronising after
// a quote that does not close: a bad line costs its own row, never the rows
// after it.
//
// Lines are grouped into candidate records by the parity of their quotes:
// with LazyQuotes off, a record of valid CSV holds an even number of quotes
// and its lines end inside a quoted field exactly where the running count
// is odd. A line with an even count is a record of its own; one with an odd
// count is joined with the lines after it until the count is even again, at
// most MaxRecordLines lines and the Limiter's max bytes. encoding/csv reads
// one candidate at a time and never past it (its source ends there), so its
// checks stay as they are. A candidate over several lines that CSV rejects,
// that is capped, or that is implausible (see Width) costs its first line
// alone, an INVALID row, and grouping starts again at the line after it,
// from the lines kept. Quotes are counted on the raw bytes, before Decode:
// no byte of a two-byte GBK character is a quote.
type Records struct {
	lim *Limiter
	// Width is the header's number of fields once it is known (0 before).
	// A record over several lines is taken only when it has that many
	// fields, none of the lines inside its quoted field is a record of
	// that many fields by itself, and not both its first and its last line
	// hold as many commas as a row: such lines are rows that a stray quote
	// took in, not the lines of a note. (Valid CSV all the same: a note
	// that is so is read a line at a time.)
	Width int
	// Decode, when set, turns a record's raw bytes into UTF-8, appending
	// to dst.
	Decode func(dst, src []byte) []byte

	cr   *csv.Reader
	br   *bufio.Reader // csv's own: Reset drops what a failed parse left
	feed feeder
	dec  []byte

	// The lines taken from lim and not yet read as records: buf[kept[i].off:
	// kept[i].end] is line kept[i].num; those before head are read.
	buf  []byte
	kept []keptLine
	head int
}

type keptLine struct {
	off, end, num int
	odd, cut      bool
}

// NewRecords reads the CSV records of l's lines, skipping a UTF-8 byte
// order mark at the start, with encoding/csv's defaults (no LazyQuotes)
// but for FieldsPerRecord: the width is the reader's to judge.
func NewRecords(l *Limiter) *Records {
	r := &Records{lim: l}
	r.br = bufio.NewReader(&r.feed)
	r.cr = csv.NewReader(r.br) // takes r.br as it is: its buffer is big enough
	r.cr.FieldsPerRecord = -1
	r.cr.ReuseRecord = true
	return r
}

// feeder is one candidate record's bytes, then io.EOF.
type feeder struct{ b []byte }

func (f *feeder) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

var bomUTF8 = []byte{0xEF, 0xBB, 0xBF}

// Read returns the next record (valid until the next call) and the line it
// starts on. A record that cannot be read is a *BadRecord, and the next
// call reads on; any other error is the source's (io.EOF at the end).
// Blank lines carry no record.
func (r *Records) Read() (rec []string, line int, err error) {
	for {
		if r.head == len(r.kept) {
			// Nothing kept: the common case, a line read in place.
			r.buf, r.kept, r.head = r.buf[:0], r.kept[:0], 0
			b, num, cut, err := r.next()
			if err != nil {
				return nil, 0, err
			}
			if odd(b) {
				r.keep(b, num, cut)
			} else if rec, err := r.single(b, num, cut); rec != nil || err != nil {
				return rec, num, err
			} else {
				continue
			}
		}
		first := r.kept[r.head]
		if !first.odd {
			r.head++
			if rec, err := r.single(r.buf[first.off:first.end], first.num, first.cut); rec != nil || err != nil {
				return rec, first.num, err
			}
			continue
		}
		rec, err := r.group()
		if rec != nil || err != nil {
			return rec, first.num, err
		}
	}
}

// next is the next line of lim, without the byte order mark on line 1.
func (r *Records) next() ([]byte, int, bool, error) {
	b, num, cut, err := r.lim.Next()
	if num == 1 {
		b = bytes.TrimPrefix(b, bomUTF8)
	}
	return b, num, cut, err
}

func odd(b []byte) bool { return bytes.Count(b, quote)%2 == 1 }

// keep appends a line to the kept ones, first moving the unread ones to
// the front when the read ones are the larger part.
func (r *Records) keep(b []byte, num int, cut bool) {
	if r.head > 0 && r.kept[r.head].off >= len(r.buf)/2 {
		off := r.kept[r.head].off
		r.buf = r.buf[:copy(r.buf, r.buf[off:])]
		r.kept = r.kept[:copy(r.kept, r.kept[r.head:])]
		r.head = 0
		for i := range r.kept {
			r.kept[i].off -= off
			r.kept[i].end -= off
		}
	}
	off := len(r.buf)
	r.buf = append(r.buf, b...)
	r.kept = append(r.kept, keptLine{off: off, end: len(r.buf), num: num, odd: odd(b), cut: cut})
}

// single reads a line whose quotes balance as a record; nil, nil for a
// blank line.
func (r *Records) single(b []byte, num int, cut bool) ([]string, error) {
	if cut {
		return nil, &BadRecord{Line: num, Err: r.lim.TooLong()}
	}
	rec, err := r.parse(b)
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		return nil, &BadRecord{Line: num, Err: csvError(pe)}
	}
	if err == io.EOF {
		return nil, nil
	}
	return rec, err
}

// group reads the candidate record that starts at the kept line head, whose
// quotes do not balance, or else that line alone as a bad record.
func (r *Records) group() ([]string, error) {
	// A cut line ends a candidate, first or not: what its quotes did is
	// unknown, and taking in the lines after it could take in their rows.
	i, open := 1, true // i lines of the candidate so far
	for open && !r.kept[r.head].cut && i < MaxRecordLines {
		if r.head+i == len(r.kept) {
			if len(r.buf)-r.kept[r.head].off >= r.lim.max {
				break
			}
			b, num, c, err := r.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			r.keep(b, num, c) // it may move the lines: they are found by index
		}
		k := r.kept[r.head+i]
		if k.cut || k.end-r.kept[r.head].off > r.lim.max {
			break
		}
		open = open != k.odd
		i++
	}
	first, n := r.kept[r.head], r.head+i
	if !open {
		last := r.kept[n-1]
		rec, err := r.parse(r.buf[first.off:last.end])
		if err == nil && r.plausible(rec, n) {
			inside := n - r.head - 2 // the lines plausible parsed
			r.head = n
			if r.Width > 0 && inside > 0 {
				rec, _ = r.parse(r.buf[first.off:last.end]) // plausible parsed the lines inside
			}
			return rec, nil
		}
	}
	r.head++
	return nil, r.alone(first)
}

// plausible says whether rec, parsed from the kept lines head to n, is
// one record rather than a stray quote's swallowed rows.
func (r *Records) plausible(rec []string, n int) bool {
	if r.Width == 0 {
		return true
	}
	if len(rec) != r.Width {
		return false
	}
	// Both ends a row's worth of commas by themselves: two rows, each with
	// a stray quote in the same column, that CSV reads as one.
	f, l := r.kept[r.head], r.kept[n-1]
	if r.Width > 1 && commas(r.buf[f.off:f.end]) >= r.Width-1 && commas(r.buf[l.off:l.end]) >= r.Width-1 {
		return false
	}
	for _, k := range r.kept[r.head+1 : n-1] {
		if in, err := r.parse(r.buf[k.off:k.end]); err == nil && len(in) == r.Width {
			return false
		}
	}
	return true
}

func commas(b []byte) int { return bytes.Count(b, comma) }

var comma = []byte{','}

// alone is why the line k, whose quotes do not balance, is a bad record by
// itself.
func (r *Records) alone(k keptLine) error {
	if k.cut {
		return &BadRecord{Line: k.num, Err: r.lim.TooLong()}
	}
	b := r.buf[k.off:k.end]
	if r.Decode != nil {
		r.dec = r.Decode(r.dec[:0], b) // for csv's columns, which count UTF-8
		b = r.dec
	}
	if col := openQuote(b); col > 0 {
		return &BadRecord{Line: k.num, Err: fmt.Errorf(
			"is not valid CSV: the quote at column %d opens a field that does not close as CSV expects; the lines after it are read on their own", col)}
	}
	_, err := r.parse(r.buf[k.off:k.end])
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		return &BadRecord{Line: k.num, Err: csvError(pe)}
	}
	return &BadRecord{Line: k.num, Err: errors.New("is not valid CSV: its quotes do not balance")}
}

// openQuote returns the column (1-based, in bytes) of the quote that opens
// a field left open at the end of line b, as encoding/csv reads it, or 0.
func openQuote(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] == '"' {
			start := i
			for i++; ; i++ {
				j := bytes.IndexByte(b[i:], '"')
				if j < 0 {
					return start + 1
				}
				i += j + 1
				if i == len(b) || b[i] != '"' {
					break // the closing quote; a doubled one is a quote in the field
				}
			}
		}
		j := bytes.IndexByte(b[i:], ',')
		if j < 0 {
			return 0
		}
		i += j + 1
	}
	return 0
}

// parse reads b, one candidate record, with the csv.Reader.
func (r *Records) parse(b []byte) ([]string, error) {
	if r.Decode != nil {
		r.dec = r.Decode(r.dec[:0], b)
		b = r.dec
	}
	r.feed.b = b
	r.br.Reset(&r.feed)
	return r.cr.Read()
}

// csvError words a CSV syntax error within one line.
func csvError(pe *csv.ParseError) error {
	return fmt.Errorf("is not valid CSV: %v (column %d)", pe.Err, pe.Column)
}
