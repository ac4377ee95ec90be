package rules

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

// maxStringBytes caps strings that rule code builds with string.rep,
// string.format, table.concat and gsub; a rule has no business building
// megabytes.
const maxStringBytes = 1 << 20

// newSandbox returns a state with only the safe standard libraries.
func newSandbox() *lua.LState {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:        true,
		CallStackSize:       200,
		RegistrySize:        1024,
		RegistryMaxSize:     64 * 1024,
		IncludeGoStackTrace: false,
	})
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
	} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	// Removed functions and libraries fail with a message that says why,
	// rather than "attempt to call a nil value".
	for _, name := range []string{"dofile", "loadfile", "load", "loadstring", "require", "module",
		"collectgarbage", "getfenv", "setfenv", "print", "newproxy"} {
		L.SetGlobal(name, L.NewFunction(unavailable(name+"()")))
	}
	// gopher-lua's own debugging aid, not Lua's: it writes the VM's
	// registers to stderr. Gone, as if it never was.
	L.SetGlobal("_printregs", lua.LNil)
	for _, lib := range []string{"os", "io", "debug", "package", "channel", "coroutine"} {
		t := L.NewTable()
		mt := L.NewTable()
		mt.RawSetString("__index", L.NewFunction(unavailable("the "+lib+" library")))
		L.SetMetatable(t, mt)
		L.SetGlobal(lib, t)
	}
	str := L.GetGlobal("string").(*lua.LTable)
	str.RawSetString("rep", L.NewFunction(safeRep))
	str.RawSetString("format", L.NewFunction(safeFormat))
	tab := L.GetGlobal("table").(*lua.LTable)
	tab.RawSetString("concat", L.NewFunction(safeConcat(tab.RawGetString("concat").(*lua.LFunction).GFunction)))
	// gopher-lua's pattern functions never look at the context: a
	// backtracking pattern ran for minutes past the call's time limit.
	installPatterns(L)
	// A verdict must be the same on every run of the same ledger.
	m := L.GetGlobal("math").(*lua.LTable)
	for _, name := range []string{"random", "randomseed"} {
		m.RawSetString(name, L.NewFunction(unavailable("math."+name+"() (a verdict must not depend on chance)")))
	}
	// string.dump does not exist in gopher-lua.
	return L
}

func unavailable(what string) lua.LGFunction {
	return func(L *lua.LState) int {
		L.RaiseError("%s is not available to recon rules (sandbox)", what)
		return 0
	}
}

// safeRep is string.rep with a cap on the result's size.
func safeRep(L *lua.LState) int {
	s := L.CheckString(1)
	n := L.CheckInt(2)
	if n <= 0 {
		L.Push(lua.LString(""))
		return 1
	}
	if len(s) > 0 && n > maxStringBytes/len(s) {
		L.RaiseError("string.rep: result larger than %d bytes", maxStringBytes)
	}
	buf := make([]byte, 0, len(s)*n)
	for i := 0; i < n; i++ {
		buf = append(buf, s...)
	}
	L.Push(lua.LString(buf))
	return 1
}

// checkSize bounds inputs handed to rule code.
func checkSize(what string, s string) error {
	if len(s) > maxStringBytes {
		return fmt.Errorf("%s is larger than %d bytes", what, maxStringBytes)
	}
	return nil
}
