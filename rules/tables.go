package rules

import (
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
	if t == nil || !clean(t, u.nkeys) {
		t = L.CreateTable(0, len(u.keys))
		for _, k := range u.keys {
			t.RawSetString(k, lua.LTrue)
		}
		u.t, u.nkeys = t, tableKeys(t)
	}
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

// fieldsTable is p.fields: its keys are the answer's, so it is cleared of the
// last answer's keys before it takes the next one's.
type fieldsTable struct {
	t     *lua.LTable
	set   []string
	nkeys int
}

// maxReusedFieldKeys bounds the keys a reused fields table accumulates
// (deleting leaves keys in gopher-lua's table): past it, a fresh table.
const maxReusedFieldKeys = 256

func (f *fieldsTable) fill(L *lua.LState, fields map[string]string) *lua.LTable {
	t := f.t
	if t != nil && f.nkeys <= maxReusedFieldKeys && clean(t, f.nkeys) {
		for _, k := range f.set {
			t.RawSetString(k, lua.LNil)
		}
	} else {
		t = L.CreateTable(0, len(fields))
	}
	f.set = f.set[:0]
	for k, v := range fields {
		t.RawSetString(k, lua.LString(v))
		f.set = append(f.set, k)
	}
	f.t, f.nkeys = t, tableKeys(t)
	return t
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
