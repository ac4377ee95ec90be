// Package lines hands out a stream line by line but never holds more than
// a set number of bytes of one line: a longer line is skipped up to its
// newline and replaced by a one-byte stand-in, marked as cut, so that a
// file with a gigabyte on one line costs a megabyte
// of memory and one bad row, not an out-of-memory or the whole file, and
// the rows after it are still read. The ledger and the statement readers
// share it, and Records reads CSV records from its lines.
package lines

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// Limiter is a stream cut into lines of at most max bytes each.
//
// The stand-in keeps the count of quotes by which Records groups lines in
// step: it is a quote when the skipped line held an odd number of them
// (the line opened or closed a quoted field that goes on over other
// lines), else a dash. A line that is cut whole, rather than truncated,
// leaves no quoted field open halfway. Newlines and quotes are found by their bytes,
// which holds for UTF-8 and for GBK alike (no byte of a two-byte GBK
// character is below 0x40).
type Limiter struct {
	br   *bufio.Reader // sized max+1: a line of max bytes and its newline fit
	max  int
	line int   // the number of the next line, 1-based
	err  error // the source's error, returned after the last line
}

// New limits the lines of r to max bytes each, not counting the newline
// (a CR before it counts). max is 16 at least: bufio sizes no buffer below
// that.
func New(r io.Reader, max int) *Limiter {
	return &Limiter{br: bufio.NewReaderSize(r, max+1), max: max, line: 1}
}

// Next returns the next line with its newline (if it has one), valid until
// the next call, its number and whether it was cut. At the end of the
// stream it returns the source's error (io.EOF) with no line.
func (l *Limiter) Next() (line []byte, num int, cut bool, err error) {
	if l.err != nil {
		return nil, 0, false, l.err
	}
	b, err := l.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		quotes := bytes.Count(b, quote)
		for err == bufio.ErrBufferFull {
			// The chunk is scanned for the newline by ReadSlice (IndexByte)
			// and dropped: nothing of the line is kept.
			b, err = l.br.ReadSlice('\n')
			quotes += bytes.Count(b, quote)
		}
		num = l.line
		stand := standIn[quotes%2]
		if len(b) > 0 && b[len(b)-1] == '\n' {
			stand = standInNL[quotes%2]
			l.line++
		}
		if err != nil {
			l.err = err
		}
		return stand, num, true, nil
	}
	if err != nil {
		l.err = err
		if len(b) == 0 {
			return nil, 0, false, err
		}
	}
	num = l.line
	if b[len(b)-1] == '\n' {
		l.line++
	}
	return b, num, false, nil
}

var (
	quote     = []byte{'"'}
	standIn   = [2][]byte{[]byte("-"), []byte(`"`)}
	standInNL = [2][]byte{[]byte("-\n"), []byte("\"\n")}
)

// TooLong is why a line Next handed out cut cannot be read; it reads
// after "line".
func (l *Limiter) TooLong() error {
	return fmt.Errorf("is longer than %d bytes; the line was skipped", l.max)
}

// Peek returns the next n bytes of the stream (fewer at its end) without
// handing them out: a look at the start of the file, before any line.
// n is at most max+1.
func (l *Limiter) Peek(n int) []byte {
	b, _ := l.br.Peek(n)
	return b
}
