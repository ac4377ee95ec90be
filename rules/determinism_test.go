package rules

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/reconhq/recon"
)

// Rules that try to carry something from one row to the next. Before the
// kept-state check, each gave NOT_FOUND on a state's first row and MATCHED
// after, so a row's verdict depended on the rows before it and on which
// pooled state ran it.
var statefulRules = []struct{ name, src, changed string }{
	{"global counter", `
recon.judge(function(row, a, super)
  seen = (seen or 0) + 1
  if seen > 1 then return {verdict = "MATCHED"} end
  return {verdict = "NOT_FOUND"}
end)`, "_G"},
	{"upvalue counter", `
local n = 0
recon.judge(function(row, a, super)
  n = n + 1
  if n > 1 then return {verdict = "MATCHED"} end
  return {verdict = "NOT_FOUND"}
end)`, "upvalue n"},
	{"table kept in an upvalue", `
local seen = {}
recon.judge(function(row, a, super)
  local first = not seen[row.order_no]
  seen[row.order_no] = true
  if first then return {verdict = "NOT_FOUND"} end
  return {verdict = "MATCHED"}
end)`, "upvalue seen"},
	{"library changed", `
recon.judge(function(row, a, super)
  if string.seen then return {verdict = "MATCHED"} end
  string.seen = true
  return {verdict = "NOT_FOUND"}
end)`, "_G.string"},
	// What the fast check (kept.go) must see as well as the walk does.
	{"library function replaced", `
local upper = string.upper
recon.judge(function(row, a, super)
  if string.lower == upper then return {verdict = "MATCHED"} end
  string.lower = upper
  return {verdict = "NOT_FOUND"}
end)`, "_G.string"},
	{"entry deleted", `
local seen = {first = true}
recon.judge(function(row, a, super)
  if seen.first then seen.first = nil return {verdict = "NOT_FOUND"} end
  return {verdict = "MATCHED"}
end)`, "upvalue seen"},
	{"array element changed", `
local calls = {0}
recon.judge(function(row, a, super)
  calls[1] = calls[1] + 1
  if calls[1] > 1 then return {verdict = "MATCHED"} end
  return {verdict = "NOT_FOUND"}
end)`, "upvalue calls"},
	{"deleted entry filled again", `
local t = {a = 1, b = 2}
t.a = nil
recon.judge(function(row, a, super)
  if t.a then return {verdict = "MATCHED"} end
  t.a = 1
  return {verdict = "NOT_FOUND"}
end)`, "upvalue t"},
}

func TestVerdictsDoNotDependOnEarlierRows(t *testing.T) {
	for _, tt := range statefulRules {
		t.Run(tt.name, func(t *testing.T) {
			// One pooled state, so every call lands on the state the last
			// call left behind.
			r, err := New(append(Builtin(), File{Name: "stateful.lua", Source: []byte(tt.src)}), Options{PoolSize: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for i := 0; i < 5; i++ {
				j, err := r.Judge(context.Background(), paidRow(), paidAnswer())
				if err == nil {
					t.Fatalf("call %d: the rule kept state and got %s", i+1, j.Verdict)
				}
				if !strings.Contains(err.Error(), tt.changed) || !strings.Contains(err.Error(), "earlier rows") {
					t.Fatalf("call %d: error %q does not name %s", i+1, err, tt.changed)
				}
			}
		})
	}
}

// Locals inside the hook, tables built per call and reading what loading
// defined are all fine, call after call.
func TestStatelessRulesStillRun(t *testing.T) {
	src := `
local PAID = { PAID = true }
local list = {1, 2, 3}
helper = function(s) return PAID[s] end
recon.judge(function(row, a, super)
  -- changed and put back within the call: nothing outlives it
  PAID.x = 1
  PAID.x = nil
  list[2] = 5
  list[2] = 2
  local tally = {}
  tally[#tally + 1] = row.order_no
  if helper("PAID") and #tally == 1 then return super(row, a) end
  return {verdict = "NOT_FOUND"}
end)`
	r, err := New(append(Builtin(), File{Name: "stateless.lua", Source: []byte(src)}), Options{PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want, err := mustRules(t).Judge(context.Background(), paidRow(), paidAnswer()) // what super gives
	if err != nil || want.Verdict == recon.VerdictNotFound {
		t.Fatalf("built-in judgement %s, %v", want.Verdict, err)
	}
	for i := 0; i < 5; i++ {
		j, err := r.Judge(context.Background(), paidRow(), paidAnswer())
		if err != nil || j.Verdict != want.Verdict {
			t.Fatalf("call %d: %s, %v; want %s", i+1, j.Verdict, err, want.Verdict)
		}
	}
}

func TestRandomIsUnavailable(t *testing.T) {
	src := `recon.judge(function(row, a, super) if math.random() < 2 then return super(row, a) end end)`
	r := mustRules(t, File{Name: "dice.lua", Source: []byte(src)})
	if _, err := r.Judge(context.Background(), paidRow(), paidAnswer()); err == nil ||
		!strings.Contains(err.Error(), "chance") {
		t.Fatalf("math.random ran: %v", err)
	}
}

// The tables a hook is given are reused from call to call (tables.go). A
// rule may write anything to them; the next row must still get tables
// exactly like fresh ones: the same keys, values, order and no metatable.
func TestScribbledTablesDoNotReachTheNextRow(t *testing.T) {
	src := `
local function dump(t)
  local keys = {}
  for k, v in pairs(t) do keys[#keys + 1] = tostring(k) .. "=" .. tostring(v) end
  return table.concat(keys, ",")
end
local function dumpAll(row, p)
  local f = {}
  for k, v in pairs(p.fields) do f[#f + 1] = k .. "=" .. v end
  table.sort(f)
  return dump(row) .. "|" .. dump(p):gsub("table: 0x%x+", "T") .. "|" .. table.concat(f, ",") ..
    "|" .. tostring(getmetatable(row)) .. tostring(getmetatable(p)) .. tostring(getmetatable(p.fields))
end
recon.map_payment(function(a, super)
  a.from_map = "m" -- the judge hook sees this within the call
  return super(a)
end)
recon.judge(function(row, p, super)
  local seen = dumpAll(row, p)
  if row.order_no == "SCRIBBLE" then
    row.extra, p.extra, p.fields.extra = 1, 2, 3
    row[1], p[1], p.fields[1] = "a", "b", "c"
    row.status, p.status, p.fields.total = nil, nil, nil
    rawset(p, true, 1)
    setmetatable(row, {__index = function() return "ghost" end})
    setmetatable(p, {})
    setmetatable(p.fields, {})
  end
  return {verdict = "MATCHED", detail = seen}
end)`
	ctx := context.Background()
	fresh := func() *Rules {
		r, err := New(append(Builtin(), File{Name: "scribble.lua", Source: []byte(src)}), Options{PoolSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(r.Close)
		return r
	}
	ans := paidAnswer()
	ans.Answer.Fields = map[string]string{"total": "100", "order_status": "PAID"}
	clean := paidRow()
	want, err := fresh().Judge(ctx, clean, ans) // a fresh state's first call: fresh tables
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(want.Detail, "from_map=m") || !strings.Contains(want.Detail, "order_status=PAID,total=100") {
		t.Fatalf("the rule does not see what it should: %s", want.Detail)
	}
	r := fresh()
	scribble := paidRow()
	scribble.OrderNo = "SCRIBBLE"
	other := recon.Reply{Outcome: recon.OutcomeNotFound, Err: "x"}
	for i, c := range []struct {
		row recon.Row
		ans recon.Reply
	}{{clean, ans}, {scribble, ans}, {clean, ans}, {scribble, ans}, {clean, other}, {clean, ans}, {clean, ans}} {
		j, err := r.Judge(ctx, c.row, c.ans)
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		if c.row.OrderNo == clean.OrderNo && c.ans.Outcome == ans.Outcome && j.Detail != want.Detail {
			t.Errorf("call %d saw\n%s\nwant\n%s", i+1, j.Detail, want.Detail)
		}
	}
}

// The judge's cheap checks of a table read gopher-lua's internals
// (ltable.go); an upgrade that changes them must be noticed, not silently
// make every call take the slow path.
func TestTableLayoutIsKnown(t *testing.T) {
	if !layoutOK {
		t.Fatal("gopher-lua's LTable no longer matches tableLayout: update ltable.go")
	}
	tb := &lua.LTable{Metatable: lua.LNil}
	tb.RawSetString("a", lua.LTrue)
	tb.RawSetString("a", lua.LNil)
	tb.RawSetInt(1, lua.LTrue)
	if tableKeys(tb) != 1 || len(tableArray(tb)) != 1 {
		t.Fatalf("keys %d, array %d; want 1, 1", tableKeys(tb), len(tableArray(tb)))
	}
}

// pairs over p.fields must visit the same keys in the same order whatever
// state judges the row and whatever rows it judged before: a rule that
// builds its detail from pairs would otherwise give a different detail for
// the same row run to run, and replay would not give it back. recon fills
// the table from a Go map, whose order changes every time; gopher-lua's
// pairs follows insertion order, so the keys go in sorted.
func TestPairsOverFieldsIsSorted(t *testing.T) {
	src := `
recon.judge(function(row, p, super)
  local ks = {}
  for k in pairs(p.fields) do ks[#ks + 1] = k end
  return {verdict = "MATCHED", detail = table.concat(ks, ",")}
end)`
	many := map[string]string{}
	for _, k := range strings.Split("q,w,e,r,t,y,u,i,o,p,a,s,d,f,g,h,j,k,l,z", ",") {
		many[k] = "v" + k
	}
	tests := []struct {
		name   string
		fresh  bool                // a fresh rule set (so fresh states) per call
		fields []map[string]string // one call each, in order, on one state unless fresh
	}{
		{"fresh states", true, []map[string]string{many, many, many, many, many, many, many, many, many, many}},
		{"one state, same keys", false, []map[string]string{many, many, many, many, many}},
		{"one state, keys change", false, []map[string]string{
			{"b": "1", "c": "1"}, {"a": "1", "b": "1"}, {"c": "1"}, {"d": "1", "a": "1", "c": "1", "b": "1"},
			{"a": "1", "b": "1"}, many, {"b": "1", "a": "1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r *Rules
			for i, fields := range tt.fields {
				if r == nil || tt.fresh {
					r = mustRules(t, File{Name: "keys.lua", Source: []byte(src)})
				}
				ans := paidAnswer()
				ans.Answer.Fields = fields
				j, err := r.Judge(context.Background(), paidRow(), ans)
				if err != nil {
					t.Fatal(err)
				}
				want := strings.Join(slices.Sorted(maps.Keys(fields)), ",")
				if j.Detail != want {
					t.Errorf("call %d: pairs gave %s; want %s", i+1, j.Detail, want)
				}
			}
		})
	}
}

// The error for a changed kept table names it by the first path that
// reaches it; with two hooks sharing it, that must be the same path on
// every fresh state, not whichever hook a Go map gave first.
func TestKeptErrorNamesOnePath(t *testing.T) {
	src := `
local seen = {}
recon.map_payment(function(a, super) return super(a) end)
recon.judge(function(row, p, super) seen.x = (seen.x or 0) + 1 return super(row, p) end)
recon.refunds(function(o, super) seen.y = 1 return super(o) end)
recon.should_query(function(row, last, super) seen.z = 1 return super(row, last) end)
recon.judge_refund(function(row, p, super) return super(row, p, seen) end)`
	var first string
	for i := range 20 {
		_, err := mustRules(t, File{Name: "shared.lua", Source: []byte(src)}).Judge(context.Background(), paidRow(), paidAnswer())
		if err == nil {
			t.Fatal("the rule kept state and no error said so")
		}
		if i == 0 {
			first = err.Error()
		} else if err.Error() != first {
			t.Fatalf("state %d: %s\nstate 1: %s", i+1, err, first)
		}
	}
}

// A call that leaves p.fields unused leaves its table holding the keys an
// earlier call filled it with: the next call's fields must still be
// visited sorted, not the old keys first (review of this stop's change).
func TestPairsSortedAfterAnUnusedCall(t *testing.T) {
	src := `
recon.judge(function(row, p, super)
  if row.order_no == "SKIP" then return {verdict = "MATCHED", detail = ""} end
  local ks = {}
  for k in pairs(p.fields) do ks[#ks + 1] = k end
  return {verdict = "MATCHED", detail = table.concat(ks, ",")}
end)`
	r := mustRules(t, File{Name: "keys.lua", Source: []byte(src)})
	for i, c := range []struct {
		order  string
		fields map[string]string
		want   string
	}{
		{"A1", map[string]string{"b": "1", "c": "1"}, "b,c"},
		{"SKIP", map[string]string{"b": "1", "c": "1"}, ""},
		{"A1", map[string]string{"a": "1", "b": "1", "c": "1"}, "a,b,c"},
		{"SKIP", map[string]string{"z": "1"}, ""},
		{"A1", map[string]string{"c": "1", "a": "1"}, "a,c"},
		{"A1", map[string]string{"c": "1", "a": "1"}, "a,c"},
	} {
		row := paidRow()
		row.OrderNo = c.order
		ans := paidAnswer()
		ans.Answer.Fields = c.fields
		j, err := r.Judge(context.Background(), row, ans)
		if err != nil {
			t.Fatal(err)
		}
		if j.Detail != c.want {
			t.Errorf("call %d: pairs gave %q; want %q", i+1, j.Detail, c.want)
		}
	}
}
