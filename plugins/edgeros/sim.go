package edgeros

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"sync"

	"github.com/reconhq/recon/plugins/simkit"
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

	mu         sync.Mutex
	mchNo      string
	appNo      string
	trades     map[string]*Trade  // by mch_trade_no
	byTxn      map[string]*Trade  // by transaction_no
	refunds    map[string]*Refund // by mch_refund_no
	byRefundNo map[string]*Refund // by refund_no
	scripts    map[string]*simkit.Countdown
	seq        int // numbering of planted orders
	numSeq     int // numbering of planted platform numbers
}

var _ simkit.Simulator = (*Simulator)(nil)

// NewSimulator returns a simulator holding the demo merchant with one trade
// of every trade code (EGD-SUCCESS, EGD-REFUND, ...) and one refund of every
// refund code (EGD-R-SUCCESS, ...), all on order EGD-REFUND.
func NewSimulator() *Simulator {
	s := &Simulator{merchant: newKey(), platform: newKey(), inj: simkit.NewInjector()}
	mux := http.NewServeMux()
	mux.HandleFunc(tradePath, s.serveTrade)
	mux.HandleFunc(refundPath, s.serveRefund)
	s.handler = s.inj.Wrap(mux)
	sc, err := parseScenario([]byte(defaultScenario))
	if err != nil {
		panic("edgeros: default scenario: " + err.Error())
	}
	s.load(sc)
	return s
}

func newKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("edgeros: generating an RSA key: " + err.Error())
	}
	return k
}

// Name is the provider's plugin name.
func (s *Simulator) Name() string { return Name }

// Faults is the simulator's fault injector.
func (s *Simulator) Faults() *simkit.Injector { return s.inj }

// Account returns the credentials that talk to this simulator.
func (s *Simulator) Account() simkit.Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return simkit.Account{
		Currency: "CNY",
		Timezone: "Asia/Shanghai",
		Credentials: map[string]string{
			CredMchNo:              s.mchNo,
			CredAppNo:              s.appNo,
			CredMerchantPrivateKey: privateKeyPEM(s.merchant),
			CredPlatformPublicKey:  publicKeyPEM(&s.platform.PublicKey),
		},
	}
}

// ServeHTTP serves the platform's API paths.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// LoadScenario replaces the orders, refunds, scripted faults and fault rates
// with a scenario (format in doc.go). The keys stay.
func (s *Simulator) LoadScenario(data []byte) error {
	sc, err := parseScenario(data)
	if err != nil {
		return err
	}
	s.load(sc)
	return nil
}

func (s *Simulator) load(sc *scenario) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mchNo, s.appNo = DemoMchNo, DemoAppNo
	if sc.MchNo != "" {
		s.mchNo = sc.MchNo
	}
	if sc.AppNo != "" {
		s.appNo = sc.AppNo
	}
	s.trades, s.byTxn = map[string]*Trade{}, map[string]*Trade{}
	s.refunds, s.byRefundNo = map[string]*Refund{}, map[string]*Refund{}
	s.scripts = map[string]*simkit.Countdown{}
	for _, k := range faultKinds {
		s.scripts[k] = &simkit.Countdown{}
	}
	for i := range sc.Trades {
		s.addTradeLocked(sc.Trades[i])
	}
	for i := range sc.Refunds {
		s.addRefundLocked(sc.Refunds[i])
	}
	for _, sp := range sc.Scripted {
		s.scripts[sp.Fault].Set(sp.Key, sp.Times)
	}
	s.inj.Set(sc.Faults)
}

func (s *Simulator) addTradeLocked(t Trade) {
	s.trades[t.MchTradeNo] = &t
	s.byTxn[t.TransactionNo] = &t
}

func (s *Simulator) addRefundLocked(r Refund) {
	s.refunds[r.MchRefundNo] = &r
	s.byRefundNo[r.RefundNo] = &r
}

// Script arranges for the next n queries of key (an mch_trade_no or an
// mch_refund_no) to get fault (5xx, malformed, badsign, tamper, nosign,
// replay); n < 0 is forever, 0 clears it.
func (s *Simulator) Script(key, fault string, n int) error {
	if !knownFault(fault) {
		return fmt.Errorf("edgeros simulator: unknown fault %q (have %v)", fault, faultKinds)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts[fault].Set(key, n)
	return nil
}

// scripted returns the first scripted fault due for key, using it up.
func (s *Simulator) scripted(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range faultKinds {
		if s.scripts[k].Take(key) {
			s.inj.Count(k)
			return k
		}
	}
	return ""
}

// random rolls the provider-specific fault rates (Faults.Extra).
func (s *Simulator) random() string {
	for _, k := range extraFaults {
		if s.inj.Extra(k) {
			return k
		}
	}
	return ""
}

// defaultScenario is what a new simulator holds: every code once.
const defaultScenario = `
trades:
  - {mch_trade_no: EGD-SUCCESS, code: SUCCESS, amount_total: "0.01", success_time: "2024-04-24T18:00:28+08:00",
     extra: "购买游戏元宝", acoid: "10008", pay_channel: WECHAT_PAY, pay_method: NATIVE}
  - {mch_trade_no: EGD-REFUND, code: REFUND, amount_total: "100.00", success_time: "2024-04-24T18:05:00+08:00",
     extra: "套餐A&B <限时>", acoid: "10009", pay_channel: ALIPAY, pay_method: H5}
  - {mch_trade_no: EGD-NOTPAY, code: NOTPAY, amount_total: "12.34", pay_channel: WECHAT_PAY, pay_method: JSAPI}
  - {mch_trade_no: EGD-USERPAYING, code: USERPAYING, amount_total: "5.00", pay_channel: WECHAT_PAY, pay_method: APP}
  - {mch_trade_no: EGD-CLOSED, code: CLOSED, amount_total: "8.80", pay_channel: ALIPAY, pay_method: NATIVE}
  - {mch_trade_no: EGD-REVOKED, code: REVOKED, amount_total: "9.90", pay_channel: WECHAT_PAY, pay_method: MINIPROGRAM}
  - {mch_trade_no: EGD-PAYERROR, code: PAYERROR, amount_total: "66.60", pay_channel: ALIPAY, pay_method: APP}
refunds:
  - {mch_refund_no: EGD-R-SUCCESS, mch_trade_no: EGD-REFUND, code: SUCCESS, refund_amount: "30.00",
     success_time: "2024-04-25T09:00:00+08:00", refund_reason: "不想要了", refund_channel: ORIGINAL}
  - {mch_refund_no: EGD-R-PROCESSING, mch_trade_no: EGD-REFUND, code: PROCESSING, refund_amount: "20.00",
     refund_channel: ORIGINAL}
  - {mch_refund_no: EGD-R-ABNORMAL, mch_trade_no: EGD-REFUND, code: ABNORMAL, refund_amount: "10.00",
     refund_channel: ORIGINAL}
  - {mch_refund_no: EGD-R-CLOSED, mch_trade_no: EGD-REFUND, code: CLOSED, refund_amount: "5.00",
     refund_channel: ORIGINAL}
`
