package engine

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"sync"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/rules"
	"github.com/reconhq/recon/store"
)

// judge turns answers into results: it is shared by run and replay, so
// that a replay with the same rules reproduces every verdict.
type judge struct {
	rules *rules.Rules
	cfg   *config.Config // the accounts: their zones and currencies

	// refundsOf says which orders the refunds check needs to follow: those
	// with a payment row and refund rows (nil: every order; the others need
	// no memory), and a digest of their refund rows (index.RefundsDigest),
	// which is part of the payment row's fingerprint.
	refundsOf func(account, orderNo string) (digest uint64, ok bool)

	mu     sync.Mutex
	orders map[string]*orderRefunds // account \x00 order_no
}

// orderRefunds collects what the refunds hook needs about one order.
type orderRefunds struct {
	rules.OrderRefunds
	paymentLine int
}

func newJudge(r *rules.Rules, cfg *config.Config) *judge {
	return &judge{rules: r, cfg: cfg, orders: map[string]*orderRefunds{}}
}

// currency is the currency of row's account, in which an answer that names
// none is (the row's own, for an account the config lacks).
func (j *judge) currency(row recon.Row) string {
	if a, ok := j.cfg.Accounts[row.Account]; ok && a.Currency != "" {
		return a.Currency
	}
	return row.Currency
}

// zone is the account's time zone, in which the report shows its times.
func (j *judge) zone(account string) *time.Location {
	if a, ok := j.cfg.Accounts[account]; ok && a.Location != nil {
		return a.Location
	}
	return time.UTC
}

// answered judges a row the provider was asked about.
func (j *judge) answered(ctx context.Context, row recon.Row, res recon.Reply, attempts int) store.Record {
	rec, jd := j.assess(ctx, row, res, attempts)
	j.note(row, jd, res)
	return rec
}

// assess judges row on res, as answered does, without noting it for the
// refunds pass: the record may not be used (a statement's judgement
// offered to should_query).
func (j *judge) assess(ctx context.Context, row recon.Row, res recon.Reply, attempts int) (store.Record, recon.Judgement) {
	ans := res
	if ans.Answer.Currency == "" && res.Outcome == recon.OutcomeFound {
		// An answer that names no currency is in the account's: the
		// ledger row's own would make any currency agree.
		ans.Answer.Currency = j.currency(row)
	}
	jd, err := j.rules.Judge(ctx, row, ans)
	switch {
	case err != nil && res.Outcome == recon.OutcomeUnverifiable:
		// No hook makes an untrusted answer count for less: a rule that
		// fails on one leaves it UNVERIFIABLE, and says why it failed.
		detail := err.Error()
		if res.Err != "" {
			detail = res.Err + "; and " + detail
		}
		jd = recon.Default(recon.VerdictUnverifiable, detail)
	case err != nil:
		// One order's rule failure is that order's ERROR; the run goes on.
		state := jd.State
		jd = recon.Default(recon.VerdictError, err.Error())
		jd.State = state
	}
	r := baseResult(row, j.fingerprint(row))
	r.Judge(jd)
	r.RuleSet = j.rules.ID()
	r.Attempts = attempts
	if res.Outcome == recon.OutcomeFound || res.Outcome == recon.OutcomeNotFound {
		r.Provider = j.view(row, jd.State, res)
	}
	r.Source = recon.SourceQuery
	if res.Source == recon.SourceStatement {
		r.Source = recon.SourceStatement
	}
	return store.Record{Result: r, Exchange: &store.Exchange{Row: row, Attempts: attempts, Reply: res}, Final: true}, jd
}

// rejected records a row that was not queried: INVALID or DUPLICATE.
func (j *judge) rejected(row recon.Row, verdict recon.Verdict, detail string) store.Record {
	r := baseResult(row, fingerprint(row))
	r.Local.Amount = row.AmountText // as written: it may be what made the row invalid
	r.Judge(recon.Default(verdict, detail))
	return store.Record{Result: r}
}

func (j *judge) view(row recon.Row, state recon.State, res recon.Reply) *recon.ProviderView {
	a := res.Answer
	cur := a.Currency
	if cur == "" {
		cur = j.currency(row)
	}
	d, err := money.Digits(cur)
	if err != nil {
		d = 2
	}
	f := func(p *int64) string {
		if p == nil {
			return ""
		}
		return money.Format(*p, d)
	}
	loc := j.zone(row.Account)
	t := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return x.In(loc).Format(time.RFC3339)
	}
	raw := a.Status
	if res.Outcome == recon.OutcomeNotFound && raw == "" {
		raw = recon.OutcomeNotFound.String()
	}
	return &recon.ProviderView{
		Status: state, RawStatus: raw, SubStatus: a.SubStatus,
		Amount: f(a.Amount), Received: f(a.Received), Refunded: f(a.Refunded), RefundAmount: f(a.RefundAmount),
		TradeNo: a.TradeNo, PaidAt: t(a.PaidAt), RefundedAt: t(a.RefundedAt), Verified: res.Verified,
	}
}

// note remembers what the refunds pass needs about the row's order.
func (j *judge) note(row recon.Row, jd recon.Judgement, res recon.Reply) {
	if j.refundsOf != nil {
		if _, ok := j.refundsOf(row.Account, row.OrderNo); !ok {
			return
		}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	key := row.Account + "\x00" + row.OrderNo
	o := j.orders[key]
	if o == nil {
		o = &orderRefunds{OrderRefunds: rules.OrderRefunds{Account: row.Account, Provider: row.Provider,
			OrderNo: row.OrderNo, Currency: row.Currency}}
		j.orders[key] = o
	}
	switch row.Kind {
	case recon.Payment:
		o.paymentLine = row.Line
		o.Payment = jd
		o.PaymentStatus = row.Status
		o.Currency = row.Currency
		if res.Outcome == recon.OutcomeFound {
			o.ProviderRefunded = res.Answer.Refunded
		}
	case recon.Refund:
		o.RefundRows++
		if row.Status == recon.StateSuccess {
			o.LedgerRefunded += row.Amount
		}
	}
}

// rejudged is a payment row the refunds hook judged anew: its new record,
// and the verdict it replaces.
type rejudged struct {
	store.Record
	was         recon.Verdict
	wasSeverity recon.Severity
}

// refunds runs the refunds hook for every order with both a payment row and
// refund rows, and returns the payment rows whose judgement changes.
func (j *judge) refunds(ctx context.Context, db *store.DB, runID string) ([]rejudged, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []rejudged
	for _, o := range j.orders {
		if o.paymentLine == 0 || o.RefundRows == 0 {
			continue
		}
		jd, err := j.rules.JudgeRefunds(ctx, o.OrderRefunds)
		if err != nil {
			d := recon.Default(recon.VerdictError, err.Error())
			jd = &d
		}
		if jd == nil {
			continue
		}
		r, err := db.Result(runID, o.paymentLine)
		if err != nil {
			return nil, err
		}
		was, wasSeverity := r.Verdict, r.Severity
		r.Judge(*jd)
		out = append(out, rejudged{Record: store.Record{Result: *r, Final: true}, was: was, wasSeverity: wasSeverity})
	}
	return out, nil
}

// baseResult is row's result before any judgement, with its fingerprint fp.
func baseResult(row recon.Row, fp string) recon.Result {
	r := recon.Result{
		Account: row.Account, OrderNo: row.OrderNo, Kind: row.Kind, RefundNo: row.RefundNo, Line: row.Line,
		Local:       recon.Local{Status: row.Status, Currency: row.Currency},
		Fingerprint: fp,
	}
	if d, err := money.Digits(row.Currency); err == nil {
		r.Local.Amount = money.Format(row.Amount, d)
	}
	return r
}

// fingerprint identifies a row's content: an order whose row changed is
// asked again on an incremental night. A payment row's takes in its order's
// refund rows (refundsOf): what the provider says was refunded is in the
// payment's answer, so a refund row added or changed makes last night's
// answer stale for the refunds check.
func (j *judge) fingerprint(row recon.Row) string {
	if row.Kind == recon.Payment && j.refundsOf != nil {
		if d, ok := j.refundsOf(row.Account, row.OrderNo); ok {
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], d)
			sum := fingerprintSum(row, b[:])
			return hex.EncodeToString(sum[:])
		}
	}
	return fingerprint(row)
}

// fingerprint is a row's own fingerprint, of its content alone.
func fingerprint(row recon.Row) string {
	sum := fingerprintSum(row, nil)
	return hex.EncodeToString(sum[:])
}

// contentOf is fingerprint as a number, for index.RefundsDigest.
func contentOf(row *recon.Row) uint64 {
	sum := fingerprintSum(*row, nil)
	return binary.BigEndian.Uint64(sum[:])
}

func fingerprintSum(row recon.Row, refunds []byte) [8]byte {
	// The same bytes as ever (each field and a NUL) for a row without
	// refunds: stored fingerprints of earlier nights must still match.
	var buf [256]byte
	b := buf[:0]
	for _, f := range [...]string{row.Account, row.Kind.String(), row.OrderNo, row.RefundNo, row.ProviderTradeNo, string(row.Status)} {
		b = append(append(b, f...), 0)
	}
	b = append(strconv.AppendInt(b, row.Amount, 10), 0)
	b = append(append(b, row.Currency...), 0)
	b = append(b, refunds...)
	sum := sha256.Sum256(b)
	return [8]byte(sum[:8])
}

// restore notes a row judged by an interrupted attempt of the same run, so
// that the refunds check sees every row of the order.
func (j *judge) restore(row recon.Row, r recon.Result, res recon.Reply) {
	j.note(row, r.Judgement(), res)
}
