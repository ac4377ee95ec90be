// Command recon reconciles a merchant's ledger against its payment
// providers. See `recon --help` and the README.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/reconhq/recon/plugins/builtin"
)

func main() {
	// Before anything else: this process may be a built-in provider's plugin,
	// whose stdout belongs to go-plugin's handshake.
	builtin.ServeIfChild()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(profiled(func() int { return Main(ctx, os.Args, os.Stdout, os.Stderr) }))
}

// profiled runs main under a CPU profile written to $RECON_CPUPROFILE, when
// set: how a slow night is looked into (go tool pprof recon FILE). The
// plugin processes are not in it (each is a process of its own).
func profiled(main func() int) int {
	path := os.Getenv("RECON_CPUPROFILE")
	if path == "" {
		return main()
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "recon: RECON_CPUPROFILE: %v\n", err)
		return main()
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "recon: RECON_CPUPROFILE: %v\n", err)
		return main()
	}
	defer pprof.StopCPUProfile()
	return main()
}
