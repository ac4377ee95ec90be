package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

// TestShowAndDiffQuoteLedgerText: order numbers and details come from the
// ledger and the providers; in recon show's and recon diff's tables a
// value with an ESC sequence or a newline is quoted, so that it can
// neither drive the operator's terminal nor forge a row.
func TestShowAndDiffQuoteLedgerText(t *testing.T) {
	const hostile = "O1\x1b[2J\nforged  row  MATCHED"
	db := filepath.Join(t.TempDir(), "recon.db")
	s, err := store.Open(db, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)
	for i, id := range []string{"r1", "r2"} {
		at := start.Add(time.Duration(i) * time.Hour)
		if err := s.PutRun(&store.Run{ID: id, Command: store.CommandRun, Status: store.StatusCompleted, StartedAt: at,
			FinishedAt: at.Add(time.Minute), FailOn: recon.SeverityWarn}); err != nil {
			t.Fatal(err)
		}
		w := s.NewWriter(id)
		res := recon.Result{Line: 2, Account: "a", OrderNo: hostile, Kind: recon.Payment,
			Local: recon.Local{Status: "PA\x1b[31mID", Amount: "10.00", Currency: "CNY"}}
		res.Judge(recon.Default(recon.VerdictMatched, ""))
		if i == 1 {
			res.Judge(recon.Default(recon.VerdictAmountMismatch, "provider says\r\x1b[1A 9.00"))
		}
		if err := w.Put(store.Record{Result: res, Final: true}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	for _, tt := range []struct {
		args   []string
		quoted []string // as they read quoted
	}{
		{[]string{"show", "--store", db, hostile}, []string{`"provider says\r\x1b[1A 9.00"`, `"PA\x1b[31mID"`}},
		{[]string{"diff", "--store", db, "r1", "r2"}, []string{`"O1\x1b[2J\nforged  row  MATCHED"`, `"provider says\r\x1b[1A 9.00"`}},
	} {
		args := tt.args
		t.Run(args[0], func(t *testing.T) {
			stdout, stderr, code := runRecon(t, nil, args...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			if strings.ContainsAny(stdout, "\x1b\r") || strings.Contains(stdout, "\nforged") {
				t.Errorf("the ledger's text is not quoted:\n%q", stdout)
			}
			for _, q := range tt.quoted {
				if !strings.Contains(stdout, q) {
					t.Errorf("no %s in:\n%s", q, stdout)
				}
			}
		})
	}
}
