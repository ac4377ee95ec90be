// Package simtest checks, for the simulators' tests, that a simulator's
// statement says what its own query API answers: the same orders and
// refunds billed, with the same amounts and status words. It asks through
// the provider's real client over loopback HTTP, so that a statement and an
// API that drift apart fail the test rather than the demo.
package simtest

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/simkit"
)

// Key names a statement row: an order's payment or one of its refunds.
type Key struct {
	OrderNo  string
	Kind     recon.Kind
	RefundNo string
}

func (k Key) String() string { return k.Kind.String() + " " + k.OrderNo + " " + k.RefundNo }

// Words says how a provider's answers read as statement rows.
type Words struct {
	// Word is the status word a statement row carries for an answer of
	// that kind (upay: order_status for a payment, the flow status of the
	// refund asked for a refund).
	Word func(k recon.Kind, a recon.Answer) string
	// Paid and Refunded are the words of a payment and of a refund the
	// provider bills.
	Paid, Refunded map[string]bool
}

// Configure serves sim on loopback and configures p for sim's account.
func Configure(t testing.TB, sim simkit.Simulator, p plugins.Provider) {
	t.Helper()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	sa := sim.Account()
	loc, err := time.LoadLocation(sa.Timezone)
	if err != nil {
		t.Fatalf("account time zone %q: %v", sa.Timezone, err)
	}
	if err := p.Configure(context.Background(), plugins.Account{Name: "statement-test", Endpoint: srv.URL,
		Currency: sa.Currency, Location: loc, Credentials: sa.Credentials}); err != nil {
		t.Fatal(err)
	}
}

// CheckStatement asks p (configured for sim) about every order and refund
// of cases and checks that sim's statement of day has a row for exactly
// those the answers say were billed, each with the answer's amount,
// currency and status word (frozen names the rows whose statement word is
// meant to differ from the query's, with the statement's), ordered by time
// and all on day. The simulator must hold no orders but those of cases,
// none of them scripted to fail. It returns the statement.
func CheckStatement(t *testing.T, sim simkit.Simulator, p plugins.Provider, cases []simkit.Case, day time.Time,
	w Words, frozen map[Key]string) []simkit.StatementRow {
	t.Helper()
	ctx := context.Background()
	currency := sim.Account().Currency
	digits, err := money.Digits(currency)
	if err != nil {
		t.Fatal(err)
	}
	rows := sim.Statement(day)
	got := map[Key]simkit.StatementRow{}
	for i, r := range rows {
		k := Key{r.OrderNo, r.Kind, r.RefundNo}
		if _, dup := got[k]; dup {
			t.Errorf("statement lists %s twice", k)
		}
		got[k] = r
		if i > 0 && r.Time.Before(rows[i-1].Time) {
			t.Errorf("statement row %d (%s) at %s comes after one at %s", i+1, k, r.Time, rows[i-1].Time)
		}
		if y, m, d := r.Time.In(day.Location()).Date(); time.Date(y, m, d, 0, 0, 0, 0, day.Location()) != day {
			t.Errorf("statement of %s lists %s of %s", day.Format(time.DateOnly), k, r.Time)
		}
	}

	want := map[Key]bool{}
	asked := map[Key]bool{}
	refunds := p.Info().RefundQuery
	for _, c := range cases {
		keys := []Key{{OrderNo: c.OrderNo, Kind: recon.Payment}}
		if c.Kind == recon.Refund && refunds {
			keys = append(keys, Key{c.OrderNo, recon.Refund, c.RefundNo})
		}
		for _, k := range keys {
			if asked[k] {
				continue
			}
			asked[k] = true
			res := ask(ctx, p, recon.Query{Kind: k.Kind, OrderNo: k.OrderNo, RefundNo: k.RefundNo})
			if res.Outcome != recon.OutcomeFound {
				continue // NOT_FOUND, UNSUPPORTED: nothing the provider could bill
			}
			word := w.Word(k.Kind, res.Answer)
			amount := res.Answer.Amount
			billed := w.Paid[word]
			if k.Kind == recon.Refund {
				amount, billed = res.Answer.RefundAmount, w.Refunded[word]
			}
			r, listed := got[k]
			if !billed {
				if listed {
					t.Errorf("statement lists %s, which the query answers %q (not billed)", k, word)
				}
				continue
			}
			want[k] = true
			if !listed {
				t.Errorf("statement lacks %s, which the query answers %q", k, word)
				continue
			}
			if f, ok := frozen[k]; ok {
				word = f
			}
			if r.Status != word {
				t.Errorf("statement says %s is %q; want %q", k, r.Status, word)
			}
			if m, err := money.Parse(r.Amount, digits); err != nil || amount == nil || m != *amount {
				t.Errorf("statement amount of %s %q; the query answers %v minor units (%v)", k, r.Amount, deref(amount), err)
			}
			if r.Currency != currency {
				t.Errorf("statement currency of %s %q; want %s", k, r.Currency, currency)
			}
			if k.Kind == recon.Payment && res.Answer.TradeNo != "" && r.ProviderTradeNo != res.Answer.TradeNo {
				t.Errorf("statement provider_trade_no of %s %q; the query answers %q", k, r.ProviderTradeNo, res.Answer.TradeNo)
			}
		}
	}
	for k, r := range got {
		if !want[k] {
			t.Errorf("statement lists %s, of no planted order the query bills", k)
		}
		if pay, ok := got[Key{OrderNo: k.OrderNo, Kind: recon.Payment}]; ok && k.Kind == recon.Refund && r.Time.Before(pay.Time) {
			t.Errorf("statement bills %s at %s, before its payment at %s", k, r.Time, pay.Time)
		}
	}
	if len(rows) == 0 {
		t.Error("the statement of the planted day is empty")
	}
	return rows
}

// ask queries as the host does, retrying a transient failure a few times.
func ask(ctx context.Context, p plugins.Provider, q recon.Query) recon.Reply {
	var res recon.Reply
	for q.Attempt = 1; q.Attempt <= 3; q.Attempt++ {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		res = p.Query(ctx, q)
		cancel()
		if res.Outcome != recon.OutcomeTransient {
			break
		}
	}
	return res
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// CheckQuietDays checks that sim bills nothing but on day: the days before
// and after have empty statements, and StatementDays is day alone.
func CheckQuietDays(t *testing.T, sim simkit.Simulator, day time.Time) {
	t.Helper()
	for _, d := range []time.Time{day.AddDate(0, 0, -1), day.AddDate(0, 0, 1), day.AddDate(-1, 0, 0)} {
		if rows := sim.Statement(d); len(rows) != 0 {
			t.Errorf("statement of %s, a day with nothing planted: %d rows, first %+v", d.Format(time.DateOnly), len(rows), rows[0])
		}
	}
	if days := sim.StatementDays(); len(days) != 1 || !days[0].Equal(day) {
		t.Errorf("StatementDays %v; want [%s]", days, day)
	}
}

// Missing counts the NotInLedger cases by kind, failing t for one that
// does not want MISSING_IN_LEDGER.
func Missing(t *testing.T, cases []simkit.Case) map[recon.Kind]int {
	t.Helper()
	n := map[recon.Kind]int{}
	for _, c := range cases {
		if c.NotInLedger {
			n[c.Kind]++
			if c.Want != simkit.VerdictMissingInLedger {
				t.Errorf("NotInLedger case %s %s %s wants %s", c.Kind, c.OrderNo, c.RefundNo, c.Want)
			}
		}
	}
	return n
}

// Frozen keys the refund cases whose Why contains marker to word, the
// status their statement row was planted with.
func Frozen(cases []simkit.Case, marker, word string) map[Key]string {
	out := map[Key]string{}
	for _, c := range cases {
		if c.Kind == recon.Refund && strings.Contains(c.Why, marker) {
			out[Key{c.OrderNo, recon.Refund, c.RefundNo}] = word
		}
	}
	return out
}

// Statuses are the kinds and status words rows has, as "payment PAID".
func Statuses(rows []simkit.StatementRow) map[string]bool {
	out := map[string]bool{}
	for _, r := range rows {
		out[r.Kind.String()+" "+r.Status] = true
	}
	return out
}
