package plugins

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/reconhq/recon"
)

// Provider is what a provider plugin implements. Each plugin process serves
// one merchant account: Configure is called once before any Query. Query is
// called concurrently; the host bounds the concurrency and the rate.
type Provider interface {
	Info() Info
	Configure(ctx context.Context, acct Account) error
	// Query makes one attempt at asking the provider about q. It never
	// retries itself (the host does, with backoff) and reports every failure
	// through Reply.Outcome rather than panicking or hiding it.
	Query(ctx context.Context, q recon.Query) recon.Reply
}

// Info describes a provider.
type Info struct {
	Name    string
	Version string
	// RefundQuery is true when the provider's API can confirm a refund on its
	// own; otherwise refund rows are answered with OutcomeUnsupported.
	RefundQuery bool
	// Credentials lists the credential names Configure expects.
	Credentials []string
	Description string
}

// Account is one merchant account at a provider, as configured by the host.
// Credential values arrive resolved: `${VAR}` expanded and `X_file` read into X.
type Account struct {
	Name        string
	Endpoint    string // base URL; the provider appends its API path
	Currency    string // ISO 4217
	Location    *time.Location
	Credentials map[string]string
	Options     map[string]string
}

// Credential returns the account's credential name, or an error naming it
// when it is missing or blank. Every provider reports a missing credential
// in these words, so an operator sees one message whatever the plugin.
func (a Account) Credential(name string) (string, error) {
	// Blank is missing: an unset ${VAR} or an empty key file says the same.
	v := a.Credentials[name]
	if strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("credential %s is missing (give %s or %s_file)", name, name, name)
	}
	return v, nil
}
