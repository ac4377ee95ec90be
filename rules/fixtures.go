package rules

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
)

//go:embed builtin/fixtures
var builtinFixtures embed.FS

// FixtureFile is a file of rule fixtures: ledger rows and provider answers
// with the state and verdict the rules must reach.
type FixtureFile struct {
	Provider string    `yaml:"provider"`
	Account  string    `yaml:"account"`
	Currency string    `yaml:"currency"`
	Cases    []Fixture `yaml:"cases"`
}

// Fixture is one case.
type Fixture struct {
	Name string `yaml:"name"`
	Row  struct {
		Account         string `yaml:"account"`
		Type            string `yaml:"type"`
		OrderNo         string `yaml:"order_no"`
		ProviderTradeNo string `yaml:"provider_trade_no"`
		RefundNo        string `yaml:"refund_no"`
		Status          string `yaml:"status"`
		Amount          string `yaml:"amount"`
		Currency        string `yaml:"currency"`
		CreatedAt       string `yaml:"created_at"` // RFC 3339
	} `yaml:"row"`
	Answer struct {
		Outcome       string            `yaml:"outcome"`
		Error         string            `yaml:"error"`
		Verified      bool              `yaml:"verified"`
		Status        string            `yaml:"status"`
		SubStatus     string            `yaml:"sub_status"`
		Currency      string            `yaml:"currency"`
		Amount        *int64            `yaml:"amount"`
		Received      *int64            `yaml:"received"`
		Refunded      *int64            `yaml:"refunded"`
		RefundAmount  *int64            `yaml:"refund_amount"`
		TradeNo       string            `yaml:"trade_no"`
		RefundTradeNo string            `yaml:"refund_trade_no"`
		PaidAt        string            `yaml:"paid_at"`     // RFC 3339
		RefundedAt    string            `yaml:"refunded_at"` // RFC 3339
		Fields        map[string]string `yaml:"fields"`
	} `yaml:"answer"`
	Want struct {
		State    string `yaml:"state"`
		Verdict  string `yaml:"verdict"`
		Severity string `yaml:"severity"`
		Action   string `yaml:"action"`
	} `yaml:"want"`
}

// FixtureResult is one case's outcome; Problem is empty when it passed.
type FixtureResult struct {
	File, Name string
	Got        recon.Judgement
	Problem    string
}

// BuiltinFixtures returns the fixture files shipped with the built-in rules.
func BuiltinFixtures() (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(builtinFixtures, "builtin/fixtures", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isYAML(p) {
			return err
		}
		b, err := builtinFixtures.ReadFile(p)
		out[BuiltinPrefix+strings.TrimPrefix(p, "builtin/")] = b
		return err
	})
	return out, err
}

// ReadFixtureDir reads every .yaml/.yml file under dir.
func ReadFixtureDir(dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isYAML(p) {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = b
		return err
	})
	return out, err
}

func isYAML(p string) bool { return strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml") }

// RunFixtures runs every case of the given fixture files against r.
func (r *Rules) RunFixtures(ctx context.Context, files map[string][]byte) ([]FixtureResult, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []FixtureResult
	for _, name := range names {
		var ff FixtureFile
		dec := yaml.NewDecoder(strings.NewReader(string(files[name])))
		dec.KnownFields(true)
		if err := dec.Decode(&ff); err != nil {
			return nil, fmt.Errorf("fixture file %s: %w", name, err)
		}
		for i, c := range ff.Cases {
			res := FixtureResult{File: name, Name: c.Name}
			if res.Name == "" {
				res.Name = fmt.Sprintf("case %d", i+1)
			}
			row, ans, err := ff.build(c)
			if err != nil {
				res.Problem = err.Error()
			} else if res.Got, err = r.Judge(ctx, row, ans); err != nil {
				res.Problem = err.Error()
			} else {
				res.Problem = c.check(res.Got)
			}
			out = append(out, res)
		}
	}
	return out, nil
}

func (ff FixtureFile) build(c Fixture) (recon.Row, recon.Reply, error) {
	cur := firstNonEmpty(c.Row.Currency, ff.Currency, "CNY")
	digits, err := money.Digits(cur)
	if err != nil {
		return recon.Row{}, recon.Reply{}, err
	}
	amount, err := money.Parse(firstNonEmpty(c.Row.Amount, "0"), digits)
	if err != nil {
		return recon.Row{}, recon.Reply{}, fmt.Errorf("row amount: %w", err)
	}
	kind, err := recon.ParseKind(c.Row.Type)
	if err != nil {
		return recon.Row{}, recon.Reply{}, fmt.Errorf("row %w", err)
	}
	row := recon.Row{
		Line:            1,
		Account:         firstNonEmpty(c.Row.Account, ff.Account, "fixture"),
		Provider:        ff.Provider,
		Kind:            kind,
		OrderNo:         firstNonEmpty(c.Row.OrderNo, "F1"),
		ProviderTradeNo: c.Row.ProviderTradeNo,
		RefundNo:        c.Row.RefundNo,
		Status:          recon.State(c.Row.Status),
		Amount:          amount,
		Currency:        cur,
	}
	if c.Row.CreatedAt != "" {
		if row.CreatedAt, err = time.Parse(time.RFC3339, c.Row.CreatedAt); err != nil {
			return row, recon.Reply{}, fmt.Errorf("row created_at: %w", err)
		}
	}
	a := c.Answer
	outcome := recon.ParseOutcome(firstNonEmpty(a.Outcome, "FOUND"))
	if a.Outcome == "ERROR" {
		outcome = recon.OutcomeTransient
	}
	if outcome == 0 {
		return row, recon.Reply{}, fmt.Errorf("answer outcome %q is not FOUND, NOT_FOUND, UNSUPPORTED, UNVERIFIABLE or ERROR", a.Outcome)
	}
	ans := recon.Reply{Outcome: outcome, Err: a.Error, Verified: a.Verified, Answer: recon.Answer{
		Status: a.Status, SubStatus: a.SubStatus, Currency: firstNonEmpty(a.Currency, ff.Currency, "CNY"), // the account's, as the engine does
		Amount: a.Amount, Received: a.Received, Refunded: a.Refunded, RefundAmount: a.RefundAmount,
		TradeNo: a.TradeNo, RefundTradeNo: a.RefundTradeNo, Fields: a.Fields,
	}}
	for _, t := range []struct {
		name, v string
		dst     *time.Time
	}{{"paid_at", a.PaidAt, &ans.Answer.PaidAt}, {"refunded_at", a.RefundedAt, &ans.Answer.RefundedAt}} {
		if t.v == "" {
			continue
		}
		if *t.dst, err = time.Parse(time.RFC3339, t.v); err != nil {
			return row, ans, fmt.Errorf("answer %s: %w", t.name, err)
		}
	}
	return row, ans, nil
}

func (c Fixture) check(got recon.Judgement) string {
	var bad []string
	for _, f := range []struct{ what, want, got string }{
		{"state", c.Want.State, string(got.State)}, {"verdict", c.Want.Verdict, string(got.Verdict)},
		{"severity", c.Want.Severity, string(got.Severity)}, {"action", c.Want.Action, string(got.Action)},
	} {
		if f.want != "" && f.want != f.got {
			bad = append(bad, fmt.Sprintf("%s %s, want %s", f.what, f.got, f.want))
		}
	}
	if c.Want.Verdict == "" {
		bad = append(bad, "fixture names no expected verdict")
	}
	return strings.Join(bad, "; ")
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}
