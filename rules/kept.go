package rules

import (
	"fmt"
	"math"
	"slices"

	lua "github.com/yuin/gopher-lua"
)

// A verdict must not depend on which rows came before it, nor on which
// pooled state judged it. Everything a rule file leaves behind when it loads
// — globals, the tables they hold, the upvalues of hook functions (a
// `local seen = {}` captured by a hook) and the libraries — is the kept
// state of a Lua state. It is recorded once after loading and checked after
// every call; a call that changed it fails (the row gets ERROR, naming what
// changed) and its state is thrown away, so the change reaches no other row.
//
// Checking costs a lookup per kept entry (about 140 for the built-in rules,
// a microsecond or two; see recordFast); a fresh state per call would cost
// the whole load (about 130 µs).

// kept is a state's recorded kept state.
type kept struct {
	tables []keptTable
	upvals []keptUpvalue
}

type keptTable struct {
	path string
	t    *lua.LTable
	mt   lua.LValue
	kv   []lua.LValue // key, value, key, value ... in iteration order

	// The fast check (ltable.go), when fast: no key was added (the count of
	// keys the table ever had is still nkeys), the array part is arr, and
	// each of the hash part's keys still has its value. A table with a
	// deleted key (a hole that a write could fill without adding a key) is
	// walked instead.
	fast  bool
	nkeys int
	arr   []lua.LValue
	hash  []lua.LValue // key, value, ...
}

type keptUpvalue struct {
	path string
	uv   *lua.Upvalue
	v    lua.LValue
}

// recordKept walks everything reachable from the globals, the registered
// hooks and the string metatable.
func recordKept(s *state) *kept {
	k := &kept{}
	seen := map[lua.LValue]bool{}
	var visit func(path string, v lua.LValue)
	visit = func(path string, v lua.LValue) {
		switch v := v.(type) {
		case *lua.LTable:
			if seen[v] {
				return
			}
			seen[v] = true
			kt := keptTable{path: path, t: v, mt: s.L.GetMetatable(v)}
			var children []func()
			// Next, not ForEach: check walks with Next, and the two orders differ.
			for key, val := v.Next(lua.LNil); key != lua.LNil; key, val = v.Next(key) {
				kt.kv = append(kt.kv, key, val)
				child := path + "." + lua.LVAsString(key)
				if _, isStr := key.(lua.LString); !isStr {
					child = fmt.Sprintf("%s[%s]", path, key.String())
				}
				key, val := key, val
				children = append(children, func() { visit(child, val); visit(child+" (key)", key) })
			}
			kt.recordFast()
			k.tables = append(k.tables, kt)
			for _, c := range children {
				c()
			}
			visit(path+" (metatable)", kt.mt)
		case *lua.LFunction:
			if seen[v] {
				return
			}
			seen[v] = true
			if v.Env != nil {
				visit(path+" (environment)", v.Env)
			}
			for i, uv := range v.Upvalues {
				name := fmt.Sprintf("upvalue %d", i+1)
				if v.Proto != nil && i < len(v.Proto.DbgUpvalues) {
					name = "upvalue " + v.Proto.DbgUpvalues[i]
				}
				up := path + " " + name
				if v.Proto != nil {
					up = fmt.Sprintf("%s of the function at %s:%d", name, v.Proto.SourceName, v.Proto.LineDefined)
				}
				val := uv.Value()
				k.upvals = append(k.upvals, keptUpvalue{path: up, uv: uv, v: val})
				visit(up, val)
			}
		}
	}
	visit("_G", s.L.G.Global)
	visit("the string metatable", s.L.GetMetatable(lua.LString("")))
	// In Hooks' order, not the map's: a table two hooks share is named by
	// the first path that reaches it, and the error must read alike every run.
	for _, hook := range Hooks {
		for _, reg := range s.hooks[hook] {
			visit("recon."+hook+" in "+reg.file, reg.fn)
		}
	}
	return k
}

// recordFast prepares the fast check of kt, if the table allows it.
func (kt *keptTable) recordFast() {
	if !layoutOK {
		return
	}
	l := layout(kt.t)
	kt.nkeys = len(l.keys)
	kt.arr = slices.Clone(l.array)
	for _, key := range l.keys {
		v := kt.t.RawGetH(key)
		if v == lua.LNil {
			return // a hole
		}
		kt.hash = append(kt.hash, key, v)
	}
	kt.fast = true
}

// unchanged is the fast check.
func (kt *keptTable) unchanged() bool {
	t := kt.t
	if tableKeys(t) != kt.nkeys {
		return false
	}
	arr := tableArray(t)
	if len(arr) != len(kt.arr) {
		return false
	}
	for i, v := range arr {
		if !same(v, kt.arr[i]) {
			return false
		}
	}
	for i := 0; i < len(kt.hash); i += 2 {
		var v lua.LValue
		if s, ok := kt.hash[i].(lua.LString); ok {
			v = t.RawGetString(string(s))
		} else {
			v = t.RawGetH(kt.hash[i])
		}
		if !same(v, kt.hash[i+1]) {
			return false
		}
	}
	return true
}

// check returns an error naming the first kept thing a call changed.
func (k *kept) check(L *lua.LState) error {
	for _, up := range k.upvals {
		if !same(up.uv.Value(), up.v) {
			return keptError(up.path)
		}
	}
	for _, kt := range k.tables {
		if !same(kt.t.Metatable, kt.mt) {
			return keptError(kt.path + "'s metatable")
		}
		if kt.fast && kt.unchanged() {
			continue
		}
		// The walk decides when the fast check cannot tell or saw a change
		// (a key added and deleted again leaves the table as it was).
		i := 0
		key, val := kt.t.Next(lua.LNil)
		for key != lua.LNil {
			if i+1 >= len(kt.kv) || !same(key, kt.kv[i]) || !same(val, kt.kv[i+1]) {
				return keptError(kt.path)
			}
			i += 2
			key, val = kt.t.Next(key)
		}
		if i != len(kt.kv) {
			return keptError(kt.path)
		}
	}
	return nil
}

func keptError(what string) error {
	return fmt.Errorf("the rule changed %s, which outlives the call: a verdict must not depend on earlier rows "+
		"(keep per-row values in locals inside the hook)", what)
}

// same is identity for reference values and equality for plain ones (NaN
// included, which is kept state like any number).
func same(a, b lua.LValue) bool {
	if an, ok := a.(lua.LNumber); ok {
		if bn, ok := b.(lua.LNumber); ok {
			return an == bn || math.IsNaN(float64(an)) && math.IsNaN(float64(bn))
		}
		return false
	}
	return a == b
}
