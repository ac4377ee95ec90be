// Package index answers, before a run queries anything, the two questions
// about a ledger that need every row: which rows repeat an earlier row's
// key (DUPLICATE, never queried), and which orders have both a payment
// row and refund rows (the only ones the refunds check needs to follow),
// with a digest of those refund rows (a payment row's answer is as good
// as last night's only while its order's refunds are as they were).
//
// It is built from one pass over the ledger by an external sort: rows are
// reduced to fixed-size hashes, sorted in bounded chunks spilled to a
// temporary file, then merged, so that memory does not grow with the
// ledger. What it keeps is proportional to the duplicates and to the
// orders with refunds, not to the rows.
package index

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"slices"

	"github.com/reconhq/recon"
)

// chunkRows bounds the rows sorted in memory at once (40 bytes each); a
// variable for the tests.
var chunkRows = 1 << 18

// entry is one ledger row, reduced. Rows sort by order, then by key, then
// by line: an order's rows are adjacent, and among rows of one key the
// first is the one of the lowest line.
type entry struct {
	order uint64    // hash of account and order number
	key   [2]uint64 // 128-bit hash of the row's key: two rows of different keys do not collide in practice
	line  uint32
	kind  recon.Kind
	// content is the caller's digest of the row's content (its
	// fingerprint), stable across runs, unlike the hashes above.
	content uint64
}

func compare(a, b entry) int {
	if c := cmp.Compare(a.order, b.order); c != 0 {
		return c
	}
	if c := cmp.Compare(a.key[0], b.key[0]); c != 0 {
		return c
	}
	if c := cmp.Compare(a.key[1], b.key[1]); c != 0 {
		return c
	}
	return cmp.Compare(a.line, b.line)
}

const entrySize = 8 + 16 + 4 + 1 + 8

// Builder collects the rows of a ledger.
type Builder struct {
	seeds [3]maphash.Seed
	dir   string
	chunk []entry
	file  *os.File
	w     *bufio.Writer
	runs  []int64 // offsets where each sorted run ends in file
	pos   int64
	buf   [entrySize]byte
}

// NewBuilder starts an index whose spilled chunks go to an unlinked
// temporary file in dir ("" for the system's).
func NewBuilder(dir string) *Builder {
	return &Builder{seeds: [3]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed(), maphash.MakeSeed()}, dir: dir}
}

// Add adds a row that could be read (rows with a *recon.RowError take no
// part in the duplicate check); content is a digest of its content that
// is the same in every run (RefundsDigest combines the refund rows').
func (b *Builder) Add(row *recon.Row, content uint64) error {
	key := row.Key()
	b.chunk = append(b.chunk, entry{
		order:   b.orderHash(row.Account, row.OrderNo),
		key:     [2]uint64{maphash.String(b.seeds[1], key), maphash.String(b.seeds[2], key)},
		line:    uint32(row.Line),
		kind:    row.Kind,
		content: content,
	})
	if len(b.chunk) == chunkRows {
		return b.spill()
	}
	return nil
}

func (b *Builder) orderHash(account, orderNo string) uint64 {
	var h maphash.Hash
	h.SetSeed(b.seeds[0])
	h.WriteString(account)
	h.WriteByte(0)
	h.WriteString(orderNo)
	return h.Sum64()
}

func (b *Builder) spill() error {
	slices.SortFunc(b.chunk, compare)
	if b.file == nil {
		f, err := os.CreateTemp(b.dir, "recon-index-*")
		if err != nil {
			return fmt.Errorf("indexing the ledger: %w", err)
		}
		if err := os.Remove(f.Name()); err != nil { // a killed run leaves nothing behind
			f.Close()
			return fmt.Errorf("indexing the ledger: %w", err)
		}
		b.file, b.w = f, bufio.NewWriterSize(f, 256<<10)
	}
	for i := range b.chunk {
		e := &b.chunk[i]
		binary.LittleEndian.PutUint64(b.buf[0:], e.order)
		binary.LittleEndian.PutUint64(b.buf[8:], e.key[0])
		binary.LittleEndian.PutUint64(b.buf[16:], e.key[1])
		binary.LittleEndian.PutUint32(b.buf[24:], e.line)
		b.buf[28] = byte(e.kind)
		binary.LittleEndian.PutUint64(b.buf[29:], e.content)
		if _, err := b.w.Write(b.buf[:]); err != nil {
			return fmt.Errorf("indexing the ledger: %w", err)
		}
		b.pos += entrySize
	}
	b.runs = append(b.runs, b.pos)
	b.chunk = b.chunk[:0]
	return nil
}

// Index is what the ledger pass asks while it reads the rows again.
type Index struct {
	seed    maphash.Seed
	dups    []dup          // by line
	refunds []orderRefunds // by order hash
}

// orderRefunds is an order with a payment row and refund rows, and the
// digest of those refund rows.
type orderRefunds struct{ order, digest uint64 }

type dup struct{ line, first uint32 }

// Finish sorts what was added and returns the index; the builder is done.
func (b *Builder) Finish() (*Index, error) {
	ix := &Index{seed: b.seeds[0]}
	defer func() {
		if b.file != nil {
			b.file.Close()
		}
	}()
	var next func() (entry, bool, error)
	if b.file == nil {
		slices.SortFunc(b.chunk, compare)
		i := 0
		next = func() (entry, bool, error) {
			if i == len(b.chunk) {
				return entry{}, false, nil
			}
			i++
			return b.chunk[i-1], true, nil
		}
	} else {
		if len(b.chunk) > 0 {
			if err := b.spill(); err != nil {
				return nil, err
			}
		}
		b.chunk = nil
		if err := b.w.Flush(); err != nil {
			return nil, fmt.Errorf("indexing the ledger: %w", err)
		}
		m, err := newMerge(b.file, b.runs)
		if err != nil {
			return nil, err
		}
		next = m.next
	}
	var (
		prev            entry
		have            bool
		first           uint32
		payment, refund bool
		digest          uint64
	)
	endOrder := func() {
		if have && payment && refund {
			ix.refunds = append(ix.refunds, orderRefunds{prev.order, digest})
		}
		payment, refund, digest = false, false, 0
	}
	for {
		e, ok, err := next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if !have || e.order != prev.order {
			endOrder()
		}
		isDup := have && e.order == prev.order && e.key == prev.key
		if isDup {
			ix.dups = append(ix.dups, dup{line: e.line, first: first})
		} else {
			first = e.line
		}
		switch e.kind {
		case recon.Payment:
			payment = true
		case recon.Refund:
			refund = true
			if !isDup {
				digest ^= e.content
			}
		}
		prev, have = e, true
	}
	endOrder()
	slices.SortFunc(ix.dups, func(a, b dup) int { return cmp.Compare(a.line, b.line) })
	return ix, nil
}

// Duplicate returns the line a row repeats, if it repeats one.
func (ix *Index) Duplicate(line int) (first int, ok bool) {
	i, found := slices.BinarySearchFunc(ix.dups, uint32(line), func(d dup, l uint32) int { return cmp.Compare(d.line, l) })
	if !found {
		return 0, false
	}
	return int(ix.dups[i].first), true
}

// HasRefunds reports whether the order has a payment row and refund rows.
// A collision of the 64-bit order hash can only make it true for an order
// without refunds, which costs that order a little memory, nothing else.
func (ix *Index) HasRefunds(account, orderNo string) bool {
	_, ok := ix.RefundsDigest(account, orderNo)
	return ok
}

// RefundsDigest is, for an order with a payment row and refund rows, a
// digest of its refund rows (duplicates left out): the XOR of their
// contents as Add was given them, so the same rows give the same digest in
// any order and in any run. ok is false for any other order.
func (ix *Index) RefundsDigest(account, orderNo string) (digest uint64, ok bool) {
	var h maphash.Hash
	h.SetSeed(ix.seed)
	h.WriteString(account)
	h.WriteByte(0)
	h.WriteString(orderNo)
	i, found := slices.BinarySearchFunc(ix.refunds, h.Sum64(), func(o orderRefunds, h uint64) int { return cmp.Compare(o.order, h) })
	if !found {
		return 0, false
	}
	return ix.refunds[i].digest, true
}

// merge reads the sorted runs of the file back in one sorted stream.
type merge struct {
	h runHeap
}

type run struct {
	r    *bufio.Reader
	head entry
}

type runHeap []*run

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return compare(h[i].head, h[j].head) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*run)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newMerge(f *os.File, ends []int64) (*merge, error) {
	m := &merge{}
	start := int64(0)
	for _, end := range ends {
		r := &run{r: bufio.NewReaderSize(io.NewSectionReader(f, start, end-start), 64<<10)}
		ok, err := r.read()
		if err != nil {
			return nil, err
		}
		if ok {
			m.h = append(m.h, r)
		}
		start = end
	}
	heap.Init(&m.h)
	return m, nil
}

func (r *run) read() (bool, error) {
	var b [entrySize]byte
	if _, err := io.ReadFull(r.r, b[:]); err == io.EOF {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("indexing the ledger: reading back: %w", err)
	}
	r.head = entry{order: binary.LittleEndian.Uint64(b[0:]),
		key:  [2]uint64{binary.LittleEndian.Uint64(b[8:]), binary.LittleEndian.Uint64(b[16:])},
		line: binary.LittleEndian.Uint32(b[24:]), kind: recon.Kind(b[28]), content: binary.LittleEndian.Uint64(b[29:])}
	return true, nil
}

func (m *merge) next() (entry, bool, error) {
	if len(m.h) == 0 {
		return entry{}, false, nil
	}
	top := m.h[0]
	e := top.head
	ok, err := top.read()
	if err != nil {
		return entry{}, false, err
	}
	if ok {
		heap.Fix(&m.h, 0)
	} else {
		heap.Pop(&m.h)
	}
	return e, true, nil
}
