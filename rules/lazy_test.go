package rules

import (
	"context"
	"testing"

	"github.com/reconhq/recon"
)

// p.fields fills itself on first use (tables.go). Every way a rule can look
// at it, or write to it first, must see what a table filled from the start
// shows: these expectations are those of the eager table the judge built
// before, and hold on it too.
func TestFieldsLookFilledHoweverTheyAreUsed(t *testing.T) {
	cases := []struct{ name, expr, want string }{
		{"index", `return f.total`, "100"},
		{"missing key", `return tostring(f.nope)`, "nil"},
		{"type", `return type(f)`, "table"},
		{"rawget", `return rawget(f, "total")`, "100"},
		{"next", `local k, v = next(f); return tostring(k ~= nil) .. tostring(next(f, k) ~= nil)`, "truetrue"},
		{"pairs", `local n = 0; for k, v in pairs(f) do n = n + 1 end; return n`, "2"},
		{"ipairs and #", `local n = 0; for i, v in ipairs(f) do n = n + 1 end; return n .. "/" .. #f`, "0/0"},
		{"no metatable", `return tostring(getmetatable(f))`, "nil"},
		{"deleted before read", `f.total = nil; return tostring(f.total) .. tostring(f.status)`, "nilPAID"},
		{"written before read", `f.total = "7"; return f.total .. f.status`, "7PAID"},
		{"new key before read", `f.x = 1; local n = 0; for k in pairs(f) do n = n + 1 end; return n`, "3"},
		{"rawset before read", `rawset(f, "total", "8"); return f.total .. f.status`, "8PAID"},
		{"setmetatable before read", `setmetatable(f, {__index = function() return "d" end}); return f.nope .. f.total`, "d100"},
		{"table.insert before read", `table.insert(f, "z"); local n = 0; for k in pairs(f) do n = n + 1 end; return n .. f[1] .. f.total`, "3z100"},
		{"gsub with the table", `return (("$total/$status"):gsub("%$(%w+)", f))`, "100/PAID"},
		{"sorted keys", `local ks = {}; for k in pairs(f) do ks[#ks + 1] = k end; table.sort(ks); return table.concat(ks, ",")`, "status,total"},
		{"same table in map and judge", `return tostring(f == m)`, "true"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := `
local m
recon.map_payment(function(a, super) m = a.fields; local s, d = super(a); return s, d end)
recon.judge(function(row, p, super)
  local f = p.fields
  local out = (function() ` + c.expr + ` end)()
  m = nil
  return {verdict = "MATCHED", detail = tostring(out)}
end)`
			r, err := New(append(Builtin(), File{Name: "fields.lua", Source: []byte(src)}), Options{PoolSize: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			ans := paidAnswer()
			ans.Answer.Fields = map[string]string{"total": "100", "status": "PAID"}
			for i := 0; i < 3; i++ { // the first call has a fresh table, the later ones a reused one
				j, err := r.Judge(context.Background(), paidRow(), ans)
				if err != nil {
					t.Fatal(err)
				}
				if j.Detail != c.want {
					t.Fatalf("call %d: %s gives %q, want %q", i+1, c.expr, j.Detail, c.want)
				}
			}
		})
	}
}

// An answer without fields, after one with them, has an empty table.
func TestNoFieldsIsAnEmptyTable(t *testing.T) {
	src := `recon.judge(function(row, p, super)
  local n = 0
  for k in pairs(p.fields) do n = n + 1 end
  return {verdict = "MATCHED", detail = type(p.fields) .. n .. tostring(p.fields.total)}
end)`
	r, err := New(append(Builtin(), File{Name: "fields.lua", Source: []byte(src)}), Options{PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	with := paidAnswer()
	with.Answer.Fields = map[string]string{"total": "100"}
	for i, c := range []struct {
		ans  recon.Reply
		want string
	}{{with, "table1100"}, {recon.Reply{Outcome: recon.OutcomeNotFound}, "table0nil"}, {with, "table1100"}, {paidAnswer(), "table0nil"}} {
		j, err := r.Judge(context.Background(), paidRow(), c.ans)
		if err != nil || j.Detail != c.want {
			t.Fatalf("call %d: %q %v; want %q", i+1, j.Detail, err, c.want)
		}
	}
}
