// Command recon reconciles a merchant's ledger against its payment
// providers. See `recon --help` and the README.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/reconhq/recon/plugins/builtin"
)

func main() {
	// Before anything else: this process may be a built-in provider's plugin,
	// whose stdout belongs to go-plugin's handshake.
	builtin.ServeIfChild()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Main(ctx, os.Args, os.Stdout, os.Stderr))
}
