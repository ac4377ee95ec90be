package sim

import (
	"net/http"
	"sync"
	"time"

	"github.com/reconhq/recon/plugins/paypro"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
)

// Demo account of the simulator: an Indonesian merchant.
const (
	DemoMerchantNo = "6010000001"
	DemoSecret     = "paypro-demo-secret-3f9c2a7e"
	DemoCurrency   = "IDR"
	DemoTimezone   = "Asia/Jakarta"
)

// clockSkew is how far a request's timestamp may be from the simulator's
// clock. PROTOCOL (decision): more than 5 minutes off is "sign error".
const clockSkew = 5 * time.Minute

// OtherOrder answers a query with another order's data, to model a
// provider that answers about the wrong order: recon must never judge such
// an answer as the row's.
const OtherOrder script.Fault = "other_order"

// faults are the faults a paypro scenario may script: the generic ones,
// PayPro's own system exception, and an answer about another order.
var faults = script.NewRegistry(
	script.Spec{Name: script.Busy, Doc: "answer outer code 5000 (system exception) with HTTP 200"},
	script.Spec{Name: OtherOrder, Doc: "answer 0000 with the data of another paid order the simulator holds"},
)

// malformedBody is a handled answer cut short inside data, where the client
// would meet a truncated one.
const malformedBody = `{"msg":"success","code":"0000","timestamp":1729325978798,"success":true,"data":{"platFormTradeNo":"`

// Simulator serves PayPro's pay-in result query on loopback. It is safe for
// concurrent use.
type Simulator struct {
	inj     *simkit.Injector
	handler http.Handler
	simkit.Statements
	now func() time.Time // the clock requests' timestamps are checked against

	mu         sync.RWMutex
	merchantNo string
	secret     string
	currency   string
	timezone   string
	loc        *time.Location
	orders     map[string]order // by tradeNo
	plan       *script.Plan     // scripted faults by tradeNo; replaced whole by LoadScenario
	generic    script.Generic   // answers the generic faults, with the scenario's slow delay
	seq        int              // last planted order number
}

var _ simkit.Simulator = (*Simulator)(nil)

// order is one pay-in as the simulator reports it. Strings are sent as
// written, so a scenario can use every form PayPro does ("300", "9:30:13").
type order struct {
	TradeNo         string
	PlatformTradeNo string
	PlatformField   string // platFormTradeNo (default) or payproTradeNo
	Amount          string
	ReceivedAmount  string
	Status          string
	Message         string
	SuccessTime     string

	at time.Time // when the money arrived, for the statement: see billedAt
}

// New returns a simulator with the demo account and no orders.
func New() *Simulator {
	loc, err := time.LoadLocation(DemoTimezone)
	if err != nil {
		loc = time.FixedZone("WIB", 7*3600) // Asia/Jakarta has no DST
	}
	s := &Simulator{
		inj:        simkit.NewInjector(),
		now:        time.Now,
		merchantNo: DemoMerchantNo,
		secret:     DemoSecret,
		currency:   DemoCurrency,
		timezone:   DemoTimezone,
		loc:        loc,
		orders:     map[string]order{},
		generic:    script.Generic{MalformedBody: malformedBody},
	}
	s.plan = script.NewPlan(faults, s.inj)
	s.Statements = s.statementRows
	mux := http.NewServeMux()
	mux.HandleFunc(paypro.QueryPath, s.serveQuery)
	s.handler = readFirst(s.inj.Wrap(mux))
	return s
}

// Name is the provider's plugin name.
func (s *Simulator) Name() string { return paypro.Name }

// Faults is the simulator's random fault injector. Besides the generic
// faults it rolls Extra["busy"]: answer outer code 5000 (system exception).
func (s *Simulator) Faults() *simkit.Injector { return s.inj }

// Account is what a recon account needs to talk to this simulator.
func (s *Simulator) Account() simkit.Account {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return simkit.Account{
		Currency: s.currency,
		Timezone: s.timezone,
		Credentials: map[string]string{
			paypro.CredMerchantNo: s.merchantNo,
			paypro.CredSecret:     s.secret,
		},
	}
}
