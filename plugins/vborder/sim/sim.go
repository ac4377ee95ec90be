package sim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
	"github.com/reconhq/recon/plugins/vborder"
)

// Demo credentials of a fresh simulator. The RSA keys are not here: each
// simulator generates its own pair of keypairs.
const (
	DemoCustomerNo = "202112090603"
	DemoSignKey    = "vborder-demo-sign-key-2f8a61c4"
)

// keyBits: the platform's example is RSA-1024, and 1024-bit keys are
// generated in milliseconds.
const keyBits = 1024

//go:embed scenario_default.yaml
var defaultScenario []byte

// OtherOrder models a platform that answers about the wrong order: a
// genuine, encrypted and signed answer whose business JSON is another paid
// order's. Nothing in the cryptography betrays it; only comparing the
// answer's orderNo (and platformSeq) with the query does.
const OtherOrder script.Fault = "other_order"

// faults are the faults a vborder scenario may script: the generic ones of
// package script, then vborder's own.
var faults = script.NewRegistry(
	script.Spec{Name: script.Busy, Doc: `HTTP 200, {"code":"500","success":false,"data":null}: the platform is busy`},
	script.Spec{Name: script.Tamper, Doc: "the answer's reqmsg altered so that it does not decrypt"},
	script.Spec{Name: script.BadSign, Doc: "the answer signed with a wrong sign key"},
	script.Spec{Name: OtherOrder, Doc: "a valid (encrypted, signed) answer with another paid order's data"},
)

// Simulator is vborder's query API on loopback: it decrypts and checks each
// request as the platform does, answers from its scenario, and injects faults.
type Simulator struct {
	platformKey *rsa.PrivateKey // the platform's pair: requests are encrypted to it
	merchantKey *rsa.PrivateKey // the merchant's pair: answers are encrypted to it
	inj         *simkit.Injector
	handler     http.Handler
	simkit.Statements

	mu            sync.RWMutex
	customerNo    string
	signKey       string
	responseKey   string // vborder.ResponseMerchantPrivate or vborder.ResponsePlatformPublic
	signResponses bool
	slowDelay     time.Duration
	orders        map[string]*Order
	plan          *script.Plan // keyed by orderNo
	seq           int          // Plant's order numbers
}

var _ simkit.Simulator = (*Simulator)(nil)

// New returns a simulator with fresh keys, the demo credentials and the
// default scenario (every payStatus and checkStatus, and the page's own
// example order 202209070002).
func New() *Simulator {
	s := &Simulator{
		platformKey: mustKey(),
		merchantKey: mustKey(),
		inj:         simkit.NewInjector(),
	}
	s.Statements = s.statementRows
	mux := http.NewServeMux()
	mux.HandleFunc(vborder.APIPath, s.serveQuery)
	s.handler = s.inj.Wrap(mux)
	if err := s.LoadScenario(defaultScenario); err != nil {
		panic(fmt.Sprintf("vborder: embedded default scenario: %v", err))
	}
	return s
}

func mustKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		panic(fmt.Sprintf("vborder simulator: generating an RSA key: %v", err))
	}
	return k
}

// Name is the provider's plugin name.
func (s *Simulator) Name() string { return vborder.Name }

// Faults is the simulator's injector of random faults. Besides the generic
// rates it rolls faults.extra rates named busy, tamper, badsign and
// other_order.
func (s *Simulator) Faults() *simkit.Injector { return s.inj }

// Account returns what a recon account needs to talk to this simulator.
func (s *Simulator) Account() simkit.Account {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return simkit.Account{
		Currency: "CNY",
		Timezone: "Asia/Shanghai",
		Credentials: map[string]string{
			vborder.CredCustomerNo:         s.customerNo,
			vborder.CredSignKey:            s.signKey,
			vborder.CredPlatformPublicKey:  publicKeyPEM(&s.platformKey.PublicKey),
			vborder.CredMerchantPrivateKey: privateKeyPEM(s.merchantKey),
			vborder.CredResponseKey:        s.responseKey,
		},
	}
}

// Script arranges for the next n queries of orderNo to meet fault f (one of
// the registry's: see doc.go); n < 0 forever, 0 clears it.
func (s *Simulator) Script(orderNo string, f script.Fault, n int) error {
	s.mu.RLock()
	plan := s.plan
	s.mu.RUnlock()
	return plan.Set(orderNo, f, n)
}

// The key forms a merchant is handed: PKIX for the platform's public key,
// PKCS#8 for the merchant's own private key.

func publicKeyPEM(pub *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err) // an RSA public key always marshals
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func privateKeyPEM(priv *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		panic(err) // an RSA private key always marshals
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}
