package vborder

import (
	"crypto/rand"
	"crypto/rsa"
	_ "embed"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/reconhq/recon/plugins/simkit"
)

// Demo credentials of a fresh simulator. The RSA keys are not here: each
// simulator generates its own pair of keypairs.
const (
	DemoCustomerNo = "202112090603"
	DemoSignKey    = "vborder-demo-sign-key-2f8a61c4"
)

// simKeyBits: the platform's example is RSA-1024, and 1024-bit keys are
// generated in milliseconds.
const simKeyBits = 1024

//go:embed scenario_default.yaml
var defaultScenario []byte

// Simulator is vborder's query API on loopback: it decrypts and checks each
// request as the platform does, answers from its scenario, and injects faults.
type Simulator struct {
	platformKey *rsa.PrivateKey // the platform's pair: requests are encrypted to it
	merchantKey *rsa.PrivateKey // the merchant's pair: answers are encrypted to it
	inj         *simkit.Injector
	handler     http.Handler

	mu            sync.RWMutex
	customerNo    string
	signKey       string
	responseKey   string // ResponseMerchantPrivate or ResponsePlatformPublic
	signResponses bool
	slowDelay     time.Duration
	orders        map[string]*Order
	script        *simkit.Countdown // keys "<fault>:<orderNo>"
	seq           int               // Plant's order numbers
}

var _ simkit.Simulator = (*Simulator)(nil)

// NewSimulator returns a simulator with fresh keys, the demo credentials and
// the default scenario (every payStatus and checkStatus, and the page's own
// example order 202209070002).
func NewSimulator() *Simulator {
	s := &Simulator{
		platformKey: mustKey(),
		merchantKey: mustKey(),
		inj:         simkit.NewInjector(),
	}
	mux := http.NewServeMux()
	mux.HandleFunc(APIPath, s.serveQuery)
	s.handler = s.inj.Wrap(mux)
	if err := s.LoadScenario(defaultScenario); err != nil {
		panic(fmt.Sprintf("vborder: embedded default scenario: %v", err))
	}
	return s
}

func mustKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, simKeyBits)
	if err != nil {
		panic(fmt.Sprintf("vborder simulator: generating an RSA key: %v", err))
	}
	return k
}

// Name is the provider's plugin name.
func (s *Simulator) Name() string { return Name }

// ServeHTTP serves APIPath relative to wherever the simulator is mounted.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Faults is the simulator's fault injector. Besides the generic faults it
// rolls Extra rates named "busy" (a code "500" answer), "tamper" (a
// ciphertext that does not decrypt) and "badsign" (a wrong answer sign).
func (s *Simulator) Faults() *simkit.Injector { return s.inj }

// Account returns what a recon account needs to talk to this simulator.
func (s *Simulator) Account() simkit.Account {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return simkit.Account{
		Currency: "CNY",
		Timezone: "Asia/Shanghai",
		Credentials: map[string]string{
			CredCustomerNo:         s.customerNo,
			CredSignKey:            s.signKey,
			CredPlatformPublicKey:  publicKeyPEM(&s.platformKey.PublicKey),
			CredMerchantPrivateKey: privateKeyPEM(s.merchantKey),
			CredResponseKey:        s.responseKey,
		},
	}
}

// Script arranges for the next n queries of orderNo to meet fault (one of
// FaultNames); n < 0 forever, 0 clears it.
func (s *Simulator) Script(orderNo, fault string, n int) error {
	if !knownFault(fault) {
		return fmt.Errorf("unknown fault %q (want one of %v)", fault, FaultNames)
	}
	s.mu.RLock()
	sc := s.script
	s.mu.RUnlock()
	sc.Set(fault+":"+orderNo, n)
	return nil
}
