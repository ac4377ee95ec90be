package ledger

import (
	"fmt"
	"io"
	"sync"
)

// lineLimiter passes a stream through but cuts every line at max bytes,
// remembering which lines it cut, so that a ledger with a gigabyte on one
// line costs a megabyte of memory and an INVALID row, not an out-of-memory.
type lineLimiter struct {
	r    io.Reader
	max  int
	line int // current line, 1-based
	len  int // bytes of the current line passed through
	mu   sync.Mutex
	cut  map[int]bool
}

func newLineLimiter(r io.Reader, max int) *lineLimiter {
	return &lineLimiter{r: r, max: max, line: 1, cut: map[int]bool{}}
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	for {
		n, err := l.r.Read(p)
		out := 0
		for i := 0; i < n; i++ {
			c := p[i]
			if c == '\n' {
				l.line++
				l.len = 0
				p[out] = c
				out++
				continue
			}
			if l.len >= l.max {
				l.mu.Lock()
				l.cut[l.line] = true
				l.mu.Unlock()
				continue
			}
			l.len++
			p[out] = c
			out++
		}
		if out > 0 || err != nil {
			return out, err
		}
	}
}

// explain returns an error for a row starting at line when that line was
// cut, else err.
func (l *lineLimiter) explain(line int, err error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut[line] {
		return fmt.Errorf("is longer than %d bytes; the rest of the line was skipped", l.max)
	}
	return err
}
