package lineset

import (
	"testing"

	"github.com/reconhq/recon"
)

func TestSet(t *testing.T) {
	stmt := recon.StatementLine(3, 7)
	var s Set
	for _, tc := range []struct {
		line int
		new  bool
	}{
		{2, true}, {2, false}, {130, true}, {stmt, true}, {stmt, false}, {-1, true}, {-1, true},
	} {
		if got := s.Add(tc.line); got != tc.new {
			t.Errorf("Add(%d) = %v, want %v", tc.line, got, tc.new)
		}
	}
	for l, want := range map[int]bool{2: true, 130: true, stmt: true, 3: false, 129: false, stmt + 1: false, -1: false, 1 << 20: false} {
		if got := s.Has(l); got != want {
			t.Errorf("Has(%d) = %v, want %v", l, got, want)
		}
	}
	// A statement row's line costs a map entry, not a bitmap up to it.
	if len(s.bits) > 3 {
		t.Errorf("the bitmap has %d words for lines up to 130", len(s.bits))
	}
	if o := Of(map[int]bool{5: true, stmt: true}); !o.Has(5) || !o.Has(stmt) || o.Has(6) {
		t.Error("Of lost or added a line")
	}
}
