package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/host"
	"github.com/reconhq/recon/plugins"
)

const (
	// answerGrace is how much longer than the attempt's own timeout the host
	// waits for a plugin's answer before it takes the plugin for hung.
	answerGrace = 2 * time.Second
	// maxRestarts bounds how often one account's plugin is started again in a run.
	maxRestarts = 10
	// maxBackoff caps one wait between attempts, Retry-After included.
	maxBackoff = time.Minute
	// breakerThreshold: after this many rows in a row end in failure, the
	// account's provider is taken for down and its remaining rows fail fast.
	breakerThreshold = 25
)

// account queries one merchant account through its own plugin.
type account struct {
	cfg     *config.Account
	host    host.Starter
	log     *slog.Logger
	limiter *ceiling
	// sleep waits between attempts; tests see the waits through it.
	sleep func(context.Context, time.Duration) error

	mu       sync.Mutex
	spec     host.Spec
	info     plugins.Info // of the last plugin started, for the run's record
	plugin   host.Plugin
	restarts int
	startErr error
	failRun  int // rows ended in failure since the last answer
	stats    accountStats
}

type accountStats struct {
	Queries, Retries, Restarts int
}

func newAccount(cfg *config.Account, h host.Starter, log *slog.Logger) *account {
	return &account{cfg: cfg, host: h, log: log.With("account", cfg.Name), sleep: sleep,
		limiter: newCeiling(cfg.RateLimit)}
}

// figures is what the account did so far.
func (a *account) figures() accountStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// started reports whether the account ever had a plugin (a night where
// every row was reused starts none).
func (a *account) started() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.spec.Name != ""
}

// get returns a live plugin, starting one when there is none or the last died.
func (a *account) get(ctx context.Context) (host.Plugin, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.plugin != nil && !a.plugin.Exited() {
		return a.plugin, nil
	}
	if a.startErr != nil {
		return nil, a.startErr
	}
	if a.plugin != nil {
		if a.restarts >= maxRestarts {
			a.startErr = a.gaveUp()
			return nil, a.startErr
		}
		a.restarts++
		a.stats.Restarts++
		a.log.Warn("plugin process is gone; starting a new one", "plugin", a.cfg.Plugin, "restart", a.restarts)
		go a.plugin.Stop() // never under the lock: see drop
		a.plugin = nil
	}
	if a.spec.Name == "" {
		spec, err := a.host.Resolve(a.cfg.Plugin)
		if err != nil {
			a.startErr = err
			return nil, err
		}
		a.spec = spec
	}
	p, err := a.host.Start(ctx, a.spec, plugins.Account{
		Name: a.cfg.Name, Endpoint: a.cfg.Endpoint, Currency: a.cfg.Currency, Location: a.cfg.Location,
		Credentials: a.cfg.Credentials, Options: a.cfg.Options,
	})
	if err != nil {
		switch {
		case ctx.Err() != nil:
		case a.info.Name != "":
			// It started before: this start failed on the machine's account
			// (a handshake lost under load), not the plugin's. Another try
			// is a restart like any other.
			err = fmt.Errorf("%w: %v", errRestart, err)
			if a.restarts >= maxRestarts {
				a.startErr = a.gaveUp()
				return nil, a.startErr
			}
			a.restarts++
			a.stats.Restarts++
		default:
			a.startErr = err // a plugin that cannot start will not start for the next row either
		}
		return nil, err
	}
	a.plugin, a.info = p, p.Info()
	return p, nil
}

// errRestart is a plugin that ran before and failed to start again: the
// attempt failed, transiently.
var errRestart = errors.New("starting the plugin again failed")

func (a *account) gaveUp() error {
	return fmt.Errorf("plugin %s died or stopped answering %d times; giving up on this account", a.cfg.Plugin, a.restarts)
}

// drop discards p so that the next get starts a fresh process, unless
// another worker already did. The stop happens outside the lock and
// without waiting for it: a frozen process does not answer a graceful
// shutdown, and the account's other workers must not wait for it to be
// killed before they get a fresh one.
func (a *account) drop(p host.Plugin, hung bool) {
	a.mu.Lock()
	if a.plugin != p {
		a.mu.Unlock()
		return
	}
	a.plugin = nil
	if a.restarts >= maxRestarts {
		a.startErr = a.gaveUp()
	} else {
		a.restarts++
		a.stats.Restarts++
	}
	a.mu.Unlock()
	if hung {
		go p.Kill() // it does not answer: asking it to shut down would only wait
	} else {
		go p.Stop()
	}
}

// query asks the provider about q, retrying transient failures with
// exponential backoff and jitter (see backoff). It returns the last result and how many
// attempts were sent. It returns an error only when ctx ended.
func (a *account) query(ctx context.Context, q recon.Query) (recon.Reply, int, error) {
	if err := a.breakerOpen(); err != nil {
		return recon.Reply{Outcome: recon.OutcomeTransient, Err: err.Error()}, 0, nil
	}
	var res recon.Reply
	attempts := 0
	for {
		p, err := a.get(ctx)
		switch {
		case err == nil:
			// Paced after the plugin is up, just before the attempt: queries
			// that waited for a plugin to start would otherwise leave together.
			if err := a.limiter.Wait(ctx); err != nil {
				return res, attempts, ctx.Err()
			}
			attempts++
			q.Attempt = attempts
			res = a.attempt(ctx, p, q)
		case ctx.Err() != nil:
			return res, attempts, ctx.Err()
		case errors.Is(err, errRestart):
			attempts++
			res = recon.Reply{Outcome: recon.OutcomeTransient, Err: err.Error()}
		default:
			res = recon.Reply{Outcome: recon.OutcomePermanent, Err: err.Error()}
		}
		if res.Outcome == recon.OutcomePermanent && err != nil {
			break
		}
		if ctx.Err() != nil {
			return res, attempts, ctx.Err()
		}
		if res.Outcome != recon.OutcomeTransient || attempts > a.cfg.Retries {
			break
		}
		a.mu.Lock()
		a.stats.Retries++
		a.mu.Unlock()
		if err := a.sleep(ctx, backoff(a.cfg.Backoff, attempts, res.RetryAfter)); err != nil {
			return res, attempts, err
		}
	}
	a.record(res)
	return res, attempts, nil
}

func (a *account) attempt(ctx context.Context, p host.Plugin, q recon.Query) recon.Reply {
	a.mu.Lock()
	a.stats.Queries++
	a.mu.Unlock()
	qctx, cancel := context.WithTimeout(ctx, a.cfg.Timeout+answerGrace)
	defer cancel()
	res, err := p.Query(qctx, q, a.cfg.Timeout)
	switch {
	case err == nil:
		// Whatever plugin answered, an answer about another order or refund
		// is not this row's: the one identity check, for every provider.
		if e := q.Check(&res); e != nil {
			res.Distrust(e)
		}
		return res
	case ctx.Err() != nil:
		return recon.Reply{Outcome: recon.OutcomeTransient, Err: "interrupted"}
	case errors.Is(err, plugins.ErrMessageTooLarge):
		a.drop(p, false) // its stream is gone; the next row gets a fresh process
		return recon.Reply{Outcome: recon.OutcomePermanent, Err: err.Error()}
	case errors.Is(err, plugins.ErrPluginGone):
		a.drop(p, false)
		return recon.Reply{Outcome: recon.OutcomeTransient, Err: "plugin process died during the query"}
	default: // the plugin did not answer within its own deadline: hung
		a.log.Warn("plugin did not answer in time; replacing it", "plugin", a.cfg.Plugin, "timeout", a.cfg.Timeout)
		a.drop(p, true)
		return recon.Reply{Outcome: recon.OutcomeTransient, Err: fmt.Sprintf("plugin did not answer within %s", a.cfg.Timeout+answerGrace)}
	}
}

// record feeds the breaker: consecutive rows that ended in failure.
func (a *account) record(res recon.Reply) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if res.Outcome.Failed() {
		a.failRun++
		if a.failRun == breakerThreshold {
			a.log.Error("provider keeps failing; the account's remaining rows end as ERROR without queries",
				"rows_failed_in_a_row", a.failRun, "last_error", res.Err)
		}
	} else {
		a.failRun = 0
	}
}

func (a *account) breakerOpen() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failRun >= breakerThreshold {
		return fmt.Errorf("not queried: the provider failed %d rows in a row this run", a.failRun)
	}
	return nil
}

func (a *account) close() {
	a.mu.Lock()
	p := a.plugin
	a.plugin = nil
	a.mu.Unlock()
	if p != nil {
		p.Stop()
	}
}

// backoff is the wait before attempt n+1: "equal jitter" over
// ceil = base*2^(n-1), a uniform draw from [ceil/2, ceil], so that retries
// of many rows spread out yet none comes back at once; at least what the
// provider asked for with Retry-After, at most maxBackoff.
func backoff(base time.Duration, n int, retryAfter time.Duration) time.Duration {
	ceil := base << (n - 1)
	if ceil <= 0 || ceil > maxBackoff {
		ceil = maxBackoff
	}
	d := ceil/2 + rand.N(ceil/2+1)
	if retryAfter > d {
		d = retryAfter
	}
	return min(d, maxBackoff)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
