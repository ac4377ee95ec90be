// Command recon-bench is how the project measures recon's performance: it
// runs recon and a plain client (the same queries, signatures and parsing,
// written from the protocols, with no plugin, rules or store) over the same
// simulators, in one invocation, and prints per provider orders/s,
// CPU-seconds of each process tree and the ratios.
//
//	go run ./cmd/recon-bench                       # cpu: each provider alone, plain vs recon, 5000 orders
//	go run ./cmd/recon-bench cpu --orders 2000 --providers upay,paypro --repeat 3
//	go run ./cmd/recon-bench hol --slow edgeros=200ms   # one slow provider: the others' throughput vs alone
//	go run ./cmd/recon-bench scale --rows 1000000       # RSS, store bytes/row, incremental night, runs, report
//	go run ./cmd/recon-bench statement --rows 1000000   # a trusted statement confirming 99%: queries and wall time
//	go run ./cmd/recon-bench cpu --json                 # the figures as JSON, for the record
//	go run ./cmd/recon-bench shard --accounts 40        # one shard-process of a sharded night, and the platform's shard count
//
// Processes: the simulators run in a child process (this binary in sims
// mode), the plain client in another (plain mode), recon is the real binary,
// built once from this module. Every figure of a process tree comes from its
// wait4 rusage; the bench's own work is in none of them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

const usage = `recon-bench: recon's performance figures, measured side by side in one invocation.

usage: recon-bench [cpu|hol|scale|statement|shard] [flags]

modes:
  cpu    (default) per provider alone: the plain client, then recon, over the same simulators
         and ledger; orders/s (at the simulator: first request to last answer), CPU-seconds of
         each process tree (recon's includes its plugin processes) and recon ÷ plain ratios
  hol    every provider in one recon run, one of them slowed (--slow), against each of the
         others alone and against the others together without the slow one
  scale  one cheap provider, --rows ledger rows: recon run peak RSS and store bytes per row,
         a second (incremental) night's growth per row, then recon runs and recon report
         --format json: wall time and peak RSS
  statement  one provider, --rows ledger rows, reconciled twice into fresh stores: by queries
         alone, then with a trusted statement agreeing with --confirm of the rows: the queries
         each night sends, wall and CPU time
  shard  one shard-process: --accounts accounts of --orders payments at --rate each, recon run
         --shard 0/1 --publish, then recon merge; CPU per order, RSS per account, and the shards a
         platform of --platform-accounts × --platform-orders needs within --window

examples:
  go run ./cmd/recon-bench
  go run ./cmd/recon-bench cpu --orders 5000 --repeat 3
  go run ./cmd/recon-bench cpu --providers upay --repeat 3 --base /tmp/recon-main   # before/after
  go run ./cmd/recon-bench hol --orders 2000 --slow edgeros=200ms
  go run ./cmd/recon-bench scale --rows 100000 --provider paypro --json
  go run ./cmd/recon-bench statement --rows 1000000 --confirm 0.99
  go run ./cmd/recon-bench shard --accounts 40 --orders 1000 --rate 50

flags (each mode takes those that apply):
`

// options are the flags of the measuring modes.
type options struct {
	orders      int
	rows        int
	providers   string
	provider    string
	slow        string
	concurrency int
	rate        float64
	seed        uint64
	reconBin    string
	baseBin     string
	keep        string
	json        bool
	maxErr      float64
	repeat      int
	confirm     float64
	// shard mode
	accounts         int
	platformAccounts int
	platformOrders   int
	window           time.Duration
	shardMemMB       float64
	out              io.Writer // where the figures go
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "recon-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	mode := "cpu"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		mode, args = args[0], args[1:]
	}
	switch mode {
	case "sims": // internal: the simulators' process
		return runSims(args)
	case "plain": // internal: the plain client's process
		return runPlain(args)
	case "cpu", "hol", "scale", "statement", "shard":
	default:
		return fmt.Errorf("unknown mode %q (cpu, hol, scale, statement or shard; --help says more)", mode)
	}
	o := options{out: stdout}
	fs := flag.NewFlagSet("recon-bench "+mode, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	defOrders, defRate := 5000, 100000.0
	switch mode {
	case "hol":
		defOrders = 2000
	case "shard":
		defOrders, defRate = 1000, 50 // a platform account: its provider's limit binds
	}
	fs.IntVar(&o.orders, "orders", defOrders, "cpu, hol: payments per provider")
	fs.IntVar(&o.rows, "rows", 100000, "scale, statement: ledger rows")
	fs.Float64Var(&o.confirm, "confirm", 0.99, "statement: the fraction of the ledger's rows the statement agrees with")
	fs.StringVar(&o.providers, "providers", "upay,paypro,vborder,edgeros", "cpu, hol: providers to measure")
	fs.StringVar(&o.provider, "provider", "paypro", "scale, statement: the provider")
	fs.StringVar(&o.slow, "slow", "edgeros=200ms", "hol: provider=delay added to each of its answers")
	fs.Float64Var(&o.rate, "rate", defRate, "rate_limit of every recon account (the default binds nothing); hol with a rate "+
		"every account can keep measures isolation apart from the machine's CPU, which the accounts otherwise share")
	fs.IntVar(&o.concurrency, "concurrency", 16, "requests in flight per account, recon's and the plain client's alike")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the planted data")
	fs.StringVar(&o.reconBin, "recon", "", "use this recon binary (default: go build ./cmd/recon of this module)")
	fs.StringVar(&o.baseBin, "base", "", "cpu: also measure this recon binary (`BIN`, say a build of main), alternating with --recon, "+
		"and print its CPU and orders/s beside: a change's before and after in one invocation")
	fs.StringVar(&o.keep, "dir", "", "keep ledgers, configs and stores in `DIR` (default: a temporary folder, removed)")
	fs.BoolVar(&o.json, "json", false, "print the figures as JSON instead of a table")
	fs.Float64Var(&o.maxErr, "max-errors", 0.01, "fail when more than this fraction of a client's answers failed")
	fs.IntVar(&o.accounts, "accounts", 40, "shard: accounts in the shard-process")
	fs.IntVar(&o.platformAccounts, "platform-accounts", 10000, "shard: the platform to size: accounts")
	fs.IntVar(&o.platformOrders, "platform-orders", 1000, "shard: the platform to size: orders per account")
	fs.DurationVar(&o.window, "window", 6*time.Hour, "shard: the night's window")
	fs.Float64Var(&o.shardMemMB, "shard-memory", 4096, "shard: memory of one shard-process's pod, MB")
	fs.IntVar(&o.repeat, "repeat", 1, "cpu: measure each client this many times, alternating, and report the medians")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.orders < 1 || o.rows < 1 || o.concurrency < 1 || o.repeat < 1 || o.accounts < 1 {
		return errors.New("--orders, --rows, --concurrency, --repeat and --accounts must be at least 1")
	}
	b, err := newBench(ctx, o)
	if err != nil {
		return err
	}
	defer b.close()
	switch mode {
	case "cpu":
		return b.cpu(ctx)
	case "hol":
		return b.hol(ctx)
	case "statement":
		return b.statement(ctx)
	case "shard":
		return b.shard(ctx)
	default:
		return b.scale(ctx)
	}
}
