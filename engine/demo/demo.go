// Package demo prepares recon's one-command tour: a config pointing at the
// sandboxed simulators and a ledger with known planted discrepancies, and
// checks afterwards that the run found exactly what was planted.
package demo

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/builtin"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/store"
)

// Expect is what a ledger line must get.
type Expect struct {
	Account string
	Verdict recon.Verdict
	Why     string
}

// Plan is a prepared demo.
type Plan struct {
	ConfigPath string
	LedgerPath string
	StorePath  string
	Want       map[int]Expect // by ledger line
	// Statements names the statement file of each account, once
	// WithStatements wrote them: each of the planted day, yesterday in the
	// account's zone, which is the day a night covers by default.
	Statements map[string]string
	// Statement results are checked only once statements are written.
	queryPath map[string]bool // MissingCase.key of ledger rows planted to test the query path
	planted   map[string]bool // account \x00 order_no of every planted order
	// Missing are the planted orders and refunds only the providers (and
	// their statements) have: no ledger line, a MISSING_IN_LEDGER result
	// once the statements are read.
	Missing []MissingCase
}

// MissingCase is a planted payment or refund the ledger lacks.
type MissingCase struct {
	Account, OrderNo string
	Kind             recon.Kind
	RefundNo         string
}

func (m MissingCase) key() string {
	return m.Account + "\x00" + m.Kind.String() + "\x00" + m.OrderNo + "\x00" + m.RefundNo
}

// Account names the demo account of a provider.
func Account(provider string) string { return "demo-" + provider }

// Prepare writes config.yaml and ledger.csv into dir for the simulators of
// sb, planting about orders rows spread over the providers.
func Prepare(dir string, sb *builtin.Sandbox, seed uint64, orders int) (*Plan, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0xdeadbeef))
	names := make([]string, 0, len(sb.Sims))
	for n := range sb.Sims {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, fmt.Errorf("demo: no built-in providers")
	}
	per := max(orders/len(names), 1)
	plan := &Plan{ConfigPath: filepath.Join(dir, "config.yaml"), LedgerPath: filepath.Join(dir, "ledger.csv"),
		StorePath: filepath.Join(dir, "recon.db"), Want: map[int]Expect{}}

	cfg := map[string]any{"store": "recon.db", "fail_on": "warn"}
	accounts := map[string]any{}
	rows := [][]string{{"account", "order_no", "provider_trade_no", "type", "refund_no", "amount", "currency", "status"}}
	plan.queryPath, plan.planted = map[string]bool{}, map[string]bool{}
	add := func(acct string, c simkit.Case) {
		rows = append(rows, []string{acct, c.OrderNo, c.ProviderTradeNo, c.Kind.String(), c.RefundNo, c.Amount, c.Currency, string(c.Status)})
		plan.Want[len(rows)] = Expect{Account: acct, Verdict: c.Want, Why: c.Why}
		plan.planted[acct+"\x00"+c.OrderNo] = true
		if queryPath[c.Want] {
			plan.queryPath[MissingCase{Account: acct, OrderNo: c.OrderNo, Kind: c.Kind, RefundNo: c.RefundNo}.key()] = true
		}
	}
	var firstCase *simkit.Case
	var firstAcct string
	for _, name := range names {
		sim := sb.Sims[name]
		acct := Account(name)
		a, err := accountConfig(dir, name, sb.BaseURL(name), sim.Account())
		if err != nil {
			return nil, err
		}
		accounts[acct] = a
		for _, c := range sim.Plant(rng, per) {
			if c.NotInLedger {
				plan.planted[acct+"\x00"+c.OrderNo] = true
				plan.Missing = append(plan.Missing, MissingCase{Account: acct, OrderNo: c.OrderNo, Kind: c.Kind, RefundNo: c.RefundNo})
				continue
			}
			add(acct, c)
			if firstCase == nil && c.Want == recon.VerdictMatched && c.Kind != recon.Refund {
				c := c
				firstCase, firstAcct = &c, acct
			}
		}
	}
	// Rows the ledger itself gets wrong: never dropped, always reported.
	acct := Account(names[0])
	add(acct, simkit.Case{OrderNo: "BAD-AMOUNT", Amount: "12.345", Status: "PAID", Want: "INVALID", Why: "three decimals"})
	add("no-such-account", simkit.Case{OrderNo: "BAD-ACCOUNT", Amount: "1.00", Status: "PAID", Want: "INVALID", Why: "unknown account"})
	add(acct, simkit.Case{OrderNo: "BAD-STATUS", Amount: "1.00", Status: "SHIPPED", Want: "INVALID", Why: "unknown status"})
	if firstCase != nil {
		dup := *firstCase
		dup.Want, dup.Why = "DUPLICATE", "the same order twice"
		add(firstAcct, dup)
	}
	cfg["accounts"] = accounts
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(plan.ConfigPath, b, 0o600); err != nil {
		return nil, err
	}
	f, err := os.Create(plan.LedgerPath)
	if err != nil {
		return nil, err
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return nil, err
	}
	return plan, f.Close()
}

// queryPath are the verdicts of cases planted to test the query path: a
// scripted failure, a tampered or unclear answer, refunds that do not add
// up (which only the query's refunded total shows). A trusted statement is
// taken at its word, so such a row would never be asked; the demo's
// statements leave out the rows that would confirm them, and the query
// finds them as planted.
var queryPath = map[recon.Verdict]bool{recon.VerdictError: true, recon.VerdictUnverifiable: true,
	recon.VerdictUnknownStatus: true, recon.VerdictRefundMismatch: true}

// WithStatements writes each simulator's statement of the planted day
// (simkit.PlantDay) into dir/statements, and points the config's accounts
// at them with statement_trust: the planted orders only the providers have
// become MISSING_IN_LEDGER, and the rows the statements confirm are judged
// without a query.
func WithStatements(dir string, sb *builtin.Sandbox, plan *Plan) error {
	b, err := os.ReadFile(plan.ConfigPath)
	if err != nil {
		return err
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		return err
	}
	accounts, _ := cfg["accounts"].(map[string]any)
	if err := os.MkdirAll(filepath.Join(dir, "statements"), 0o700); err != nil {
		return err
	}
	plan.Statements = map[string]string{}
	for name, sim := range sb.Sims {
		acct := Account(name)
		a, ok := accounts[acct].(map[string]any)
		if !ok {
			continue
		}
		loc := time.UTC
		if tz := sim.Account().Timezone; tz != "" {
			if l, err := time.LoadLocation(tz); err == nil {
				loc = l
			}
		}
		day := simkit.PlantDay(time.Now(), loc)
		var rows []simkit.StatementRow
		// The statement of the planted orders (a simulator's own defaults
		// are no part of the demo's ledger), less the rows that would
		// confirm a case planted for the query path.
		for _, r := range sim.Statement(day) {
			k := MissingCase{Account: acct, OrderNo: r.OrderNo, Kind: r.Kind, RefundNo: r.RefundNo}.key()
			if plan.planted[acct+"\x00"+r.OrderNo] && !plan.queryPath[k] {
				rows = append(rows, r)
			}
		}
		rel := filepath.Join("statements", name+"-"+day.Format(time.DateOnly)+".csv")
		f, err := os.Create(filepath.Join(dir, rel))
		if err != nil {
			return err
		}
		if err := simkit.WriteStatement(f, rows); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		a["statement"] = filepath.Join("statements", name+"-{date}.csv")
		a["statement_trust"] = true
		plan.Statements[acct] = filepath.Join(dir, rel)
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return err
	}
	return os.WriteFile(plan.ConfigPath, out, 0o600)
}

func accountConfig(dir, name, url string, a simkit.Account) (map[string]any, error) {
	creds := map[string]string{}
	for k, v := range a.Credentials {
		if !strings.Contains(v, "\n") {
			creds[k] = v
			continue
		}
		// Keys go in files, as a merchant would keep them.
		file := name + "-" + strings.ReplaceAll(k, "_", "-") + ".pem"
		if err := os.WriteFile(filepath.Join(dir, file), []byte(v), 0o600); err != nil {
			return nil, err
		}
		creds[k+"_file"] = file
	}
	out := map[string]any{
		"plugin": name, "endpoint": url, "rate_limit": 500, "concurrency": 8,
		"timeout": "3s", "retries": 2, "backoff": "20ms", "credentials": creds,
	}
	if a.Currency != "" {
		out["currency"] = a.Currency
	}
	if a.Timezone != "" {
		out["timezone"] = a.Timezone
	}
	return out, nil
}

// Mismatch is a line whose verdict is not the planted one.
type Mismatch struct {
	Line      int
	Want, Got string
	Why       string
	Detail    string
}

// Check compares a run's verdicts with the plan.
func Check(db *store.DB, runID string, plan *Plan) ([]Mismatch, error) {
	var out []Mismatch
	seen := map[int]bool{}
	missing := map[string]bool{}
	for _, m := range plan.Missing {
		missing[m.key()] = true
	}
	err := db.Results(runID, func(r recon.Result) error {
		if !r.InLedger() {
			k := MissingCase{Account: r.Account, OrderNo: r.OrderNo, Kind: r.Kind, RefundNo: r.RefundNo}.key()
			switch {
			case plan.Statements == nil:
				out = append(out, Mismatch{Line: r.Line, Want: "(no statement read)", Got: string(r.Verdict), Detail: r.Detail})
			case r.Verdict != recon.VerdictMissingInLedger || !missing[k]:
				out = append(out, Mismatch{Line: r.Line, Want: "(nothing planted)", Got: string(r.Verdict), Detail: r.Detail})
			default:
				delete(missing, k)
			}
			return nil
		}
		seen[r.Line] = true
		if r.Source == recon.SourceStatement && plan.Want[r.Line].Verdict != recon.VerdictMatched {
			out = append(out, Mismatch{Line: r.Line, Want: string(plan.Want[r.Line].Verdict), Got: string(r.Verdict) + " on the statement",
				Why: plan.Want[r.Line].Why, Detail: r.Detail})
			return nil
		}
		want, ok := plan.Want[r.Line]
		if !ok {
			out = append(out, Mismatch{Line: r.Line, Want: "(nothing planted)", Got: string(r.Verdict), Detail: r.Detail})
		} else if want.Verdict != r.Verdict {
			out = append(out, Mismatch{Line: r.Line, Want: string(want.Verdict), Got: string(r.Verdict), Why: want.Why, Detail: r.Detail})
		}
		return nil
	})
	for line, want := range plan.Want {
		if !seen[line] {
			out = append(out, Mismatch{Line: line, Want: string(want.Verdict), Got: "(no result)", Why: want.Why})
		}
	}
	if plan.Statements != nil {
		for _, m := range plan.Missing {
			if missing[m.key()] {
				out = append(out, Mismatch{Want: string(recon.VerdictMissingInLedger), Got: "(no result)",
					Why: fmt.Sprintf("%s %s %s %s only the provider has", m.Account, m.Kind, m.OrderNo, m.RefundNo)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out, err
}

// Coverage counts the planted verdicts per account.
func (p *Plan) Coverage() map[string]map[recon.Verdict]int {
	out := map[string]map[recon.Verdict]int{}
	for _, e := range p.Want {
		if out[e.Account] == nil {
			out[e.Account] = map[recon.Verdict]int{}
		}
		out[e.Account][e.Verdict]++
	}
	if p.Statements != nil {
		for _, m := range p.Missing {
			if out[m.Account] == nil {
				out[m.Account] = map[recon.Verdict]int{}
			}
			out[m.Account][recon.VerdictMissingInLedger]++
		}
	}
	return out
}
