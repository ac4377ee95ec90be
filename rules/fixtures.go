package rules

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
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
		Amount        *Minor            `yaml:"amount"`
		Received      *Minor            `yaml:"received"`
		Refunded      *Minor            `yaml:"refunded"`
		RefundAmount  *Minor            `yaml:"refund_amount"`
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

// Minor is an amount in integer minor units, as a fixture's answer gives
// it. yaml would truncate 100.5 into an int64 (and the case would pass on
// 100): a fixture amount is an integer or an error naming its line.
type Minor int64

// UnmarshalYAML takes decimal integers only.
func (m *Minor) UnmarshalYAML(n *yaml.Node) error {
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if n.Kind == yaml.ScalarNode && err == nil {
		*m = Minor(v)
		return nil
	}
	msg := fmt.Sprintf("amount %q is not an integer of minor units", n.Value)
	if f, ferr := strconv.ParseFloat(n.Value, 64); n.Kind == yaml.ScalarNode && ferr == nil && f != math.Trunc(f) {
		msg = fmt.Sprintf("amount %s is not a whole number of minor units", n.Value)
	}
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, msg)}}
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
			return nil, fixtureError(name, err)
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

var (
	yamlLine     = regexp.MustCompile(`^line (\d+): (.*)$`)
	yamlNotFound = regexp.MustCompile(`^field (\S+) not found in type (.*)$`)
	// fixtureKeys are the keys of each struct a fixture file decodes into,
	// by the type's name as yaml prints it.
	fixtureKeys = structKeys(reflect.TypeFor[FixtureFile](), map[string][]string{})
)

// fixtureError is a fixture file's decoding error as FILE:LINE: lines, an
// unknown key naming the keys known there (yaml names a Go type instead).
func fixtureError(file string, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("fixture file %s: %w", file, err)
	}
	lines := make([]string, len(te.Errors))
	for i, e := range te.Errors {
		m := yamlLine.FindStringSubmatch(e)
		if m == nil {
			lines[i] = file + ": " + e
			continue
		}
		msg := m[2]
		if nf := yamlNotFound.FindStringSubmatch(msg); nf != nil {
			msg = fmt.Sprintf("unknown key %s (known: %s)", nf[1], strings.Join(fixtureKeys[nf[2]], ", "))
		}
		lines[i] = fmt.Sprintf("%s:%s: %s", file, m[1], msg)
	}
	return errors.New(strings.Join(lines, "\n"))
}

// structKeys adds t's yaml keys, sorted, and those of the structs in it.
func structKeys(t reflect.Type, out map[string][]string) map[string][]string {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return structKeys(t.Elem(), out)
	case reflect.Struct:
	default:
		return out
	}
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		if k, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); k != "" && k != "-" {
			keys = append(keys, k)
		}
		structKeys(f.Type, out)
	}
	sort.Strings(keys)
	out[t.String()] = keys
	return out
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
		Amount: (*int64)(a.Amount), Received: (*int64)(a.Received), Refunded: (*int64)(a.Refunded),
		RefundAmount: (*int64)(a.RefundAmount),
		TradeNo:      a.TradeNo, RefundTradeNo: a.RefundTradeNo, Fields: a.Fields,
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
