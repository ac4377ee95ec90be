package upay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/helper/endpoint"
	"github.com/reconhq/recon/plugins/money"
)

// Plugin identity.
const (
	Name    = "upay"
	Version = "1.0.0"
	// APIPath is the query API, relative to the account's endpoint.
	APIPath = "/upay/v2/query"
)

// Credential names, as the host delivers them.
const (
	CredTerminalSN  = "terminal_sn"
	CredTerminalKey = "terminal_key"
)

// Provider is the upay plugin: one merchant terminal at upay.
// Configure must be called before Query; Query is safe for concurrent use.
type Provider struct {
	client *http.Client
	cfg    atomic.Pointer[config]
}

var _ plugins.Provider = (*Provider)(nil)

// config is one account's validated configuration. It is immutable once
// stored, so concurrent queries read it without locking.
type config struct {
	url         string // endpoint + APIPath
	terminalSN  string
	terminalKey string
	currency    string
	loc         *time.Location
}

// New returns an unconfigured upay provider.
func New() *Provider { return &Provider{client: plugins.NewHTTPClient()} }

// Info describes the plugin. upay can confirm a refund on its own (query with
// refund_request_no), so RefundQuery is true.
func (p *Provider) Info() plugins.Info {
	return plugins.Info{
		Name:        Name,
		Version:     Version,
		RefundQuery: true,
		Credentials: []string{CredTerminalSN, CredTerminalKey},
		Description: "收钱吧 (Shouqianba) upay order query: POST /upay/v2/query, MD5-signed",
	}
}

// Configure validates the account and keeps it for Query. Errors name the
// missing or bad setting, never a credential's value.
func (p *Provider) Configure(_ context.Context, acct plugins.Account) error {
	cfg, err := newConfig(acct)
	if err != nil {
		return fmt.Errorf("upay: account %q: %w", acct.Name, err)
	}
	p.cfg.Store(cfg)
	return nil
}

func newConfig(acct plugins.Account) (*config, error) {
	sn, err := acct.Credential(CredTerminalSN)
	if err != nil {
		return nil, err
	}
	// terminal_sn is the first word of the Authorization header.
	if strings.IndexFunc(sn, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return nil, errors.New("credential terminal_sn must not contain spaces or control characters")
	}
	key, err := acct.Credential(CredTerminalKey)
	if err != nil {
		return nil, err
	}
	base, err := endpoint.Parse(acct.Endpoint)
	if err != nil {
		return nil, err
	}
	cur := strings.ToUpper(strings.TrimSpace(acct.Currency))
	if cur == "" {
		cur = "CNY"
	}
	if _, err := money.Digits(cur); err != nil {
		return nil, fmt.Errorf("currency: %w", err)
	}
	loc := acct.Location
	if loc == nil {
		loc = time.UTC
	}
	return &config{
		url:         endpoint.Join(base, APIPath),
		terminalSN:  sn,
		terminalKey: key,
		currency:    cur,
		loc:         loc,
	}, nil
}
