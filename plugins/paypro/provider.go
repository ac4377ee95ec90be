package paypro

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/helper/endpoint"
	"github.com/reconhq/recon/plugins/money"
)

// Name is the plugin's name, as accounts' `plugin:` key gives it.
const Name = "paypro"

// Version is the plugin's version, as Info reports it.
const Version = "1.0.0"

// QueryPath is the pay-in result query, appended to the account's endpoint.
const QueryPath = "/v1/paypro/queryPayInResult"

// Credential names, as the host delivers them.
const (
	CredMerchantNo = "merchant_no"
	CredSecret     = "secret"
)

// Provider queries PayPro's pay-in results for one merchant account.
// Configure must be called before Query; Query is safe for concurrent use,
// also with a later Configure (each query keeps the configuration it
// started with).
type Provider struct {
	client *http.Client
	now    func() time.Time // the request timestamp's clock; tests pin it
	cfg    atomic.Pointer[config]
}

// config is one account's validated configuration. It is immutable once
// stored, so concurrent queries read it without locking.
type config struct {
	url        string // endpoint + QueryPath
	merchantNo string
	secret     string
	currency   string
	digits     int
	loc        *time.Location
}

var _ plugins.Provider = (*Provider)(nil)

// New returns an unconfigured PayPro provider.
func New() *Provider {
	return &Provider{client: plugins.NewHTTPClient(), now: time.Now}
}

// Info describes the plugin. PayPro's pay-in API has no refund query.
func (p *Provider) Info() plugins.Info {
	return plugins.Info{
		Name:        Name,
		Version:     Version,
		RefundQuery: false,
		Credentials: []string{CredMerchantNo, CredSecret},
		Description: "PayPro cross-border pay-in: POST /v1/paypro/queryPayInResult (MD5-signed)",
	}
}

// Configure checks the account and keeps what Query needs. Errors name the
// bad setting, never a credential's value.
func (p *Provider) Configure(_ context.Context, acct plugins.Account) error {
	base, err := endpoint.Parse(acct.Endpoint)
	if err != nil {
		return fmt.Errorf("paypro: %w", err)
	}
	merchantNo, err := acct.Credential(CredMerchantNo)
	if err != nil {
		return fmt.Errorf("paypro: %w", err)
	}
	if !ValidMerchantNo(merchantNo) {
		return fmt.Errorf("paypro: credential %s must be 10 digits", CredMerchantNo)
	}
	secret, err := acct.Credential(CredSecret)
	if err != nil {
		return fmt.Errorf("paypro: %w", err)
	}
	if acct.Currency == "" {
		return fmt.Errorf("paypro: account has no currency (PayPro amounts are in the account's currency)")
	}
	digits, err := money.Digits(acct.Currency)
	if err != nil {
		return fmt.Errorf("paypro: account currency: %w", err)
	}
	loc := acct.Location
	if loc == nil {
		loc = time.UTC // as the plugin SDK does for an account without a zone
	}
	p.cfg.Store(&config{
		url:        endpoint.Join(base, QueryPath),
		merchantNo: merchantNo,
		secret:     secret,
		currency:   strings.ToUpper(acct.Currency),
		digits:     digits,
		loc:        loc,
	})
	return nil
}

// ValidMerchantNo reports whether s can be a PayPro merchant number.
// PROTOCOL: the merchantNo header is a 10-digit merchant number.
func ValidMerchantNo(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
