package rules

import (
	"context"
	"strings"
	"testing"
	"time"
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
