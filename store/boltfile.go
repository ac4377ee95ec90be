package store

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"os"
)

// What the store checks of bbolt's own file structure before bbolt relies
// on it in ways no recover can catch: bbolt loops over a page's overflow
// count when it frees the page (the freelist's, at the first commit after
// every open), so a count that rotted to millions allocates until the
// process dies. bbolt exposes its header page to no one, so the store reads
// it from the file: the layout of bbolt's file format 2 (unchanged since
// boltdb), in the machine's byte order, as bbolt writes it.

const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	pageHeaderLen  = 16 // id u64, flags u16, count u16, overflow u32
	metaLen        = 64 // magic, version, page size, flags u32; root, sequence, freelist, pgid, txid, checksum u64
	flagFreelist   = 0x10
	pgidNoFreelist = ^uint64(0)
)

// boltMeta is what the store reads of bbolt's header page.
type boltMeta struct {
	freelist uint64 // the freelist's page, or pgidNoFreelist
	pgid     uint64 // the high water mark: pages in use are below it
	txid     uint64
}

// readMeta returns the header page bbolt uses: of the two that pass
// bbolt's checks, the one of the later transaction.
func readMeta(f *os.File, pageSize int) (boltMeta, bool) {
	var best boltMeta
	ok := false
	for page := range 2 {
		b := make([]byte, pageHeaderLen+metaLen)
		if _, err := f.ReadAt(b, int64(page*pageSize)); err != nil {
			continue
		}
		m := b[pageHeaderLen:]
		ne := binary.NativeEndian
		h := fnv.New64a()
		h.Write(m[:56])
		if ne.Uint32(m[0:]) != boltMagic || ne.Uint32(m[4:]) != boltVersion || ne.Uint64(m[56:]) != h.Sum64() {
			continue
		}
		meta := boltMeta{freelist: ne.Uint64(m[32:]), pgid: ne.Uint64(m[40:]), txid: ne.Uint64(m[48:])}
		if !ok || meta.txid > best.txid {
			best, ok = meta, true
		}
	}
	return best, ok
}

// checkFreelist checks the header and the page IDs of bbolt's freelist
// page, which bbolt reads at open and frees at the first commit.
func checkFreelist(f *os.File, path string, pageSize int, m boltMeta) error {
	_, err := freePages(f, path, pageSize, m)
	return err
}

// freePages checks bbolt's freelist page (see checkFreelist) and returns
// the pages it lists.
func freePages(f *os.File, path string, pageSize int, m boltMeta) ([]uint64, error) {
	bad := func(format string, args ...any) error {
		return &CorruptError{Path: path, Err: fmt.Errorf("bbolt's freelist (page %d) "+format, append([]any{m.freelist}, args...)...)}
	}
	if m.freelist < 2 || m.freelist >= m.pgid {
		return nil, bad("is outside the file's %d pages", m.pgid)
	}
	hdr := make([]byte, pageHeaderLen+8)
	if _, err := f.ReadAt(hdr, int64(m.freelist)*int64(pageSize)); err != nil {
		return nil, bad("cannot be read: %v", err)
	}
	ne := binary.NativeEndian
	id, flags, count, overflow := ne.Uint64(hdr), ne.Uint16(hdr[8:]), uint64(ne.Uint16(hdr[10:])), uint64(ne.Uint32(hdr[12:]))
	switch {
	case id != m.freelist || flags != flagFreelist:
		return nil, bad("is not a freelist page (it says page %d, flags %#x)", id, flags)
	case m.freelist+overflow >= m.pgid:
		return nil, bad("runs %d pages past the last one", m.freelist+overflow+1-m.pgid)
	}
	first := uint64(0)
	if count == 0xFFFF { // more IDs than the header counts: the first element is the count
		count, first = ne.Uint64(hdr[pageHeaderLen:]), 1
	}
	if room := (overflow+1)*uint64(pageSize) - pageHeaderLen; count > room/8 || (first+count)*8 > room {
		return nil, bad("lists %d pages, more than it holds", count)
	}
	ids := make([]byte, count*8)
	if _, err := f.ReadAt(ids, int64(m.freelist)*int64(pageSize)+pageHeaderLen+int64(first*8)); err != nil {
		return nil, bad("cannot be read: %v", err)
	}
	prev := uint64(1)
	free := make([]uint64, count)
	for i := range count {
		id := ne.Uint64(ids[i*8:])
		if id <= prev || id >= m.pgid {
			return nil, bad("lists page %d after page %d (of %d)", id, prev, m.pgid)
		}
		prev, free[i] = id, id
	}
	return free, nil
}

// pagesFit checks every page header below the high water mark: a page in
// use is a branch, a leaf or the freelist, and ends before the last page
// (its overflow count did not rot). It reads the headers from the file f
// (bbolt's header page, its freelist, then 16 bytes a page), not through
// bbolt's memory map: a walk through the map would make the whole file
// resident. f must be as bbolt's last transaction left it (no write since).
// windowPages is how many pages pagesFit reads at once.
const windowPages = 256

func pagesFit(f *os.File, file string, pageSize int) error {
	m, ok := readMeta(f, pageSize)
	if !ok {
		return nil // bbolt's header is not as the store reads it (TestBoltHeaderAsBboltReadsIt)
	}
	hwm := m.pgid
	var free []uint64
	if m.freelist != pgidNoFreelist {
		var err error
		if free, err = freePages(f, file, pageSize, m); err != nil {
			return err
		}
	}
	// The pages are read a window at a time (a pread of 16 bytes a page cost
	// 142 ms for a store of 368 MB, warm, in syscalls alone), the free ones
	// and a value's overflow skipped.
	ne := binary.NativeEndian
	win := make([]byte, windowPages*pageSize)
	var wlo, whi uint64 // the pages in win: [wlo, whi)
	for id := uint64(2); id < hwm; {
		if len(free) > 0 && free[0] == id {
			free = free[1:]
			id++
			continue
		}
		if id < wlo || id >= whi {
			n := min(uint64(windowPages), hwm-id)
			if _, err := f.ReadAt(win[:n*uint64(pageSize)], int64(id)*int64(pageSize)); err != nil {
				return &CorruptError{Path: file, Err: fmt.Errorf("page %d cannot be read: %v", id, err)}
			}
			wlo, whi = id, id+n
		}
		hdr := win[(id-wlo)*uint64(pageSize):]
		flags, overflow := ne.Uint16(hdr[8:]), uint64(ne.Uint32(hdr[12:]))
		var typ string
		switch flags {
		case 0x01:
			typ = "branch"
		case 0x02:
			typ = "leaf"
		case flagFreelist:
			typ = "freelist"
		default:
			return &CorruptError{Path: file, Err: fmt.Errorf("page %d is in use and not a page (flags %#x)", id, flags)}
		}
		if id+overflow >= hwm {
			return &CorruptError{Path: file, Err: fmt.Errorf("page %d (%s) runs %d pages past the last one", id, typ, id+overflow+1-hwm)}
		}
		id += overflow + 1
	}
	return nil
}
