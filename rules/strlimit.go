package rules

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// A Go builtin runs as one VM instruction: the call's time limit and its
// memory watch (watch.go) cannot stop it half way, so string.format and
// table.concat, which can build any size of string in one go, work out how
// big their result can be first and refuse one over maxStringBytes before
// building it. string.rep (safeRep) and gsub (pattern.go) do the same;
// string.char, upper, lower, reverse and sub give at most what they are
// given, and `..` builds one bounded string per operation.

// numberWidth bounds a formatted number before its width and precision:
// %f of the largest double has 309 digits, %b of an int64 64.
const numberWidth = 512

// safeFormat is string.format (gopher-lua's: Go's fmt.Sprintf over the
// Lua values) that refuses a result that could be over maxStringBytes.
func safeFormat(L *lua.LState) int {
	format := L.CheckString(1)
	top := L.GetTop()
	// As gopher-lua: it hands Sprintf no more arguments than the format has verbs.
	n := min(strings.Count(format, "%")-strings.Count(format, "%%"), top-1)
	args := make([]any, max(n, 0))
	for i := range args {
		v := L.Get(i + 2)
		switch v.(type) {
		case lua.LString, lua.LNumber, lua.LBool, *lua.LNilType:
		default:
			// Sprintf would print the table's Go insides (its strings in full).
			L.ArgError(i+2, fmt.Sprintf("string.format formats strings, numbers and booleans, not a %s (use tostring)", v.Type()))
		}
		args[i] = v
	}
	if formatBound(format, args) > maxStringBytes {
		L.RaiseError("string.format: result could be larger than %d bytes", maxStringBytes)
	}
	L.Push(lua.LString(fmt.Sprintf(format, args...)))
	return 1
}

// formatBound is an upper bound on len(fmt.Sprintf(format, args...)) for
// args of plain Lua values: the format's text, each verb's width and
// precision plus numberWidth, and each argument's length times what its
// verb can make of a byte (%x and % x three, %q four). With an explicit
// argument index (%[2]s) any verb may print any argument, so each verb
// counts the longest.
func formatBound(format string, args []any) int {
	total := len(format)
	indexed := false
	longest := 0
	for _, a := range args {
		longest = max(longest, argLen(a))
	}
	next := 0 // without an index, verbs (and '*') take the arguments in order
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			continue
		}
		width, prec := 0, 0
		cur := &width
	spec:
		for ; i < len(format); i++ {
			switch c := format[i]; {
			case c >= '0' && c <= '9':
				*cur = min(*cur*10+int(c-'0'), maxStringBytes+1)
			case c == '.':
				cur = &prec
			case c == '[':
				indexed = true
			case c == '*':
				next++ // Sprintf takes the width from an argument (a Lua value is never its int: BADWIDTH)
			case strings.IndexByte("+-# ]", c) < 0:
				break spec
			}
		}
		total += width + prec + numberWidth
		per := 1
		if i < len(format) {
			switch format[i] {
			case 'x', 'X':
				per = 3
			case 'q':
				per = 4
			}
		}
		switch {
		case indexed:
			total += per * longest
		case next < len(args):
			total += per * argLen(args[next])
			next++
		}
		if total > maxStringBytes {
			return total
		}
	}
	if !indexed {
		for _, a := range args[min(next, len(args)):] { // %!(EXTRA ...) prints them
			total += argLen(a) + numberWidth
		}
	}
	return total
}

// argLen is a string argument's length; other values are short.
func argLen(a any) int {
	if s, ok := a.(lua.LString); ok {
		return len(s)
	}
	return 0
}

// safeConcat is table.concat that refuses a result over maxStringBytes.
// The size is exact: the elements' lengths and the separators between.
func safeConcat(orig lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		tbl := L.CheckTable(1)
		sep := L.OptString(2, "")
		n := tbl.Len()
		i := max(L.OptInt(3, 1), 1)
		j := min(L.OptInt(4, n), n)
		total := 0
		for k := i; k <= j; k++ {
			if k > i {
				total += len(sep)
			}
			switch v := tbl.RawGetInt(k).(type) {
			case lua.LString:
				total += len(v)
			case lua.LNumber:
				total += len(v.String())
			}
			// Anything else: orig raises its own error for it.
			if total > maxStringBytes {
				L.RaiseError("table.concat: result larger than %d bytes", maxStringBytes)
			}
		}
		return orig(L)
	}
}
