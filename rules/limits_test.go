package rules

import (
	"context"
	"strings"
	"testing"
	"time"

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
