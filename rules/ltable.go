package rules

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// Two questions the judge asks of a table after every call, cheaply: has a
// key been added to it, and has its array part changed? gopher-lua keeps
// every hash key a table ever had in insertion order (deleting a value
// leaves its key), so a table gained a key exactly when that list grew.
// The list is not exported; tableLayout mirrors gopher-lua v1.1.2's
// LTable, and layoutOK says whether it still matches (checked by reflection
// at start-up). When it does not, every caller takes the slow, exported
// path: a fresh table per call and a walk with Next.

type tableLayout struct {
	Metatable lua.LValue
	array     []lua.LValue
	dict      map[lua.LValue]lua.LValue
	strdict   map[string]lua.LValue
	keys      []lua.LValue
	k2i       map[lua.LValue]int
}

var layoutOK = sameLayout(reflect.TypeFor[lua.LTable](), reflect.TypeFor[tableLayout]())

func sameLayout(a, b reflect.Type) bool {
	if a.Size() != b.Size() || a.NumField() != b.NumField() {
		return false
	}
	for i := range a.NumField() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || fa.Type != fb.Type || fa.Offset != fb.Offset {
			return false
		}
	}
	return true
}

func layout(t *lua.LTable) *tableLayout { return (*tableLayout)(unsafe.Pointer(t)) }

// tableKeys is how many hash keys t has ever had; -1 when layoutOK is false.
func tableKeys(t *lua.LTable) int {
	if !layoutOK {
		return -1
	}
	return len(layout(t).keys)
}

// tableArray is t's array part (nil when layoutOK is false): read it, never
// keep or change it.
func tableArray(t *lua.LTable) []lua.LValue {
	if !layoutOK {
		return nil
	}
	return layout(t).array
}
