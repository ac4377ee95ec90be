package rules

import (
	"context"
	"strings"
	"testing"

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
helper = function(s) return PAID[s] end
recon.judge(function(row, a, super)
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
