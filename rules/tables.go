package rules

import (
	"slices"

	lua "github.com/yuin/gopher-lua"
)

// The tables a hook is given (row, p, last, o) are made once per state and
// filled anew for every call: a fresh table costs a dozen allocations
// before its first field. Reuse must not show: a rule may write to these
// tables, so one is reused only if the call left it as clean as the judge
// can refill it (no metatable, no array part, no key the judge does not
// set: see ltable.go); otherwise the next call gets a fresh one. The keys
// are inserted once in the order the judge always set them, so pairs()
// visits a refilled table in the order it visited a fresh one.

// reusable is one such table and the keys the judge sets in it.
type reusable struct {
	keys  []string
	t     *lua.LTable
	nkeys int
}

func newReusable(keys ...string) *reusable { return &reusable{keys: keys} }

// fill returns the table with keys[i] set to vals[i] (nil deletes).
func (u *reusable) fill(L *lua.LState, vals []lua.LValue) *lua.LTable {
	t := u.t
	if t != nil && clean(t, u.nkeys) {
		// Every key is in the table's key list already: only the values
		// change, which is RawSetString without its bookkeeping.
		d := layout(t).strdict
		for i, k := range u.keys {
			if vals[i] == lua.LNil {
				delete(d, k)
			} else {
				d[k] = vals[i]
			}
		}
		return t
	}
	t = L.CreateTable(0, len(u.keys))
	for _, k := range u.keys {
		t.RawSetString(k, lua.LTrue)
	}
	u.t, u.nkeys = t, tableKeys(t)
	for i, k := range u.keys {
		t.RawSetString(k, vals[i])
	}
	return t
}

// clean reports whether t is as the judge left it, up to the values of its
// nkeys keys, which the judge sets anew anyway.
func clean(t *lua.LTable, nkeys int) bool {
	return layoutOK && t.Metatable == lua.LNil && len(tableArray(t)) == 0 && tableKeys(t) == nkeys
}

// lazyFields is p.fields: a table that fills itself on first use. Most
// rows' rules never read the provider's raw fields, and boxing each into a
// Lua string is most of what filling p costs. Until it is used, the table
// is empty and carries a metatable (its mark) whose __index and __newindex
// fill it; the base functions that look at a table without going through
// __index (next, pairs, rawget, rawset, getmetatable, setmetatable) are
// wrapped to fill it first (wrapLazy). Filled, it is a plain table, exactly
// as if it had been filled from the start. The table is reused like the
// others: an unused one as it is, a filled one cleared of its keys.
type lazyFields struct {
	mt      *lua.LTable // the mark of an unfilled table
	t       *lua.LTable
	pending map[string]string // what t is filled with
	set     []string          // the keys filling put in t
	nkeys   int
}

// maxReusedFieldKeys bounds the keys a reused fields table accumulates
// (deleting leaves keys in gopher-lua's table): past it, a fresh table.
const maxReusedFieldKeys = 256

func newLazyFields(L *lua.LState) *lazyFields {
	f := &lazyFields{mt: L.NewTable()}
	f.mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		f.fill(t)
		L.Push(t.RawGet(L.Get(2)))
		return 1
	}))
	f.mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		f.fill(t)
		L.SetTable(t, L.Get(2), L.Get(3))
		return 0
	}))
	return f
}

// table returns the fields table of a call whose answer has fields.
func (f *lazyFields) table(L *lua.LState, fields map[string]string) *lua.LTable {
	// A reused table's key list is f.set, sorted (nil-valued once
	// cleared): reused only for fields with those keys, it is visited in
	// the order a fresh table would be.
	t := f.t
	switch {
	case t != nil && layoutOK && t.Metatable == f.mt && len(tableArray(t)) == 0 && tableKeys(t) == f.nkeys &&
		(f.nkeys == 0 || sameKeys(f.set, fields)):
		// unused since it was made or cleared
	case t != nil && f.nkeys <= maxReusedFieldKeys && clean(t, f.nkeys) && sameKeys(f.set, fields):
		for _, k := range f.set {
			t.RawSetString(k, lua.LNil)
		}
		t.Metatable = f.mt
	default:
		t = L.NewTable()
		t.Metatable = f.mt
		f.set = f.set[:0]
	}
	f.t, f.pending, f.nkeys = t, fields, tableKeys(t)
	return t
}

// fill fills t if it is still marked unfilled.
func (f *lazyFields) fill(t *lua.LTable) {
	if t.Metatable != f.mt {
		return
	}
	t.Metatable = lua.LNil
	if t != f.t {
		return // not this call's table: a rule cannot reach one, but never fill it with this call's fields
	}
	// pairs visits a table's string keys in the order they were first set,
	// and a Go map's order changes from range to range: sorted, the same
	// fields are visited alike on every run, state and replay.
	if len(f.set) == 0 { // else the table's keys already, and pending's (table)
		for k := range f.pending {
			f.set = append(f.set, k)
		}
		slices.Sort(f.set)
	}
	for _, k := range f.set {
		t.RawSetString(k, lua.LString(f.pending[k]))
	}
	f.nkeys = tableKeys(t)
}

// sameKeys reports whether fields has exactly the keys in set.
func sameKeys(set []string, fields map[string]string) bool {
	if len(set) != len(fields) {
		return false
	}
	for _, k := range set {
		if _, ok := fields[k]; !ok {
			return false
		}
	}
	return true
}

// lazyAware lists the base functions that see a table raw.
var lazyAware = []string{"next", "pairs", "rawget", "rawset", "getmetatable", "setmetatable"}

// wrapLazy makes each of lazyAware fill an unfilled fields table given as its
// first argument, then run as before: in the same call frame (so its
// argument errors read as they did) and with the same upvalues (pairs
// has one).
func (f *lazyFields) wrapLazy(L *lua.LState) {
	for _, name := range lazyAware {
		orig := L.GetGlobal(name).(*lua.LFunction)
		ups := make([]lua.LValue, len(orig.Upvalues))
		for i, uv := range orig.Upvalues {
			ups[i] = uv.Value()
		}
		g := orig.GFunction
		L.SetGlobal(name, L.NewClosure(func(L *lua.LState) int {
			if t, ok := L.Get(1).(*lua.LTable); ok && t.Metatable == f.mt {
				f.fill(t)
			}
			return g(L)
		}, ups...))
	}
}

// interner boxes the strings of a small vocabulary (accounts, providers,
// statuses, currencies, run ids) once per state: turning a Go string into a
// Lua value allocates.
type interner map[string]lua.LValue

const (
	maxInterned    = 1024
	maxInternedLen = 64
)

// str is s as a Lua string.
func (in interner) str(s string) lua.LValue {
	if v, ok := in[s]; ok {
		return v
	}
	v := lua.LValue(lua.LString(s))
	if len(s) <= maxInternedLen && len(in) < maxInterned {
		in[s] = v
	}
	return v
}

// opt is s as a Lua string, nil when empty.
func (in interner) opt(s string) lua.LValue {
	if s == "" {
		return lua.LNil
	}
	return in.str(s)
}
