package metrics

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/summary"
	"github.com/reconhq/recon/store"
)

var stringsContains = strings.Contains

var night = time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)

func verdicts(m map[recon.Verdict]int) map[recon.Verdict]int {
	out := map[recon.Verdict]int{}
	for _, v := range recon.ContractVerdicts() {
		out[v] = m[v]
	}
	return out
}

// completed is a night with findings: exit 3, every row judged.
func completed() *summary.Summary {
	return &summary.Summary{
		RunID: "20261201-0200-ab12", Status: store.StatusCompleted, ExitStatus: 3,
		StartedAt: night, FinishedAt: night.Add(95 * time.Second), Duration: 95 * time.Second, FailOn: recon.SeverityWarn,
		Verdicts:   verdicts(map[recon.Verdict]int{recon.VerdictMatched: 40, recon.VerdictMissedPayment: 2, recon.VerdictAmountMismatch: 1}),
		Severities: map[recon.Severity]int{recon.SeverityInfo: 40, recon.SeverityWarn: 2, recon.SeverityCritical: 1},
		Findings:   3,
		AtRisk:     []summary.Money{{Currency: "CNY", Minor: 2468, Amount: "24.68"}},
		Stats:      store.RunStats{Rows: 43, Queries: 50, Retries: 4},
		Accounts: map[string]store.RunStats{
			"shop-upay":   {Rows: 30, Queries: 34, Retries: 4, Seconds: 80},
			"shop-paypro": {Rows: 13, Queries: 16, Seconds: 12.5},
		},
	}
}

// failed is a night every provider was down for: exit 1.
func failed(end time.Time) *summary.Summary {
	return &summary.Summary{
		RunID: "20261202-0200-cd34", Status: store.StatusFailed, Error: "no provider answered", ExitStatus: 1,
		StartedAt: end.Add(-time.Minute), FinishedAt: end, Duration: time.Minute, FailOn: recon.SeverityWarn,
		Verdicts:   verdicts(map[recon.Verdict]int{recon.VerdictError: 30}),
		Severities: map[recon.Severity]int{recon.SeverityWarn: 30},
		Findings:   30,
		Accounts:   map[string]store.RunStats{"shop-upay": {Rows: 30, Queries: 120, Failed: 30, Seconds: 50}},
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTextfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "recon.prom")
	labels := Grouping([]string{"shop-upay"})
	if err := WriteTextfile(path, completed(), labels); err != nil {
		t.Fatal(err)
	}
	text := readFile(t, path)
	last := `recon_last_success_timestamp_seconds{accounts="shop-upay"} ` +
		strconv.FormatFloat(float64(completed().FinishedAt.Unix()), 'g', -1, 64) + "\n"
	for _, want := range []string{
		last,
		`recon_run_results{accounts="shop-upay",verdict="MISSED_PAYMENT"} 2`,
		`recon_run_exit_status{accounts="shop-upay"} 3`,
		`recon_account_duration_seconds{account="shop-paypro",accounts="shop-upay"} 12.5`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("textfile lacks %s:\n%s", want, text)
		}
	}
	// A failed night rewrites the file and carries the last success over.
	if err := WriteTextfile(path, failed(night.Add(24*time.Hour)), labels); err != nil {
		t.Fatal(err)
	}
	text = readFile(t, path)
	for _, want := range []string{
		last,
		`recon_run_exit_status{accounts="shop-upay"} 1`,
		`recon_run_completed{accounts="shop-upay"} 0`,
		`recon_account_errors{account="shop-upay",accounts="shop-upay"} 30`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("after a failed run the textfile lacks %s:\n%s", want, text)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("%d files beside the textfile; want none (the temporary file is renamed)", len(entries)-1)
	}
}

func TestTextfileFirstFailedRunHasNoLastSuccess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "recon.prom")
	if err := WriteTextfile(path, failed(night), nil); err != nil {
		t.Fatal(err)
	}
	if text := readFile(t, path); strings.Contains(text, LastSuccess) {
		t.Errorf("a store that never completed a run reports a last success:\n%s", text)
	}
}

func TestTextfileRefusesToOverwriteGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "recon.prom")
	if err := os.WriteFile(path, []byte("this is { not metrics\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteTextfile(path, failed(night), nil)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err %v; want one naming %s", err, path)
	}
	if readFile(t, path) != "this is { not metrics\n" {
		t.Error("the file was overwritten")
	}
}
