package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

// What the commands that read the store share: which run "latest" names,
// what a finding is, how two runs' results compare, and --format.

// latestRun is the word for the newest run wherever a run ID is taken;
// latest~N is the one N runs before it.
const latestRun = "latest"

// resolveRun is the ID id names: itself, or for latest (latest~N) the
// newest run (N before the newest) by start time, which a damaged run
// record makes an error.
func resolveRun(db *store.DB, id string) (string, error) {
	rest, ok := strings.CutPrefix(id, latestRun)
	if !ok {
		return id, nil
	}
	back := 0
	if rest != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(rest, "~"))
		if !strings.HasPrefix(rest, "~") || err != nil || n < 0 {
			return "", usagef("latest is the newest run, latest~1 the one before it", "%q names no run", id)
		}
		back = n
	}
	// A run record that does not read could be the newest (its start time
	// is in it): latest would quietly name an older run, and diff compare
	// the wrong pair.
	runs, err := db.Runs()
	if err != nil {
		return "", fmt.Errorf("%s: %w", id, err)
	}
	slices.SortStableFunc(runs, func(a, b *store.Run) int { return b.StartedAt.Compare(a.StartedAt) })
	if back >= len(runs) {
		return "", fmt.Errorf("%s: the store holds %d %s: %w", id, len(runs), plural(len(runs), "run"), store.ErrRunNotFound)
	}
	return runs[back].ID, nil
}

// countFindings is the number of the run's results at or above failOn
// (the run's own fail_on when ""): what makes exit 3, the one meaning of
// "findings" in every command.
func countFindings(db *store.DB, run *store.Run, failOn recon.Severity) (int, error) {
	if failOn == "" {
		failOn = run.FailOn
	}
	if failOn == "" {
		failOn = recon.SeverityWarn
	}
	n := 0
	if run.Severities != nil {
		for s, c := range run.Severities {
			if s.AtLeast(failOn) {
				n += c
			}
		}
		return n, nil
	}
	err := db.Results(run.ID, func(r recon.Result) error {
		if r.Severity.AtLeast(failOn) {
			n++
		}
		return nil
	})
	return n, err
}

// rowChange is one row of two runs that differs, or is in one only.
type rowChange struct {
	A, B                      *recon.Result // nil: not in that run
	Verdict, Severity, Action bool          // what changed, when in both
}

// comparison is how run B's results differ from run A's, row by row (by
// account, order, type and refund; the first of repeats).
type comparison struct {
	Rows                          []rowChange // by key
	Verdicts, Severities, Actions int         // rows whose verdict, severity, action changed
	Changed                       int         // rows in both with any of those changed
	OnlyA, OnlyB                  int
	aID, bID                      string
}

func compareRuns(db *store.DB, aID, bID string) (*comparison, error) {
	a, err := resultsByOrder(db, aID)
	if err != nil {
		return nil, err
	}
	b, err := resultsByOrder(db, bID)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	cmp := &comparison{aID: aID, bID: bID}
	for _, k := range sorted {
		ra, inA := a[k]
		rb, inB := b[k]
		switch {
		case !inA:
			cmp.OnlyB++
			cmp.Rows = append(cmp.Rows, rowChange{B: &rb})
		case !inB:
			cmp.OnlyA++
			cmp.Rows = append(cmp.Rows, rowChange{A: &ra})
		default:
			ch := rowChange{A: &ra, B: &rb, Verdict: ra.Verdict != rb.Verdict, Severity: ra.Severity != rb.Severity,
				Action: ra.Action != rb.Action}
			if !ch.Verdict && !ch.Severity && !ch.Action {
				continue
			}
			cmp.Rows = append(cmp.Rows, ch)
			cmp.Changed++
			cmp.Verdicts += b2i(ch.Verdict)
			cmp.Severities += b2i(ch.Severity)
			cmp.Actions += b2i(ch.Action)
		}
	}
	return cmp, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// counts is the comparison's one-line tally.
func (c *comparison) counts() string {
	severities := "severities"
	if c.Severities == 1 {
		severities = "severity"
	}
	return fmt.Sprintf("%d %s changed, %d %s changed, %d %s changed", c.Verdicts, plural(c.Verdicts, "verdict"),
		c.Severities, severities, c.Actions, plural(c.Actions, "action"))
}

// side is one run's view of a changed row, for JSON.
type side struct {
	Verdict  recon.Verdict  `json:"verdict"`
	Severity recon.Severity `json:"severity"`
	Action   recon.Action   `json:"action"`
	Detail   string         `json:"detail,omitempty"`
}

func sideOf(r *recon.Result) *side {
	if r == nil {
		return nil
	}
	return &side{Verdict: r.Verdict, Severity: r.Severity, Action: r.Action, Detail: r.Detail}
}

// MarshalJSON is the comparison as `diff --format json` prints it.
func (c *comparison) MarshalJSON() ([]byte, error) {
	type row struct {
		Account  string     `json:"account"`
		OrderNo  string     `json:"order_no"`
		Kind     recon.Kind `json:"type"`
		RefundNo string     `json:"refund_no"`
		Line     int        `json:"line"`
		A        *side      `json:"a"`
		B        *side      `json:"b"`
		Changed  []string   `json:"changed"`
	}
	rows := make([]row, 0, len(c.Rows))
	for _, ch := range c.Rows {
		r := ch.B
		if r == nil {
			r = ch.A
		}
		what := []string{}
		for _, w := range []struct {
			name string
			on   bool
		}{{"verdict", ch.Verdict}, {"severity", ch.Severity}, {"action", ch.Action}} {
			if w.on {
				what = append(what, w.name)
			}
		}
		rows = append(rows, row{Account: r.Account, OrderNo: r.OrderNo, Kind: r.Kind, RefundNo: r.RefundNo, Line: r.Line,
			A: sideOf(ch.A), B: sideOf(ch.B), Changed: what})
	}
	return json.Marshal(struct {
		A          string `json:"a"`
		B          string `json:"b"`
		Verdicts   int    `json:"verdicts_changed"`
		Severities int    `json:"severities_changed"`
		Actions    int    `json:"actions_changed"`
		OnlyA      int    `json:"only_in_a"`
		OnlyB      int    `json:"only_in_b"`
		Rows       []row  `json:"rows"`
	}{c.aID, c.bID, c.Verdicts, c.Severities, c.Actions, c.OnlyA, c.OnlyB, rows})
}

// arrow is "old -> new" of a field that changed, "" of one that did not.
func arrow[T ~string](changed bool, a, b T) string {
	if !changed {
		return ""
	}
	return fmt.Sprintf("%s -> %s", a, b)
}

// formatFlag is --format of the commands that list what the store holds.
var formatFlag = &cli.StringFlag{Name: "format", Value: "text", Usage: "text, or json (one document on stdout)"}

// jsonFormat reports whether --format asks for JSON, refusing what it is not.
func jsonFormat(c *cli.Context) (bool, error) {
	switch f := c.String("format"); f {
	case "text":
		return false, nil
	case "json":
		return true, nil
	default:
		return false, usagef("use text or json", "--format %q is not a format of %s", f, commandPath(c))
	}
}

// writeJSON prints v as one indented JSON document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
