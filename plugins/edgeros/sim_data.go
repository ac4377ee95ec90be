package edgeros

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/simkit"
	"go.yaml.in/yaml/v3"
)

// Trade is an order the simulator holds, in the platform's field names.
type Trade struct {
	MchTradeNo    string `yaml:"mch_trade_no"`
	TransactionNo string `yaml:"transaction_no"` // generated when empty
	Code          string `yaml:"code"`           // SUCCESS REFUND NOTPAY USERPAYING CLOSED REVOKED PAYERROR
	Description   string `yaml:"description"`    // default: the code's usual text
	AmountTotal   string `yaml:"amount_total"`   // yuan, "12.34"
	SuccessTime   string `yaml:"success_time"`   // RFC 3339; for SUCCESS and REFUND
	Extra         string `yaml:"extra"`
	Acoid         string `yaml:"acoid"`
	PayChannel    string `yaml:"pay_channel"` // WECHAT_PAY ALIPAY
	PayMethod     string `yaml:"pay_method"`  // NATIVE JSAPI H5 APP MINIPROGRAM
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
}

// Script is a scripted fault: the next Times queries for Key (an order's
// mch_trade_no or a refund's mch_refund_no) get Fault; -1 is forever.
type Script struct {
	Key   string `yaml:"key"`
	Fault string `yaml:"fault"`
	Times int    `yaml:"times"`
}

// scenario is the edgeros section of a sandbox scenario file (see doc.go).
type scenario struct {
	MchNo    string        `yaml:"mch_no"`
	AppNo    string        `yaml:"app_no"`
	Trades   []Trade       `yaml:"trades"`
	Refunds  []Refund      `yaml:"refunds"`
	Scripted []Script      `yaml:"scripted"`
	Faults   simkit.Faults `yaml:"faults"`
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

// Fault kinds, in the order a request's scripted faults are tried.
const (
	fault5xx       = "5xx"       // HTTP 503, no envelope
	faultMalformed = "malformed" // HTTP 200, truncated JSON
	faultBadSign   = "badsign"   // data.sign of other bytes
	faultTamper    = "tamper"    // a business field changed after signing
	faultNoSign    = "nosign"    // a 200 answer without data.sign
	faultReplay    = "replay"    // signed correctly, but with another nonce
)

var faultKinds = []string{fault5xx, faultMalformed, faultBadSign, faultTamper, faultNoSign, faultReplay}

// extraFaults are the kinds with a random rate (Faults.Extra); the generic
// 5xx, slow and malformed have theirs in Faults.
var extraFaults = []string{faultBadSign, faultTamper, faultNoSign, faultReplay}

func knownFault(k string) bool {
	for _, f := range faultKinds {
		if f == k {
			return true
		}
	}
	return false
}

// parseScenario reads and checks a scenario, filling defaults.
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
		if t.AmountTotal != "" {
			if _, err := money.Parse(t.AmountTotal, 2); err != nil {
				return nil, fmt.Errorf("edgeros scenario: trade %s: amount_total: %w", t.MchTradeNo, err)
			}
		}
		if t.TransactionNo == "" {
			t.TransactionNo = randomHex(16)
		}
		if txns[t.TransactionNo] {
			return nil, fmt.Errorf("edgeros scenario: transaction_no %s listed twice", t.TransactionNo)
		}
		txns[t.TransactionNo] = true
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
		if r.RefundAmount != "" {
			if _, err := money.Parse(r.RefundAmount, 2); err != nil {
				return nil, fmt.Errorf("edgeros scenario: refund %s: refund_amount: %w", r.MchRefundNo, err)
			}
		}
		if t := trades[r.MchTradeNo]; t != nil && r.TransactionNo == "" {
			r.TransactionNo = t.TransactionNo
		}
		if r.RefundNo == "" {
			r.RefundNo = randomHex(16)
		}
		if refundNos[r.RefundNo] {
			return nil, fmt.Errorf("edgeros scenario: refund_no %s listed twice", r.RefundNo)
		}
		refundNos[r.RefundNo] = true
		if r.Description == "" {
			r.Description = refundCodes[r.Code]
		}
	}
	for i, s := range sc.Scripted {
		if s.Key == "" || !knownFault(s.Fault) {
			return nil, fmt.Errorf("edgeros scenario: scripted[%d]: needs a key and a fault of %v", i, faultKinds)
		}
	}
	for k := range sc.Faults.Extra {
		if !knownFault(k) {
			return nil, fmt.Errorf("edgeros scenario: faults.extra: unknown fault %q (have %v)", k, extraFaults)
		}
	}
	return &sc, nil
}

// randomHex returns 2n hex digits from crypto/rand (transaction numbers
// look like the page's "4af336b1bd904c69ab2edb76af3a2a35").
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("edgeros: crypto/rand: " + err.Error())
	}
	return hex.EncodeToString(b)
}
