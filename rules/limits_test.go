package rules

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/reconhq/recon"
)

// The review's finding through the rule API: a backtracking pattern in a
// hook ran past 100 s of a 1 s limit. Now the call ends at its limit, the
// row gets its error, and the next call runs on a fresh state.
func TestPatternInAHookHonoursTheCallLimit(t *testing.T) {
	for _, src := range []string{
		`recon.judge(function(row, a, super) string.rep("a", 200):find("a*a*a*a*a*b") return super(row, a) end)`,
		`recon.judge(function(row, a, super) string.rep("a", 200):gsub("a*a*a*a*a*b", "x") return super(row, a) end)`,
	} {
		r, err := New(append(Builtin(), File{Name: "slow.lua", Source: []byte(src)}),
			Options{PoolSize: 1, CallTimeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a watchdog, not a measurement
		_, err = r.Judge(ctx, paidRow(), paidAnswer())
		cancel()
		if err == nil || !strings.Contains(err.Error(), "rule ran longer than") {
			t.Fatalf("%s: %v; want the call's time limit", src, err)
		}
		r.Close()
	}
}

// A call that never ends is stopped by its own limit, short or long, and by
// the caller's context (call.go), call after call.
func TestEndlessRuleIsStopped(t *testing.T) {
	loop := File{Name: "loop.lua", Source: []byte(`recon.judge(function(row, p, super) while true do end end)`)}
	for _, c := range []struct {
		name    string
		limit   time.Duration
		cancel  time.Duration // cancel the caller's ctx after this; 0: never
		wantErr string
	}{
		{"limit shorter than the memory watch", 15 * time.Millisecond, 0, "rule ran longer than 15ms"},
		{"limit longer than the memory watch", 100 * time.Millisecond, 0, "rule ran longer than 100ms"},
		{"caller gives up", time.Hour, 50 * time.Millisecond, "context canceled"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := New(append(Builtin(), loop), Options{PoolSize: 1, CallTimeout: c.limit})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for i := 0; i < 2; i++ { // the second call runs on a fresh state
				ctx, cancel := context.WithCancel(context.Background())
				if c.cancel > 0 {
					time.AfterFunc(c.cancel, cancel)
				}
				_, err = r.Judge(ctx, paidRow(), paidAnswer())
				cancel()
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("call %d: %v; want %q", i+1, err, c.wantErr)
				}
			}
		})
	}
}

// A state watches its caller's context across calls (call.go). A context
// that ends while the state is idle stops no later call made with another
// context, and a call made with an ended one is stopped.
func TestEndedContextStopsOnlyItsCalls(t *testing.T) {
	r := mustRules(t)
	r1, cancel := context.WithCancel(context.Background())
	for i := 0; i < 3; i++ {
		if _, err := r.Judge(r1, paidRow(), paidAnswer()); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	cancel()
	time.Sleep(10 * time.Millisecond) // let AfterFunc stop the idle states
	if _, err := r.Judge(r1, paidRow(), paidAnswer()); err == nil {
		t.Fatal("a call with an ended context was judged")
	}
	r2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	for i := 0; i < 3; i++ {
		if _, err := r.Judge(r2, paidRow(), paidAnswer()); err != nil {
			t.Fatalf("call %d with a live context: %v", i+1, err)
		}
	}
}

// Lua's numbers are doubles: an amount past 2^53 would reach a rule rounded
// (2^53+1 arrives as 2^53) and compare equal to another. Such a row is an
// error, not a verdict on a different amount.
func TestAmountsBeyondExactDoublesAreRefused(t *testing.T) {
	r := mustRules(t)
	big := int64(1<<53 + 1)
	row := paidRow()
	row.Amount = big
	if _, err := r.Judge(context.Background(), row, paidAnswer()); err == nil || !strings.Contains(err.Error(), "2^53") {
		t.Errorf("row amount %d: %v", big, err)
	}
	ans := paidAnswer()
	ans.Answer.Refunded = &big
	if _, err := r.Judge(context.Background(), paidRow(), ans); err == nil || !strings.Contains(err.Error(), "2^53") {
		t.Errorf("answer refunded %d: %v", big, err)
	}
	o := OrderRefunds{Account: "a1", Provider: "test", OrderNo: "O1", Currency: "CNY", LedgerRefunded: big, RefundRows: 2,
		Payment: recon.Judgement{Verdict: recon.VerdictMatched}}
	if _, err := r.JudgeRefunds(context.Background(), o); err == nil || !strings.Contains(err.Error(), "2^53") {
		t.Errorf("ledger_refunded %d: %v", big, err)
	}
	// The largest exact amount is judged as usual.
	row.Amount = 1<<53 - 1
	if _, err := r.Judge(context.Background(), row, paidAnswer()); err != nil {
		t.Errorf("row amount 2^53-1: %v", err)
	}
}

// One Go builtin is one VM instruction: the time limit and the memory watch
// (watch.go) cannot stop it half way, so a builtin that can build a big
// string must refuse before it builds it. The review's calls ran 29 s at
// 8.85 GB (format) and 5.7 s at 3 GB (concat); these are the same shapes,
// some tens of MB, which the old code built without a word.
func TestBigStringsAreRefusedBeforeBuilt(t *testing.T) {
	const mb = `local mb = string.rep("x", 1048576)`
	tests := []struct {
		name, body string
		size       uint64 // what the result would be, bytes
		wantErr    string // "" = allowed
	}{
		{"format widths", `local t = {} for i = 1, 300 do t[i] = "x" end
			local s = string.format(string.rep("%99999s", 300), unpack(t))`, 300 * 99999, "string.format"},
		{"format precisions", `local t = {} for i = 1, 300 do t[i] = 1.5 end
			local s = string.format(string.rep("%.99999f", 300), unpack(t))`, 300 * 100001, "string.format"},
		{"format one big argument many times", mb + `
			local s = string.format(string.rep("%[1]s", 30), mb)`, 30 << 20, "string.format"},
		{"format method", mb + ` local t = {} for i = 1, 20 do t[i] = mb end
			local s = string.rep("%s", 20):format(unpack(t))`, 20 << 20, "string.format"},
		{"format %q", `local c = string.rep("\1", 1048576) local t = {} for i = 1, 10 do t[i] = c end
			local s = string.format(string.rep("%q", 10), unpack(t))`, 40 << 20, "string.format"},
		{"concat", mb + ` local t = {} for i = 1, 40 do t[i] = mb end local s = table.concat(t)`, 40 << 20, "table.concat"},
		{"concat separators", `local t = {} for i = 1, 40 do t[i] = "" end
			local s = table.concat(t, string.rep("x", 1048576))`, 39 << 20, "table.concat"},
		{"concat range", mb + ` local t = {} for i = 1, 40 do t[i] = mb end local s = table.concat(t, "", 11, 40)`, 30 << 20, "table.concat"},
		{"format a table", `local s = string.format("%s", {string.rep("x", 1048576)})`, 0, "not a table (use tostring)"},
		{"format under the limit", `local s = string.format("%5d|%-8s|%.2f|%x|%q", 42, "ab", 1.5, 255, "q")
			if s ~= '   42|ab      |1.50|ff|"q"' then error(s) end`, 0, ""},
		{"concat under the limit", `local s = table.concat({"a", 1, "b"}, "-")
			if s ~= "a-1-b" then error(s) end`, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := File{Name: "big.lua", Source: []byte("recon.judge(function(row, p, super)\n" + tt.body + "\nreturn super(row, p) end)")}
			r := mustRules(t, f)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := r.Judge(context.Background(), paidRow(), paidAnswer())
			runtime.ReadMemStats(&after)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "big.lua:") ||
				tt.size > 0 && !strings.Contains(err.Error(), "1048576 bytes") {
				t.Fatalf("err = %v; want %s refused, naming the limit and big.lua:LINE", err, tt.wantErr)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; tt.size > 0 && grew > tt.size/4 {
				t.Errorf("the call allocated %d bytes; a refused result of %d bytes must not be built", grew, tt.size)
			}
		})
	}
}

// formatBound must never be under what Sprintf makes of the same values.
func TestFormatBoundIsAnUpperBound(t *testing.T) {
	big := lua.LString(strings.Repeat("\x01é\u2028😀", 1000))
	tests := []struct {
		format string
		args   []any
	}{
		{"%s", []any{big}},
		{"%q|%+q|%#q", []any{big, big, big}},
		{"% x %X %x", []any{big, big, lua.LNumber(-1)}},
		{"%[2]s%[1]q%[2]x", []any{lua.LString("a"), big}},
		{"%s", []any{big, big, lua.LNumber(1e308)}}, // EXTRA
		{"%s %s %s", []any{big}},                    // MISSING
		{"%f %.30e %g %b %o %c %U %d %i", []any{lua.LNumber(1e308), lua.LNumber(-1e-300), lua.LNumber(1.0 / 3),
			lua.LNumber(-1 << 62), lua.LNumber(1 << 62), lua.LNumber(0x1F600), lua.LNumber(0x10FFFF), big, lua.LNumber(-7)}},
		{"%*d %-*.*s %08.3f", []any{lua.LNumber(5), lua.LNumber(3), lua.LNumber(9), big, lua.LBool(true), lua.LNil}},
		{"%100s%.50s%%%v%t", []any{lua.LBool(false), big, lua.LNil, lua.LBool(true)}},
	}
	for _, tt := range tests {
		got := len(fmt.Sprintf(tt.format, tt.args...))
		if b := formatBound(tt.format, tt.args); b < got {
			t.Errorf("%q: bound %d, Sprintf made %d bytes", tt.format, b, got)
		}
	}
}

// recon.format_amount formats only what a Lua number holds exactly: past
// 2^53 the double is already rounded (2^60+1 arrives as 2^60), and the
// string would look exact while naming another amount.
func TestFormatAmountRefusesInexactNumbers(t *testing.T) {
	tests := []struct{ arg, want string }{
		{"2^53 - 1", "90071992547409.91"},
		{"-(2^53 - 1)", "-90071992547409.91"},
		{"1234", "12.34"},
		{"2^53", "error: amount 9007199254740992 is beyond 2^53-1 minor units"},
		{"2^60 + 1", "error: amount 1152921504606846976 is beyond 2^53-1 minor units"},
		{"-2^60", "error: amount -1152921504606846976 is beyond 2^53-1 minor units"},
		{"1e300", "error: amount 1e+300 is beyond 2^53-1 minor units"},
		{"1/0", "error: amount +Inf is beyond 2^53-1 minor units"},
		{"0/0", "error: amount NaN is not a whole number of minor units"},
		{"100.5", "error: amount 100.5 is not a whole number of minor units"},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			src := fmt.Sprintf(`recon.judge(function(row, p)
  local ok, s = pcall(recon.format_amount, %s, "CNY")
  if not ok then s = "error: " .. s end
  return {verdict = "MATCHED", detail = s}
end)`, tt.arg)
			j, err := mustRules(t, File{Name: "fa.lua", Source: []byte(src)}).Judge(context.Background(), paidRow(), paidAnswer())
			if err != nil {
				t.Fatal(err)
			}
			if msg, isErr := strings.CutPrefix(tt.want, "error: "); isErr && (!strings.HasPrefix(j.Detail, "error: fa.lua:2: recon.format_amount: ") ||
				!strings.Contains(j.Detail, msg)) || !isErr && j.Detail != tt.want {
				t.Fatalf("format_amount(%s) = %q; want %q", tt.arg, j.Detail, tt.want)
			}
		})
	}
}
