package store

import (
	"time"

	"os"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// A read of a whole run (a report of a million rows) touches every page of
// its results in bbolt's memory map, and the kernel counts each page it
// touched in the process's resident memory until the process ends. The
// values a read returns are copies (the decoders copy every string and
// byte), so the pages read can be released as the read goes: madvise
// (MADV_DONTNEED) on bbolt's shared, read-only map drops the process's
// mapping of them, not their data, which a later read maps again from the
// file (or the page cache).

// releaseEvery is how many records a read goes through between releases.
const releaseEvery = 4096

var osPage = uintptr(os.Getpagesize())

// released tracks the span of the map a read has touched since its last
// release.
type released struct {
	// base and size bound the map (what the transaction may read of it):
	// a value elsewhere (read through a damaged page, its offset rotted)
	// is never released, since it could be the Go heap's memory.
	base, size uintptr
	lo, hi     unsafe.Pointer
	n          int
}

func newReleased(base uintptr, size int64) released {
	return released{base: base, size: uintptr(max(size, 0))}
}

// saw counts in a value read from the map.
func (r *released) saw(v []byte) {
	if len(v) == 0 || r.base == 0 {
		return
	}
	p, end := unsafe.Pointer(unsafe.SliceData(v)), unsafe.Add(unsafe.Pointer(unsafe.SliceData(v)), len(v))
	if uintptr(p) < r.base || uintptr(end) > r.base+r.size || uintptr(end) < uintptr(p) {
		return
	}
	if r.lo == nil || uintptr(p) < uintptr(r.lo) {
		r.lo = p
	}
	if uintptr(end) > uintptr(r.hi) {
		r.hi = end
	}
	if r.n++; r.n >= releaseEvery {
		r.release()
	}
}

// release drops the whole pages of the span seen. Pages the read still
// needs (the cursor's) are mapped again on their next use.
func (r *released) release() {
	if r.lo == nil {
		return
	}
	lo := unsafe.Add(r.lo, -int(uintptr(r.lo)%osPage))
	n := int(uintptr(r.hi) - uintptr(lo))
	if rem := n % int(osPage); rem != 0 {
		n += int(osPage) - rem
	}
	dontNeed(unsafe.Slice((*byte)(lo), n))
	r.lo, r.hi, r.n = nil, nil, 0
}

// releaseMapEvery is how often a writer drops the whole map from the
// process's resident memory: a night's lookups of earlier answers (an
// incremental night reads one per row) and its commits touch pages all
// over the file, each counted in recon's RSS until it exits otherwise.
const releaseMapEvery = 100 * time.Millisecond

// releaseMap drops every page of bbolt's map from the process's resident
// memory (see above: the map is shared and read-only; a later read maps a
// page again from the page cache).
func (d *DB) releaseMap() {
	_ = d.db.View(func(tx *bolt.Tx) error {
		base, size := d.db.Info().Data, uintptr(max(tx.Size(), 0))
		if base == 0 || size == 0 {
			return nil
		}
		// The map starts on a page; its length is rounded up to whole pages.
		size = (size + osPage - 1) / osPage * osPage
		dontNeedAt(base, size)
		return nil
	})
}
