package rules

import (
	"context"
	"fmt"
	"runtime/metrics"
	"time"
)

const (
	// watchAfter is how long a call runs before its memory is watched.
	watchAfter = 20 * time.Millisecond
	// maxCallHeapGrowth is how much a watched call may grow the heap.
	maxCallHeapGrowth = 256 << 20
)

var errRuleMemory = fmt.Errorf("rule built more than %d MiB of data", maxCallHeapGrowth>>20)

// watch stops a call at its deadline, or earlier when the heap grows by
// more than maxCallHeapGrowth. The heap is the process's, so another call's
// garbage counts too: the bound is far above what any sane rule makes.
func (c *stopCtx) watch(deadline time.Time) {
	base := heapBytes()
	limit := time.NewTimer(time.Until(deadline))
	defer limit.Stop()
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-limit.C:
			c.stop(context.DeadlineExceeded, context.DeadlineExceeded)
			return
		case <-t.C:
			if heapBytes() > base+maxCallHeapGrowth {
				c.stop(context.Canceled, errRuleMemory)
				return
			}
		}
	}
}

func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
