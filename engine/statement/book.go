package statement

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/reconhq/recon"
)

// MaxLine is the last statement line a Book takes: the results about its
// rows are numbered by line within recon.StatementLine's 24 bits.
const MaxLine = 1<<24 - 1

// A Book is a statement loaded for the join with a ledger: every row kept
// in an unlinked temporary file, and looked up by its key — (type, order
// number, refund number) — through sorted hashes held in memory (the rows
// themselves are read back from the file when a key matches, and compared
// field by field, so a hash collision never joins two different rows).
// An index entry is one uint64: the key's hash in the high 40 bits, the
// row's ordinal in the low 24 (MaxLine bounds them), so sorting the entries
// groups equal hashes in row order, with no struct padding and nothing
// for the garbage collector to scan: 16 bytes a row with the offsets.
//
// A Book is safe for concurrent use.
type Book struct {
	mu        sync.Mutex // Find and Entry share buf and joined
	path, sha string
	f         *os.File
	offs      column // row i's place in f
	size      int64  // f's length: where the last row ends
	byOrder   column
	dupOf     map[int32]int32 // a row repeating an earlier one's key: that one
	joined    []uint64        // bit i: a ledger row joined row i
	invalid   int
	from, to  time.Time // the rows' times' range (zero when none has one)
	buf       []byte
}

const ordBits = 24

func entryOf(h uint64, ord int) uint64 { return h>>ordBits<<ordBits | uint64(ord) }
func entryOrd(e uint64) int32          { return int32(e & (1<<ordBits - 1)) }

var seed = maphash.MakeSeed()

func orderKey(k recon.Kind, orderNo, refundNo string) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteByte(byte(k))
	h.WriteString(orderNo)
	h.WriteByte(0)
	h.WriteString(refundNo)
	return h.Sum64()
}

// Entry is a row of a Book as the join reads it back.
type Entry struct {
	Row
	// Bad says why the row does not hold up (an INVALID result); nil for a
	// good row.
	Bad *recon.RowError
	// DupOf is the line of an earlier row with the same key (a DUPLICATE
	// result); 0 for none.
	DupOf int
	// Joined: a ledger row joined it.
	Joined bool
}

// Load reads the statement at path through m into a Book, in the
// directory tmp ("" is the system's). A statement that cannot be read is
// an *Error; a bad row is kept, to be reported.
func Load(path string, m Mapping, tmp string) (*Book, error) {
	src, err := os.Open(path)
	if err != nil {
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			err = pe.Err
		}
		return nil, &Error{Path: path, Err: err}
	}
	defer src.Close()
	sum := sha256.New()
	r, err := NewReader(io.TeeReader(src, sum), path, m)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(tmp, "recon-statement-*")
	if err != nil {
		return nil, fmt.Errorf("statement %s: a temporary file: %w", path, err)
	}
	_ = os.Remove(f.Name()) // unlinked: gone with the process, whatever ends it
	b := &Book{path: path, f: f, dupOf: map[int32]int32{}}
	// A row takes a few bytes at least: the file's size bounds the rows.
	rows := MaxLine + 1
	if fi, err := src.Stat(); err == nil {
		rows = int(min(int64(rows), fi.Size()/4+64))
	}
	b.offs, b.byOrder = newColumn(rows), newColumn(rows)
	w := bufio.NewWriterSize(f, 1<<16)
	var off int64
	for {
		row, bad, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Close()
			return nil, err
		}
		if row.Line > MaxLine {
			b.Close()
			return nil, &Error{Path: path, Line: row.Line, Err: fmt.Errorf("more than %d lines: split the statement", MaxLine)}
		}
		ord := int32(len(b.offs.s))
		b.offs.add(uint64(off))
		b.buf = encodeRow(b.buf[:0], &row, bad)
		n, err := w.Write(b.buf)
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("statement %s: writing its temporary copy: %w", path, err)
		}
		off += int64(n)
		if bad != nil {
			b.invalid++
			continue
		}
		b.byOrder.add(entryOf(orderKey(row.Kind, row.OrderNo, row.RefundNo), int(ord)))
		if t := row.Time; !t.IsZero() {
			if b.from.IsZero() || t.Before(b.from) {
				b.from = t
			}
			if t.After(b.to) {
				b.to = t
			}
		}
	}
	if err := w.Flush(); err != nil {
		b.Close()
		return nil, fmt.Errorf("statement %s: writing its temporary copy: %w", path, err)
	}
	// The digest is the file's, also past stop_at (a bill's summary).
	if _, err := io.Copy(sum, src); err != nil {
		b.Close()
		return nil, &Error{Path: path, Err: err}
	}
	b.size = off
	b.sha = hex.EncodeToString(sum.Sum(nil))
	slices.Sort(b.byOrder.s)
	b.joined = make([]uint64, (len(b.offs.s)+63)/64)
	if err := b.markDuplicates(); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// markDuplicates finds the rows whose (type, order, refund) key an earlier
// row has: the statement states that transaction twice. The index is
// sorted by hash, then by row: within a run of one hash, each row is
// compared with the distinct keys seen before it in the run, not with every
// earlier row, so that a mapping slip that gives every row one key (a
// constant column mapped as order_no) costs a pass, not its square.
func (b *Book) markDuplicates() error {
	type first struct {
		ord           int32
		kind          recon.Kind
		order, refund string
	}
	var seen []first
	for i, e := range b.byOrder.s {
		if i == 0 || b.byOrder.s[i-1]>>ordBits != e>>ordBits {
			seen = seen[:0]
		}
		y, err := b.entry(int(entryOrd(e)))
		if err != nil {
			return err
		}
		dup := false
		for _, f := range seen {
			if f.kind == y.Kind && f.order == y.OrderNo && f.refund == y.RefundNo {
				b.dupOf[entryOrd(e)], dup = f.ord, true
				break
			}
		}
		if !dup {
			seen = append(seen, first{entryOrd(e), y.Kind, y.OrderNo, y.RefundNo})
		}
	}
	return nil
}

// Path and SHA256 identify the statement read.
func (b *Book) Path() string   { return b.path }
func (b *Book) SHA256() string { return b.sha }

// Len is how many rows the statement has (bad ones included); Invalid how
// many of them do not hold up.
func (b *Book) Len() int     { return len(b.offs.s) }
func (b *Book) Invalid() int { return b.invalid }

// Span is the earliest and the latest time of the statement's rows (zero
// when no row has one).
func (b *Book) Span() (from, to time.Time) { return b.from, b.to }

// Find returns the row a ledger row of kind k with these order and refund
// numbers joins: the first one, not a duplicate, that accept takes (the
// join's identity check: the row must be about the ledger row's order, as
// a query's answer must); ok is false when the statement has none. The
// row found is marked joined.
func (b *Book) Find(k recon.Kind, orderNo, refundNo string, accept func(*Entry) bool) (ord int, e Entry, ok bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := orderKey(k, orderNo, refundNo)
	i, _ := slices.BinarySearch(b.byOrder.s, entryOf(h, 0))
	for ; i < len(b.byOrder.s) && b.byOrder.s[i]>>ordBits == h>>ordBits; i++ {
		ord := int(entryOrd(b.byOrder.s[i]))
		if _, dup := b.dupOf[int32(ord)]; dup {
			continue
		}
		e, err := b.entry(ord)
		if err != nil {
			return 0, Entry{}, false, err
		}
		if e.Kind == k && e.OrderNo == orderNo && e.RefundNo == refundNo && accept(&e) {
			b.joined[ord/64] |= 1 << (ord % 64)
			e.Joined = true
			return ord, e, true, nil
		}
	}
	return 0, Entry{}, false, nil
}

// Entry reads row ord back.
func (b *Book) Entry(ord int) (Entry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.entry(ord)
}

func (b *Book) entry(ord int) (Entry, error) {
	offs := b.offs.s
	if ord < 0 || ord >= len(offs) {
		return Entry{}, fmt.Errorf("statement %s: no row %d", b.path, ord)
	}
	end := b.size
	if ord+1 < len(offs) {
		end = int64(offs[ord+1])
	}
	n := end - int64(offs[ord])
	if n <= 0 || n > 64<<20 {
		return Entry{}, fmt.Errorf("statement %s: its temporary copy is damaged at row %d", b.path, ord)
	}
	if int64(cap(b.buf)) < n {
		b.buf = make([]byte, n)
	}
	buf := b.buf[:n]
	if _, err := b.f.ReadAt(buf, int64(offs[ord])); err != nil {
		return Entry{}, fmt.Errorf("statement %s: reading its temporary copy: %w", b.path, err)
	}
	e, err := decodeRow(buf)
	if err != nil {
		return Entry{}, fmt.Errorf("statement %s: its temporary copy is damaged at row %d: %w", b.path, ord, err)
	}
	if first, dup := b.dupOf[int32(ord)]; dup {
		if f, err := b.lineOf(int(first)); err == nil {
			e.DupOf = f
		}
	}
	e.Joined = b.joined[ord/64]&(1<<(ord%64)) != 0
	return e, nil
}

func (b *Book) lineOf(ord int) (int, error) {
	buf := make([]byte, binary.MaxVarintLen64)
	if _, err := b.f.ReadAt(buf, int64(b.offs.s[ord])); err != nil && err != io.EOF {
		return 0, err
	}
	v, n := binary.Uvarint(buf)
	if n <= 0 {
		return 0, errors.New("a bad line number")
	}
	return int(v), nil
}

// Close removes the temporary copy.
func (b *Book) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.offs.release()
	b.byOrder.release()
	return b.f.Close()
}

// encodeRow appends a row and why it is bad (if it is) to buf.
func encodeRow(buf []byte, r *Row, bad *recon.RowError) []byte {
	buf = binary.AppendUvarint(buf, uint64(r.Line))
	str := func(s string) []byte {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		return append(buf, s...)
	}
	buf = append(buf, byte(r.Kind))
	for _, s := range [...]string{r.OrderNo, r.ProviderTradeNo, r.RefundNo, r.AmountText, r.Currency, r.Status} {
		buf = str(s)
	}
	buf = binary.AppendVarint(buf, r.Amount)
	t := int64(0)
	if !r.Time.IsZero() {
		t = r.Time.UnixNano()
	}
	buf = binary.AppendVarint(buf, t)
	_, off := r.Time.Zone()
	buf = binary.AppendVarint(buf, int64(off))
	keys := make([]string, 0, len(r.Raw))
	for k := range r.Raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf = binary.AppendUvarint(buf, uint64(len(keys)))
	for _, k := range keys {
		buf = str(k)
		buf = str(r.Raw[k])
	}
	if bad == nil {
		return append(buf, 0)
	}
	buf = append(buf, 1)
	buf = str(bad.Field)
	return str(bad.Reason)
}

func decodeRow(b []byte) (Entry, error) {
	var e Entry
	var bad bool
	uv := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			bad = true
			return 0
		}
		b = b[n:]
		return v
	}
	sv := func() int64 {
		v, n := binary.Varint(b)
		if n <= 0 {
			bad = true
			return 0
		}
		b = b[n:]
		return v
	}
	str := func() string {
		n := uv()
		if bad || n > uint64(len(b)) {
			bad = true
			return ""
		}
		s := string(b[:n])
		b = b[n:]
		return s
	}
	e.Line = int(uv())
	if len(b) == 0 {
		return e, errors.New("cut short")
	}
	e.Kind = recon.Kind(b[0])
	b = b[1:]
	for _, p := range [...]*string{&e.OrderNo, &e.ProviderTradeNo, &e.RefundNo, &e.AmountText, &e.Currency, &e.Status} {
		*p = str()
	}
	e.Amount = sv()
	t, off := sv(), sv()
	if t != 0 {
		e.Time = time.Unix(0, t).In(time.FixedZone("", int(off)))
	}
	if n := uv(); n > 0 && !bad {
		if n > uint64(len(b)) {
			return e, errors.New("cut short")
		}
		e.Raw = make(map[string]string, n)
		for range n {
			k := str()
			e.Raw[k] = str()
		}
	}
	if bad || len(b) == 0 {
		return e, errors.New("cut short")
	}
	if b[0] == 1 {
		b = b[1:]
		e.Bad = &recon.RowError{Line: e.Line}
		e.Bad.Field, e.Bad.Reason = str(), str()
	}
	if bad {
		return e, errors.New("cut short")
	}
	return e, nil
}
