package upay_test

import (
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/upay"
)

// upay's own query example (api-doc.txt), served as upay would serve it.
func TestProviderDocExample(t *testing.T) {
	body, err := os.ReadFile("testdata/doc_query_success.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) }))
	defer srv.Close()
	res := query(t, mustProvider(t, srv.URL, nil), recon.Query{Kind: recon.Payment, OrderNo: "test", Attempt: 1})

	if res.Outcome != recon.OutcomeFound || res.Err != "" {
		t.Fatalf("outcome %v, err %q", res.Outcome, res.Err)
	}
	if string(res.Raw) != string(body) || res.HTTPStatus != 200 || res.Verified {
		t.Errorf("raw kept %v, HTTP %d, verified %v", string(res.Raw) == string(body), res.HTTPStatus, res.Verified)
	}
	if res.Request != "POST /upay/v2/query client_sn=test" {
		t.Errorf("Request %q", res.Request)
	}
	a := res.Answer
	if a.Status != "PAID" || a.SubStatus != "SUCCESS" || a.TradeNo != "7895259867120667" || a.Currency != "CNY" {
		t.Errorf("status %q/%q trade_no %q currency %q", a.Status, a.SubStatus, a.TradeNo, a.Currency)
	}
	if a.OrderNo != "test" || a.RefundNo != "" || a.RefundTradeNo != "" {
		t.Errorf("identity %q/%q/%q, want the example's client_sn only", a.OrderNo, a.RefundNo, a.RefundTradeNo)
	}
	// net_amount 0 on a PAID order: refunded == amount. The rule flags it;
	// the plugin reports it as sent.
	if i64(a.Amount) != "300000" || i64(a.Refunded) != "300000" || a.RefundAmount != nil || a.Received != nil {
		t.Errorf("amount %s refunded %s refund_amount %s received %s", i64(a.Amount), i64(a.Refunded), i64(a.RefundAmount), i64(a.Received))
	}
	if !a.PaidAt.IsZero() || !a.RefundedAt.IsZero() {
		t.Errorf("times %v %v: the example has no finish_time", a.PaidAt, a.RefundedAt)
	}
	want := map[string]string{
		"result_code":     "200",
		"biz_result_code": "SUCCESS",
		"client_tsn":      "726d47ded14818c906cd1a006d4e5050",
		"store_id":        "test",
		"subject":         "test",
		"payway":          "2",
		"description":     "[{\"id\":\"\",\"name\":\"未命名商品\",\"num\":\"1\",\"price\":\"3000\"}]\n",
		"payment_list":    `[{"type":"BANKCARD_DEBIT","amount_total":"1"},{"type":"DISCOUNT_CHANNEL_MCH","amount_total":"100"}]`,
		"client_sn":       "test",
		"operator":        "test",
		"sub_payway":      "1",
		"order_status":    "PAID",
		"total_amount":    "300000",
		"ctime":           "1498446309605",
		"sn":              "7895259867120667",
		"net_amount":      "0",
		"terminal_id":     "a2369b8b-546f-42e1-baec-e1d54690bab8",
		"status":          "SUCCESS",
	}
	if !maps.Equal(a.Fields, want) {
		for k, v := range want {
			if a.Fields[k] != v {
				t.Errorf("Fields[%s] = %q, want %q", k, a.Fields[k], v)
			}
		}
		for k := range a.Fields {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected field %s = %q", k, a.Fields[k])
			}
		}
	}
}

func TestInterpret(t *testing.T) {
	ok := func(data string) string {
		return `{"result_code":"200","biz_response":{"result_code":"SUCCESS","data":` + data + `}}`
	}
	fail := func(code string) string {
		return `{"result_code":"200","biz_response":{"result_code":"FAIL","error_code":"` + code + `","error_message":"x"}}`
	}
	top := func(code, errCode string) string {
		return `{"result_code":"` + code + `","error_code":"` + errCode + `","error_message":"m"}`
	}
	const paid = `{"sn":"1","client_sn":"A1","order_status":"PAID","status":"SUCCESS","total_amount":"1234","net_amount":"1234","finish_time":"1763737804000"}`
	for _, c := range []struct {
		name    string
		kind    recon.Kind
		body    string
		outcome recon.Outcome
		errHas  string
		check   func(t *testing.T, a recon.Answer)
	}{
		{name: "sign rejected", body: top("400", "ILLEGAL_SIGN"), outcome: recon.OutcomePermanent, errHas: "400 ILLEGAL_SIGN: m"},
		// A refusal of the terminal names terminal_sn, for `recon check
		// --ping` to blame it rather than terminal_key.
		{name: "invalid terminal", body: top("400", "INVALID_TERMINAL"), outcome: recon.OutcomePermanent, errHas: "INVALID_TERMINAL: m (check credential terminal_sn)"},
		{name: "terminal not exists", body: top("400", "TERMINAL_NOT_EXISTS"), outcome: recon.OutcomePermanent, errHas: "TERMINAL_NOT_EXISTS: m (check credential terminal_sn)"},
		{name: "biz terminal not exists", body: fail("UPAY_TERMINAL_NOT_EXISTS"), outcome: recon.OutcomePermanent, errHas: "UPAY_TERMINAL_NOT_EXISTS: x (check credential terminal_sn)"},
		{name: "invalid params", body: top("400", "INVALID_PARAMS"), outcome: recon.OutcomePermanent, errHas: "INVALID_PARAMS"},
		{name: "system error", body: top("500", "UNKNOWN_SYSTEM_ERROR"), outcome: recon.OutcomeTransient, errHas: "500 UNKNOWN_SYSTEM_ERROR"},
		{name: "maintenance", body: top("500", "MAINTENANCE_INPROGRESS"), outcome: recon.OutcomeTransient, errHas: "MAINTENANCE_INPROGRESS"},
		{name: "result_code missing", body: `{"biz_response":{}}`, outcome: recon.OutcomeTransient, errHas: "unexpected result_code"},
		{name: "result_code odd", body: top("302", "X"), outcome: recon.OutcomeTransient, errHas: `unexpected result_code "302"`},
		// doc.go: anything but 200, 4xx and 5xx is malformed, and 4xx/5xx
		// are three digits.
		{name: "result_code 4 and letters", body: top("4ab", "X"), outcome: recon.OutcomeTransient, errHas: `unexpected result_code "4ab"`},
		{name: "result_code 5 and letters", body: top("5xx", "X"), outcome: recon.OutcomeTransient, errHas: `unexpected result_code "5xx"`},
		{name: "result_code 4 and a sign", body: top("4-1", "X"), outcome: recon.OutcomeTransient, errHas: `unexpected result_code`},
		{name: "result_code 404", body: top("404", "X"), outcome: recon.OutcomePermanent, errHas: "404 X"},
		{name: "result_code 503", body: top("503", "X"), outcome: recon.OutcomeTransient, errHas: "provider error 503 X"},
		{name: "result_code 4000", body: top("4000", "X"), outcome: recon.OutcomeTransient, errHas: `unexpected result_code "4000"`},
		{name: "not JSON", body: `<html>busy</html>`, outcome: recon.OutcomeTransient, errHas: "malformed answer"},
		{name: "truncated", body: `{"result_code":"200","biz_response":{"result_code":"SUCC`, outcome: recon.OutcomeTransient, errHas: "malformed answer"},
		{name: "no biz_response", body: `{"result_code":"200"}`, outcome: recon.OutcomeTransient, errHas: "without biz_response"},
		{name: "odd biz result", body: `{"result_code":"200","biz_response":{"result_code":"ERROR"}}`, outcome: recon.OutcomeTransient, errHas: "unexpected biz_response.result_code"},
		{name: "no data", body: `{"result_code":"200","biz_response":{"result_code":"SUCCESS"}}`, outcome: recon.OutcomeTransient, errHas: "not an object"},
		{name: "order not exists", body: fail("UPAY_ORDER_NOT_EXISTS"), outcome: recon.OutcomeNotFound, errHas: "UPAY_ORDER_NOT_EXISTS"},
		{name: "order not exist (misspelt)", body: fail("UPAY_ORDER_NOT_EXIST"), outcome: recon.OutcomeNotFound},
		{name: "trade not exist", body: fail("TRADE_NOT_EXIST"), outcome: recon.OutcomeNotFound},
		{name: "refund not exists, refund query", kind: recon.Refund, body: fail("REFUND_NOT_EXISTS"), outcome: recon.OutcomeNotFound},
		{name: "refund not exists, payment query", body: fail("REFUND_NOT_EXISTS"), outcome: recon.OutcomePermanent, errHas: "REFUND_NOT_EXISTS"},
		{name: "trade timeout", body: fail("TRADE_TIMEOUT"), outcome: recon.OutcomeTransient, errHas: "TRADE_TIMEOUT"},
		{name: "terminal not active", body: fail("UPAY_TERMINAL_STATUS_ABNORMAL"), outcome: recon.OutcomePermanent, errHas: "UPAY_TERMINAL_STATUS_ABNORMAL: x (check credential terminal_sn"},
		// A member named twice (or in two cases, which encoding/json would
		// match alike) makes the answer ambiguous: which copy is upay's?
		{name: "result_code twice", body: `{"result_code":"400","result_code":"200","biz_response":{"result_code":"SUCCESS","data":` + paid + `}}`,
			outcome: recon.OutcomeTransient, errHas: "appears twice"},
		{name: "result_code in two cases", body: `{"result_code":"500","RESULT_CODE":"200","biz_response":{"result_code":"SUCCESS","data":` + paid + `}}`,
			outcome: recon.OutcomeTransient, errHas: `"RESULT_CODE" is result_code in another case`},
		{name: "result_code in another case only", body: `{"Result_Code":"200","biz_response":{"result_code":"SUCCESS","data":` + paid + `}}`,
			outcome: recon.OutcomeTransient, errHas: "in another case"},
		{name: "biz_response twice", body: `{"result_code":"200","biz_response":{"result_code":"FAIL","error_code":"TRADE_TIMEOUT"},"biz_response":{"result_code":"SUCCESS","data":` + paid + `}}`,
			outcome: recon.OutcomeTransient, errHas: "twice"},
		{name: "biz result_code twice", body: `{"result_code":"200","biz_response":{"result_code":"FAIL","result_code":"SUCCESS","data":` + paid + `}}`,
			outcome: recon.OutcomeTransient, errHas: "appears twice"},
		{name: "biz result_code in two cases", body: `{"result_code":"200","biz_response":{"result_code":"FAIL","Result_Code":"SUCCESS","data":` + paid + `}}`,
			outcome: recon.OutcomeTransient, errHas: "biz_response: member \"Result_Code\" is result_code in another case"},
		{name: "data twice", body: `{"result_code":"200","biz_response":{"result_code":"SUCCESS","data":{"order_status":"PAY_ERROR"},"data":` + paid + `}}`,
			outcome: recon.OutcomeTransient, errHas: "appears twice"},
		{name: "result_code as a number", body: `{"result_code":200,"biz_response":{"result_code":"SUCCESS","data":` + paid + `}}`,
			outcome: recon.OutcomeFound},
		{name: "result_code as an object", body: `{"result_code":{"a":"200"}}`, outcome: recon.OutcomeTransient, errHas: "result_code"},
		{name: "error_code as a bool", body: `{"result_code":"400","error_code":true}`, outcome: recon.OutcomeTransient, errHas: "error_code"},
		{name: "biz_response not an object", body: `{"result_code":"200","biz_response":"x"}`, outcome: recon.OutcomeTransient, errHas: "biz_response"},
		{name: "biz_response null", body: `{"result_code":"200","biz_response":null}`, outcome: recon.OutcomeTransient, errHas: "without biz_response"},
		{name: "escaped result_code", body: `{"result_code":"\u0032\u0030\u0030","biz_response":{"result_code":"SUCCESS","data":` + paid + `}}`,
			outcome: recon.OutcomeFound},
		{name: "member twice", body: ok(`{"order_status":"PAID","total_amount":"1","total_amount":"2"}`), outcome: recon.OutcomeTransient, errHas: "appears twice"},
		{name: "fractional amount", body: ok(`{"order_status":"PAID","total_amount":"12.34"}`), outcome: recon.OutcomeTransient, errHas: "total_amount"},
		{name: "negative amount", body: ok(`{"order_status":"PAID","total_amount":"-1"}`), outcome: recon.OutcomeTransient, errHas: "total_amount"},
		{name: "paid", body: ok(paid), outcome: recon.OutcomeFound, check: func(t *testing.T, a recon.Answer) {
			if a.Status != "PAID" || i64(a.Amount) != "1234" || i64(a.Refunded) != "0" || a.TradeNo != "1" {
				t.Errorf("%+v", a)
			}
			if want := time.UnixMilli(1763737804000); !a.PaidAt.Equal(want) || !a.RefundedAt.IsZero() {
				t.Errorf("paid_at %v refunded_at %v", a.PaidAt, a.RefundedAt)
			}
		}},
		{name: "amounts as bare numbers", body: ok(`{"order_status":"PAID","total_amount":1234,"net_amount":1000,"extra":{"a":[1, 2]},"gone":null}`),
			outcome: recon.OutcomeFound, check: func(t *testing.T, a recon.Answer) {
				if i64(a.Amount) != "1234" || i64(a.Refunded) != "234" || a.Fields["extra"] != `{"a":[1,2]}` || a.Fields["total_amount"] != "1234" {
					t.Errorf("%+v", a)
				}
				// jsonfields: a null member is left out, not "".
				if v, ok := a.Fields["gone"]; ok {
					t.Errorf("null field kept as %q", v)
				}
			}},
		{name: "net above total kept", body: ok(`{"order_status":"PAID","total_amount":"100","net_amount":"150"}`),
			outcome: recon.OutcomeFound, check: func(t *testing.T, a recon.Answer) {
				if i64(a.Refunded) != "-50" {
					t.Errorf("refunded %s", i64(a.Refunded))
				}
			}},
		{name: "no net_amount: refunded unknown", body: ok(`{"order_status":"PAID","total_amount":"100","net_amount":""}`),
			outcome: recon.OutcomeFound, check: func(t *testing.T, a recon.Answer) {
				if a.Refunded != nil || i64(a.Amount) != "100" {
					t.Errorf("amount %s refunded %s", i64(a.Amount), i64(a.Refunded))
				}
			}},
		{name: "refunded order: finish_time is the refund's", body: ok(`{"order_status":"REFUNDED","status":"SUCCESS","total_amount":"100","net_amount":"0","finish_time":"1763737804000"}`),
			outcome: recon.OutcomeFound, check: func(t *testing.T, a recon.Answer) {
				if !a.PaidAt.IsZero() || !a.RefundedAt.Equal(time.UnixMilli(1763737804000)) || i64(a.Refunded) != "100" {
					t.Errorf("paid_at %v refunded_at %v refunded %s", a.PaidAt, a.RefundedAt, i64(a.Refunded))
				}
			}},
		{name: "refund query, refund done", kind: recon.Refund, body: ok(`{"order_status":"PARTIAL_REFUNDED","status":"SUCCESS","total_amount":"1000","net_amount":"700","settlement_amount":"300","finish_time":"1763737804000"}`),
			outcome: recon.OutcomeFound, check: func(t *testing.T, a recon.Answer) {
				if i64(a.RefundAmount) != "300" || i64(a.Refunded) != "300" || !a.RefundedAt.Equal(time.UnixMilli(1763737804000)) || !a.PaidAt.IsZero() {
					t.Errorf("%+v", a)
				}
			}},
		{name: "refund query, refund in progress", kind: recon.Refund, body: ok(`{"order_status":"REFUND_INPROGRESS","status":"IN_PROG","total_amount":"1000","net_amount":"1000","settlement_amount":"300","finish_time":"1763737804000"}`),
			outcome: recon.OutcomeFound, check: func(t *testing.T, a recon.Answer) {
				if a.SubStatus != "IN_PROG" || i64(a.RefundAmount) != "300" || !a.RefundedAt.IsZero() {
					t.Errorf("%+v", a)
				}
			}},
		{name: "malformed time left zero", body: ok(`{"order_status":"PAID","total_amount":"1","finish_time":"yesterday"}`),
			outcome: recon.OutcomeFound, check: func(t *testing.T, a recon.Answer) {
				if !a.PaidAt.IsZero() || a.Fields["finish_time"] != "yesterday" {
					t.Errorf("paid_at %v", a.PaidAt)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			kind := c.kind
			if kind == 0 {
				kind = recon.Payment
			}
			res := upay.Interpret(kind, []byte(c.body), "CNY", time.UTC)
			if res.Outcome != c.outcome {
				t.Fatalf("outcome %v (%s), want %v", res.Outcome, res.Err, c.outcome)
			}
			if !strings.Contains(res.Err, c.errHas) {
				t.Errorf("err %q does not contain %q", res.Err, c.errHas)
			}
			if c.outcome == recon.OutcomeFound && res.Err != "" {
				t.Errorf("found with err %q", res.Err)
			}
			if c.check != nil {
				c.check(t, res.Answer)
			}
		})
	}
}

// PROTOCOL: times are 13-digit epoch milliseconds. Any other text leaves
// PaidAt zero (the raw text stays in Fields): a 10-digit seconds value read
// as milliseconds would be a payment in January 1970.
func TestFinishTime(t *testing.T) {
	for _, c := range []struct {
		name, raw string // raw as it appears in JSON
		want      time.Time
	}{
		{"13 digits", `"1763737804000"`, time.UnixMilli(1763737804000)},
		{"13 digits as a number", `1763737804000`, time.UnixMilli(1763737804000)},
		{"smallest 13 digits", `"1000000000000"`, time.UnixMilli(1000000000000)},
		{"10-digit seconds", `"1449646835"`, time.Time{}},
		{"12 digits", `"176373780400"`, time.Time{}},
		{"14 digits", `"17637378040000"`, time.Time{}},
		{"16 digits", `"1763737804000000"`, time.Time{}},
		{"plus sign", `"+763737804000"`, time.Time{}},
		{"minus sign", `"-763737804000"`, time.Time{}},
		// 13 characters, but a time before 2001 upay never sent: more
		// likely a padded seconds value than a millisecond one.
		{"leading zero", `"0763737804000"`, time.Time{}},
		{"padded seconds", `"0001449646835"`, time.Time{}},
		{"all zeros", `"0000000000000"`, time.Time{}},
		{"space", `" 763737804000"`, time.Time{}},
		{"empty", `""`, time.Time{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := `{"result_code":"200","biz_response":{"result_code":"SUCCESS","data":{"client_sn":"A1","order_status":"PAID","status":"SUCCESS","total_amount":"1","finish_time":` + c.raw + `}}}`
			res := upay.Interpret(recon.Payment, []byte(body), "CNY", time.UTC)
			if res.Outcome != recon.OutcomeFound {
				t.Fatalf("outcome %v: %s", res.Outcome, res.Err)
			}
			if !res.Answer.PaidAt.Equal(c.want) || res.Answer.PaidAt.IsZero() != c.want.IsZero() {
				t.Errorf("PaidAt %v, want %v", res.Answer.PaidAt, c.want)
			}
		})
	}
}

// `recon check --ping` blames the credential a refusal names as a word
// (engine/preflight suspect), else the key that signs: a refusal of the
// terminal must name terminal_sn, and a refusal of the sign neither.
func TestRefusalNamesCredential(t *testing.T) {
	for _, c := range []struct {
		body, named string // named: "" for none
	}{
		{`{"result_code":"400","error_code":"TERMINAL_NOT_EXISTS","error_message":"终端不存在"}`, upay.CredTerminalSN},
		{`{"result_code":"400","error_code":"INVALID_TERMINAL"}`, upay.CredTerminalSN},
		{`{"result_code":"200","biz_response":{"result_code":"FAIL","error_code":"UPAY_TERMINAL_NOT_EXISTS"}}`, upay.CredTerminalSN},
		{`{"result_code":"400","error_code":"ILLEGAL_SIGN","error_message":"sign error"}`, ""},
		{`{"result_code":"200","biz_response":{"result_code":"FAIL","error_code":"UPAY_ORDER_NOT_EXISTS"}}`, ""},
	} {
		res := upay.Interpret(recon.Payment, []byte(c.body), "CNY", time.UTC)
		var named []string
		for _, cred := range []string{upay.CredTerminalSN, upay.CredTerminalKey} {
			if mentionsWord(res.Err, cred) {
				named = append(named, cred)
			}
		}
		want := []string{c.named}
		if c.named == "" {
			want = nil
		}
		if !slices.Equal(named, want) {
			t.Errorf("%s: %q names %v, want %v", c.body, res.Err, named, want)
		}
	}
}

// mentionsWord reports whether s has w with no letter, digit or _ on
// either side, as preflight reads a credential's name.
func mentionsWord(s, w string) bool {
	word := func(b byte) bool {
		return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
	}
	for off := 0; ; {
		i := strings.Index(s[off:], w)
		if i < 0 {
			return false
		}
		i += off
		if end := i + len(w); (i == 0 || !word(s[i-1])) && (end == len(s) || !word(s[end])) {
			return true
		}
		off = i + 1
	}
}

// Call-level codes reach Fields even when the query failed.
func TestFailureKeepsCodes(t *testing.T) {
	res := upay.Interpret(recon.Payment, []byte(`{"result_code":"200","biz_response":{"result_code":"FAIL","error_code":"UPAY_ORDER_NOT_EXIST","error_message":"订单不存在"}}`),
		"CNY", time.UTC)
	want := map[string]string{"result_code": "200", "biz_result_code": "FAIL", "biz_error_code": "UPAY_ORDER_NOT_EXIST", "biz_error_message": "订单不存在"}
	if res.Outcome != recon.OutcomeNotFound || !maps.Equal(res.Answer.Fields, want) {
		t.Errorf("outcome %v fields %v", res.Outcome, res.Answer.Fields)
	}
}

// The identity an answer states is copied from the answer, never from the
// query: each case asks about A1 (refund 01), so an answer about anything
// else, or one that does not say, must fail Query.Check.
func TestAnswerIdentity(t *testing.T) {
	ok := func(data string) string {
		return `{"result_code":"200","biz_response":{"result_code":"SUCCESS","data":{"order_status":"PAID","status":"SUCCESS","total_amount":"100"` + data + `}}}`
	}
	for _, c := range []struct {
		name                       string
		kind                       recon.Kind
		data                       string
		orderNo, tradeNo, refundNo string
		ledgerSN                   string // the query's ProviderTradeNo
		checkField, checkAnswered  string // "": Check passes
	}{
		{name: "payment", data: `,"client_sn":"A1","sn":"7895000000000001","client_tsn":"A1"`,
			orderNo: "A1", tradeNo: "7895000000000001"},
		{name: "payment, ledger sn agrees", data: `,"client_sn":"A1","sn":"7895000000000001"`, ledgerSN: "7895000000000001",
			orderNo: "A1", tradeNo: "7895000000000001"},
		{name: "payment whose last operation is a refund: no refund number", data: `,"client_sn":"A1","sn":"7895000000000001","client_tsn":"A1-02"`,
			orderNo: "A1", tradeNo: "7895000000000001"},
		{name: "payment of another order", data: `,"client_sn":"B2","sn":"7895000000000002"`,
			orderNo: "B2", tradeNo: "7895000000000002", checkField: "order_no", checkAnswered: "B2"},
		{name: "payment of another trade", data: `,"client_sn":"A1","sn":"7895000000000002"`, ledgerSN: "7895000000000001",
			orderNo: "A1", tradeNo: "7895000000000002", checkField: "provider_trade_no", checkAnswered: "7895000000000002"},
		{name: "payment without client_sn or sn", data: ``,
			checkField: "order_no"},
		{name: "payment with an empty client_sn", data: `,"client_sn":"","sn":"7895000000000001"`,
			tradeNo: "7895000000000001", checkField: "order_no"},
		{name: "payment with a null client_sn", data: `,"client_sn":null`,
			checkField: "order_no"},
		{name: "refund", kind: recon.Refund, data: `,"client_sn":"A1","sn":"7895000000000001","client_tsn":"A1-01"`,
			orderNo: "A1", tradeNo: "7895000000000001", refundNo: "01"},
		{name: "refund of another refund", kind: recon.Refund, data: `,"client_sn":"A1","sn":"7895000000000001","client_tsn":"A1-02"`,
			orderNo: "A1", tradeNo: "7895000000000001", refundNo: "02", checkField: "refund_no", checkAnswered: "02"},
		{name: "refund of another order", kind: recon.Refund, data: `,"client_sn":"B2","sn":"7895000000000002","client_tsn":"B2-01"`,
			orderNo: "B2", tradeNo: "7895000000000002", refundNo: "01", checkField: "order_no", checkAnswered: "B2"},
		{name: "refund without client_tsn", kind: recon.Refund, data: `,"client_sn":"A1","sn":"7895000000000001"`,
			orderNo: "A1", tradeNo: "7895000000000001", checkField: "refund_no"},
		{name: "refund with a payment's client_tsn", kind: recon.Refund, data: `,"client_sn":"A1","client_tsn":"726d47ded14818c906cd1a006d4e5050"`,
			orderNo: "A1", checkField: "refund_no"},
		{name: "refund with client_tsn of another order", kind: recon.Refund, data: `,"client_sn":"A1","client_tsn":"B2-01"`,
			orderNo: "A1", checkField: "refund_no"},
		{name: "refund with an empty refund part", kind: recon.Refund, data: `,"client_sn":"A1","client_tsn":"A1-"`,
			orderNo: "A1", checkField: "refund_no"},
		{name: "refund without client_sn", kind: recon.Refund, data: `,"client_tsn":"A1-01"`,
			checkField: "order_no"},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := recon.Query{Kind: recon.Payment, OrderNo: "A1", ProviderTradeNo: c.ledgerSN, Attempt: 1}
			if c.kind == recon.Refund {
				q.Kind, q.RefundNo = recon.Refund, "01"
			}
			res := upay.Interpret(q.Kind, []byte(ok(c.data)), "CNY", time.UTC)
			if res.Outcome != recon.OutcomeFound {
				t.Fatalf("outcome %v: %s", res.Outcome, res.Err)
			}
			a := res.Answer
			if a.OrderNo != c.orderNo || a.TradeNo != c.tradeNo || a.RefundNo != c.refundNo || a.RefundTradeNo != "" {
				t.Errorf("identity %q/%q/%q/%q, want %q/%q/%q/\"\"", a.OrderNo, a.TradeNo, a.RefundNo, a.RefundTradeNo,
					c.orderNo, c.tradeNo, c.refundNo)
			}
			err := q.Check(&res)
			if c.checkField == "" {
				if err != nil {
					t.Errorf("Check: %v", err)
				}
				return
			}
			var ie *recon.IdentityError
			if !errors.As(err, &ie) || ie.Field != c.checkField || ie.Answered != c.checkAnswered {
				t.Errorf("Check: %#v, want an IdentityError on %s answering %q", err, c.checkField, c.checkAnswered)
			}
		})
	}
}
