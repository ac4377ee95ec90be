package store

import (
	"time"

	"os"

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

// released counts the records a read goes through and, every
// releaseEvery of them, drops the whole map from the process's resident
// memory: not only the pages of the bucket read, but those its records
// lead to elsewhere in the file (an incremental night's lines repeat the
// records of an earlier run, and exchanges name their replies), which a
// span of the values seen would miss.
type released struct {
	base, size uintptr // the map, as far as the transaction may read it
	n          int
}

func newReleased(base uintptr, size int64) released {
	return released{base: base, size: uintptr(max(size, 0))}
}

// saw counts in a record read.
func (r *released) saw() {
	if r.base == 0 {
		return
	}
	if r.n++; r.n >= releaseEvery {
		r.release()
	}
}

// release drops the map's pages. Pages the read still needs (the
// cursor's) are mapped again on their next use: the map is shared and
// read-only, so their data is the file's (or the page cache's), never lost.
func (r *released) release() {
	if r.n == 0 || r.size == 0 {
		return
	}
	size := (r.size + osPage - 1) / osPage * osPage
	dontNeedAt(r.base, size)
	r.n = 0
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
