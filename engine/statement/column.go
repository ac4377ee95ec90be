package statement

// A column is a Book's growable array of uint64 (an index, or the rows'
// offsets), kept outside the Go heap where the system allows: a million
// rows' index is 24 MB the garbage collector would otherwise count into
// its goal, letting as much garbage again pile up before it runs, and
// copy at each doubling of an append. Reserved whole (address space only:
// a page is memory once written), it never moves.
type column struct {
	s    []uint64
	free func() // returns the reservation; nil for a heap slice
}

// newColumn reserves a column of up to max entries.
func newColumn(max int) column {
	if s, free, ok := reserve(max); ok {
		return column{s: s[:0], free: free}
	}
	return column{}
}

func (c *column) add(v uint64) {
	if c.free != nil && len(c.s) == cap(c.s) {
		// Past the reservation (it is sized by the file, generously):
		// on in the heap.
		s := make([]uint64, len(c.s), 2*len(c.s)+1)
		copy(s, c.s)
		c.release()
		c.s = s
	}
	c.s = append(c.s, v)
}

// release returns the reservation; the column is empty after it.
func (c *column) release() {
	if c.free != nil {
		c.free()
		c.free = nil
	}
	c.s = nil
}
