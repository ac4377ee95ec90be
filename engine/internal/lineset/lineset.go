// Package lineset is a set of result lines: a bit per ledger line, an
// eighth of a byte per row however many there are, and the few lines of
// results about statement rows (recon.StatementLines on, far past any
// ledger's end) in a map, so that one of them costs a map entry, not a
// bitmap reaching up to it.
package lineset

import "github.com/reconhq/recon"

// Set is a set of result lines; its zero value is empty.
type Set struct {
	bits      []uint64
	statement map[int]bool
}

// Of is the set of lines.
func Of(lines map[int]bool) *Set {
	s := &Set{}
	for l := range lines {
		s.Add(l)
	}
	return s
}

// Add adds l and reports whether it was new. A negative line is no
// result's: it is never in the set.
func (s *Set) Add(l int) bool {
	switch {
	case l < 0:
		return true
	case l >= recon.StatementLines:
		if s.statement[l] {
			return false
		}
		if s.statement == nil {
			s.statement = map[int]bool{}
		}
		s.statement[l] = true
		return true
	}
	for len(s.bits) <= l/64 {
		s.bits = append(s.bits, 0)
	}
	bit := uint64(1) << (l % 64)
	if s.bits[l/64]&bit != 0 {
		return false
	}
	s.bits[l/64] |= bit
	return true
}

// Has reports whether l is in the set.
func (s *Set) Has(l int) bool {
	if l >= recon.StatementLines {
		return s.statement[l]
	}
	return l >= 0 && l/64 < len(s.bits) && s.bits[l/64]&(1<<(l%64)) != 0
}
