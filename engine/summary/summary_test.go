package summary

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

// storeWith opens a real store holding one run and results.
func storeWith(t *testing.T, run *store.Run, results []recon.Result) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "recon.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PutRun(run); err != nil {
		t.Fatal(err)
	}
	w := db.NewWriter(run.ID)
	for _, r := range results {
		if err := w.Put(store.Record{Result: r, Final: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return db
}

func res(line int, acct string, v recon.Verdict, sev recon.Severity, amount, cur string) recon.Result {
	return recon.Result{Line: line, Account: acct, OrderNo: "O" + acct, Kind: recon.Payment, Verdict: v, Severity: sev,
		Local: recon.Local{Status: recon.StatePaid, Amount: amount, Currency: cur}}
}

func TestBuild(t *testing.T) {
	start := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	run := &store.Run{ID: "r1", Status: store.StatusCompleted, StartedAt: start, FinishedAt: start.Add(90 * time.Second),
		FailOn: recon.SeverityWarn, AccountStats: map[string]store.RunStats{"a": {Queries: 3}}}
	db := storeWith(t, run, []recon.Result{
		res(2, "b", recon.VerdictMatched, recon.SeverityInfo, "10.00", "CNY"),
		res(3, "b", recon.VerdictMissedPayment, recon.SeverityWarn, "12.34", "CNY"),
		res(4, "a", recon.VerdictAmountMismatch, recon.SeverityCritical, "0.66", "CNY"),
		res(5, "a", recon.VerdictNotFound, recon.SeverityWarn, "5000", "KRW"),
		// An INVALID row's amount may be what is wrong with it: no risk.
		res(6, "a", recon.VerdictInvalid, recon.SeverityWarn, "12,5", "CNY"),
		res(7, "a", recon.VerdictUnsettled, recon.SeverityInfo, "99.00", "CNY"),
	})
	s, err := Build(db, run, Options{ExitStatus: 3, Report: "/tmp/r.json", Top: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s.Findings != 4 || s.ExitStatus != 3 || s.Duration != 90*time.Second || s.Report != "/tmp/r.json" || !s.Completed() {
		t.Errorf("findings %d exit %d duration %v report %q completed %v", s.Findings, s.ExitStatus, s.Duration, s.Report, s.Completed())
	}
	wantV := map[recon.Verdict]int{recon.VerdictMatched: 1, recon.VerdictMissedPayment: 1, recon.VerdictAmountMismatch: 1,
		recon.VerdictNotFound: 1, recon.VerdictInvalid: 1, recon.VerdictUnsettled: 1}
	for _, v := range recon.ContractVerdicts() {
		if n, ok := s.Verdicts[v]; !ok || n != wantV[v] {
			t.Errorf("verdict %s: %d (present %v); want %d", v, n, ok, wantV[v])
		}
	}
	if s.Severities[recon.SeverityInfo] != 2 || s.Severities[recon.SeverityWarn] != 3 || s.Severities[recon.SeverityCritical] != 1 {
		t.Errorf("severities %v", s.Severities)
	}
	wantRisk := []Money{{Currency: "CNY", Minor: 1300, Amount: "13.00"}, {Currency: "KRW", Minor: 5000, Amount: "5000"}}
	if len(s.AtRisk) != len(wantRisk) || s.AtRisk[0] != wantRisk[0] || s.AtRisk[1] != wantRisk[1] {
		t.Errorf("at risk %+v; want %+v", s.AtRisk, wantRisk)
	}
	var lines []int
	for _, r := range s.Top {
		lines = append(lines, r.Line)
	}
	// critical first, then by account and line; capped at Top.
	if len(lines) != 3 || lines[0] != 4 || lines[1] != 5 || lines[2] != 6 {
		t.Errorf("top lines %v; want [4 5 6]", lines)
	}
}

func TestBuildUnfinishedAndThreshold(t *testing.T) {
	start := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	run := &store.Run{ID: "r2", Status: store.StatusFailed, Error: "no answers", StartedAt: start, FailOn: recon.SeverityWarn}
	db := storeWith(t, run, []recon.Result{res(2, "a", recon.VerdictError, recon.SeverityWarn, "1.00", "CNY")})
	s, err := Build(db, run, Options{ExitStatus: 1, FailOn: recon.SeverityCritical, Now: func() time.Time { return start.Add(time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	if s.Completed() || s.Findings != 0 || s.Duration != time.Minute || len(s.AtRisk) != 0 {
		t.Errorf("completed %v findings %d duration %v risk %v", s.Completed(), s.Findings, s.Duration, s.AtRisk)
	}
}

func TestAddRiskOverflow(t *testing.T) {
	// The largest amount a ledger holds is 2^53-1 minor units; 1100 of
	// them pass an int64.
	run := &store.Run{ID: "r3", Status: store.StatusCompleted, FailOn: recon.SeverityWarn}
	var rs []recon.Result
	for i := range 1100 {
		rs = append(rs, res(2+i, "a", recon.VerdictMissedPayment, recon.SeverityWarn, "90071992547409.91", "CNY"))
	}
	s, err := Build(storeWith(t, run, rs), run, Options{})
	if err != nil || len(s.AtRisk) != 1 {
		t.Fatalf("%+v, %v", s, err)
	}
	m := s.AtRisk[0]
	if !m.Overflow || m.Minor != math.MaxInt64 {
		t.Errorf("%+v; want an overflow marked at MaxInt64", m)
	}
}
