package edgeros

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/helper/endpoint"
	"github.com/reconhq/recon/plugins/helper/rsakey"
	"github.com/reconhq/recon/plugins/money"
)

// Name is the plugin's name.
const Name = "edgeros"

// Version is the plugin's version.
const Version = "1.0.0"

// The credentials Configure expects, as the host delivers them (the
// config's *_file keys arrive read, under the name without _file).
const (
	CredMchNo              = "mch_no"
	CredAppNo              = "app_no"
	CredMerchantPrivateKey = "merchant_private_key"
	CredPlatformPublicKey  = "platform_public_key"
)

// Provider queries 翼辉支付 (AcoPay) for one merchant account. Configure it
// once; Query is then safe for concurrent use.
type Provider struct {
	client *http.Client

	base     *url.URL // the account's endpoint, checked
	mchNo    string
	key      *rsa.PrivateKey // the merchant's: signs requests
	platform *rsa.PublicKey  // the platform's: verifies answers
	currency string
	digits   int
	loc      *time.Location

	// nonce makes a request's x-acopay-nonce; tests replace it so that a
	// fixed answer signed outside the code echoes the request's nonce.
	nonce func() (string, error)
}

var _ plugins.Provider = (*Provider)(nil)

// chinaTime is UTC+8, where the platform runs.
var chinaTime = time.FixedZone("CST", 8*60*60)

// New returns an unconfigured provider.
func New() *Provider {
	return &Provider{client: plugins.NewHTTPClient(), nonce: NewNonce}
}

// Info describes the plugin.
func (p *Provider) Info() plugins.Info {
	return plugins.Info{
		Name:        Name,
		Version:     Version,
		RefundQuery: true,
		Credentials: []string{CredMchNo, CredAppNo, CredMerchantPrivateKey, CredPlatformPublicKey},
		Description: "翼辉支付 AcoPay (EdgerOS): trade and refund queries, SHA256withRSA signed both ways",
	}
}

// Configure checks and takes the account's settings. Errors name the bad
// credential, never its value.
func (p *Provider) Configure(_ context.Context, acct plugins.Account) error {
	var missing error
	get := func(name string) string {
		v, err := acct.Credential(name)
		if missing == nil {
			missing = err
		}
		return strings.TrimSpace(v)
	}
	// app_no is required by the contract but read nowhere: a query does not
	// send it (the platform knows the order's app), and an answer's app_no is
	// not compared with it. PROTOCOL: decision. A merchant's orders may come
	// from several of its apps, and the order numbers the answer echoes
	// already say whose the answer is.
	mchNo := get(CredMchNo)
	get(CredAppNo)
	keyText, pubText := get(CredMerchantPrivateKey), get(CredPlatformPublicKey)
	if missing != nil {
		return fmt.Errorf("edgeros: %w", missing)
	}
	key, err := rsakey.ParsePrivate(CredMerchantPrivateKey, keyText)
	if err != nil {
		return fmt.Errorf("edgeros: %w", err)
	}
	pub, err := rsakey.ParsePublic(CredPlatformPublicKey, pubText)
	if err != nil {
		return fmt.Errorf("edgeros: %w", err)
	}
	base, err := endpoint.Parse(acct.Endpoint)
	if err != nil {
		return fmt.Errorf("edgeros: %w", err)
	}
	// PROTOCOL: amounts are yuan ("单位为元"), so the account's currency is
	// CNY: under another, "12.34" would be read as 12.34 of it.
	cur := strings.ToUpper(strings.TrimSpace(acct.Currency))
	if cur == "" {
		cur = "CNY"
	}
	if cur != "CNY" {
		return fmt.Errorf("edgeros: currency %q: amounts are yuan; configure currency CNY", acct.Currency)
	}
	digits, err := money.Digits(cur)
	if err != nil {
		return fmt.Errorf("edgeros: currency: %w", err)
	}
	loc := acct.Location
	if loc == nil {
		loc = chinaTime // the platform's own zone; used only for times without an offset
	}
	p.base = base
	p.mchNo = mchNo
	p.key, p.platform = key, pub
	p.currency, p.digits, p.loc = cur, digits, loc
	if p.client == nil {
		p.client = plugins.NewHTTPClient()
	}
	if p.nonce == nil {
		p.nonce = NewNonce
	}
	return nil
}
