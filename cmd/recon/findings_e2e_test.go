package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneMeaningOfFindings (issue 14, finding 7): `runs` counts as findings
// the rows at or above fail_on, those that make exit 3, not every row that
// is not MATCHED; and a rule that raises severities without changing a
// verdict shows as changes in replay and diff, which also take latest.
func TestOneMeaningOfFindings(t *testing.T) {
	n := newUpayNight(t, "-- nothing yet\n")
	atOrAbove, notMatched, unsettled := 0, 0, 0
	for _, r := range n.report.Results {
		if r.Severity == "warn" || r.Severity == "critical" {
			atOrAbove++
		}
		if r.Verdict != "MATCHED" {
			notMatched++
		}
		if r.Verdict == "UNSETTLED" {
			unsettled++
		}
	}
	if atOrAbove == notMatched || unsettled == 0 {
		t.Fatalf("the night cannot tell the counts apart: %d at or above warn, %d not MATCHED, %d UNSETTLED",
			atOrAbove, notMatched, unsettled)
	}
	runs := func() []struct {
		ID       string `json:"run_id"`
		Findings int    `json:"findings"`
	} {
		t.Helper()
		stdout, stderr, code := runRecon(t, nil, "runs", "--config", n.config, "--format", "json")
		var out []struct {
			ID       string `json:"run_id"`
			Findings int    `json:"findings"`
		}
		if err := json.Unmarshal([]byte(stdout), &out); code != 0 || err != nil {
			t.Fatalf("runs --format json: exit %d, %v\n%s\n%s", code, err, stdout, stderr)
		}
		return out
	}
	if got := runs(); len(got) != 1 || got[0].Findings != atOrAbove {
		t.Fatalf("runs: %+v; want one run with %d findings (rows at or above warn)", got, atOrAbove)
	}
	stdout, _, _ := runRecon(t, nil, "runs", "--config", n.config)
	if !strings.Contains(stdout, fmt.Sprintf(" %d\n", atOrAbove)) {
		t.Errorf("runs' FINDINGS column is not %d:\n%s", atOrAbove, stdout)
	}

	// A rule that makes UNSETTLED a warning: no verdict changes, the exit
	// status is the same (3) but more rows need a person.
	raise := filepath.Join(n.dir, "raise.lua")
	writeText(t, raise, `
recon.judge({account = "shop-upay"}, function(row, p, super)
  local r = super(row, p)
  if r.verdict == "UNSETTLED" then
    return {verdict = r.verdict, severity = "warn", action = r.action, detail = r.detail}
  end
  return r
end)
`)
	stdout, stderr, code := runRecon(t, nil, "replay", "--config", n.config, "--run", "latest", "--rules", raise)
	want := fmt.Sprintf("0 verdicts changed, %d %s changed, 0 actions changed", unsettled,
		map[bool]string{true: "severity", false: "severities"}[unsettled == 1])
	if code != exitDiscrepancies || !strings.Contains(stdout, "of run "+n.runID+": "+want) ||
		!strings.Contains(stdout, "info -> warn") {
		t.Fatalf("replay --run latest: exit %d; want %q and the rows listed\n%s\n%s", code, want, stdout, stderr)
	}
	stdout, stderr, code = runRecon(t, nil, "diff", "--config", n.config, "latest~1", "latest")
	if code != 0 || !strings.Contains(stdout, want) {
		t.Fatalf("diff latest~1 latest: exit %d; want %q\n%s\n%s", code, want, stdout, stderr)
	}
	stdout, _, code = runRecon(t, nil, "diff", "--config", n.config, "latest~1", "latest", "--format", "json")
	var d struct {
		A          string `json:"a"`
		Verdicts   int    `json:"verdicts_changed"`
		Severities int    `json:"severities_changed"`
		Rows       []struct {
			Changed []string `json:"changed"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(stdout), &d); code != 0 || err != nil || d.A != n.runID || d.Verdicts != 0 ||
		d.Severities != unsettled || len(d.Rows) != unsettled || d.Rows[0].Changed[0] != "severity" {
		t.Fatalf("diff --format json: exit %d, %v, %+v\n%s", code, err, d, stdout)
	}
	got := runs()
	if len(got) != 2 || got[1].Findings != atOrAbove+unsettled {
		t.Fatalf("runs after the replay: %+v; want the replay with %d findings", got, atOrAbove+unsettled)
	}
	stdout, _, code = runRecon(t, nil, "show", "--config", n.config, "PENDING-1", "--format", "json")
	var shown []struct {
		RunID    string `json:"run_id"`
		Verdict  string `json:"verdict"`
		Severity string `json:"severity"`
	}
	if err := json.Unmarshal([]byte(stdout), &shown); code != 0 || err != nil || len(shown) != 2 || shown[1].Severity != "warn" {
		t.Fatalf("show --format json: exit %d, %v, %+v\n%s", code, err, shown, stdout)
	}
	if _, stderr, code := runRecon(t, nil, "report", "--config", n.config, "--run", "latest~2"); code != exitFailed ||
		!strings.Contains(stderr, "holds 2 runs") {
		t.Fatalf("report --run latest~2 of two runs: exit %d, %s", code, stderr)
	}
}
