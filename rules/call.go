package rules

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// A call's time limit without a context per call. gopher-lua stops a state
// when its context's Done channel closes; the channel is checked between VM
// instructions (and by our pattern functions). Each state keeps one stopCtx
// and one timer for as long as no call outlasts watchAfter: a call re-arms
// the timer and disarms it when it returns, and nothing is allocated. A
// call that lasts fires the timer, which starts a watcher that stops the
// call at its deadline, or earlier for its memory (watch.go); that stopCtx
// is then spent and the state's next call gets a new one. The caller's ctx
// still stops a call: context.AfterFunc closes the channel when it is done,
// registered once per state and caller's context (the engine passes one
// context for a whole run), not once per call.

// stopCtx is the context a state runs its calls under. Only Done and Err
// matter to gopher-lua and the pattern matcher.
type stopCtx struct {
	done     chan struct{}
	once     sync.Once
	err      atomic.Pointer[error] // what Err returns once done
	cause    atomic.Pointer[error] // why: the deadline, memory, the caller's ctx
	timer    *time.Timer
	deadline atomic.Int64 // unix nanoseconds: the running call's limit
	parent   *parentWatch // owned by the goroutine holding the state
}

// parentWatch is a stopCtx's registration with a caller's context.
type parentWatch struct {
	done <-chan struct{}
	stop func() bool
}

func newStopCtx() *stopCtx {
	c := &stopCtx{done: make(chan struct{})}
	c.timer = time.AfterFunc(time.Hour, c.lasted)
	c.timer.Stop()
	return c
}

func (c *stopCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *stopCtx) Done() <-chan struct{}       { return c.done }
func (c *stopCtx) Value(any) any               { return nil }

func (c *stopCtx) Err() error {
	if p := c.err.Load(); p != nil {
		return *p
	}
	return nil
}

// cause is why the call was stopped, nil if it was not.
func (c *stopCtx) stopCause() error {
	if p := c.cause.Load(); p != nil {
		return *p
	}
	return nil
}

// stop ends the running call: err is what the Lua error says, cause why.
func (c *stopCtx) stop(err, cause error) {
	c.once.Do(func() {
		c.cause.Store(&cause)
		c.err.Store(&err)
		close(c.done)
	})
}

// watchParent makes ctx's end stop c. Contexts that share a Done channel
// end together, so one registration serves them all.
func (c *stopCtx) watchParent(ctx context.Context) {
	d := ctx.Done()
	if c.parent != nil && c.parent.done == d {
		return
	}
	c.unwatchParent()
	if d == nil {
		return
	}
	stop := context.AfterFunc(ctx, func() { c.stop(ctx.Err(), context.Cause(ctx)) })
	c.parent = &parentWatch{done: d, stop: stop}
}

func (c *stopCtx) unwatchParent() {
	if c.parent != nil {
		c.parent.stop()
		c.parent = nil
	}
}

// lasted runs when a call passes watchAfter (or its limit, if shorter): from
// now on the call is watched for its deadline and its memory.
func (c *stopCtx) lasted() {
	go c.watch(time.Unix(0, c.deadline.Load()))
}

// call runs fn on a pooled state under the per-call time limit.
func (r *Rules) call(ctx context.Context, fn func(s *state) error) error {
	s, err := r.acquire(ctx)
	if err != nil {
		return err
	}
	c := s.stop
	if c == nil || c.Err() != nil { // stopped while idle: its caller's ctx ended
		if c != nil {
			c.unwatchParent()
		}
		c = newStopCtx()
		s.stop = c
	}
	c.watchParent(ctx)
	select {
	case <-ctx.Done(): // AfterFunc stops c, but maybe only after the call ends
		c.stop(ctx.Err(), context.Cause(ctx))
	default:
	}
	c.deadline.Store(time.Now().Add(r.timeout).UnixNano())
	c.timer.Reset(min(watchAfter, r.timeout))
	s.L.SetContext(c)
	err = fn(s)
	s.L.RemoveContext()
	// A timer that already ran has started a watcher, which may stop c any
	// moment; a stopped c is spent. Stopping it also ends the watcher.
	if !c.timer.Stop() || c.Err() != nil {
		c.stop(context.Canceled, errCallOver)
		c.unwatchParent()
		s.stop = nil
	}
	if err == nil {
		err = s.kept.check(s.L) // a failed call's state is dropped anyway
	}
	if err != nil && ctx.Err() == nil {
		switch cause := c.stopCause(); {
		case errors.Is(cause, errRuleMemory):
			err = fmt.Errorf("%w (%w)", err, cause)
		case errors.Is(cause, context.DeadlineExceeded):
			err = fmt.Errorf("%w (rule ran longer than %s)", err, r.timeout)
		}
	}
	if err != nil && s.stop != nil { // the state is dropped
		s.stop.unwatchParent()
	}
	r.release(s, err != nil)
	return err
}

// errCallOver stops the watcher of a call that has returned.
var errCallOver = errors.New("call over")
