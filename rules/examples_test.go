package rules

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
)

// exampleFile is a fixture file of an example rule (rules/examples/testdata):
// each case says what the built-in rules decide (without) and what they
// decide with the example loaded after them (want).
type exampleFile struct {
	Example     string        `yaml:"example"`
	Provider    string        `yaml:"provider"`
	Account     string        `yaml:"account"`
	Currency    string        `yaml:"currency"`
	Cases       []exampleCase `yaml:"cases"`
	ShouldQuery *struct {
		Now   string         `yaml:"now"`
		Cases []exampleQuery `yaml:"cases"`
	} `yaml:"should_query"`
}

type exampleCase struct {
	Fixture `yaml:",inline"`
	Without struct {
		State    string `yaml:"state"`
		Verdict  string `yaml:"verdict"`
		Severity string `yaml:"severity"`
		Action   string `yaml:"action"`
	} `yaml:"without"`
}

type exampleQuery struct {
	Name string `yaml:"name"`
	Row  struct {
		Status    string `yaml:"status"`
		Amount    string `yaml:"amount"`
		CreatedAt string `yaml:"created_at"`
	} `yaml:"row"`
	Last *struct {
		Verdict   recon.Verdict `yaml:"verdict"`
		At        string        `yaml:"at"`
		Unchanged bool          `yaml:"unchanged"`
	} `yaml:"last"`
	Without bool `yaml:"without"`
	Want    bool `yaml:"want"`
}

// TestExamples loads each example of docs/rules.md (rules/examples/*.lua)
// after the built-in rules and shows what it changes: every case is run
// without the example (the built-in decision) and with it.
func TestExamples(t *testing.T) {
	paths, err := filepath.Glob("examples/testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	examples, err := filepath.Glob("examples/*.lua")
	if err != nil {
		t.Fatal(err)
	}
	tested := map[string]bool{}
	for _, p := range paths {
		var ef exampleFile
		dec := yaml.NewDecoder(strings.NewReader(string(mustRead(t, p))))
		dec.KnownFields(true)
		if err := dec.Decode(&ef); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		example := filepath.Join("examples", ef.Example)
		tested[example] = true
		t.Run(ef.Example, func(t *testing.T) {
			withFile := mustFile(t, example)
			if problems := Lint(append(Builtin(), withFile), LintOptions{}); len(problems) > 0 {
				t.Errorf("the example does not lint clean: %v", problems)
			}
			without, with := mustRules(t), mustRules(t, withFile)
			changed := 0
			if len(ef.Cases) > 0 {
				changed += runExampleCases(t, p, ef, without, with)
			}
			if ef.ShouldQuery != nil {
				changed += runExampleQueries(t, ef, without, with)
			}
			if changed == 0 {
				t.Errorf("%s: no case shows the example changing anything", p)
			}
		})
	}
	for _, e := range examples {
		if !tested[e] {
			t.Errorf("%s has no fixture file in examples/testdata naming it", e)
		}
	}
}

// runExampleCases runs the cases through RunFixtures twice and returns how
// many change their verdict or state.
func runExampleCases(t *testing.T, path string, ef exampleFile, without, with *Rules) int {
	t.Helper()
	ffWith := FixtureFile{Provider: ef.Provider, Account: ef.Account, Currency: ef.Currency}
	ffWithout := ffWith
	changed := 0
	for _, c := range ef.Cases {
		if c.Without.Verdict == "" || c.Want.Verdict == "" {
			t.Fatalf("%s: case %q needs both without.verdict and want.verdict", path, c.Name)
		}
		ffWith.Cases = append(ffWith.Cases, c.Fixture)
		w := c.Fixture
		w.Want = c.Without
		ffWithout.Cases = append(ffWithout.Cases, w)
		if c.Without.Verdict != c.Want.Verdict || c.Without.State != c.Want.State {
			changed++
		}
	}
	for _, run := range []struct {
		name string
		r    *Rules
		ff   FixtureFile
	}{{"without the example", without, ffWithout}, {"with the example", with, ffWith}} {
		b, err := yaml.Marshal(run.ff)
		if err != nil {
			t.Fatal(err)
		}
		res, err := run.r.RunFixtures(context.Background(), map[string][]byte{path: b})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != len(ef.Cases) {
			t.Fatalf("%s: %d results for %d cases", run.name, len(res), len(ef.Cases))
		}
		for _, c := range res {
			if c.Problem != "" {
				t.Errorf("%s: %s: %s (detail %q)", run.name, c.Name, c.Problem, c.Got.Detail)
			}
		}
	}
	return changed
}

func runExampleQueries(t *testing.T, ef exampleFile, without, with *Rules) int {
	t.Helper()
	now := mustTime(t, ef.ShouldQuery.Now)
	changed := 0
	for _, c := range ef.ShouldQuery.Cases {
		d, err := money.Digits(ef.Currency)
		if err != nil {
			t.Fatal(err)
		}
		amount, err := money.Parse(c.Row.Amount, d)
		if err != nil {
			t.Fatal(err)
		}
		row := recon.Row{Line: 2, Account: firstNonEmpty(ef.Account, "fixture"), Provider: ef.Provider, Kind: recon.Payment,
			OrderNo: "Q1", Status: recon.State(c.Row.Status), Amount: amount, Currency: ef.Currency}
		if c.Row.CreatedAt != "" {
			row.CreatedAt = mustTime(t, c.Row.CreatedAt)
		}
		var last *Last
		if c.Last != nil {
			last = &Last{RunID: "previous", Verdict: c.Last.Verdict, Severity: "info", At: mustTime(t, c.Last.At),
				Unchanged: c.Last.Unchanged}
		}
		for _, run := range []struct {
			name string
			r    *Rules
			want bool
		}{{"without the example", without, c.Without}, {"with the example", with, c.Want}} {
			got, reason, err := run.r.ShouldQuery(context.Background(), row, last, nil, now)
			if err != nil {
				t.Fatalf("%s: %s: %v", run.name, c.Name, err)
			}
			if got != run.want {
				t.Errorf("%s: %s: should_query %v (%s); want %v", run.name, c.Name, got, reason, run.want)
			}
		}
		if c.Without != c.Want {
			changed++
		}
	}
	return changed
}

// pluginsAnswer is a found answer; received 0 means the provider did not say.
func pluginsAnswer(status, currency string, amount, received int64) recon.Answer {
	a := recon.Answer{Status: status, Currency: currency, Amount: recon.Int64(amount)}
	if received != 0 {
		a.Received = recon.Int64(received)
	}
	return a
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestExampleDetails checks what the examples say in the detail, which the
// fixtures cannot: the merchant reads it in the report.
func TestExampleDetails(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		example string
		row     recon.Row
		ans     recon.Reply
		want    string
	}{
		{"examples/paypro_partial_99.lua",
			recon.Row{Provider: "paypro", Account: "a", Kind: recon.Payment, OrderNo: "P1", Status: "PAID", Amount: 20000000, Currency: "IDR"},
			recon.Reply{Outcome: recon.OutcomeFound, Answer: pluginsAnswer("0001", "IDR", 20000000, 19900000)},
			"received 199000.00 of 200000.00 (short by 1000.00, within 1%)"},
		{"examples/tolerance_one_unit.lua",
			recon.Row{Provider: "upay", Account: "shop-upay", Kind: recon.Payment, OrderNo: "T1", Status: "PAID", Amount: 1234, Currency: "CNY"},
			recon.Reply{Outcome: recon.OutcomeFound, Answer: pluginsAnswer("PAID", "CNY", 1235, 0)},
			"amount differs by 0.01 (ledger 12.34, provider 12.35), within the account's tolerance"},
	}
	for _, tt := range tests {
		r := mustRules(t, mustFile(t, tt.example))
		j, err := r.Judge(ctx, tt.row, tt.ans)
		if err != nil {
			t.Fatalf("%s: %v", tt.example, err)
		}
		if !strings.Contains(j.Detail+j.StateDetail, tt.want) {
			t.Errorf("%s: detail %q, state detail %q; want %q", tt.example, j.Detail, j.StateDetail, tt.want)
		}
	}

	r := mustRules(t, mustFile(t, "examples/late_payment.lua"))
	created := time.Date(2026, 11, 21, 20, 0, 0, 0, time.UTC)
	ans := recon.Reply{Outcome: recon.OutcomeFound, Answer: pluginsAnswer("PAID", "CNY", 880, 0)}
	ans.Answer.PaidAt = created.Add(2 * time.Hour)
	j, err := r.Judge(ctx, recon.Row{Provider: "upay", Account: "a", Kind: recon.Payment, OrderNo: "L1", Status: "CLOSED",
		Amount: 880, Currency: "CNY", CreatedAt: created}, ans)
	if err != nil {
		t.Fatal(err)
	}
	if j.Verdict != "LATE_PAYMENT" || j.Detail != "paid 120 min after the order was created, 90 min after the shop closed it" {
		t.Errorf("late payment: %+v", j)
	}
}

func TestExamplesAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	examples, err := filepath.Glob("examples/*.lua")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range examples {
		if !strings.Contains(string(doc), "rules/"+e) {
			t.Errorf("docs/rules.md does not mention rules/%s", e)
		}
	}
}
