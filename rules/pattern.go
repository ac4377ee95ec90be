package rules

// Lua patterns that honour the call's time limit.
//
// gopher-lua checks L.Context() only between VM instructions. Its
// string.find, match, gmatch and gsub run the backtracking matcher in
// gopher-lua/pm to the end inside one Go call, so a pattern such as
// "a*a*a*a*a*b" on 200 a's runs for minutes past the deadline. This file
// replaces those functions (and the alias string.gfind) with ones built on a
// matcher that counts its steps, checks the context every patCheckEvery
// steps, and bounds its recursion like C Lua's MAXCCALLS.
//
// The matcher works like lstrlib.c: a single-character item repeated with
// '*' or '+' is expanded by a loop and then retried from the longest, '-'
// from the shortest, and only items that can backtrack (quantifiers and
// captures) recurse, so the depth is bounded by the pattern, not the subject.
// Its results are gopher-lua's, which is what existing rules run on; where
// gopher-lua differs from C Lua 5.1 this file follows gopher-lua:
//
//   - the pattern is parsed by a port of pm's parser, so its quirks stay:
//     "%" at the end of a pattern and "%b" without two characters are items
//     that never match (no error); %f is a literal 'f'; in a set, a range
//     needs a plain character at both ends ("[%a-z]" matches nothing from %a)
//     and "[a--]" is {a, -}; parse errors read "unexpected EOS at 1" etc.;
//   - '^' anchors gmatch too;
//   - a back-reference to a position capture matches the empty string;
//   - find with an empty pattern returns 1, 0 whatever init, and with init
//     past the end returns nil; match returns nothing (not nil) when it does
//     not match;
//   - gsub: a max-n of 0 replaces everything when the pattern matches at the
//     start and nothing otherwise, a negative one replaces everything; the
//     replacement may not be a number; in a replacement string '%' before a
//     non-digit stays ("%a" gives "%a"); a table or function value that is
//     not a string or number replaces with ""; with no match gsub returns
//     its first argument unconverted;
//   - gmatch finds every match up front, so its errors come from the
//     gmatch() call, and its iterator needs its state argument.
//
// Where gopher-lua crashes with a Go runtime error, this raises a Lua error
// instead (find with plain=true and init past the end, a back-reference to a
// capture that is still open or that points past the end, a gmatch iterator
// called again after it ended). And on purpose:
//
//   - a match stops with an error once the context is done ("string.find:
//     pattern stopped: rule ran out of time");
//   - more than patMaxDepth nested items fail with "pattern too complex"
//     (gopher-lua recurses once per character repeated by '*' and gives up at
//     a million, so it fails instead on subjects near 1 MB that this takes);
//   - a gsub result larger than maxStringBytes is an error, as for string.rep.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

const (
	// patCheckEvery is how many matcher steps pass between context checks.
	// A step is a few nanoseconds, so a stopped call ends within
	// microseconds of its deadline, and the check costs nothing measurable.
	patCheckEvery = 2048
	// patMaxDepth bounds the matcher's recursion, as MAXCCALLS does in C Lua.
	patMaxDepth = 200
	// patCacheSize bounds the per-state cache of compiled patterns.
	patCacheSize = 64
	// patCacheMaxLen: longer patterns are compiled every time.
	patCacheMaxLen = 256
)

// installPatterns replaces string.find, match, gmatch (and gfind) and gsub in
// L's string table with versions that stop when L.Context() is done.
func installPatterns(L *lua.LState) {
	(&patternLib{}).install(L)
}

// patternLib holds one state's pattern functions.
type patternLib struct {
	// maxSteps, when positive, stops any one call after that many steps
	// (tests use it to bound work without a context).
	maxSteps int64
	cache    map[string]*patProgram
	iter     *lua.LFunction
}

func (lib *patternLib) install(L *lua.LState) {
	str, ok := L.GetGlobal(lua.StringLibName).(*lua.LTable)
	if !ok {
		panic("installPatterns: the string library is not open")
	}
	lib.cache = map[string]*patProgram{}
	lib.iter = L.NewFunction(lib.gmatchIter)
	str.RawSetString("find", L.NewFunction(lib.find))
	str.RawSetString("match", L.NewFunction(lib.match))
	gmatch := L.NewFunction(lib.gmatch)
	str.RawSetString("gmatch", gmatch)
	str.RawSetString("gfind", gmatch)
	str.RawSetString("gsub", L.NewFunction(lib.gsub))
}

// compile parses pattern, raising its syntax error in L.
func (lib *patternLib) compile(L *lua.LState, pattern string) *patProgram {
	if p, ok := lib.cache[pattern]; ok {
		return p
	}
	p, err := patCompile(pattern)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	if len(pattern) <= patCacheMaxLen {
		if len(lib.cache) >= patCacheSize {
			clear(lib.cache)
		}
		lib.cache[pattern] = p
	}
	return p
}

func (lib *patternLib) newMatcher(L *lua.LState, fn string, p *patProgram, src string) *patMatcher {
	return &patMatcher{
		fn: fn, prog: p, src: src,
		slots:    make([]int, p.nslots),
		ctx:      L.Context(),
		budget:   patCheckEvery,
		maxSteps: lib.maxSteps,
	}
}

// run calls f, turning a stopped or failed match into a Lua error.
func (m *patMatcher) run(L *lua.LState, f func()) {
	if err := m.protect(f); err != nil {
		L.RaiseError("%s", err.Error())
	}
}

func (m *patMatcher) protect(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s, ok := r.(patStop)
			if !ok {
				panic(r)
			}
			err = s.err
		}
	}()
	f()
	return nil
}

// patStringIndex is gopher-lua's conversion of a Lua string index.
func patStringIndex(str string, i int, start bool) int {
	if start && i != 0 {
		i--
	}
	l := len(str)
	if i < 0 {
		i = l + i + 1
	}
	i = max(0, i)
	if !start && i > l {
		i = l
	}
	return i
}

func (lib *patternLib) find(L *lua.LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	if len(pattern) == 0 {
		L.Push(lua.LNumber(1))
		L.Push(lua.LNumber(0))
		return 2
	}
	init := patStringIndex(str, L.OptInt(3, 1), true)
	plain := false
	if L.GetTop() == 4 {
		plain = lua.LVAsBool(L.Get(4))
	}
	if plain {
		if init > len(str) {
			// gopher-lua slices str[init:] here and panics.
			L.RaiseError("string.find: init %d is past the end of a %d-byte string", init+1, len(str))
		}
		pos := strings.Index(str[init:], pattern)
		if pos < 0 {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(lua.LNumber(init + pos + 1))
		L.Push(lua.LNumber(init + pos + len(pattern)))
		return 2
	}
	m := lib.newMatcher(L, "string.find", lib.compile(L, pattern), str)
	found := false
	m.run(L, func() { found = m.search(init, 1, nil) > 0 })
	if !found {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LNumber(m.slots[0]>>1 + 1))
	L.Push(lua.LNumber(m.slots[1] >> 1))
	for i := 2; i < len(m.slots); i += 2 {
		L.Push(patCaptureValue(str, m.slots, i))
	}
	return len(m.slots)/2 + 1
}

func (lib *patternLib) match(L *lua.LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	offset := L.OptInt(3, 1)
	l := len(str)
	if offset < 0 {
		offset = l + offset + 1
	}
	offset--
	if offset < 0 {
		offset = 0
	}
	m := lib.newMatcher(L, "string.match", lib.compile(L, pattern), str)
	found := false
	m.run(L, func() { found = m.search(offset, 1, nil) > 0 })
	if !found {
		return 0 // gopher-lua returns no value, not nil
	}
	if len(m.slots) == 2 {
		L.Push(lua.LString(str[m.slots[0]>>1 : m.slots[1]>>1]))
		return 1
	}
	for i := 2; i < len(m.slots); i += 2 {
		L.Push(patCaptureValue(str, m.slots, i))
	}
	return len(m.slots)/2 - 1
}

// patGmatchState is the iterator state string.gmatch returns.
type patGmatchState struct {
	str     string
	nslots  int
	matches []int // nslots per match
	next    int
}

func (lib *patternLib) gmatch(L *lua.LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	m := lib.newMatcher(L, "string.gmatch", lib.compile(L, pattern), str)
	st := &patGmatchState{str: str, nslots: len(m.slots)}
	m.run(L, func() { m.search(0, -1, &st.matches) })
	L.Push(lib.iter)
	ud := L.NewUserData()
	ud.Value = st
	L.Push(ud)
	return 2
}

func (lib *patternLib) gmatchIter(L *lua.LState) int {
	st, ok := L.CheckUserData(1).Value.(*patGmatchState)
	if !ok {
		L.ArgError(1, "not a string.gmatch state")
	}
	i := st.next
	st.next++
	n := len(st.matches) / st.nslots
	if i == n {
		return 0
	}
	if i > n {
		// gopher-lua indexes past its match list here and panics.
		L.RaiseError("string.gmatch: iterator called again after it ended")
	}
	slots := st.matches[i*st.nslots : (i+1)*st.nslots]
	if st.nslots == 2 {
		L.Push(lua.LString(st.str[slots[0]>>1 : slots[1]>>1]))
		return 1
	}
	for j := 2; j < st.nslots; j += 2 {
		L.Push(patCaptureValue(st.str, slots, j))
	}
	return st.nslots/2 - 1
}

func (lib *patternLib) gsub(L *lua.LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	L.CheckTypes(3, lua.LTString, lua.LTTable, lua.LTFunction)
	repl := L.CheckAny(3)
	limit := L.OptInt(4, -1)

	m := lib.newMatcher(L, "string.gsub", lib.compile(L, pattern), str)
	var matches []int
	n := 0
	m.run(L, func() { n = m.search(0, limit, &matches) })
	if n == 0 {
		L.SetTop(1)
		L.Push(lua.LNumber(0))
		return 2
	}
	nslots := len(m.slots)
	var sr []patReplPart
	if s, ok := repl.(lua.LString); ok {
		sr = patParseRepl(string(s))
	}
	var b strings.Builder
	b.Grow(len(str))
	last := 0
	for i := 0; i < n; i++ {
		slots := matches[i*nslots : (i+1)*nslots]
		start, end := slots[0]>>1, slots[1]>>1
		// The replacement may call into Go (string.upper...), which the VM
		// does not watch: count each match, a call as patCheckEvery/8 steps.
		if sr != nil {
			m.budget -= 16
		} else {
			m.budget -= patCheckEvery / 8
		}
		if m.budget < 0 {
			m.run(L, m.check)
		}
		var with string
		replaced := true
		switch r := repl.(type) {
		case lua.LString:
			with = patExpandRepl(L, sr, str, slots)
		case *lua.LTable:
			idx := 0
			if nslots > 2 {
				idx = 2
			}
			var v lua.LValue
			if slots[idx]&1 == 1 {
				v = L.GetTable(r, lua.LNumber(slots[idx]>>1))
			} else {
				v = L.GetField(r, str[slots[idx]>>1:slots[idx+1]>>1])
			}
			replaced = !lua.LVIsFalse(v)
			with = lua.LVAsString(v)
		case *lua.LFunction:
			L.Push(r)
			nargs := 0
			if nslots > 2 {
				for j := 2; j < nslots; j += 2 {
					L.Push(patCaptureValue(str, slots, j))
					nargs++
				}
			} else {
				L.Push(lua.LString(str[start:end]))
				nargs++
			}
			L.Call(nargs, 1)
			v := L.Get(-1)
			L.Pop(1)
			replaced = !lua.LVIsFalse(v)
			with = lua.LVAsString(v)
		}
		if !replaced {
			continue
		}
		if b.Len()+(start-last)+len(with) > maxStringBytes {
			L.RaiseError("string.gsub: result larger than %d bytes", maxStringBytes)
		}
		b.WriteString(str[last:start])
		b.WriteString(with)
		last = end
	}
	if b.Len()+len(str)-last > maxStringBytes {
		L.RaiseError("string.gsub: result larger than %d bytes", maxStringBytes)
	}
	b.WriteString(str[last:])
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(n))
	return 2
}

// captureValue is capture i (a slot index) as find, match, gmatch and a
// gsub function see it: a position as a number, otherwise the substring.
func patCaptureValue(str string, slots []int, i int) lua.LValue {
	if slots[i]&1 == 1 {
		return lua.LNumber(slots[i] >> 1)
	}
	return lua.LString(str[slots[i]>>1 : slots[i+1]>>1])
}

// patReplPart is a literal or (capture >= 0) a %d of a gsub replacement string.
type patReplPart struct {
	lit     string
	capture int
}

// parseRepl splits a gsub replacement string the way gopher-lua reads it:
// "%%" is '%', "%d" a capture, '%' before any other character stays as is,
// and so does a '%' at the end.
func patParseRepl(r string) []patReplPart {
	var parts []patReplPart
	var lit []byte
	for i := 0; i < len(r); i++ {
		c := r[i]
		if c != '%' || i == len(r)-1 {
			lit = append(lit, c)
			continue
		}
		i++
		switch d := r[i]; {
		case d == '%':
			lit = append(lit, '%')
		case '0' <= d && d <= '9':
			if len(lit) > 0 {
				parts = append(parts, patReplPart{lit: string(lit), capture: -1})
				lit = lit[:0]
			}
			parts = append(parts, patReplPart{capture: int(d - '0')})
		default:
			lit = append(lit, '%', d)
		}
	}
	if len(lit) > 0 {
		parts = append(parts, patReplPart{lit: string(lit), capture: -1})
	}
	return parts
}

func patExpandRepl(L *lua.LState, parts []patReplPart, str string, slots []int) string {
	if len(parts) == 1 && parts[0].capture < 0 {
		return parts[0].lit
	}
	var b strings.Builder
	for _, p := range parts {
		if p.capture < 0 {
			b.WriteString(p.lit)
			continue
		}
		idx := 2 * p.capture
		if idx > 2 && idx >= len(slots) {
			L.RaiseError("invalid capture index")
		}
		if idx >= len(slots) { // %1 without captures: the whole match
			idx = 0
		}
		if slots[idx]&1 == 1 {
			b.WriteString(strconv.Itoa(slots[idx] >> 1))
		} else {
			b.WriteString(str[slots[idx]>>1 : slots[idx+1]>>1])
		}
	}
	return b.String()
}

/* The matcher. */

type patOp uint8

const (
	patChar     patOp = iota // one character of set
	patStar                  // set*
	patPlus                  // set+
	patMinus                 // set-
	patQuest                 // set?
	patOpen                  // start capture slot a
	patClose                 // end capture slot a
	patPosition              // position capture at slots a, a+1
	patBalance               // %b with a and b (-1: never matches)
	patBackref               // %a
	patEnd                   // match; a == 1: only at the end of the subject
)

// patSet is a set of bytes.
type patSet [4]uint64

func (s *patSet) has(c byte) bool { return s[c>>6]&(1<<(c&63)) != 0 }
func (s *patSet) add(c int)       { s[c>>6] |= 1 << (c & 63) }
func (s *patSet) union(o *patSet) {
	s[0], s[1], s[2], s[3] = s[0]|o[0], s[1]|o[1], s[2]|o[2], s[3]|o[3]
}
func (s *patSet) complement() { s[0], s[1], s[2], s[3] = ^s[0], ^s[1], ^s[2], ^s[3] }
func (s *patSet) addRange(lo, hi int) {
	for c := max(lo, 0); c <= min(hi, 255); c++ {
		s.add(c)
	}
}

type patInst struct {
	op   patOp
	a, b int
	set  patSet
}

// patProgram is a compiled pattern.
type patProgram struct {
	insts  []patInst
	head   bool // anchored with '^'
	nslots int  // 2 per capture, plus the whole match's start and end
}

// patStop carries a stopped match out of the matcher's recursion.
type patStop struct{ err error }

// patMatcher is one call's matching state. Capture slots follow pm: a
// position p is stored as p<<1, a position capture as (p+1)<<1|1 in both of
// its slots, and hwm is how many slots the match has touched, which decides
// when a back-reference is an invalid capture index.
type patMatcher struct {
	fn    string // for messages: "string.find"
	prog  *patProgram
	src   string
	slots []int
	hwm   int
	depth int

	ctx      context.Context
	budget   int   // steps left before the next check
	steps    int64 // steps before the current budget
	maxSteps int64
}

func (m *patMatcher) stop(format string, args ...any) {
	panic(patStop{fmt.Errorf("%s: "+format, append([]any{m.fn}, args...)...)})
}

// tick counts n steps and, every patCheckEvery, checks the limits.
func (m *patMatcher) tick(n int) {
	m.budget -= n
	if m.budget < 0 {
		m.check()
	}
}

func (m *patMatcher) check() {
	m.steps += int64(patCheckEvery - m.budget)
	m.budget = patCheckEvery
	if m.ctx != nil {
		if err := m.ctx.Err(); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				m.stop("pattern stopped: rule ran out of time")
			}
			m.stop("pattern stopped: rule was cancelled")
		}
	}
	if m.maxSteps > 0 && m.steps > m.maxSteps {
		m.stop("pattern stopped: more than %d steps", m.maxSteps)
	}
}

// search tries each start position from init as pm.Find does and returns
// how many matches it found; a limit of 0 stops after the first failed try,
// a negative one never. With out nil it stops at the first match and leaves
// it in m.slots; otherwise it appends each match's slots to *out.
func (m *patMatcher) search(init, limit int, out *[]int) int {
	p := m.prog
	first := &p.insts[0]
	skip := first.op == patChar && limit != 0 && !p.head
	n := 0
	for sp := init; sp <= len(m.src); {
		if skip {
			i := sp
			for i < len(m.src) && !first.set.has(m.src[i]) {
				i++
			}
			m.tick(i - sp)
			if i == len(m.src) {
				break // patChar cannot match at the end either
			}
			sp = i
		}
		clear(m.slots[:m.hwm])
		m.hwm = 0
		m.setSlot(0, sp)
		m.depth = 0
		end := m.match(sp, 0)
		sp++
		if end >= 0 {
			if sp < end {
				sp = end
			}
			n++
			if out == nil {
				return n
			}
			*out = append(*out, m.slots...)
		}
		if n == limit || p.head {
			break
		}
	}
	return n
}

func (m *patMatcher) setSlot(i, pos int) int {
	if i >= m.hwm {
		m.hwm = i + 1
	}
	old := m.slots[i]
	m.slots[i] = pos << 1
	return old
}

// match matches the program from pc against the subject from s and returns
// where the match ends, or -1.
func (m *patMatcher) match(s, pc int) int {
	m.depth++
	if m.depth > patMaxDepth {
		m.stop("pattern too complex (more than %d nested items)", patMaxDepth)
	}
	r := m.doMatch(s, pc)
	m.depth--
	return r
}

func (m *patMatcher) doMatch(s, pc int) int {
	src := m.src
	for {
		m.tick(1)
		in := &m.prog.insts[pc]
		switch in.op {
		case patChar:
			if s < len(src) && in.set.has(src[s]) {
				s++
				pc++
				continue
			}
			return -1
		case patStar, patPlus:
			i := s
			for i < len(src) && in.set.has(src[i]) {
				i++
			}
			m.tick(i - s)
			least := s
			if in.op == patPlus {
				least++
			}
			for ; i >= least; i-- {
				if r := m.match(i, pc+1); r >= 0 {
					return r
				}
			}
			return -1
		case patMinus:
			for {
				if r := m.match(s, pc+1); r >= 0 {
					return r
				}
				if s < len(src) && in.set.has(src[s]) {
					s++
				} else {
					return -1
				}
			}
		case patQuest:
			if s < len(src) && in.set.has(src[s]) {
				if r := m.match(s+1, pc+1); r >= 0 {
					return r
				}
			}
			pc++
		case patOpen, patClose:
			old := m.setSlot(in.a, s)
			if r := m.match(s, pc+1); r >= 0 {
				return r
			}
			m.slots[in.a] = old
			return -1
		case patPosition:
			m.hwm = max(m.hwm, in.a+2)
			m.slots[in.a] = (s+1)<<1 | 1
			m.slots[in.a+1] = (s+1)<<1 | 1
			pc++
		case patBalance:
			if s >= len(src) || int(src[s]) != in.a {
				return -1
			}
			count, i := 1, s+1
			for ; i < len(src); i++ {
				if int(src[i]) == in.b {
					count--
				}
				if count == 0 {
					break
				}
				if int(src[i]) == in.a {
					count++
				}
			}
			m.tick(i - s)
			if count != 0 {
				return -1
			}
			s = i + 1
			pc++
		case patBackref:
			idx := in.a * 2
			if idx >= m.hwm-1 {
				panic(patStop{errors.New("invalid capture index")})
			}
			from, to := m.slots[idx]>>1, m.slots[idx+1]>>1
			if from > to || to > len(src) {
				// pm slices the subject with these and panics.
				m.stop("invalid back-reference %%%d (capture still open or past the end)", in.a)
			}
			n := to - from
			m.tick(n)
			if len(src)-s < n || src[s:s+n] != src[from:to] {
				return -1
			}
			s += n
			pc++
		case patEnd:
			old := m.setSlot(1, s)
			if in.a == 1 && s < len(src) {
				m.slots[1] = old
				return -1
			}
			return s
		}
	}
}

/* The parser: a port of gopher-lua/pm's (MIT licence, Copyright (c) 2015
   Yusuke Inuzuka), emitting the matcher's program instead of a tree, so
   that patterns mean what they mean in gopher-lua, errors included. */

const (
	patEOS     = -1
	patUnknown = -2
)

// patError is a pattern syntax error, worded as pm's.
type patError struct {
	pos int
	msg string
}

func (e *patError) Error() string {
	switch e.pos {
	case patEOS:
		return e.msg + " at EOS"
	case patUnknown:
		return e.msg
	default:
		return fmt.Sprintf("%s at %d", e.msg, e.pos)
	}
}

type patScanState struct {
	pos     int
	started bool
}

// patScanner is pm's scanner: pos is the last character read.
type patScanner struct {
	src   string
	state patScanState
	saved patScanState
}

func (sc *patScanner) length() int { return len(sc.src) }

func (sc *patScanner) next() int {
	if !sc.state.started {
		sc.state.started = true
		if len(sc.src) == 0 {
			sc.state.pos = patEOS
		}
	} else {
		sc.state.pos = sc.nextPos()
	}
	if sc.state.pos == patEOS {
		return patEOS
	}
	return int(sc.src[sc.state.pos])
}

func (sc *patScanner) currentPos() int { return sc.state.pos }

func (sc *patScanner) nextPos() int {
	if sc.state.pos == patEOS || sc.state.pos >= len(sc.src)-1 {
		return patEOS
	}
	if !sc.state.started {
		return 0
	}
	return sc.state.pos + 1
}

func (sc *patScanner) peek() int {
	cureof := sc.state.pos == patEOS
	ch := sc.next()
	if !cureof {
		if sc.state.pos == patEOS {
			sc.state.pos = len(sc.src) - 1
		} else {
			sc.state.pos--
			if sc.state.pos < 0 {
				sc.state.pos = 0
				sc.state.started = false
			}
		}
	}
	return ch
}

func (sc *patScanner) save()    { sc.saved = sc.state }
func (sc *patScanner) restore() { sc.state = sc.saved }

// patClass is a parsed character class; ch >= 0 marks a plain character,
// the only kind a range in a set may start and end with.
type patClass struct {
	set patSet
	ch  int
}

// patClassSets[c] is the set %c stands for (pm's singleClass).
var patClassSets = func() (t [256]patSet) {
	for c := range 256 {
		for ch := range 256 {
			if patSingleMatches(c, ch) {
				t[c].add(ch)
			}
		}
	}
	return t
}()

func patSingleMatches(class, ch int) bool {
	ret := false
	switch class {
	case 'a', 'A':
		ret = 'A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z'
	case 'c', 'C':
		ret = (0x00 <= ch && ch <= 0x1F) || ch == 0x7F
	case 'd', 'D':
		ret = '0' <= ch && ch <= '9'
	case 'l', 'L':
		ret = 'a' <= ch && ch <= 'z'
	case 'p', 'P':
		ret = (0x21 <= ch && ch <= 0x2f) || (0x3a <= ch && ch <= 0x40) || (0x5b <= ch && ch <= 0x60) || (0x7b <= ch && ch <= 0x7e)
	case 's', 'S':
		switch ch {
		case ' ', '\f', '\n', '\r', '\t', '\v':
			ret = true
		}
	case 'u', 'U':
		ret = 'A' <= ch && ch <= 'Z'
	case 'w', 'W':
		ret = '0' <= ch && ch <= '9' || 'A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z'
	case 'x', 'X':
		ret = '0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'f' || 'A' <= ch && ch <= 'F'
	case 'z', 'Z':
		ret = ch == 0
	default:
		return ch == class
	}
	if 'A' <= class && class <= 'Z' {
		return !ret
	}
	return ret
}

func patCharClass(ch int) patClass {
	c := patClass{ch: ch}
	c.set.add(ch)
	return c
}

func patSingleClass(class int) patClass {
	if class < 0 { // "%" at the end: pm's class matches nothing
		return patClass{ch: -1}
	}
	return patClass{set: patClassSets[class], ch: -1}
}

type patParser struct {
	sc      *patScanner
	prog    *patProgram
	tail    bool
	capture int
}

// compilePattern parses a pattern as gopher-lua does.
func patCompile(pattern string) (p *patProgram, err error) {
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(*patError)
			if !ok {
				panic(r)
			}
			p, err = nil, pe
		}
	}()
	ps := &patParser{sc: &patScanner{src: pattern}, prog: &patProgram{}, capture: 2}
	ps.parsePattern(true)
	tail := 0
	if ps.tail {
		tail = 1
	}
	ps.emit(patInst{op: patEnd, a: tail})
	ps.prog.nslots = ps.capture
	return ps.prog, nil
}

func (ps *patParser) emit(in patInst) { ps.prog.insts = append(ps.prog.insts, in) }

func (ps *patParser) emitClass(c patClass) { ps.emit(patInst{op: patChar, set: c.set}) }

func (ps *patParser) parseClass(allowset bool) patClass {
	sc := ps.sc
	ch := sc.next()
	switch ch {
	case '%':
		return patSingleClass(sc.next())
	case '.':
		if allowset {
			var c patClass
			c.set.complement() // every byte
			c.ch = -1
			return c
		}
		return patCharClass(ch)
	case '[':
		if allowset {
			return ps.parseClassSet()
		}
		return patCharClass(ch)
	case patEOS:
		panic(&patError{sc.currentPos(), "unexpected EOS"})
	default:
		return patCharClass(ch)
	}
}

func (ps *patParser) parseClassSet() patClass {
	sc := ps.sc
	isNot := false
	var classes []patClass
	if sc.peek() == '^' {
		isNot = true
		sc.next()
	}
	isrange := false
	for {
		ch := sc.peek()
		switch ch {
		case patEOS:
			panic(&patError{sc.currentPos(), "unexpected EOS"})
		case ']':
			if len(classes) > 0 {
				sc.next()
				goto exit
			}
			fallthrough
		case '-':
			if len(classes) > 0 {
				sc.next()
				isrange = true
				continue
			}
			fallthrough
		default:
			classes = append(classes, ps.parseClass(false))
		}
		if isrange {
			begin, end := classes[len(classes)-2], classes[len(classes)-1]
			classes = classes[:len(classes)-2]
			r := patClass{ch: -1}
			if begin.ch >= 0 && end.ch >= 0 {
				r.set.addRange(begin.ch, end.ch)
			}
			classes = append(classes, r)
			isrange = false
		}
	}
exit:
	if isrange {
		classes = append(classes, patCharClass('-'))
	}
	set := patClass{ch: -1}
	for i := range classes {
		set.set.union(&classes[i].set)
	}
	if isNot {
		set.set.complement()
	}
	return set
}

func patQuantifier(ch int) patOp {
	switch ch {
	case '*':
		return patStar
	case '+':
		return patPlus
	case '-':
		return patMinus
	}
	return patQuest
}

func (ps *patParser) parsePattern(toplevel bool) {
	sc := ps.sc
	if toplevel {
		if sc.peek() == '^' {
			sc.next()
			ps.prog.head = true
		}
	}
	for {
		ch := sc.peek()
		switch ch {
		case '%':
			sc.save()
			sc.next()
			switch sc.peek() {
			case '0':
				panic(&patError{sc.currentPos(), "invalid capture index"})
			case '1', '2', '3', '4', '5', '6', '7', '8', '9':
				ps.emit(patInst{op: patBackref, a: sc.next() - '0'})
			case 'b':
				sc.next()
				b := sc.next()
				e := sc.next()
				ps.emit(patInst{op: patBalance, a: b, b: e})
			default:
				sc.restore()
				ps.emitClass(ps.parseClass(true))
			}
		case '.', '[', ']':
			ps.emitClass(ps.parseClass(true))
		case ')':
			if toplevel {
				panic(&patError{sc.currentPos(), "invalid ')'"})
			}
			return
		case '(':
			sc.next()
			if sc.peek() == ')' {
				sc.next()
				ps.emit(patInst{op: patPosition, a: ps.capture})
				ps.capture += 2
			} else {
				c0 := ps.capture
				ps.capture += 2
				ps.emit(patInst{op: patOpen, a: c0})
				ps.parsePattern(false)
				if sc.peek() != ')' {
					panic(&patError{sc.currentPos(), "unfinished capture"})
				}
				sc.next()
				ps.emit(patInst{op: patClose, a: c0 + 1})
			}
		case '*', '+', '-', '?':
			sc.next()
			// A quantifier applies to the item before it when that is a
			// single character class of this same sequence (a group ends
			// with patClose and starts after patOpen, so looking at the last
			// instruction is enough).
			if n := len(ps.prog.insts); n > 0 && ps.prog.insts[n-1].op == patChar {
				ps.prog.insts[n-1].op = patQuantifier(ch)
				continue
			}
			ps.emitClass(patCharClass(ch))
		case '$':
			if toplevel && (sc.nextPos() == sc.length()-1 || sc.nextPos() == patEOS) {
				ps.tail = true
			} else {
				ps.emitClass(patCharClass(ch))
			}
			sc.next()
		case patEOS:
			sc.next()
			return
		default:
			sc.next()
			ps.emitClass(patCharClass(ch))
		}
	}
}
