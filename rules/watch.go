package rules

import (
	"context"
	"errors"
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

// watchHeap cancels a call whose heap growth passes maxCallHeapGrowth. The
// heap is the process's, so another call's garbage counts too: the bound is
// far above what any sane rule makes.
func watchHeap(ctx context.Context, cancel context.CancelCauseFunc) {
	base := heapBytes()
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if heapBytes() > base+maxCallHeapGrowth {
				cancel(errRuleMemory)
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

// isMemoryStop reports whether err is a call stopped for its memory.
func isMemoryStop(err error) bool { return errors.Is(err, errRuleMemory) }
