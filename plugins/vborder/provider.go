package vborder

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/helper/endpoint"
	"github.com/reconhq/recon/plugins/helper/rsakey"
)

// Name is the plugin's name; Version its version.
const (
	Name    = "vborder"
	Version = "1.0.0"
)

// APIPath is the query API, relative to the account's endpoint.
const APIPath = "/api/vborder/order/standard/qrcodeQuery"

// Credential names, as the host delivers them (X_file already read into X).
const (
	CredCustomerNo         = "customer_no"
	CredSignKey            = "sign_key"
	CredPlatformPublicKey  = "platform_public_key"
	CredMerchantPrivateKey = "merchant_private_key"
	CredResponseKey        = "response_key"
	// CredRequireSign "true" refuses an answer without sign under
	// merchant_private (PROTOCOL lets the platform leave it out; the key
	// that encrypts such an answer is the merchant's public one, which is
	// no secret). "false" or absent: PROTOCOL's reading.
	CredRequireSign = "require_sign"
)

// Values of the response_key credential: which key opens the answer's reqmsg.
const (
	// ResponseMerchantPrivate (default): the platform encrypted the answer to
	// the merchant's public key; the merchant private key decrypts it.
	ResponseMerchantPrivate = "merchant_private"
	// ResponsePlatformPublic: the platform "encrypted" with its private key
	// (type-1 blocks); the platform public key recovers it.
	ResponsePlatformPublic = "platform_public"
)

// chinaTime is the zone of payTime. PROTOCOL: "payTime: yyyy-MM-dd HH:mm:ss,
// China time (UTC+8)" — the platform's clock, whatever zone the account is
// configured with, so Account.Location is deliberately not used. Fixed
// +08:00 rather than Asia/Shanghai: the instant must not depend on the tz
// database of the machine the plugin runs on (China has had no DST since 1991).
var chinaTime = time.FixedZone("CST", 8*60*60)

// Provider queries vborder (微保) for the state of orders. Configure it once,
// then Query concurrently.
type Provider struct {
	client *http.Client
	cfg    atomic.Pointer[config]
}

var _ plugins.Provider = (*Provider)(nil)

// config is one account, validated.
type config struct {
	url          string // endpoint + APIPath
	customerNo   string
	signKey      string
	platformPub  *rsa.PublicKey
	merchantPriv *rsa.PrivateKey // nil only with ResponsePlatformPublic
	responseKey  string
	requireSign  bool // an unsigned answer under merchant_private is not trusted
	currency     string
}

// New returns an unconfigured provider.
func New() *Provider { return &Provider{client: plugins.NewHTTPClient()} }

// Info describes the plugin. vborder has no refund query: refund rows get
// OutcomeUnsupported.
func (p *Provider) Info() plugins.Info {
	return plugins.Info{
		Name:        Name,
		Version:     Version,
		RefundQuery: false,
		Credentials: []string{CredCustomerNo, CredSignKey, CredPlatformPublicKey, CredMerchantPrivateKey, CredResponseKey, CredRequireSign},
		Description: "微保 vborder aggregate payment: qrcode order query (MD5-signed, segmented RSA reqmsg); no refund query",
	}
}

// Configure validates the account. Its errors name the credential at fault,
// never its value.
func (p *Provider) Configure(_ context.Context, acct plugins.Account) error {
	cfg, err := newConfig(acct)
	if err != nil {
		return fmt.Errorf("vborder account %q: %w", acct.Name, err)
	}
	p.cfg.Store(cfg)
	return nil
}

func newConfig(acct plugins.Account) (*config, error) {
	cfg := &config{}
	base, err := endpoint.Parse(acct.Endpoint)
	if err != nil {
		return nil, err
	}
	cfg.url = endpoint.Join(base, APIPath)

	// PROTOCOL: orderAmount is integer fen, so the account's amounts are CNY.
	cfg.currency = strings.ToUpper(strings.TrimSpace(acct.Currency))
	if cfg.currency == "" {
		cfg.currency = "CNY"
	}
	if cfg.currency != "CNY" {
		return nil, fmt.Errorf("currency %s: vborder amounts are fen (CNY); configure currency CNY", cfg.currency)
	}

	cred := func(name string) string { return strings.TrimSpace(acct.Credentials[name]) }
	required := func(name string) (string, error) {
		v, err := acct.Credential(name)
		return strings.TrimSpace(v), err
	}
	if cfg.customerNo, err = required(CredCustomerNo); err != nil {
		return nil, err
	}
	// The sign key is used exactly as given, minus surrounding whitespace
	// (a key file's trailing newline is never part of it).
	if cfg.signKey, err = required(CredSignKey); err != nil {
		return nil, err
	}

	cfg.responseKey = cred(CredResponseKey)
	if cfg.responseKey == "" {
		cfg.responseKey = strings.TrimSpace(acct.Options[CredResponseKey])
	}
	switch cfg.responseKey {
	case "":
		cfg.responseKey = ResponseMerchantPrivate
	case ResponseMerchantPrivate, ResponsePlatformPublic:
	default:
		return nil, fmt.Errorf("credential %s must be %q or %q", CredResponseKey, ResponseMerchantPrivate, ResponsePlatformPublic)
	}
	rs := cred(CredRequireSign)
	if rs == "" {
		rs = strings.TrimSpace(acct.Options[CredRequireSign])
	}
	switch rs {
	case "", "false":
	case "true":
		cfg.requireSign = true
	default:
		return nil, fmt.Errorf("credential %s must be true or false, not %.32q", CredRequireSign, rs)
	}

	pubText, err := required(CredPlatformPublicKey)
	if err != nil {
		return nil, err
	}
	if cfg.platformPub, err = rsakey.ParsePublic(CredPlatformPublicKey, pubText); err != nil {
		return nil, err
	}

	// The merchant private key opens answers in the default scheme; with
	// platform_public it is not used, so it may be left out (and is still
	// checked when given).
	privText := cred(CredMerchantPrivateKey)
	if cfg.responseKey == ResponseMerchantPrivate {
		if privText, err = required(CredMerchantPrivateKey); err != nil {
			return nil, err
		}
	}
	if privText != "" {
		if cfg.merchantPriv, err = rsakey.ParsePrivate(CredMerchantPrivateKey, privText); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}
