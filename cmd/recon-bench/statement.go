package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"go.yaml.in/yaml/v3"
)

// statementDay is the day the statement mode's statement covers.
var statementDay = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

type statementStep struct {
	Step     string   `json:"step"`
	Proc     measured `json:"process"`
	Requests int64    `json:"requests"` // answered, as the simulator counted
	OrdersPS float64  `json:"orders_per_s,omitempty"`
}

type statementReport struct {
	Mode      string          `json:"mode"`
	Provider  string          `json:"provider"`
	Rows      int             `json:"rows"`
	Confirmed int             `json:"statement_rows_confirming"`
	Steps     []statementStep `json:"steps"`
}

// statement measures issue 15's benchmark: the same ledger reconciled by
// queries alone, then with a trusted statement that confirms --confirm of
// its rows, each night into a fresh store: the queries the second sends,
// and both nights' wall and CPU time.
func (b *bench) statement(ctx context.Context) error {
	p := b.o.provider
	s, err := b.startSims(ctx, "statement", []string{p}, b.o.rows, "")
	if err != nil {
		return err
	}
	cfg, ledger := filepath.Join(s.dir, "config-"+p+".yaml"), filepath.Join(s.dir, "ledger-"+p+".csv")
	acct, trusted, err := trustedConfig(cfg)
	if err != nil {
		return err
	}
	bill := filepath.Join(s.dir, "statement-"+p+".csv")
	n, err := writeConfirmingStatement(ledger, bill, b.o.confirm, b.o.seed)
	if err != nil {
		return err
	}
	rep := statementReport{Mode: "statement", Provider: p, Rows: b.o.rows, Confirmed: n}
	for _, night := range []struct {
		name string
		args []string
	}{
		{"queries only", []string{"--config", cfg}},
		{fmt.Sprintf("trusted statement confirming %.0f%%", 100*b.o.confirm), []string{"--config", trusted,
			"--statement", acct + "=" + bill, "--statement-date", statementDay.Format(time.DateOnly)}},
	} {
		if err := s.reset(); err != nil {
			return err
		}
		c0 := s.cpuS()
		store := filepath.Join(s.dir, fmt.Sprintf("statement-%d.db", len(rep.Steps)))
		args := append([]string{"run", "--ledger", ledger, "--store", store}, night.args...)
		m, err := b.recon(ctx, args...)
		if err != nil {
			return err
		}
		ph, err := b.finish(s, p, "recon", b.o.rows, m, c0)
		if err != nil {
			return err
		}
		rep.Steps = append(rep.Steps, statementStep{Step: night.name, Proc: ph.Proc, Requests: ph.Requests, OrdersPS: ph.OrdersPS})
		fmt.Fprintf(os.Stderr, "statement: %s done in %.1f s\n", night.name, ph.Proc.WallS)
	}
	return b.emit(rep, func(w io.Writer) {
		fmt.Fprintf(w, "statement: %s, %d ledger rows, a trusted statement agreeing with %d of them\n\n", p, rep.Rows, rep.Confirmed)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "night\twall s\tCPU-s\tpeak RSS MB\tqueries answered\tof the rows\t")
		for _, st := range rep.Steps {
			fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.0f\t%d\t%.2f%%\t\n", st.Step, st.Proc.WallS, st.Proc.CPUS, st.Proc.RootHWMMB,
				st.Requests, 100*float64(st.Requests)/float64(rep.Rows))
		}
		tw.Flush()
		if len(rep.Steps) == 2 && rep.Steps[0].Proc.WallS > 0 {
			fmt.Fprintf(w, "\nwith the statement: %.2f× the wall time, %.2f× the CPU, %.2f× the queries of the query-only night\n",
				rep.Steps[1].Proc.WallS/rep.Steps[0].Proc.WallS, rep.Steps[1].Proc.CPUS/rep.Steps[0].Proc.CPUS,
				float64(rep.Steps[1].Requests)/float64(max(rep.Steps[0].Requests, 1)))
		}
	})
}

// trustedConfig writes a copy of the config whose one account trusts its
// statement, and returns that account's name and the copy's path.
func trustedConfig(path string) (account, trusted string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		return "", "", fmt.Errorf("%s: %w", path, err)
	}
	accounts, _ := cfg["accounts"].(map[string]any)
	if len(accounts) != 1 {
		return "", "", fmt.Errorf("%s: want one account, have %d", path, len(accounts))
	}
	for name, a := range accounts {
		m, ok := a.(map[string]any)
		if !ok {
			return "", "", fmt.Errorf("%s: account %s is not a mapping", path, name)
		}
		m["statement_trust"] = true
		account = name
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return "", "", err
	}
	trusted = filepath.Join(filepath.Dir(path), "trusted-"+filepath.Base(path))
	return account, trusted, os.WriteFile(trusted, out, 0o600)
}

// writeConfirmingStatement writes a statement (the "recon" preset) with a
// row agreeing with each ledger row picked with probability confirm, and
// returns how many it wrote.
func writeConfirmingStatement(ledger, bill string, confirm float64, seed uint64) (int, error) {
	in, err := os.Open(ledger)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.Create(bill)
	if err != nil {
		return 0, err
	}
	r := csv.NewReader(in)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", ledger, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	w := csv.NewWriter(out)
	if err := w.Write([]string{"order_no", "provider_trade_no", "type", "refund_no", "amount", "currency", "status", "time"}); err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	at := statementDay.Add(12 * time.Hour).Format(time.RFC3339)
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w", ledger, err)
		}
		if rng.Float64() >= confirm {
			continue
		}
		kind := get(rec, "type")
		if kind == "" {
			kind = "payment"
		}
		// The ledger's own status: the contract's words, which the
		// default map_statement knows.
		if err := w.Write([]string{get(rec, "order_no"), get(rec, "provider_trade_no"), kind, get(rec, "refund_no"),
			get(rec, "amount"), get(rec, "currency"), get(rec, "status"), at}); err != nil {
			return 0, err
		}
		n++
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return 0, err
	}
	return n, out.Close()
}
