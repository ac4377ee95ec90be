package sim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"sync"

	"github.com/reconhq/recon/plugins/edgeros"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
)

// Demo credentials: the page's own examples.
const (
	DemoMchNo = "MCH1000000"
	DemoAppNo = "APP1000000"
)

// Simulator plays the platform: it checks each request's signature with the
// merchant's public key, answers from the orders and refunds it holds, and
// signs every answer with the platform's private key, echoing the nonce.
// Both RSA-2048 keypairs are generated per simulator.
type Simulator struct {
	merchant *rsa.PrivateKey // Account() hands out its private half
	platform *rsa.PrivateKey // signs answers
	inj      *simkit.Injector
	handler  http.Handler
	simkit.Statements

	mu         sync.Mutex
	mchNo      string
	appNo      string
	trades     map[string]*Trade  // by mch_trade_no
	byTxn      map[string]*Trade  // by transaction_no
	refunds    map[string]*Refund // by mch_refund_no
	byRefundNo map[string]*Refund // by refund_no
	plan       *script.Plan       // the scenario's scripted faults; swapped whole by LoadScenario
	seq        int                // numbering of planted orders
	numSeq     int                // numbering of planted platform numbers
}

var _ simkit.Simulator = (*Simulator)(nil)

// New returns a simulator holding the demo merchant with one trade of every
// trade code (EGD-SUCCESS, EGD-REFUND, ...) and one refund of every refund
// code (EGD-R-SUCCESS, ...), all on order EGD-REFUND.
func New() *Simulator {
	s := &Simulator{merchant: newKey(), platform: newKey(), inj: simkit.NewInjector()}
	s.Statements = s.statementRows
	mux := http.NewServeMux()
	mux.HandleFunc(edgeros.TradePath, s.serveTrade)
	mux.HandleFunc(edgeros.RefundPath, s.serveRefund)
	s.handler = s.inj.Wrap(mux)
	if err := s.LoadScenario([]byte(defaultScenario)); err != nil {
		panic("edgeros simulator: default scenario: " + err.Error())
	}
	return s
}

func newKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("edgeros simulator: generating an RSA key: " + err.Error())
	}
	return k
}

// Name is the provider's plugin name.
func (s *Simulator) Name() string { return edgeros.Name }

// ownFaults are edgeros's faults beyond the generic ones, in the order a
// request's scripted faults are tried; each also has a random rate under
// its name in simkit.Faults.Extra.
var ownFaults = []script.Spec{
	{Name: script.BadSign, Doc: "data.sign is a signature of other bytes"},
	{Name: script.Tamper, Doc: "an amount up one fen (else the code, else the message) changed after signing"},
	{Name: script.NoSign, Doc: "the answer without data.sign"},
	{Name: script.Replay, Doc: "the answer signed over another nonce: an answer to another request"},
	{Name: OtherOrder, Doc: "a valid, signed answer with the data of another order (a paid one; for a refund query another refund) the simulator holds"},
}

// OtherOrder models a platform that answers about the wrong order: the
// answer is authentic, so only comparing the identity it states with the
// query's tells it apart.
const OtherOrder script.Fault = "other_order"

// faults is every fault a scenario may name for edgeros.
var faults = script.NewRegistry(ownFaults...)

// randomFaults are rolled per request at their rates in simkit.Faults.Extra,
// in this order. http_5xx, slow and malformed have rate fields of their own,
// which the injector's Wrap rolls before a request gets here.
var randomFaults = func() []script.Fault {
	var fs []script.Fault
	for _, sp := range ownFaults {
		fs = append(fs, sp.Name)
	}
	return append(fs, script.Hang)
}()

// generic answers the generic faults; a malformed answer is the platform's
// envelope cut short, so that the client fails where it would on a real one.
var generic = script.Generic{MalformedBody: `{"status":200,"message":"SUCCESS","data":{"mch_no`}

// Faults is the simulator's fault injector.
func (s *Simulator) Faults() *simkit.Injector { return s.inj }

// Account returns the credentials that talk to this simulator, the keys as
// PEM in the forms the platform's docs use (PKCS#8, PKIX).
func (s *Simulator) Account() simkit.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, err := x509.MarshalPKCS8PrivateKey(s.merchant)
	if err != nil {
		panic("edgeros simulator: marshal PKCS#8: " + err.Error()) // cannot happen for an RSA key
	}
	pub, err := x509.MarshalPKIXPublicKey(&s.platform.PublicKey)
	if err != nil {
		panic("edgeros simulator: marshal PKIX: " + err.Error()) // cannot happen for an RSA key
	}
	return simkit.Account{
		Currency: "CNY",
		Timezone: "Asia/Shanghai",
		Credentials: map[string]string{
			edgeros.CredMchNo:              s.mchNo,
			edgeros.CredAppNo:              s.appNo,
			edgeros.CredMerchantPrivateKey: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})),
			edgeros.CredPlatformPublicKey:  string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
		},
	}
}

// Script arranges for the next n queries of key (an mch_trade_no or an
// mch_refund_no; "" any request) to meet fault f; n is script.Always for
// every one, 0 clears it.
func (s *Simulator) Script(key string, f script.Fault, n int) error {
	s.mu.Lock()
	plan := s.plan
	s.mu.Unlock()
	if err := plan.Set(key, f, n); err != nil {
		return fmt.Errorf("edgeros simulator: %w", err)
	}
	return nil
}
