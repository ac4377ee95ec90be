package sim

import (
	"math/rand/v2"
	"testing"
)

// Plant is deterministic for a seed, apart from the clock.
func TestPlantDeterministic(t *testing.T) {
	a, b := New(), New()
	ca := a.Plant(rand.New(rand.NewPCG(9, 9)), 30)
	cb := b.Plant(rand.New(rand.NewPCG(9, 9)), 30)
	if len(ca) != len(cb) {
		t.Fatalf("%d vs %d cases", len(ca), len(cb))
	}
	for i := range ca {
		if ca[i] != cb[i] {
			t.Errorf("case %d differs: %+v vs %+v", i, ca[i], cb[i])
		}
	}
}
