package host

import (
	"context"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
)

// Starter starts the plugins of accounts.
type Starter interface {
	// Resolve finds a provider by name. The error wraps ErrUnknownPlugin
	// or ErrChecksum.
	Resolve(name string) (Spec, error)
	// Start starts the provider of spec configured for acct.
	Start(ctx context.Context, spec Spec, acct plugins.Account) (Plugin, error)
	// Close stops every plugin it started, as Stop does, all at once: it
	// returns within StopBound whatever the plugins do.
	Close()
}

// Plugin is a started plugin, configured for one account.
type Plugin interface {
	// Info is what the plugin said it is when it started.
	Info() plugins.Info
	// Query makes one attempt at q. timeout is the plugin's own budget for
	// it; ctx bounds the wait and should allow a little more. The error is
	// set only when no answer can come: ctx ended, or plugins.ErrPluginGone.
	Query(ctx context.Context, q recon.Query, timeout time.Duration) (recon.Reply, error)
	// Exited reports whether the plugin is gone: go-plugin never restarts
	// one, so the caller starts a fresh one.
	Exited() bool
	// Stop ends the plugin; queries in flight fail. It asks the plugin to
	// shut down, SIGKILLs it after GracePeriod, and returns within
	// StopBound whatever the plugin does. Safe to call more than once, and
	// concurrently with Query.
	Stop()
	// Kill ends a plugin taken for hung at once (SIGKILL), without asking
	// for its cooperation; it returns within KillBound.
	Kill()
}
