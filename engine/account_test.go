package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/host"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/store"
)

func TestBackoff(t *testing.T) {
	base := 100 * time.Millisecond
	tests := []struct {
		name       string
		attempt    int
		retryAfter time.Duration
		lo, hi     time.Duration
	}{
		{"first retry: half to full base", 1, 0, 50 * time.Millisecond, 100 * time.Millisecond},
		{"doubles", 3, 0, 200 * time.Millisecond, 400 * time.Millisecond},
		{"Retry-After wins when longer", 1, 5 * time.Second, 5 * time.Second, 5 * time.Second},
		{"Retry-After does not shorten", 3, time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond},
		{"capped", 30, 0, maxBackoff / 2, maxBackoff},
		{"Retry-After capped", 1, time.Hour, maxBackoff, maxBackoff},
	}
	for _, tt := range tests {
		for i := 0; i < 200; i++ { // jitter: every draw must stay in bounds
			d := backoff(base, tt.attempt, tt.retryAfter)
			if d < tt.lo || d > tt.hi {
				t.Fatalf("%s: backoff = %s; want within [%s, %s]", tt.name, d, tt.lo, tt.hi)
			}
		}
	}
}

// fakeProvider is an in-process provider whose answers a test scripts:
// reply gets the number of the query across every provider the test
// started (1 first), so that a script runs on over plugin restarts; when
// dies says so, the provider exits as it answers that query.
type fakeProvider struct {
	reply func(n int) recon.Reply
	dies  func(n int) bool
	n     *atomic.Int64
	dead  atomic.Bool
}

func (p *fakeProvider) Info() plugins.Info { return plugins.Info{Name: "fake", Version: "1.0"} }

func (p *fakeProvider) Configure(context.Context, plugins.Account) error { return nil }

func (p *fakeProvider) Query(_ context.Context, q recon.Query) recon.Reply {
	n := int(p.n.Add(1))
	if p.dies != nil && p.dies(n) {
		p.dead.Store(true)
	}
	r := p.reply(n)
	if r.Outcome == recon.OutcomeFound {
		r.Answer.OrderNo = q.OrderNo // an answer states whose it is
	}
	return r
}

func (p *fakeProvider) Exited() bool { return p.dead.Load() }

var _ host.Exiter = (*fakeProvider)(nil)

// fakeHost runs fakeProviders in process under the name "fake" and counts
// how many it started.
type fakeHost struct {
	host.Starter
	starts  atomic.Int64
	queries atomic.Int64
	// failStart, when set, makes the nth start (1 first) fail.
	failStart func(n int) bool
}

func newFakeHost(reply func(n int) recon.Reply, dies func(n int) bool) *fakeHost {
	h := &fakeHost{}
	h.Starter = host.InProcess(map[string]func() plugins.Provider{"fake": func() plugins.Provider {
		n := int(h.starts.Add(1))
		p := &fakeProvider{reply: reply, dies: dies, n: &h.queries}
		if h.failStart != nil && h.failStart(n) {
			return failingStart{p}
		}
		return p
	}})
	return h
}

// failingStart is a provider whose start fails: its Configure errs.
type failingStart struct{ *fakeProvider }

func (failingStart) Configure(context.Context, plugins.Account) error {
	return errors.New("Failed to read any lines from plugin's stdout")
}

// A plugin that ran, died, and then fails to start again once (a lost
// handshake on a loaded machine) costs its row an attempt, not the
// account its night: the retry starts it, and the next rows are answered.
// (It used to be taken for a plugin that cannot start: every remaining
// row of the account ended ERROR.)
func TestRestartThatFailsIsRetried(t *testing.T) {
	h := newFakeHost(outcomes(), func(n int) bool { return n == 3 })
	h.failStart = func(n int) bool { return n == 2 }
	a, _ := newTestAccount(t, h, fakeAccount(2, time.Millisecond))
	for i := 1; i <= 10; i++ {
		res, _, err := a.query(context.Background(), recon.Query{Kind: recon.Payment, OrderNo: fmt.Sprint("A", i)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != recon.OutcomeFound {
			t.Fatalf("row %d: %s %q; want it answered", i, res.Outcome, res.Err)
		}
	}
	if got := h.starts.Load(); got != 3 {
		t.Fatalf("%d starts; want 3 (the first, the one that failed, the one after)", got)
	}
}

func outcomes(script ...recon.Outcome) func(int) recon.Reply {
	return func(n int) recon.Reply {
		if n <= len(script) {
			return recon.Reply{Outcome: script[n-1], Err: "scripted " + script[n-1].String()}
		}
		return recon.Reply{Outcome: recon.OutcomeFound}
	}
}

func repeat(n int, o recon.Outcome) []recon.Outcome {
	out := make([]recon.Outcome, n)
	for i := range out {
		out[i] = o
	}
	return out
}

func fakeAccount(retries int, backoff time.Duration) *config.Account {
	return &config.Account{Name: "acct", Plugin: "fake", Endpoint: "http://127.0.0.1:9", Currency: "CNY", Digits: 2,
		Location: time.UTC, RateLimit: 1e6, Concurrency: 1, Timeout: time.Second, Retries: retries, Backoff: backoff}
}

// newTestAccount is an account over h whose waits between attempts are
// recorded, not slept.
func newTestAccount(t *testing.T, h host.Starter, cfg *config.Account) (*account, *[]time.Duration) {
	t.Helper()
	a := newAccount(cfg, h, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var waits []time.Duration
	a.sleep = func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}
	t.Cleanup(a.close)
	return a, &waits
}

// TestBreaker: once breakerThreshold rows in a row ended in failure, the
// account's next rows are not sent; any answer starts the count again.
func TestBreaker(t *testing.T) {
	T, P := recon.OutcomeTransient, recon.OutcomePermanent
	then := func(parts ...[]recon.Outcome) []recon.Outcome { return slices.Concat(parts...) }
	one := func(o recon.Outcome) []recon.Outcome { return []recon.Outcome{o} }
	tests := []struct {
		name   string
		script []recon.Outcome
		rows   int
		sent   int // the rows that reach the provider: the first ones
	}{
		{"25 transient failures open it", repeat(breakerThreshold, T), 30, breakerThreshold},
		{"permanent failures count", repeat(breakerThreshold, P), 30, breakerThreshold},
		{"24 failures do not", then(repeat(breakerThreshold-1, T), one(recon.OutcomeFound), repeat(breakerThreshold-1, P)), 60, 60},
		{"not found and unverifiable are answers", then(repeat(breakerThreshold-1, T), one(recon.OutcomeNotFound),
			repeat(breakerThreshold-1, T), one(recon.OutcomeUnverifiable), repeat(breakerThreshold-1, T)), 80, 80},
		{"an answer starts the count again", then(repeat(breakerThreshold-1, T), one(recon.OutcomeFound),
			repeat(breakerThreshold, T)), 60, 2 * breakerThreshold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newFakeHost(outcomes(tt.script...), nil)
			a, _ := newTestAccount(t, h, fakeAccount(0, time.Millisecond))
			for i := 0; i < tt.rows; i++ {
				res, attempts, err := a.query(context.Background(), recon.Query{Kind: recon.Payment, OrderNo: fmt.Sprint("A", i)})
				if err != nil {
					t.Fatal(err)
				}
				if i < tt.sent {
					if attempts != 1 {
						t.Fatalf("row %d: %d attempts; want 1 (%+v)", i+1, attempts, res)
					}
					continue
				}
				if attempts != 0 || res.Outcome != recon.OutcomeTransient || !strings.Contains(res.Err, "failed 25 rows in a row") {
					t.Fatalf("row %d: %d attempts, %s %q; want it not sent, the breaker open", i+1, attempts, res.Outcome, res.Err)
				}
			}
			if got := int(h.queries.Load()); got != tt.sent {
				t.Fatalf("the provider got %d queries; want %d", got, tt.sent)
			}
		})
	}
}

// TestRestartCap: a plugin that dies is started again, at most maxRestarts
// times in a run (not in a row); then the account's rows fail without a
// query, naming why.
func TestRestartCap(t *testing.T) {
	tests := []struct {
		name       string
		dies       func(n int) bool
		rows       int
		wantStarts int
		// giveUp is the first row that gets no plugin (0: none).
		giveUp int
	}{
		{"a plugin that stays up is started once", nil, 30, 1, 0},
		{"dies on every query", func(int) bool { return true }, 20, maxRestarts + 1, maxRestarts + 2},
		{"dies on every second query: the cap is per run", func(n int) bool { return n%2 == 0 }, 30, maxRestarts + 1, 2*(maxRestarts+1) + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newFakeHost(outcomes(), tt.dies)
			a, _ := newTestAccount(t, h, fakeAccount(0, time.Millisecond))
			for i := 1; i <= tt.rows; i++ {
				res, attempts, err := a.query(context.Background(), recon.Query{Kind: recon.Payment, OrderNo: fmt.Sprint("A", i)})
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case tt.giveUp != 0 && i >= tt.giveUp:
					if attempts != 0 || res.Outcome != recon.OutcomePermanent || !strings.Contains(res.Err, "plugin fake died or stopped answering 10 times; giving up") {
						t.Fatalf("row %d: %d attempts, %s %q; want no plugin for it", i, attempts, res.Outcome, res.Err)
					}
				case tt.dies != nil && tt.dies(int(h.queries.Load())) && attempts == 1:
					if res.Outcome != recon.OutcomeTransient || res.Err != "plugin process died during the query" {
						t.Fatalf("row %d: %s %q; want the plugin's death", i, res.Outcome, res.Err)
					}
				default:
					if attempts != 1 || res.Outcome != recon.OutcomeFound {
						t.Fatalf("row %d: %d attempts, %s %q; want an answer", i, attempts, res.Outcome, res.Err)
					}
				}
			}
			if got := int(h.starts.Load()); got != tt.wantStarts {
				t.Fatalf("%d plugins started; want %d", got, tt.wantStarts)
			}
			if a.stats.Restarts != tt.wantStarts-1 {
				t.Fatalf("%d restarts counted; want %d", a.stats.Restarts, tt.wantStarts-1)
			}
		})
	}
}

// TestRetryWaits: the waits between the attempts of one row, as the
// account asks for them: equal jitter over a doubling ceiling, at least
// the provider's Retry-After, never more than maxBackoff.
func TestRetryWaits(t *testing.T) {
	transient := func(retryAfter time.Duration, answerAt int) func(int) recon.Reply {
		return func(n int) recon.Reply {
			if answerAt != 0 && n >= answerAt {
				return recon.Reply{Outcome: recon.OutcomeFound}
			}
			return recon.Reply{Outcome: recon.OutcomeTransient, Err: "busy", RetryAfter: retryAfter}
		}
	}
	type bound struct{ lo, hi time.Duration }
	ms := time.Millisecond
	tests := []struct {
		name     string
		base     time.Duration
		retries  int
		reply    func(int) recon.Reply
		waits    []bound
		attempts int
		outcome  recon.Outcome
	}{
		{"doubling, half to full", 100 * ms, 3, transient(0, 0),
			[]bound{{50 * ms, 100 * ms}, {100 * ms, 200 * ms}, {200 * ms, 400 * ms}}, 4, recon.OutcomeTransient},
		{"stops at the answer", 100 * ms, 3, transient(0, 3),
			[]bound{{50 * ms, 100 * ms}, {100 * ms, 200 * ms}}, 3, recon.OutcomeFound},
		{"Retry-After when longer", 100 * ms, 2, transient(5*time.Second, 0),
			[]bound{{5 * time.Second, 5 * time.Second}, {5 * time.Second, 5 * time.Second}}, 3, recon.OutcomeTransient},
		{"Retry-After capped", 100 * ms, 1, transient(time.Hour, 0),
			[]bound{{maxBackoff, maxBackoff}}, 2, recon.OutcomeTransient},
		{"ceiling capped", 40 * time.Second, 3, transient(0, 0),
			[]bound{{20 * time.Second, 40 * time.Second}, {maxBackoff / 2, maxBackoff}, {maxBackoff / 2, maxBackoff}}, 4, recon.OutcomeTransient},
		{"no retries, no wait", 100 * ms, 0, transient(0, 0), nil, 1, recon.OutcomeTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 50 { // jitter: every draw must stay in bounds
				h := newFakeHost(tt.reply, nil)
				a, waits := newTestAccount(t, h, fakeAccount(tt.retries, tt.base))
				res, attempts, err := a.query(context.Background(), recon.Query{Kind: recon.Payment, OrderNo: "A1"})
				if err != nil {
					t.Fatal(err)
				}
				if attempts != tt.attempts || res.Outcome != tt.outcome || a.stats.Retries != len(tt.waits) {
					t.Fatalf("%d attempts (%d retries), %s; want %d, %s", attempts, a.stats.Retries, res.Outcome, tt.attempts, tt.outcome)
				}
				if len(*waits) != len(tt.waits) {
					t.Fatalf("waits %v; want %d", *waits, len(tt.waits))
				}
				for i, w := range *waits {
					if w < tt.waits[i].lo || w > tt.waits[i].hi {
						t.Fatalf("wait %d = %s; want within [%s, %s]", i+1, w, tt.waits[i].lo, tt.waits[i].hi)
					}
				}
			}
		})
	}
}

// TestRunInProcess runs the whole pipeline through Options.Host: a provider
// that never answers fails every row as ERROR, the breaker spares the
// provider the rows after the 25th, and a run with no answer at all fails
// with ErrNoAnswers.
func TestRunInProcess(t *testing.T) {
	const rows = breakerThreshold + 5
	ledgerPath, db := newLedger(t, map[string]int{"acct": rows})
	cfg := &config.Config{FailOn: recon.SeverityWarn, Accounts: map[string]*config.Account{"acct": fakeAccount(0, time.Millisecond)}}
	h := newFakeHost(outcomes(repeat(rows, recon.OutcomeTransient)...), nil)

	run, st, err := Run(context.Background(), Options{Config: cfg, Store: db, LedgerPath: ledgerPath, Host: h})
	if !errors.Is(err, ErrNoAnswers) || run == nil || run.Status != store.StatusFailed || run.Error != ErrNoAnswers.Error() {
		t.Fatalf("run %+v, %v; want it failed with ErrNoAnswers", run, err)
	}
	if st.Rows != rows || st.Queried != rows || st.Answered != 0 || int(h.queries.Load()) != breakerThreshold || h.starts.Load() != 1 {
		t.Fatalf("stats %+v, %d queries sent, %d plugins started; want %d rows, %d queries, 1 plugin",
			st, h.queries.Load(), h.starts.Load(), rows, breakerThreshold)
	}
	if p := run.Accounts["acct"]; p.Provider != "fake" || p.Version != "1.0" {
		t.Errorf("account recorded as %+v", p)
	}
	for line, r := range results(t, db, run.ID) {
		sent := line-1 <= breakerThreshold // line 2 is the first row
		switch {
		case r.Verdict != recon.VerdictError:
			t.Errorf("line %d: %s; want ERROR", line, r.Verdict)
		case sent && (r.Attempts != 1 || !strings.Contains(r.Detail, "scripted TRANSIENT")):
			t.Errorf("line %d: %d attempts, %q; want the provider's failure", line, r.Attempts, r.Detail)
		case !sent && (r.Attempts != 0 || !strings.Contains(r.Detail, "not queried: the provider failed 25 rows in a row")):
			t.Errorf("line %d: %d attempts, %q; want it not sent", line, r.Attempts, r.Detail)
		}
	}
}

// newLedger writes a ledger of PAID payment rows, the given number per
// account (in the order of accounts, each account's rows together), and
// opens a store beside it.
func newLedger(t *testing.T, rows map[string]int, order ...string) (string, *store.DB) {
	t.Helper()
	if order == nil {
		order = slices.Sorted(maps.Keys(rows))
	}
	dir := t.TempDir()
	var ledger strings.Builder
	ledger.WriteString("account,order_no,amount,status\n")
	for _, acct := range order {
		for i := 1; i <= rows[acct]; i++ {
			fmt.Fprintf(&ledger, "%s,%s%d,1.00,PAID\n", acct, strings.ToUpper(acct[:1]), i)
		}
	}
	ledgerPath := filepath.Join(dir, "ledger.csv")
	if err := os.WriteFile(ledgerPath, []byte(ledger.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(dir, "recon.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return ledgerPath, db
}

// A row's fingerprint is the one earlier nights stored: were it to change,
// every order of the next incremental night would read as changed and be
// queried again.
func TestFingerprintIsStable(t *testing.T) {
	row := recon.Row{Account: "shop-upay", Kind: recon.Refund, OrderNo: "ORD-1", RefundNo: "R-01", ProviderTradeNo: "T9",
		Status: recon.StateSuccess, Amount: 12345, Currency: "CNY"}
	if got, want := fingerprint(row), "d363f76c0619f529"; got != want {
		t.Fatalf("fingerprint = %s; earlier nights stored %s", got, want)
	}
}
