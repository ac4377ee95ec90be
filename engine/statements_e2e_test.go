package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/statement"
	"github.com/reconhq/recon/store"
)

// statementPlan is what a test's statements hold, by account.
type statementPlan struct {
	paths     map[string]string
	confirms  map[int]bool    // ledger lines a statement row agrees with
	disagrees map[int]bool    // ledger lines whose statement row has another amount
	missing   map[string]bool // "account order_no" only the statements have
	invalid   map[string]bool // "file:line" of malformed statement rows
}

// writeStatements writes a "recon" statement per account of the fixture:
// a row agreeing with each MATCHED payment of the ledger, one with another
// amount, two payments the ledger lacks, a malformed row and a payment
// dated outside the period (not missing: not the ledger's to have).
func writeStatements(t *testing.T, f *fixture, day time.Time) *statementPlan {
	t.Helper()
	lf, err := os.Open(f.plan.LedgerPath)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	rows, err := csv.NewReader(lf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	sp := &statementPlan{paths: map[string]string{}, confirms: map[int]bool{}, disagrees: map[int]bool{},
		missing: map[string]bool{}, invalid: map[string]bool{}}
	files := map[string][][]string{}
	at := day.Add(10 * time.Hour).Format(time.RFC3339)
	header := []string{"order_no", "provider_trade_no", "type", "refund_no", "amount", "currency", "status", "time"}
	for i, r := range rows[1:] {
		line := i + 2
		want := f.plan.Want[line]
		acct := r[col["account"]]
		if _, ok := f.cfg.Accounts[acct]; !ok || want.Verdict != recon.VerdictMatched || r[col["type"]] == "refund" {
			continue
		}
		if f.plan.Want[line].Verdict == recon.VerdictDuplicate {
			continue
		}
		amount := r[col["amount"]]
		if len(files[acct]) == 0 {
			// The first MATCHED payment of each account: another amount.
			amount = "99999"
			if amount == r[col["amount"]] {
				amount = "99998"
			}
			sp.disagrees[line] = true
		} else {
			sp.confirms[line] = true
		}
		files[acct] = append(files[acct], []string{r[col["order_no"]], r[col["provider_trade_no"]], "payment", "",
			amount, r[col["currency"]], r[col["status"]], at})
	}
	outside := day.AddDate(0, 0, -3).Add(time.Hour).Format(time.RFC3339)
	dir := t.TempDir()
	for _, acct := range f.cfg.AccountNames() {
		cur := f.cfg.Accounts[acct].Currency
		rs := append([][]string{header}, files[acct]...)
		for i := range 2 {
			no := fmt.Sprintf("ONLY-IN-STATEMENT-%s-%d", acct, i)
			rs = append(rs, []string{no, "", "payment", "", "8.80", cur, "PAID", at})
			sp.missing[acct+" "+no] = true
		}
		rs = append(rs, []string{"OUTSIDE-" + acct, "", "payment", "", "1.00", cur, "PAID", outside})
		path := filepath.Join(dir, acct+".csv")
		rs = append(rs, []string{"BAD-" + acct, "", "payment", "", "twelve", cur, "PAID", at})
		sp.invalid[fmt.Sprintf("%s:%d", path, len(rs))] = true
		w, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		cw := csv.NewWriter(w)
		if err := cw.WriteAll(rs); err != nil {
			t.Fatal(err)
		}
		w.Close()
		sp.paths[acct] = path
	}
	return sp
}

// trust sets every account's statement_trust.
func trust(t *testing.T, cfg *config.Config, on bool) {
	t.Helper()
	for _, a := range cfg.Accounts {
		m, _ := statement.Preset("recon")
		m.DefaultCurrency, m.Location = a.Currency, a.Location
		a.Statement = &config.Statement{Trust: on, Format: "recon", Mapping: m}
	}
}

func TestStatementsTwoSided(t *testing.T) {
	for _, trusted := range []bool{false, true} {
		t.Run(fmt.Sprintf("trusted=%v", trusted), func(t *testing.T) {
			f := newFixture(t, 60)
			day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
			sp := writeStatements(t, f, day)
			trust(t, f.cfg, trusted)
			before := int64(0)
			for name := range f.sb.Sims {
				before += f.sb.Requests(name)
			}
			run, st, err := Run(context.Background(), Options{Config: f.cfg, Store: f.db, LedgerPath: f.plan.LedgerPath,
				Statements: sp.paths, StatementDay: day})
			if err != nil {
				t.Fatal(err)
			}
			sent := -before
			for name := range f.sb.Sims {
				sent += f.sb.Requests(name)
			}
			missing, invalid, fromStatement := map[string]bool{}, map[string]bool{}, 0
			if err := f.db.Results(run.ID, func(r recon.Result) error {
				if !r.InLedger() {
					switch r.Verdict {
					case recon.VerdictMissingInLedger:
						missing[r.Account+" "+r.OrderNo] = true
						if r.Severity != recon.SeverityCritical || r.Action != recon.ActionReview || r.Provider == nil ||
							r.Provider.Status != recon.StatePaid || r.Source != recon.SourceStatement {
							t.Errorf("%s: %+v", r.Where(), r)
						}
					case recon.VerdictInvalid:
						invalid[r.Where()] = true
					default:
						t.Errorf("statement row %s: %s (%s)", r.Where(), r.Verdict, r.Detail)
					}
					return nil
				}
				want := f.plan.Want[r.Line]
				if r.Verdict != want.Verdict {
					t.Errorf("line %d: %s (%s), want %s (%s)", r.Line, r.Verdict, r.Detail, want.Verdict, want.Why)
				}
				wantSource := recon.SourceQuery
				switch {
				case sp.confirms[r.Line] && trusted:
					wantSource = recon.SourceStatement
					fromStatement++
					if r.Attempts != 0 {
						t.Errorf("line %d: confirmed by a trusted statement yet queried (%d attempts)", r.Line, r.Attempts)
					}
				case sp.confirms[r.Line] || sp.disagrees[r.Line]:
					wantSource = recon.SourceBoth
				case r.Verdict == recon.VerdictInvalid || r.Verdict == recon.VerdictDuplicate:
					wantSource = ""
				}
				if r.Source != wantSource {
					t.Errorf("line %d (%s): source %q, want %q", r.Line, r.Verdict, r.Source, wantSource)
				}
				if (wantSource == recon.SourceBoth || wantSource == recon.SourceStatement) && (r.Statement == nil || r.Statement.Line == 0) {
					t.Errorf("line %d: no statement row named", r.Line)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			sp.check(t, missing, invalid)
			if len(sp.confirms) < 8 {
				t.Fatalf("only %d confirmed rows planted: too few to tell", len(sp.confirms))
			}
			// The simulators count what was sent: with trust, no query for
			// a confirmed row; without it, every row is asked as before.
			if trusted {
				if fromStatement != len(sp.confirms) || st.Confirmed != fromStatement {
					t.Errorf("%d rows judged on the statement (stats %d); want %d", fromStatement, st.Confirmed, len(sp.confirms))
				}
				if int(sent) > st.Queries || st.Queried+st.Confirmed > st.Rows {
					t.Errorf("%d requests reached the simulators for %d queries; %d rows queried + %d confirmed of %d",
						sent, st.Queries, st.Queried, st.Confirmed, st.Rows)
				}
			} else if st.Confirmed != 0 || st.Queried < len(sp.confirms) {
				t.Errorf("untrusted: %d confirmed, %d queried", st.Confirmed, st.Queried)
			}
			if int(sent) < st.Queried-st.Failed {
				t.Errorf("the simulators saw %d requests for %d rows answered", sent, st.Queried-st.Failed)
			}
			t.Logf("rows %d, queried %d, confirmed %d, requests %d, missing %d", st.Rows, st.Queried, st.Confirmed, sent, len(missing))
			got, err := f.db.Run(run.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Statements) != len(f.cfg.Accounts) {
				t.Fatalf("the run records %d statements: %+v", len(got.Statements), got.Statements)
			}
			for _, s := range got.Statements {
				if s.Status != store.StatementRead || s.Missing != 2 || s.Invalid != 1 || s.Outside != 1 || s.SHA256 == "" {
					t.Errorf("statement of %s: %+v", s.Account, s)
				}
			}
		})
	}
}

// check compares the statement rows a night reported MISSING_IN_LEDGER
// ("account order_no") and INVALID ("FILE:LINE") with the plan.
func (sp *statementPlan) check(t *testing.T, missing, invalid map[string]bool) {
	t.Helper()
	if !equalSets(missing, sp.missing) {
		t.Errorf("MISSING_IN_LEDGER for %v; want exactly %v", keys(missing), keys(sp.missing))
	}
	if !equalSets(invalid, sp.invalid) {
		t.Errorf("INVALID statement rows %v; want %v", keys(invalid), keys(sp.invalid))
	}
}

func equalSets(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A statement row about another order is not this row's, as a query's answer
// about another order is not (Query.Check): neither one that shares the
// ledger row's trade number under another order number, nor one of the same
// order number naming another trade. The ledger row is asked, never
// confirmed by it, and the statement row is the ledger's to explain.
func TestStatementRowOfAnotherOrderIsNotThisRows(t *testing.T) {
	f := newFixture(t, 60)
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	sp := writeStatements(t, f, day)
	trust(t, f.cfg, true)
	ledger := readCSV(t, f.plan.LedgerPath)
	col := map[string]int{}
	for i, h := range ledger[0] {
		col[h] = i
	}
	// Two confirmed rows with a trade number: one's statement row gets
	// another order number, the other's another trade number.
	type change struct {
		line          int
		order, trade  string
		account, want string // the statement row's order number, reported missing
	}
	var changes []change
	for line := 2; line <= len(ledger) && len(changes) < 2; line++ {
		r := ledger[line-1]
		if !sp.confirms[line] || r[col["provider_trade_no"]] == "" {
			continue
		}
		c := change{line: line, order: r[col["order_no"]], trade: r[col["provider_trade_no"]], account: r[col["account"]]}
		c.want = c.order
		if len(changes) == 0 {
			c.want = c.order + "-OTHER"
		}
		changes = append(changes, c)
	}
	if len(changes) < 2 {
		t.Fatal("the fixture has too few confirmed rows with a trade number")
	}
	for i, c := range changes {
		path := sp.paths[c.account]
		rows := readCSV(t, path)
		for _, r := range rows[1:] {
			if r[0] != c.order {
				continue
			}
			if i == 0 {
				r[0] = c.want
			} else {
				r[1] = c.trade + "9"
			}
		}
		writeCSV(t, path, rows)
		delete(sp.confirms, c.line)
		sp.missing[c.account+" "+c.want] = true
	}
	run, _, err := Run(context.Background(), Options{Config: f.cfg, Store: f.db, LedgerPath: f.plan.LedgerPath,
		Statements: sp.paths, StatementDay: day})
	if err != nil {
		t.Fatal(err)
	}
	missing := map[string]bool{}
	if err := f.db.Results(run.ID, func(r recon.Result) error {
		if !r.InLedger() {
			if r.Verdict == recon.VerdictMissingInLedger {
				missing[r.Account+" "+r.OrderNo] = true
			}
			return nil
		}
		for _, c := range changes {
			if r.Line == c.line && (r.Source != recon.SourceQuery || r.Attempts == 0 || r.Statement != nil) {
				t.Errorf("line %d (%s): source %q, %d attempts, statement %+v: want asked, without the statement row of another order",
					r.Line, r.Verdict, r.Source, r.Attempts, r.Statement)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !equalSets(missing, sp.missing) {
		t.Errorf("MISSING_IN_LEDGER for %v; want exactly %v", keys(missing), keys(sp.missing))
	}
}

// A replay judges the stored answers again; where the provider's view came
// from and the statement row joined are not the rules' to change, so a
// replay with the same rules keeps them as the night had them.
func TestReplayKeepsWhereTheViewCameFrom(t *testing.T) {
	f := newFixture(t, 60)
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	sp := writeStatements(t, f, day)
	trust(t, f.cfg, true)
	run, st, err := Run(context.Background(), Options{Config: f.cfg, Store: f.db, LedgerPath: f.plan.LedgerPath,
		Statements: sp.paths, StatementDay: day})
	if err != nil {
		t.Fatal(err)
	}
	was := map[int]recon.Result{}
	if err := f.db.Results(run.ID, func(r recon.Result) error {
		was[r.Line] = r
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	res, err := Replay(context.Background(), ReplayOptions{Config: f.cfg, Store: f.db, Of: run.ID})
	if err != nil {
		t.Fatal(err)
	}
	if res.Run.Stats.Rows != st.Rows {
		t.Errorf("the replay counts %d ledger rows; the night had %d", res.Run.Stats.Rows, st.Rows)
	}
	sources := map[string]int{}
	if err := f.db.Results(res.Run.ID, func(r recon.Result) error {
		w := was[r.Line]
		sources[w.Source]++
		if r.Source != w.Source || (r.Statement == nil) != (w.Statement == nil) ||
			r.Statement != nil && *r.Statement != *w.Statement || r.Fingerprint != w.Fingerprint {
			t.Errorf("line %v: replayed source %q, statement %v, fingerprint %s; the night had %q, %v, %s",
				r.Where(), r.Source, r.Statement, r.Fingerprint, w.Source, w.Statement, w.Fingerprint)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if sources[recon.SourceBoth] == 0 || sources[recon.SourceStatement] == 0 || sources[recon.SourceQuery] == 0 {
		t.Fatalf("the night's sources %v do not exercise the replay", sources)
	}
}

// A statement line longer than statement.MaxLineBytes is one INVALID
// result at its FILE:LINE, not a statement that cannot be read: the night
// completes, and the rows after the long line still join their ledger rows
// or are MISSING_IN_LEDGER, at their own lines.
func TestStatementLongLine(t *testing.T) {
	f := newFixture(t, 60)
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	sp := writeStatements(t, f, day)
	trust(t, f.cfg, false)
	acct := f.cfg.AccountNames()[0]
	path := sp.paths[acct]
	rows := readCSV(t, path)
	if len(rows) < 4 {
		t.Fatalf("%s has %d lines: too few to put a long line among", path, len(rows))
	}
	// The long line goes in as line 3: every row after it is a line further on.
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.WriteAll(rows[:2])
	buf.WriteString("LONG-1,,payment,,1.00,CNY,PAID," + strings.Repeat("x", statement.MaxLineBytes) + "\n")
	cw = csv.NewWriter(&buf)
	if err := cw.WriteAll(rows[2:]); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	delete(sp.invalid, fmt.Sprintf("%s:%d", path, len(rows)))
	sp.invalid[fmt.Sprintf("%s:%d", path, len(rows)+1)] = true // the malformed row, now a line on
	longAt := fmt.Sprintf("%s:3", path)
	sp.invalid[longAt] = true

	run, _, err := Run(context.Background(), Options{Config: f.cfg, Store: f.db, LedgerPath: f.plan.LedgerPath,
		Statements: sp.paths, StatementDay: day})
	if err != nil {
		t.Fatalf("the night failed: %v", err)
	}
	missing, invalid, joinedAfter := map[string]bool{}, map[string]bool{}, 0
	if err := f.db.Results(run.ID, func(r recon.Result) error {
		switch {
		case !r.InLedger() && r.Verdict == recon.VerdictMissingInLedger:
			missing[r.Account+" "+r.OrderNo] = true
		case !r.InLedger() && r.Verdict == recon.VerdictInvalid:
			invalid[r.Where()] = true
			if r.Where() == longAt && !strings.Contains(r.Detail, fmt.Sprintf("longer than %d bytes", statement.MaxLineBytes)) {
				t.Errorf("%s: detail %q; want it to say the line is too long", longAt, r.Detail)
			}
		case !r.InLedger():
			t.Errorf("statement row %s: %s (%s)", r.Where(), r.Verdict, r.Detail)
		case sp.confirms[r.Line] || sp.disagrees[r.Line]:
			if r.Source != recon.SourceBoth || r.Statement == nil {
				t.Errorf("line %d (%s): source %q, statement %v; want its statement row joined", r.Line, r.Verdict, r.Source, r.Statement)
			} else if r.Statement.File == path && r.Statement.Line > 3 {
				joinedAfter++
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sp.check(t, missing, invalid)
	if joinedAfter == 0 {
		t.Errorf("no ledger row joined a row of %s after its long line", path)
	}
	got, err := f.db.Run(run.ID)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	for _, s := range got.Statements {
		if s.Account == acct && (s.Status != store.StatementRead || s.Invalid != 2 || s.Missing != 2 ||
			s.SHA256 != hex.EncodeToString(sum[:])) {
			t.Errorf("statement of %s: %+v; want read, 2 invalid, 2 missing and the digest of the file, %x", acct, s, sum)
		}
	}
}
