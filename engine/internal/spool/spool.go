// Package spool holds an account's rows between the ledger pass that reads
// them and the account's workers that query them. Push never waits for the
// workers: what does not fit in memory goes to a temporary file, so that a
// slow provider's backlog costs disk, not RAM, and never holds up the
// ledger pass (and with it every other account).
package spool

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/reconhq/recon"
)

// Spool is a FIFO of rows: a bounded buffer in memory, then a file.
// Push is called from one goroutine; Pop from any number.
type Spool struct {
	mu     sync.Mutex
	cond   *sync.Cond
	mem    []recon.Row // FIFO, at most memMax
	memMax int
	closed bool // no more Push
	err    error

	// The overflow: rows appended at wpos, read back at rpos. While it
	// holds unread rows, every Push goes to it too, to keep the order.
	dir        string
	f          *os.File
	w          *bufio.Writer
	r          *bufio.Reader
	wpos, rpos int64
	onDisk     int
	scratch    []byte
}

// New makes a spool that keeps up to memRows rows in memory and the rest
// in an unlinked temporary file in dir ("" for the system's).
func New(memRows int, dir string) *Spool {
	s := &Spool{memMax: max(memRows, 1), dir: dir}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// Push queues a row. It fails only when the overflow file cannot be
// written.
func (s *Spool) Push(row recon.Row) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.onDisk == 0 && len(s.mem) < s.memMax {
		s.mem = append(s.mem, row)
		s.cond.Signal()
		return nil
	}
	if err := s.spill(row); err != nil {
		s.err = fmt.Errorf("spooling rows of account %s to disk: %w", row.Account, err)
		s.cond.Broadcast()
		return s.err
	}
	s.cond.Signal()
	return nil
}

// Close says no more rows come: Pop returns false once the spool is empty.
func (s *Spool) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cond.Broadcast()
}

// Release removes the overflow file; the spool is not used after it.
func (s *Spool) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	s.mem = nil
}

// Pop waits for the next row. It returns false when the spool is closed
// and empty, or broken (see Err).
func (s *Spool) Pop() (recon.Row, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.err != nil {
			return recon.Row{}, false
		}
		if len(s.mem) > 0 {
			row := s.mem[0]
			s.mem[0] = recon.Row{}
			s.mem = s.mem[1:]
			if len(s.mem) == 0 {
				s.mem = s.mem[:0:0] // let the backing array go once drained
			}
			s.refill()
			return row, true
		}
		if s.onDisk > 0 {
			s.refill()
			continue
		}
		if s.closed {
			return recon.Row{}, false
		}
		s.cond.Wait()
	}
}

// Len is how many rows wait.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mem) + s.onDisk
}

// Err is what broke the spool, if anything did.
func (s *Spool) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// refill moves rows from the file back to memory, once memory is at most
// half full, so that the file is read in runs rather than row by row.
func (s *Spool) refill() {
	if s.onDisk == 0 || len(s.mem) > s.memMax/2 {
		return
	}
	if err := s.w.Flush(); err != nil {
		s.err = fmt.Errorf("spooling rows to disk: %w", err)
		return
	}
	// Read from rpos: the buffer of the last refill may have read ahead of
	// what it handed out.
	src := io.NewSectionReader(s.f, s.rpos, s.wpos-s.rpos)
	if s.r == nil {
		s.r = bufio.NewReaderSize(src, 64<<10)
	} else {
		s.r.Reset(src)
	}
	for s.onDisk > 0 && len(s.mem) < s.memMax {
		row, n, err := readRow(s.r, &s.scratch)
		if err != nil {
			s.err = fmt.Errorf("reading spooled rows back: %w", err)
			return
		}
		s.rpos += int64(n)
		s.onDisk--
		s.mem = append(s.mem, row)
	}
	if s.onDisk == 0 {
		// Everything written was read: start the file over.
		s.wpos, s.rpos = 0, 0
		if err := s.f.Truncate(0); err != nil {
			s.err = fmt.Errorf("spooling rows to disk: %w", err)
			return
		}
		s.w.Reset(io.NewOffsetWriter(s.f, 0))
	}
}

func (s *Spool) spill(row recon.Row) error {
	if s.f == nil {
		f, err := os.CreateTemp(s.dir, "recon-spool-*")
		if err != nil {
			return err
		}
		// Unlinked at once: a killed run leaves nothing behind.
		if err := os.Remove(f.Name()); err != nil {
			f.Close()
			return err
		}
		s.f, s.w = f, bufio.NewWriterSize(io.NewOffsetWriter(f, 0), 64<<10)
	}
	s.scratch = appendRow(s.scratch[:0], &row)
	n, err := s.w.Write(s.scratch)
	s.wpos += int64(n)
	if err != nil {
		return err
	}
	s.onDisk++
	return nil
}

// The spool's encoding of a row: its length, then each field as a uvarint
// or a length-prefixed string. Private to one run, so it needs no version.
func appendRow(b []byte, r *recon.Row) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0) // length, filled in below
	b = binary.AppendUvarint(b, uint64(r.Line))
	for _, s := range [...]string{r.Account, r.Provider, r.OrderNo, r.ProviderTradeNo, r.RefundNo,
		string(r.Status), r.Currency, r.AmountText} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = append(b, byte(r.Kind))
	b = binary.AppendVarint(b, r.Amount)
	// A time as its instant and its offset: what the store's JSON of the
	// row shows of it.
	var created, offset int64
	if !r.CreatedAt.IsZero() {
		created = r.CreatedAt.UnixNano()
		_, off := r.CreatedAt.Zone()
		offset = int64(off)
	}
	b = binary.AppendVarint(b, created)
	b = binary.AppendVarint(b, offset)
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-4))
	return b
}

var errShort = errors.New("spooled row cut short")

func readRow(r *bufio.Reader, scratch *[]byte) (recon.Row, int, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return recon.Row{}, 0, err
	}
	n := int(binary.BigEndian.Uint32(hdr[:]))
	if cap(*scratch) < n {
		*scratch = make([]byte, n)
	}
	b := (*scratch)[:n]
	if _, err := io.ReadFull(r, b); err != nil {
		return recon.Row{}, 0, err
	}
	row, err := decodeRow(b)
	return row, n + 4, err
}

func decodeRow(b []byte) (recon.Row, error) {
	var row recon.Row
	u := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			b = nil
			return 0
		}
		b = b[n:]
		return v
	}
	str := func() string {
		n := u()
		if uint64(len(b)) < n {
			b = nil
			return ""
		}
		s := string(b[:n])
		b = b[n:]
		return s
	}
	row.Line = int(u())
	var status string
	row.Account, row.Provider, row.OrderNo, row.ProviderTradeNo, row.RefundNo, status, row.Currency, row.AmountText =
		str(), str(), str(), str(), str(), str(), str(), str()
	row.Status = recon.State(status)
	if len(b) < 1 {
		return row, errShort
	}
	row.Kind = recon.Kind(b[0])
	b = b[1:]
	v, n := binary.Varint(b)
	if n <= 0 {
		return row, errShort
	}
	row.Amount, b = v, b[n:]
	c, n := binary.Varint(b)
	if n <= 0 {
		return row, errShort
	}
	off, n := binary.Varint(b[n:])
	if n <= 0 {
		return row, errShort
	}
	if c != 0 {
		row.CreatedAt = time.Unix(0, c).In(time.FixedZone("", int(off)))
	}
	return row, nil
}
