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

	endpoint string // base URL without a trailing slash
	mchNo    string
	appNo    string
	key      *rsa.PrivateKey // the merchant's: signs requests
	platform *rsa.PublicKey  // the platform's: verifies answers
	currency string
	digits   int
	loc      *time.Location

	// nonce makes a request's x-acopay-nonce; tests replace it to replay
	// a fixed answer.
	nonce func() (string, error)
}

// chinaTime is UTC+8, where the platform runs.
var chinaTime = time.FixedZone("CST", 8*60*60)

// New returns an unconfigured provider.
func New() *Provider {
	return &Provider{client: plugins.NewHTTPClient(), nonce: newNonce}
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
	get := func(name string) (string, error) {
		v := strings.TrimSpace(acct.Credentials[name])
		if v == "" {
			return "", fmt.Errorf("edgeros: credential %s is missing", name)
		}
		return v, nil
	}
	mchNo, err := get(CredMchNo)
	if err != nil {
		return err
	}
	// app_no is not part of a query (the platform knows the order's app);
	// it is required by the contract and kept for the answer's context.
	appNo, err := get(CredAppNo)
	if err != nil {
		return err
	}
	keyText, err := get(CredMerchantPrivateKey)
	if err != nil {
		return err
	}
	key, err := parsePrivateKey(keyText)
	if err != nil {
		return fmt.Errorf("edgeros: credential %s: %v", CredMerchantPrivateKey, err)
	}
	pubText, err := get(CredPlatformPublicKey)
	if err != nil {
		return err
	}
	pub, err := parsePublicKey(pubText)
	if err != nil {
		return fmt.Errorf("edgeros: credential %s: %v", CredPlatformPublicKey, err)
	}
	u, err := url.Parse(acct.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("edgeros: endpoint %q is not an http(s) URL", acct.Endpoint)
	}
	cur := acct.Currency
	if cur == "" {
		cur = "CNY"
	}
	digits, err := money.Digits(cur)
	if err != nil {
		return fmt.Errorf("edgeros: account currency: %w", err)
	}
	loc := acct.Location
	if loc == nil {
		loc = chinaTime // the platform's own zone; used only for times without an offset
	}
	p.endpoint = strings.TrimRight(acct.Endpoint, "/")
	p.mchNo, p.appNo = mchNo, appNo
	p.key, p.platform = key, pub
	p.currency, p.digits, p.loc = cur, digits, loc
	if p.client == nil {
		p.client = plugins.NewHTTPClient()
	}
	if p.nonce == nil {
		p.nonce = newNonce
	}
	return nil
}
