package sim

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/simkit"
	"github.com/reconhq/recon/plugins/simkit/script"
	"go.yaml.in/yaml/v3"
)

// Trade is an order the simulator holds, in the platform's field names.
type Trade struct {
	MchTradeNo    string `yaml:"mch_trade_no"`
	TransactionNo string `yaml:"transaction_no"` // generated when empty
	Code          string `yaml:"code"`           // SUCCESS REFUND NOTPAY USERPAYING CLOSED REVOKED PAYERROR
	Description   string `yaml:"description"`    // default: the code's usual text
	AmountTotal   string `yaml:"amount_total"`   // yuan, "12.34", as the platform writes it
	SuccessTime   string `yaml:"success_time"`   // RFC 3339; for SUCCESS and REFUND
	Extra         string `yaml:"extra"`
	Acoid         string `yaml:"acoid"`
	PayChannel    string `yaml:"pay_channel"` // WECHAT_PAY ALIPAY
	PayMethod     string `yaml:"pay_method"`  // NATIVE JSAPI H5 APP MINIPROGRAM

	at time.Time // when it was paid, for the statement: see billedAt
}

// Refund is a refund the simulator holds.
type Refund struct {
	MchRefundNo   string `yaml:"mch_refund_no"`
	RefundNo      string `yaml:"refund_no"` // generated when empty
	MchTradeNo    string `yaml:"mch_trade_no"`
	TransactionNo string `yaml:"transaction_no"` // default: the trade's
	RefundAmount  string `yaml:"refund_amount"`  // yuan
	Code          string `yaml:"code"`           // SUCCESS PROCESSING ABNORMAL CLOSED
	Description   string `yaml:"description"`
	RefundReason  string `yaml:"refund_reason"`
	SuccessTime   string `yaml:"success_time"`
	RefundChannel string `yaml:"refund_channel"` // ORIGINAL BALANCE
	// StatementCode is the code the statement billed the refund with,
	// when it differs from what a query answers now: a bill freezes a
	// refund's status (PROCESSING billed, SUCCESS since). Default Code.
	StatementCode string `yaml:"statement_code"`

	at time.Time // when it was made, for the statement: see billedAt
}

// scenario is the edgeros section of a sandbox scenario file (see doc.go).
type scenario struct {
	MchNo    string         `yaml:"mch_no"`
	AppNo    string         `yaml:"app_no"`
	Trades   []Trade        `yaml:"trades"`
	Refunds  []Refund       `yaml:"refunds"`
	Scripted []script.Entry `yaml:"scripted"` // keyed by mch_trade_no or mch_refund_no
	Faults   simkit.Faults  `yaml:"faults"`
}

// The vocabulary (PROTOCOL: decision, after WeChat Pay's trade and refund states).
var (
	tradeCodes = map[string]string{
		"SUCCESS": "支付成功", "REFUND": "转入退款", "NOTPAY": "未支付", "USERPAYING": "用户支付中",
		"CLOSED": "已关闭", "REVOKED": "已撤销", "PAYERROR": "支付失败",
	}
	refundCodes = map[string]string{
		"SUCCESS": "退款成功", "PROCESSING": "退款处理中", "ABNORMAL": "退款异常", "CLOSED": "退款关闭",
	}
)

// LoadScenario replaces the orders, refunds, scripted faults and fault rates
// with a scenario (format in doc.go). The keys stay. A scenario that does
// not load leaves everything as it was.
func (s *Simulator) LoadScenario(data []byte) error {
	sc, err := parseScenario(data)
	if err != nil {
		return err
	}
	plan := script.NewPlan(faults, s.inj)
	if err := plan.Load(sc.Scripted); err != nil {
		return fmt.Errorf("edgeros scenario: %w", err)
	}
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
	for i := range sc.Trades {
		s.addTradeLocked(sc.Trades[i])
	}
	for i := range sc.Refunds {
		s.addRefundLocked(sc.Refunds[i])
	}
	s.plan = plan
	s.inj.Set(sc.Faults)
	return nil
}

func (s *Simulator) addTradeLocked(t Trade) {
	if t.at.IsZero() {
		t.at = billedAt(t.SuccessTime, len(s.trades))
	}
	s.trades[t.MchTradeNo] = &t
	s.byTxn[t.TransactionNo] = &t
}

func (s *Simulator) addRefundLocked(r Refund) {
	if r.at.IsZero() {
		r.at = billedAt(r.SuccessTime, len(s.refunds))
	}
	s.refunds[r.MchRefundNo] = &r
	s.byRefundNo[r.RefundNo] = &r
}

// parseScenario reads and checks a scenario but its scripted faults (the
// Plan checks those), filling defaults.
func parseScenario(data []byte) (*scenario, error) {
	var sc scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil && !errors.Is(err, io.EOF) { // empty: no data
		return nil, fmt.Errorf("edgeros scenario: %w", err)
	}
	trades := map[string]*Trade{}
	txns := map[string]bool{}
	for i := range sc.Trades {
		t := &sc.Trades[i]
		if t.MchTradeNo == "" {
			return nil, fmt.Errorf("edgeros scenario: trades[%d]: mch_trade_no is required", i)
		}
		if trades[t.MchTradeNo] != nil {
			return nil, fmt.Errorf("edgeros scenario: trade %s listed twice", t.MchTradeNo)
		}
		if t.Code == "" { // any other code is allowed: an unknown one tests UNKNOWN_STATUS
			return nil, fmt.Errorf("edgeros scenario: trade %s: code is required", t.MchTradeNo)
		}
		if err := checkYuan(t.AmountTotal); err != nil {
			return nil, fmt.Errorf("edgeros scenario: trade %s: amount_total: %w", t.MchTradeNo, err)
		}
		if err := platformNumber(&t.TransactionNo, txns, "transaction_no"); err != nil {
			return nil, err
		}
		if t.Description == "" {
			t.Description = tradeCodes[t.Code]
		}
		trades[t.MchTradeNo] = t
	}
	refunds, refundNos := map[string]bool{}, map[string]bool{}
	for i := range sc.Refunds {
		r := &sc.Refunds[i]
		if r.MchRefundNo == "" || r.Code == "" {
			return nil, fmt.Errorf("edgeros scenario: refunds[%d]: mch_refund_no and code are required", i)
		}
		if refunds[r.MchRefundNo] {
			return nil, fmt.Errorf("edgeros scenario: refund %s listed twice", r.MchRefundNo)
		}
		refunds[r.MchRefundNo] = true
		if err := checkYuan(r.RefundAmount); err != nil {
			return nil, fmt.Errorf("edgeros scenario: refund %s: refund_amount: %w", r.MchRefundNo, err)
		}
		if t := trades[r.MchTradeNo]; t != nil && r.TransactionNo == "" {
			r.TransactionNo = t.TransactionNo
		}
		if err := platformNumber(&r.RefundNo, refundNos, "refund_no"); err != nil {
			return nil, err
		}
		if r.Description == "" {
			r.Description = refundCodes[r.Code]
		}
	}
	if err := faults.CheckExtra(sc.Faults.Extra); err != nil {
		return nil, fmt.Errorf("edgeros scenario: %w", err)
	}
	return &sc, nil
}

// checkYuan checks an amount as the platform writes it: yuan with at most
// two decimals; "" is no amount. The simulator serves the text as written,
// so only its form is checked here.
func checkYuan(s string) error {
	if s == "" {
		return nil
	}
	_, err := money.Parse(s, 2)
	return err
}

// platformNumber gives an empty platform number (field) a random one, as
// the platform would have, and checks that it is not in seen.
func platformNumber(no *string, seen map[string]bool, field string) error {
	if *no == "" {
		*no = randomHex(16)
	}
	if seen[*no] {
		return fmt.Errorf("edgeros scenario: %s %s listed twice", field, *no)
	}
	seen[*no] = true
	return nil
}

// randomHex returns 2n hex digits from crypto/rand (transaction numbers
// look like the page's "4af336b1bd904c69ab2edb76af3a2a35").
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("edgeros simulator: crypto/rand: " + err.Error())
	}
	return hex.EncodeToString(b)
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
