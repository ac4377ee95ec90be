package paypro

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/money"
)

// Name is the plugin's name, as accounts' `plugin:` key gives it.
const Name = "paypro"

// queryPath is the pay-in result query, appended to the account's endpoint.
const queryPath = "/v1/paypro/queryPayInResult"

// Credential names, as the host delivers them.
const (
	credMerchantNo = "merchant_no"
	credSecret     = "secret"
)

// Provider queries PayPro's pay-in results for one merchant account.
// Configure it once; Query is then safe for concurrent use.
type Provider struct {
	client *http.Client
	now    func() time.Time // the request timestamp's clock; tests pin it

	url        string // endpoint + queryPath
	merchantNo string
	secret     string
	currency   string
	digits     int
	loc        *time.Location
}

// New returns an unconfigured PayPro provider.
func New() *Provider {
	return &Provider{client: plugins.NewHTTPClient(), now: time.Now}
}

// Info describes the plugin. PayPro's pay-in API has no refund query.
func (p *Provider) Info() plugins.Info {
	return plugins.Info{
		Name:        Name,
		Version:     "1.0.0",
		RefundQuery: false,
		Credentials: []string{credMerchantNo, credSecret},
		Description: "PayPro cross-border pay-in: POST /v1/paypro/queryPayInResult (MD5-signed)",
	}
}

// Configure checks the account and keeps what Query needs. Errors name the
// bad setting, never a credential's value.
func (p *Provider) Configure(_ context.Context, acct plugins.Account) error {
	base, err := url.Parse(acct.Endpoint)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return fmt.Errorf("paypro: endpoint %q is not an http(s) URL", acct.Endpoint)
	}
	if base.RawQuery != "" || base.Fragment != "" {
		return fmt.Errorf("paypro: endpoint %q must not carry a query or fragment", acct.Endpoint)
	}
	merchantNo := acct.Credentials[credMerchantNo]
	if merchantNo == "" {
		return fmt.Errorf("paypro: credential %s is missing", credMerchantNo)
	}
	// PROTOCOL: the merchantNo header is a 10-digit merchant number.
	if !isDigits(merchantNo) || len(merchantNo) != 10 {
		return fmt.Errorf("paypro: credential %s must be 10 digits", credMerchantNo)
	}
	secret := acct.Credentials[credSecret]
	if secret == "" {
		return fmt.Errorf("paypro: credential %s is missing", credSecret)
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
	p.url = strings.TrimRight(base.String(), "/") + queryPath
	p.merchantNo = merchantNo
	p.secret = secret
	p.currency = strings.ToUpper(acct.Currency)
	p.digits = digits
	p.loc = loc
	return nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
