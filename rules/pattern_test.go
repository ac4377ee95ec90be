package rules

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// patPrelude is loaded into both states of a differential test. Line numbers
// show in error messages, so both states load exactly this.
const patPrelude = `
function ser(...)
  local t = {}
  for i = 1, select('#', ...) do
    local v = select(i, ...)
    t[i] = type(v) .. ":" .. tostring(v)
  end
  return table.concat(t, ",")
end
local function pack(...) return {n = select('#', ...), ...} end
function gm(s, p)
  local it, st = string.gmatch(s, p)
  local out = {}
  for _ = 1, 100000 do
    local r = pack(it(st))
    if r.n == 0 or r[1] == nil then break end
    out[#out + 1] = ser(unpack(r, 1, r.n))
  end
  return table.concat(out, " | "), type(it), type(st)
end
TBL = setmetatable({a = "A", b = false, ab = 12.5, [1] = "one", [2] = {}, x = true},
  {__index = function(t, k) if k == "zz" then return "Z" end end})
OPS = {
  function(s, p, i) return s:find(p) end,
  function(s, p, i) return s:find(p, i) end,
  function(s, p, i) return s:find(p, i, true) end,
  function(s, p, i) return select('#', s:match(p)), s:match(p) end,
  function(s, p, i) return select('#', s:match(p, i)), s:match(p, i) end,
  function(s, p, i) return gm(s, p) end,
  function(s, p, i) return s:gsub(p, "<%0>") end,
  function(s, p, i) return s:gsub(p, "%1|%%|%") end,
  function(s, p, i) return s:gsub(p, "[%2]") end,
  function(s, p, i) return s:gsub(p, function(...) return ser(...) end) end,
  function(s, p, i) return s:gsub(p, function(x) if x == "a" then return false end return #tostring(x) end, i) end,
  function(s, p, i) return s:gsub(p, TBL) end,
  function(s, p, i) return s:gsub(p, "x", i) end,
}
`

// patOpNames name OPS in messages.
var patOpNames = []string{"find", "find init", "find plain", "match", "match init", "gmatch",
	"gsub %0", "gsub %1", "gsub %2", "gsub func", "gsub func n", "gsub table", "gsub n"}

func newPlainPatternState(t testing.TB) *lua.LState {
	t.Helper()
	L := lua.NewState()
	if err := L.DoString(patPrelude); err != nil {
		t.Fatal(err)
	}
	return L
}

func newPatternState(t testing.TB, maxSteps int64) *lua.LState {
	t.Helper()
	L := newSandbox()
	(&patternLib{maxSteps: maxSteps}).install(L)
	if err := L.DoString(patPrelude); err != nil {
		t.Fatal(err)
	}
	return L
}

// patResult is what a snippet returned, or its error.
type patResult struct {
	vals string
	err  string
	ok   bool
}

func (r patResult) String() string {
	if r.ok {
		return "values (" + r.vals + ")"
	}
	return "error " + strconv.Quote(r.err)
}

func serValues(vs []lua.LValue) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		switch v.Type() {
		case lua.LTString:
			parts[i] = "string:" + strconv.Quote(string(v.(lua.LString)))
		case lua.LTNumber, lua.LTBool, lua.LTNil:
			parts[i] = v.Type().String() + ":" + v.String()
		default:
			parts[i] = v.Type().String()
		}
	}
	return fmt.Sprintf("%d: %s", len(vs), strings.Join(parts, ", "))
}

func errText(err error) string {
	var ae *lua.ApiError
	if errors.As(err, &ae) && ae.Object != nil {
		return ae.Object.String()
	}
	return err.Error()
}

// runSnippet runs code with globals S and P set; it returns what it returned.
func runSnippet(L *lua.LState, code, s, p string) patResult {
	L.SetGlobal("S", lua.LString(s))
	L.SetGlobal("P", lua.LString(p))
	top := L.GetTop()
	defer L.SetTop(top)
	if err := L.DoString(code); err != nil {
		return patResult{err: errText(err)}
	}
	vs := make([]lua.LValue, 0, L.GetTop()-top)
	for i := top + 1; i <= L.GetTop(); i++ {
		vs = append(vs, L.Get(i))
	}
	return patResult{vals: serValues(vs), ok: true}
}

// runOp calls OPS[op](s, p, init).
func runOp(L *lua.LState, op int, s, p string, init int) patResult {
	fn := L.GetGlobal("OPS").(*lua.LTable).RawGetInt(op + 1)
	top := L.GetTop()
	defer L.SetTop(top)
	err := L.CallByParam(lua.P{Fn: fn, NRet: lua.MultRet, Protect: true}, lua.LString(s), lua.LString(p), lua.LNumber(init))
	if err != nil {
		return patResult{err: errText(err)}
	}
	vs := make([]lua.LValue, 0, L.GetTop()-top)
	for i := top + 1; i <= L.GetTop(); i++ {
		vs = append(vs, L.Get(i))
	}
	return patResult{vals: serValues(vs), ok: true}
}

// Where gopher-lua fails with a Go runtime error (a slice out of range),
// ours raises a Lua error saying what is wrong; both fail.
var patCrashMessages = regexp.MustCompile(`past the end|invalid back-reference|called again after it ended`)

func samePatResult(plain, ours patResult) bool {
	if plain.ok || ours.ok {
		return plain.ok == ours.ok && plain.vals == ours.vals
	}
	if plain.err == ours.err {
		return true
	}
	return strings.Contains(plain.err, "runtime error: ") && patCrashMessages.MatchString(ours.err)
}

type patCase struct {
	fn   string // find, match, gmatch, gsub, or "" for code
	s, p string
	args string // extra arguments, Lua source; or the whole snippet when fn is ""
}

func (c patCase) code() string {
	switch c.fn {
	case "":
		return c.args
	case "gmatch":
		return "return gm(S, P)"
	case "match":
		return "return select('#', string.match(S, P" + c.args + ")), string.match(S, P" + c.args + ")"
	}
	return "return string." + c.fn + "(S, P" + c.args + ")"
}

var patCases = []patCase{
	// classes
	{"find", "hello World 42!", "%a+", ""},
	{"find", "abc\x01\x7f", "%c+", ""},
	{"find", "abc123", "%d+", ""},
	{"find", "ABCabc", "%l+", ""},
	{"find", "abc.,;!", "%p+", ""},
	{"find", "a \t\n\r\f\vb", "%s+", ""},
	{"find", "abcDEF", "%u+", ""},
	{"find", "__ab12__", "%w+", ""},
	{"find", "xyzDEADbeef", "%x+", ""},
	{"find", "a\x00\x00b", "%z+", ""},
	{"find", "123abc", "%A+", ""},
	{"find", "abc\x01", "%C+", ""},
	{"find", "abc123", "%D+", ""},
	{"find", "abcDEF", "%L+", ""},
	{"find", "ab.c", "%P+", ""},
	{"find", " ab c", "%S+", ""},
	{"find", "ABCabc", "%U+", ""},
	{"find", "ab!?", "%W+", ""},
	{"find", "abgz", "%X+", ""},
	{"find", "\x00\x00ab", "%Z+", ""},
	{"find", "a.b", "%.", ""},
	{"find", "50%", "%%", ""},
	{"find", "[x]", "%[(.)%]", ""},
	{"find", "qQ", "%q%Q", ""},
	{"find", "fF", "%f%F", ""},
	{"find", "THE (quick) fox", "%f[%a]%a+", ""},
	{"find", "\xff\x80a", "..", ""},
	{"find", "\xff\x80a", "[\x80-\xff]+", ""},
	// sets
	{"find", "xxbcaxx", "[abc]+", ""},
	{"find", "12hello3", "[a-z]+", ""},
	{"find", "hello123", "[^a-z]+", ""},
	{"find", "ab 12 cd", "[%d%s]+", ""},
	{"find", "q-z a", "[%a-z]+", ""},
	{"find", "b-a-", "[a-]+", ""},
	{"find", "b-a-", "[-a]+", ""},
	{"find", "x]]y", "[]]+", ""},
	{"find", "x]a]y", "[]a]+", ""},
	{"find", "]]x", "[^]]+", ""},
	{"find", "a-b", "[a--]+", ""},
	{"find", "abcde-", "[a-c-e]+", ""},
	{"find", "abz", "[z-a]", ""},
	{"find", "a]b", "[%]]", ""},
	{"find", "a.b", "[.]", ""},
	{"find", "a[b", "[[]", ""},
	{"find", "ab cd", "[^%s]+", ""},
	{"find", "a-%b", "[%-]+", ""},
	{"find", "^^a", "[%^]+", ""},
	{"find", "a^b", "[b^]+", ""},
	{"find", "aAbB", "[%l%u]+", ""},
	// quantifiers
	{"find", "aaab", "a*", ""},
	{"find", "baaab", "a*", ""},
	{"find", "baaab", "a+", ""},
	{"find", "baaab", "a-b", ""},
	{"find", "baaab", "ba?a", ""},
	{"find", "<a><b>", "<.->", ""},
	{"find", "<a><b>", "<.*>", ""},
	{"find", "*a", "*a", ""},
	{"find", "aa*", "(a)*", ""},
	{"find", "aa**", "a**", ""},
	{"find", "aa?", "a*?", ""},
	{"find", "a+b", "a+-", ""},
	{"find", "--", "-", ""},
	{"find", "ab", "a-", ""},
	{"find", "ab", "a-$", ""},
	{"find", "xyz", "?", ""},
	{"find", "aaa", "a-a-a-a", ""},
	{"find", strings.Repeat("a", 22), "a*a*a*a*b", ""},
	{"find", "  x  ", "^%s*(.-)%s*$", ""},
	// anchors
	{"find", "abc", "^a", ""},
	{"find", "abc", "^b", ""},
	{"find", "a^b", "a^b", ""},
	{"find", "abc", "c$", ""},
	{"find", "abc", "b$", ""},
	{"find", "a$b", "a$b", ""},
	{"find", "", "^$", ""},
	{"find", "x", "^$", ""},
	{"find", "abc", "$", ""},
	{"find", "abc", "^", ""},
	{"find", "a$", "(a$)", ""},
	{"find", "ab", "^(a)(b)$", ""},
	{"find", "$", "$$", ""},
	{"find", "^", "^^", ""},
	{"find", "aXb", "^a", ", 2"},
	{"find", "aab", "^a", ", 2"},
	// captures
	{"find", "abab", "(a)(b)", ""},
	{"find", "abc", "((a)(b))c", ""},
	{"find", "abc", "()", ""},
	{"find", "abc", "(()b())", ""},
	{"find", "xa9 b", "(a*(.)%w(%s*))", ""},
	{"find", "key = value", "(%w+)%s*=%s*(%w+)", ""},
	{"find", "", "()", ""},
	{"match", "hello world", "(h)(e)(l)(l)(o)( )(w)(o)(r)(l)", ""},
	// back-references
	{"find", "xaa", "(a)%1", ""},
	{"find", "abccd", "(.)%1", ""},
	{"find", "abc", "%1", ""},
	{"find", "aaa", "(a%1)", ""},
	{"find", "aa", "((a)%1)", ""},
	{"find", "xaa", "((a)%1)", ""},
	{"find", "ab", "()a%1", ""},
	{"find", "a", "a()%1", ""},
	{"find", "ab", "a()%1", ""},
	{"find", `say "hi" and 'yo'`, `(["'])(.-)%1`, ""},
	{"find", "abab", "(a)(b)%2", ""},
	{"find", "ab", "(a)%2(b)", ""},
	{"find", "aXbXc", "(a)(X)b%2c", ""},
	// %b
	{"find", "f(a(b)c)d", "%b()", ""},
	{"find", "((a)", "%b()", ""},
	{"find", "(a))", "%b()", ""},
	{"find", "x<<a>>y", "%b<>", ""},
	{"find", "a|b|c", "%b||", ""},
	{"find", "abc", "%b", ""},
	{"find", "xabc", "%bx", ""},
	{"find", "f(a)(b)", "(%b())(%b())", ""},
	{"find", "((((((((((x", "%b()", ""},
	// malformed patterns
	{"find", "abc", "[a", ""},
	{"find", "abc", "[", ""},
	{"find", "abc", "[^", ""},
	{"find", "abc", "[]", ""},
	{"find", "abc", "[^]", ""},
	{"find", "abc", "%", ""},
	{"find", "a%", "a%", ""},
	{"find", "abc", "(()", ""},
	{"find", "abc", "(", ""},
	{"find", "abc", ")", ""},
	{"find", "abc", "a)", ""},
	{"find", "abc", "%0", ""},
	{"find", "abc", "(%1)", ""},
	{"find", "abc", "[%", ""},
	{"find", "abc", "[a-", ""},
	{"find", "abc", "((a)", ""},
	{"match", "abc", "[a", ""},
	{"gmatch", "abc", "(", ""},
	{"gsub", "abc", "%b()(", ", 'x'"},
	// empty pattern and subject
	{"find", "abc", "", ""},
	{"find", "abc", "", ", 3"},
	{"find", "abc", "", ", 10"},
	{"find", "", "", ""},
	{"find", "", "a", ""},
	{"find", "", "a*", ""},
	{"match", "abc", "", ""},
	{"match", "", "", ""},
	{"match", "abc", "", ", 10"},
	{"gmatch", "abc", "", ""},
	{"gmatch", "", "", ""},
	{"gsub", "abc", "", ", '-'"},
	{"gsub", "", "", ", '-'"},
	// init
	{"find", "abcabc", "b", ", 0"},
	{"find", "abcabc", "b", ", 1"},
	{"find", "abcabc", "b", ", 3"},
	{"find", "abcabc", "b", ", -1"},
	{"find", "abcabc", "b", ", -2"},
	{"find", "abcabc", "b", ", -100"},
	{"find", "abcabc", "b", ", 10"},
	{"find", "abcabc", "x*", ", 6"},
	{"find", "abcabc", "x*", ", 7"},
	{"find", "abcabc", "x*", ", 8"},
	{"find", "abcabc", "b", ", 2.7"},
	{"find", "abcabc", "b", ", '2'"},
	{"find", "abcabc", "b", ", {}"},
	{"match", "abcabc", "b.", ", 3"},
	{"match", "abcabc", "b.", ", -2"},
	{"match", "abcabc", "b.", ", -3"},
	{"match", "abcabc", "b.", ", 0"},
	{"match", "abcabc", "b.", ", -100"},
	{"match", "abcabc", "", ", 7"},
	{"match", "abcabc", "", ", 8"},
	{"match", "abc", "x", ""},
	{"match", "abc", "^(b)", ", 2"},
	// plain find
	{"find", "a.b", ".", ", 1, true"},
	{"find", "a.b", "%.", ", 1, true"},
	{"find", "a.b", ".", ", 1, false"},
	{"find", "a.b", ".", ", 1, nil"},
	{"find", "a.b", ".", ", 1, 0"},
	{"find", "a.b", "b", ", -1, true"},
	{"find", "a.b", "a", ", 2, true"},
	{"find", "a.b", "", ", 10, true"},
	{"find", "a.b", "x", ", 4, true"},
	{"find", "a.b", "x", ", 10, true"},
	{"find", "a.b", ".", ", 1, true, 'extra'"},
	{"find", "a.b", "[", ", 1, true"},
	// gsub with a string
	{"gsub", "hello world", "o", ", '0'"},
	{"gsub", "hello world", "(o)", ", '[%1]'"},
	{"gsub", "hello world", "o", ", '[%1]'"},
	{"gsub", "hello world", "o", ", '[%0%0]'"},
	{"gsub", "hello world", "(l)(l)", ", '%2%1'"},
	{"gsub", "hello world", "(l)(l)", ", '%3'"},
	{"gsub", "hello world", "o", ", '%2'"},
	{"gsub", "hello world", "o", ", '100%%'"},
	{"gsub", "hello world", "o", ", '%'"},
	{"gsub", "hello world", "o", ", '%a%'"},
	{"gsub", "hello world", "o", ", '%%%0%%'"},
	{"gsub", "hello", "()", ", '%1'"},
	{"gsub", "hello", "l()", ", '<%1>'"},
	{"gsub", "baaac", "a*", ", '-'"},
	{"gsub", "abc", "x*", ", '-'"},
	{"gsub", "abc", "%w", ", '%0%0'"},
	{"gsub", "abc", "^a", ", 'x'"},
	{"gsub", "aaa", "^a", ", 'x'"},
	{"gsub", "aaa", "a$", ", 'x'"},
	{"gsub", "a b c", "%s", ", ''"},
	{"gsub", "abc", "(", ", 'x'"},
	{"gsub", "abc", "%w", ", 5"},
	{"gsub", "abc", "%w", ""},
	{"gsub", "abc", "%w", ", nil"},
	{"gsub", "abc", "%w", ", true"},
	// max-n
	{"gsub", "aaa", "a", ", 'b', 0"},
	{"gsub", "xaa", "a", ", 'b', 0"},
	{"gsub", "aaa", "a", ", 'b', 1"},
	{"gsub", "aaa", "a", ", 'b', 2"},
	{"gsub", "aaa", "a", ", 'b', 5"},
	{"gsub", "aaa", "a", ", 'b', -1"},
	{"gsub", "aaa", "a", ", 'b', -3"},
	{"gsub", "aaa", "a", ", 'b', 1.9"},
	{"gsub", "aaa", "a", ", 'b', '1'"},
	{"gsub", "aaa", "x", ", 'b', 0"},
	// gsub with a table
	{"gsub", "a b ab c zz x", "%w+", ", TBL"},
	{"gsub", "a=1 b=2 q=3", "(%w+)=(%w+)", ", TBL"},
	{"gsub", "abc", "()", ", TBL"},
	{"gsub", "abc", "%w", ", {}"},
	{"gsub", "abc", "%w", ", {a = 1, b = 2.5, c = -0}"},
	{"gsub", "abc", "%w", ", setmetatable({}, {__index = function(t, k) return k:upper() end})"},
	// gsub with a function
	{"gsub", "hello world", "%w+", ", string.upper"},
	{"gsub", "hello world", "(%w)(%w*)", ", function(a, b) return b .. a end"},
	{"gsub", "hello world", "%w+", ", function(w) if w == 'world' then return nil end return '<'..w..'>' end"},
	{"gsub", "hello world", "%w+", ", function(w) return false end"},
	{"gsub", "hello world", "%w+", ", function(w) return #w end"},
	{"gsub", "hello world", "%w+", ", function(w) return {} end"},
	{"gsub", "hello world", "%w+", ", function(w) return true end"},
	{"gsub", "hello world", "()%w+()", ", function(a, b) return a .. '-' .. b end"},
	{"gsub", "hello world", "%w+", ", function(w) return ser(w) end, 1"},
	{"gsub", "hello world", "%w+", ", function(w) error('boom') end"},
	{"gsub", "abc", "", ", function(w) return ser(w) end"},
	// gmatch
	{"gmatch", "one two  three", "%a+", ""},
	{"gmatch", "a=1, b=2, c=3", "(%w+)=(%w+)", ""},
	{"gmatch", "abc", "()(.)", ""},
	{"gmatch", "baaac", "a*", ""},
	{"gmatch", "aaa", "^a", ""},
	{"gmatch", "abab", "(a)%1", ""},
	{"gmatch", "abc", "[", ""},
	{"gmatch", "f(a(b)c)d(e)", "%b()", ""},
	{"gmatch", "x=1\ny=2\n", "([^\n]*)\n", ""},
	// free-form
	{"", "", "", `return ("hello"):find("l")`},
	{"", "", "", `return ("hello"):match("(h)(.)")`},
	{"", "", "", `return ("hello"):gsub("l", "L")`},
	{"", "", "", `local t = {} for k, v in ("a=1,b=2"):gmatch("(%w)=(%w)") do t[#t+1] = k .. v end return table.concat(t, ";")`},
	{"", "", "", `local t = {} for w in string.gfind("a b c", "%a") do t[#t+1] = w end return table.concat(t)`},
	{"", "", "", `return select('#', string.gmatch("a", "a")), type((string.gmatch("a", "a")))`},
	{"", "", "", `return string.gmatch("a", "a") == string.gmatch("b", "b")`},
	{"", "", "", `local it, st = string.gmatch("ab", "%a") return it(st), it(st), it(st)`},
	{"", "", "", `local it, st = string.gmatch("ab", "%a") it(st) it(st) it(st) return it(st)`},
	{"", "", "", `local it = string.gmatch("ab", "%a") return it()`},
	{"", "", "", `local it = string.gmatch("ab", "%a") return it({})`},
	{"", "", "", `return string.gsub(123, "x", "y")`},
	{"", "", "", `return string.gsub(123, "2", "y")`},
	{"", "", "", `return string.find(12345, 34)`},
	{"", "", "", `return string.match(12.5, "%d+")`},
	{"", "", "", `return string.find("abc")`},
	{"", "", "", `return string.find(nil, "a")`},
	{"", "", "", `return string.match("abc", nil)`},
	{"", "", "", `return string.gsub("abc", "b")`},
	{"", "", "", `return string.gmatch("abc")`},
	{"", "", "", `return string.find("abc", "", {})`},
	{"", "", "", `return string.gsub("abc", "%w", "%0", {})`},
	{"", "", "", `return pcall(string.find, "abc", "[a")`},
	{"", "", "", `return string.gsub("hello world", "(o)", "%1%1", 1)`},
	{"", "", "", `return string.gsub("abc", "b", function() return string.gsub("xyz", "y", "Y") end)`},
	{"", "", "", `return string.gsub("abc", ".", {a = 1})`},
	{"", "", "", `local n = 0 local s = ("x"):rep(300):gsub("x", function() n = n + 1 end) return #s, n`},
	{"", "", "", `return ("a,b,,c"):gsub(",", ";", 2)`},
	{"", "", "", `return ("  trim  "):match("^%s*(.-)%s*$")`},
	{"", "", "", `return ("2024-01-02"):match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")`},
	{"", "", "", `return ("123.45"):match("^(%d+)%.(%d+)$")`},
	{"", "", "", `return ("CNY 1,234.50"):gsub("[^%d%.]", "")`},
}

// TestPatternsMatchGopherLua runs each case in a plain gopher-lua state and
// in a sandbox with installPatterns; both must return the same values, or
// both fail (with the same message, unless gopher-lua crashed).
func TestPatternsMatchGopherLua(t *testing.T) {
	plain := newPlainPatternState(t)
	defer plain.Close()
	ours := newPatternState(t, 0)
	defer ours.Close()
	for _, c := range patCases {
		name := fmt.Sprintf("%s(%q,%q%s)", c.fn, c.s, c.p, c.args)
		code := c.code()
		want := runSnippet(plain, code, c.s, c.p)
		got := runSnippet(ours, code, c.s, c.p)
		if !samePatResult(want, got) {
			t.Errorf("%s\n  gopher-lua: %v\n  ours:       %v", name, want, got)
		}
		if testing.Verbose() {
			t.Logf("%s: %v", name, got)
		}
	}
}

// TestPatternOpsMatchGopherLua runs the fuzz test's operations on the seeds.
func TestPatternOpsMatchGopherLua(t *testing.T) {
	plain := newPlainPatternState(t)
	defer plain.Close()
	ours := newPatternState(t, patFuzzSteps)
	defer ours.Close()
	for _, sd := range patSeeds {
		comparePatternOps(t, plain, ours, sd.s, sd.p, sd.init)
	}
}

// patFuzzSteps bounds our side of a differential run. gopher-lua's matcher
// cannot be stopped, and its work on an input is within a small factor of
// ours (both backtrack in the same order), so an input that takes us more
// steps than this is skipped rather than handed to it.
const patFuzzSteps = 20000

var patSeeds = []struct {
	s, p string
	init int
}{
	{"hello world", "%w+", 1},
	{"key = value", "(%w+)%s*=%s*(%w+)", 3},
	{"f(a(b)c)d", "%b()", -4},
	{"baaac", "a*", 0},
	{"abab", "(a)%1", 2},
	{"a b ab zz", "()%w+()", 1},
	{"x]a-z", "[]a-z]+", 1},
	{"THE (quick) fox", "%f[%a]%a+", 1},
	{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "a*a*a*a*a*a*b", 1},
	{"abc", "[a", 1},
	{"abc", "%", 9},
	{"  x  ", "^%s*(.-)%s*$", -2},
	{"a.b", ".", 2},
	{"", "", 0},
	{"aa", "((a)%1)", 1},
	{"a", "a()%1", 1},
	{"x(a)(b)y", "(%b())%1", 1},
	{"a-b]c^d", "[^%]a-]+$", 2},
	{"2024-01-02", "^(%d+)%-(%d%d)", 1},
	{"\x00a\x00", "%z(.)%Z?", -1},
	{"aXbXc", "(.)(X)(.)%2", 0},
	{"  a b  ", "()%s*()", 3},
	{"<a><b>", "<(.-)>", 5},
	{"a.b.c", "%.$", 1},
	{"abc", "a$b", 1},
	{"ab", "(a)*", 1},
}

func comparePatternOps(t *testing.T, plain, ours *lua.LState, s, p string, init int) {
	t.Helper()
	for op := range patOpNames {
		got := runOp(ours, op, s, p, init)
		if !got.ok && strings.Contains(got.err, "pattern stopped: more than") {
			return // too much work to hand to gopher-lua's unstoppable matcher
		}
		want := runOp(plain, op, s, p, init)
		if op == 5 && want.ok && !got.ok && strings.Contains(got.err, "invalid back-reference") {
			// gmatch matches a copy of the subject, whose spare capacity lets
			// gopher-lua read a position capture one past the end as "".
			continue
		}
		if !samePatResult(want, got) {
			t.Errorf("%s(%q, %q, %d)\n  gopher-lua: %v\n  ours:       %v", patOpNames[op], s, p, init, want, got)
		}
	}
}

// FuzzPatterns compares ours with gopher-lua on arbitrary subjects and
// patterns. Inputs are capped (subject 64 bytes, pattern 16) and our side
// runs under patFuzzSteps: gopher-lua's matcher ignores every limit, so a
// pathological input would hang the fuzzer instead of failing it.
func FuzzPatterns(f *testing.F) {
	for _, sd := range patSeeds {
		f.Add(sd.s, sd.p, sd.init)
	}
	plain := newPlainPatternState(f)
	ours := newPatternState(f, patFuzzSteps)
	var mu sync.Mutex
	f.Fuzz(func(t *testing.T, s, p string, init int) {
		if len(s) > 64 || len(p) > 16 {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		comparePatternOps(t, plain, ours, s, p, init%70)
	})
}

// runWithin runs code in L and fails the test if it has not returned after
// limit (the goroutine is then abandoned: the point is to fail, not hang).
func runWithin(t *testing.T, L *lua.LState, code string, limit time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- L.DoString(code) }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("%s: still running after %v", code, limit)
		return nil
	}
}

// TestPatternStopsAtDeadline: a catastrophic pattern, or a gsub calling a
// slow Go function per match, ends soon after the context's deadline. On
// gopher-lua's own string library the first of these ran past 100 s.
func TestPatternStopsAtDeadline(t *testing.T) {
	for _, code := range []string{
		`return string.rep("a", 200):find("a*a*a*a*a*b")`,
		`return string.rep("a", 200):match("(a*)(a*)(a*)(a*)(a*)b")`,
		`for w in string.rep("a", 200):gmatch("a*a*a*a*a*b") do end`,
		`return string.rep("a", 200):gsub("a*a*a*a*a*b", "x")`,
		`return string.rep("a", 200):gsub("a-a-a-a-a-b", function() end)`,
		`return string.rep("(", 200000):gsub("%b()", "x")`,
		`return string.rep("a", 100000):gsub("a", slow)`,
	} {
		t.Run(code, func(t *testing.T) {
			L := newSandbox()
			defer L.Close()
			installPatterns(L)
			L.SetGlobal("slow", L.NewFunction(func(L *lua.LState) int {
				time.Sleep(time.Millisecond)
				return 1
			}))
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			L.SetContext(ctx)
			err := runWithin(t, L, code, 30*time.Second)
			if err == nil || !strings.Contains(err.Error(), "pattern stopped: rule ran out of time") {
				t.Fatalf("err = %v; want the pattern stopped for time", err)
			}
			t.Log(errText(err))
		})
	}
}

// TestPatternStopsWhenCancelled: a cancelled (not timed-out) context stops
// a match too, and says so.
func TestPatternStopsWhenCancelled(t *testing.T) {
	L := newSandbox()
	defer L.Close()
	installPatterns(L)
	ctx, cancel := context.WithCancel(context.Background())
	L.SetContext(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	err := runWithin(t, L, `return string.rep("a", 200):find("a*a*a*a*a*b")`, 30*time.Second)
	if err == nil || !strings.Contains(err.Error(), "string.find: pattern stopped: rule was cancelled") {
		t.Fatalf("err = %v", err)
	}
}

// TestPatternLimits covers where ours fails on purpose and gopher-lua does not.
func TestPatternLimits(t *testing.T) {
	tests := []struct {
		name, code, wantErr string
	}{
		{"depth", `return ("aaa"):find(("a*"):rep(250))`, "string.find: pattern too complex (more than 200 nested items)"},
		{"nested captures", `return ("a"):find(("("):rep(150) .. "a" .. (")"):rep(150))`, "pattern too complex"},
		{"gsub result", `return ("a"):rep(1000):gsub("a", ("b"):rep(2000))`, "string.gsub: result larger than 1048576 bytes"},
		{"gsub func result", `return ("a"):rep(1000):gsub("a", function() return ("b"):rep(2000) end)`, "result larger than"},
		{"steps", `return ("a"):rep(40):find("a*a*a*a*b")`, "string.find: pattern stopped: more than 100000 steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var steps int64
			if tt.name == "steps" {
				steps = 100000
			}
			L := newPatternState(t, steps)
			defer L.Close()
			err := L.DoString(tt.code)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v; want %q", err, tt.wantErr)
			}
			if testing.Verbose() {
				P := lua.NewState()
				defer P.Close()
				if err := P.DoString(tt.code); err != nil {
					t.Logf("gopher-lua: %v", errText(err))
				} else {
					t.Logf("gopher-lua: no error")
				}
			}
		})
	}
	// Within the limits the same patterns work, with no context at all.
	L := newPatternState(t, 0)
	defer L.Close()
	for _, code := range []string{
		`assert(("aaa"):find(("a*"):rep(150)) == 1)`,
		`assert(("a"):find(("("):rep(90) .. "a" .. (")"):rep(90)) == 1)`,
		`assert(#(("a"):rep(1000):gsub("a", ("b"):rep(1000))) == 1000000)`,
		`assert(not ("a"):rep(40):find("a*a*a*a*b"))`,
		`assert(#(("x"):rep(100000):gsub(".", "%0")) == 100000)`,
	} {
		if err := L.DoString(code); err != nil {
			t.Errorf("%s: %v", code, err)
		}
	}
}

func BenchmarkPatterns(b *testing.B) {
	words := strings.Repeat("lorem  ipsum\tdolor sit \n amet ", 40)[:1024]
	cases := []struct {
		name string
		fn   string
		args []lua.LValue
	}{
		{"find_number", "find", []lua.LValue{lua.LString("123.45"), lua.LString("^(%d+)%.(%d+)$")}},
		{"match_date", "match", []lua.LValue{lua.LString("2024-01-02T10:00"), lua.LString("^(%d+)%-(%d+)%-(%d+)")}},
		{"find_word_1KB", "find", []lua.LValue{lua.LString(words), lua.LString("amet%s*$")}},
		{"gsub_space_1KB", "gsub", []lua.LValue{lua.LString(words), lua.LString("%s+"), lua.LString(" ")}},
		{"gsub_upper_1KB", "gsub", []lua.LValue{lua.LString(words), lua.LString("%a+"), lua.LString("<%0>")}},
	}
	for _, impl := range []string{"gopher-lua", "ours"} {
		for _, c := range cases {
			b.Run(impl+"/"+c.name, func(b *testing.B) {
				var L *lua.LState
				if impl == "ours" {
					L = newSandbox()
					installPatterns(L)
					ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
					defer cancel()
					L.SetContext(ctx)
				} else {
					L = lua.NewState()
				}
				defer L.Close()
				fn := L.GetGlobal("string").(*lua.LTable).RawGetString(c.fn)
				b.ReportAllocs()
				for b.Loop() {
					if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: false}, c.args...); err != nil {
						b.Fatal(err)
					}
					L.SetTop(0)
				}
			})
		}
	}
}
