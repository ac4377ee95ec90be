package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// The shard mode measures one shard-process of a sharded night: --accounts
// accounts (spread over the providers, each with its own rate limit,
// --rate, and its own plugin process, as recon runs them) of --orders
// payments each, in one `recon run --shard 0/1 --publish DIR`, then the
// merge. From its CPU per order, its RSS per account and what the
// accounts' rate limits allow, it sizes a platform (--platform-accounts
// accounts of --platform-orders orders at --rate each, within --window).

// shardReport is the shard mode's figures.
type shardReport struct {
	Mode           string   `json:"mode"`
	Accounts       int      `json:"accounts"`
	OrdersPerAcct  int      `json:"orders_per_account"`
	Orders         int      `json:"orders"`
	Rate           float64  `json:"rate_limit_per_account"`
	Concurrency    int      `json:"concurrency"`
	Run            measured `json:"run"`
	Merge          measured `json:"merge"`
	OrdersPS       float64  `json:"orders_per_s"`              // the run's, wall clock
	PerAccountQPS  float64  `json:"per_account_queries_per_s"` // orders per account ÷ wall
	CPUMsPerOrder  float64  `json:"cpu_ms_per_order"`
	CPUUtilisation float64  `json:"cores_busy"` // CPU-s ÷ wall
	PluginMB       float64  `json:"plugin_rss_mb"`
	RootMB         float64  `json:"recon_rss_mb"`
	Plan           sizing   `json:"platform"`
}

// sizing is the platform's shard count from the figures measured.
type sizing struct {
	Accounts, OrdersPerAcct int
	Rate                    float64
	WindowH                 float64
	Cores                   float64 // per shard-process
	MemMB                   float64 // per shard-process
	// Each bound: the shards it takes.
	ByCPU, ByMemory, ByRate int
	Shards                  int
	AccountsPerShard        int
	HoursPerShard           float64
}

func (b *bench) shard(ctx context.Context) error {
	perProv := int(math.Ceil(float64(b.o.accounts) / float64(len(allProviders))))
	s, err := b.startSims(ctx, "shard", allProviders, perProv*b.o.orders, "")
	if err != nil {
		return err
	}
	config, ledger, err := spreadAccounts(s.dir, b.o.accounts, b.o.orders)
	if err != nil {
		return err
	}
	if err := s.reset(); err != nil {
		return err
	}
	night := filepath.Join(s.dir, "night")
	run, err := b.recon(ctx, "run", "--config", config, "--ledger", ledger, "--store", filepath.Join(s.dir, "shard.db"),
		"--shard", "0/1", "--publish", night)
	if err != nil {
		return err
	}
	merge, err := b.recon(ctx, "merge", "--shards", "1", "--from", night, "--report", filepath.Join(s.dir, "night.json"))
	if err != nil {
		return err
	}
	orders := b.o.accounts * b.o.orders
	rep := shardReport{Mode: "shard", Accounts: b.o.accounts, OrdersPerAcct: b.o.orders, Orders: orders, Rate: b.o.rate,
		Concurrency: b.o.concurrency, Run: *run, Merge: *merge,
		OrdersPS: float64(orders) / run.WallS, PerAccountQPS: float64(b.o.orders) / run.WallS,
		CPUMsPerOrder: 1000 * run.CPUS / float64(orders), CPUUtilisation: run.CPUS / run.WallS,
		PluginMB: run.ChildHWMMB, RootMB: run.RootHWMMB}
	rep.Plan = size(rep, b.o)
	return b.emit(rep, func(w io.Writer) { shardTable(w, rep) })
}

// size is the platform's shards: enough that (1) the CPU the orders cost
// fits in the window on each shard's cores, kept at most 70% busy, (2) each
// shard's accounts' plugin processes fit its memory, (3) each shard's
// accounts together ask no more than it measured it can answer per second
// at its rate limits... and then how long a shard's night takes.
func size(r shardReport, o options) sizing {
	p := sizing{Accounts: o.platformAccounts, OrdersPerAcct: o.platformOrders, Rate: o.rate, WindowH: o.window.Hours(),
		Cores: 2, MemMB: o.shardMemMB}
	total := float64(p.Accounts) * float64(p.OrdersPerAcct)
	window := o.window.Seconds()
	p.ByCPU = int(math.Ceil(total * r.CPUMsPerOrder / 1000 / (p.Cores * 0.7 * window)))
	perAcctMB := r.PluginMB + r.RootMB/float64(max(r.Accounts, 1))
	if perAcctMB > 0 {
		p.ByMemory = int(math.Ceil(float64(p.Accounts) / math.Floor((p.MemMB-r.RootMB)/perAcctMB)))
	}
	// The orders/s a shard answers at most is what its cores allow; each
	// account adds its rate limit to the demand.
	capPS := p.Cores * 0.7 * 1000 / r.CPUMsPerOrder
	p.ByRate = int(math.Ceil(float64(p.Accounts) * p.Rate / capPS))
	p.Shards = max(p.ByCPU, p.ByMemory, 1)
	p.AccountsPerShard = int(math.Ceil(float64(p.Accounts) / float64(p.Shards)))
	// A shard's night: its orders at the lower of its accounts' rate limits
	// and its cores' pace.
	ps := math.Min(float64(p.AccountsPerShard)*p.Rate, capPS)
	p.HoursPerShard = float64(p.AccountsPerShard*p.OrdersPerAcct) / ps / 3600
	return p
}

func shardTable(w io.Writer, r shardReport) {
	fmt.Fprintf(w, "shard: one shard-process, %d accounts × %d orders (%d) at rate_limit %g/s each, concurrency %d\n\n",
		r.Accounts, r.OrdersPerAcct, r.Orders, r.Rate, r.Concurrency)
	fmt.Fprintf(w, "  run:    wall %.1f s, CPU %.2f s (%.2f cores busy), %.0f orders/s, %.1f queries/s per account (limit %g)\n",
		r.Run.WallS, r.Run.CPUS, r.CPUUtilisation, r.OrdersPS, r.PerAccountQPS, r.Rate)
	fmt.Fprintf(w, "          %.3f CPU-ms per order; recon RSS %.0f MB, %d plugin processes of up to %.0f MB each\n",
		r.CPUMsPerOrder, r.RootMB, r.Run.Children, r.PluginMB)
	fmt.Fprintf(w, "  merge:  wall %.2f s, CPU %.2f s, RSS %.0f MB\n", r.Merge.WallS, r.Merge.CPUS, r.Merge.MaxRSSMB)
	p := r.Plan
	fmt.Fprintf(w, "\nplatform: %d accounts × %d orders at %g/s each, a %.0f h window, shards of %g cores and %.0f MB:\n",
		p.Accounts, p.OrdersPerAcct, p.Rate, p.WindowH, p.Cores, p.MemMB)
	fmt.Fprintf(w, "  shards by CPU (70%% busy) %d, by memory %d, by the rate limits' demand %d\n", p.ByCPU, p.ByMemory, p.ByRate)
	fmt.Fprintf(w, "  => %d shards of %d accounts; each shard's night about %.2f h\n", p.Shards, p.AccountsPerShard, p.HoursPerShard)
}

// spreadAccounts writes config-shard.yaml with n accounts, each a copy of
// one provider's bench account (the simulators know one merchant each),
// and ledger-shard.csv with orders rows of each, from the sims' ledger of
// every provider.
func spreadAccounts(dir string, n, orders int) (config, ledger string, err error) {
	b, err := os.ReadFile(filepath.Join(dir, "config-all.yaml"))
	if err != nil {
		return "", "", err
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		return "", "", err
	}
	base := cfg["accounts"].(map[string]any)
	f, err := os.Open(filepath.Join(dir, "ledger-all.csv"))
	if err != nil {
		return "", "", err
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		return "", "", err
	}
	accts := map[string]any{}
	next := map[string]int{} // per provider's bench account: the rows given out
	var out [][]string
	for i := range n {
		prov := allProviders[i%len(allProviders)]
		src := "bench-" + prov
		name := src + "-" + strconv.Itoa(i/len(allProviders))
		accts[name] = base[src]
		for k := 0; k < orders; {
			j := next[src]
			next[src]++
			if 1+j >= len(rows) {
				return "", "", fmt.Errorf("the simulators planted too few orders for %s", src)
			}
			// Rows of src only (the ledger interleaves the providers).
			if r := rows[1+j]; r[0] == src {
				r[0] = name
				out = append(out, r)
				k++
			}
		}
	}
	cfg["accounts"] = accts
	config, ledger = filepath.Join(dir, "config-shard.yaml"), filepath.Join(dir, "ledger-shard.csv")
	if err := writeYAML(config, cfg); err != nil {
		return "", "", err
	}
	lf, err := os.Create(ledger)
	if err != nil {
		return "", "", err
	}
	w := csv.NewWriter(lf)
	_ = w.Write(rows[0])
	_ = w.WriteAll(out)
	if err := lf.Close(); err != nil {
		return "", "", err
	}
	return config, ledger, w.Error()
}
