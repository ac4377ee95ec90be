package engine

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ceiling paces an account's queries: at most n starts in any 1-second
// window, and, over time, n per second. The token bucket (burst 1) spreads
// the starts evenly and catches up on a wakeup that came late; the window
// of the last n start times keeps that catching up from ever putting n+1
// starts in one second, however late the scheduler ran — the contract's
// rate_limit is what providers ban merchants for exceeding.
type ceiling struct {
	bucket *rate.Limiter
	mu     sync.Mutex
	starts []time.Time // ring of the last len(starts) starts
	next   int
}

// slack widens the window the ceiling keeps: a query's request reaches the
// provider through the plugin process and the network, whose delays can
// bunch requests that left evenly; the ceiling holds there, not only here.
// It costs a rate-bound account about 2.5% of its limit.
const slack = 25 * time.Millisecond

// maxWindow bounds the window kept: past it (a limit no provider sets,
// or none at all) the bucket alone paces.
const maxWindow = 10000

func newCeiling(perSecond float64) *ceiling {
	c := &ceiling{bucket: rate.NewLimiter(rate.Limit(perSecond), 1)}
	if n := int(perSecond); n <= maxWindow {
		c.starts = make([]time.Time, max(n, 1))
	}
	return c
}

// Wait blocks until a query may start, or ctx ends.
func (c *ceiling) Wait(ctx context.Context) error {
	if err := c.bucket.Wait(ctx); err != nil {
		return err
	}
	if c.starts == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if oldest := c.starts[c.next]; !oldest.IsZero() {
		if d := time.Until(oldest.Add(time.Second + slack)); d > 0 {
			if err := sleep(ctx, d); err != nil {
				return err
			}
		}
	}
	c.starts[c.next] = time.Now()
	c.next = (c.next + 1) % len(c.starts)
	return nil
}
