package paypro

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
)

// The provider page's response example, parsed.
func TestParsePageResponseExample(t *testing.T) {
	raw, err := os.ReadFile("testdata/response_example.json")
	if err != nil {
		t.Fatal(err)
	}
	jakarta := mustLoad(t, "Asia/Jakarta")
	p := mustProvider(t, testAccount("https://id.paypro.test", "IDR", jakarta))
	res := p.cfg.Load().parse(raw)
	if res.Outcome != recon.OutcomeFound || res.Err != "" {
		t.Fatalf("outcome %v %q, want FOUND", res.Outcome, res.Err)
	}
	want := recon.Answer{
		Status:   "0000",
		Currency: "IDR",
		Amount:   recon.Int64(5000000),
		OrderNo:  "133323384",
		TradeNo:  "7zr8om5hzclkemsz",
		PaidAt:   time.Date(2024, 10, 19, 14, 37, 28, 0, jakarta),
		Fields: map[string]string{
			"msg": "success", "code": "0000", "timestamp": "1729325978798", "success": "true",
			"platFormTradeNo": "7zr8om5hzclkemsz", "tradeNo": "133323384", "amount": "50000.00",
			"status": "0000", "successTime": "2024-10-19 14:37:28",
		},
	}
	if !reflect.DeepEqual(res.Answer, want) {
		t.Errorf("answer =\n%s\nwant\n%s", dump(res.Answer), dump(want))
	}
	if res.Answer.PaidAt.Unix() != 1729323448 { // date -d '2024-10-19 14:37:28 +0700' +%s
		t.Errorf("PaidAt unix = %d", res.Answer.PaidAt.Unix())
	}
}

func TestParseOutcomes(t *testing.T) {
	p := mustProvider(t, testAccount("https://id.paypro.test", "IDR", time.UTC))
	const ok = `"data":{"platFormTradeNo":"P1","tradeNo":"A1","amount":"50000.00","status":"0000"}`
	tests := []struct {
		name    string
		body    string
		want    recon.Outcome
		errHas  string
		status  string
		tradeNo string
	}{
		{"handled", `{"code":"0000","msg":"success",` + ok + `}`, recon.OutcomeFound, "", "0000", "P1"},
		{"timestamp as string", `{"code":"0000","timestamp":"1729325978798",` + ok + `}`, recon.OutcomeFound, "", "0000", "P1"},
		{"code as number", `{"code":5000,"msg":"system exception","data":null}`, recon.OutcomeTransient, "5000", "", ""},
		{"success false is not the verdict", `{"code":"0000","success":false,` + ok + `}`, recon.OutcomeFound, "", "0000", "P1"},
		{"payproTradeNo", `{"code":"0000","data":{"payproTradeNo":"P2","tradeNo":"A1","amount":"1","status":"0015"}}`, recon.OutcomeFound, "", "0015", "P2"},
		{"platFormTradeNo wins", `{"code":"0000","data":{"payproTradeNo":"P2","platFormTradeNo":"P1","amount":"1","status":"0029"}}`, recon.OutcomeFound, "", "0029", "P1"},
		{"raw status kept", `{"code":"0000","data":{"tradeNo":"A1","amount":"1","status":"00029"}}`, recon.OutcomeFound, "", "00029", ""},
		{"5000 busy", `{"code":"5000","msg":"system exception","success":false,"timestamp":1,"data":null}`, recon.OutcomeTransient, "5000", "", ""},
		{"8000 order not exist", `{"code":"8000","msg":"order not exist","success":false,"timestamp":1729325978798,"data":null}`, recon.OutcomeNotFound, "order not exist", "", ""},
		{"8000 order not exist, other case", `{"code":"8000","msg":" Order Not Exist","data":null}`, recon.OutcomeNotFound, "", "", ""},
		{"8000 sign error", `{"code":"8000","msg":"sign error","success":false,"data":null}`, recon.OutcomePermanent, "sign error", "", ""},
		// names the credential, for `recon check --ping` to blame it
		// rather than the secret.
		{"8000 merchant not exist", `{"code":"8000","msg":"merchant not exist","success":false,"data":null}`, recon.OutcomePermanent,
			"merchant not exist (check credential merchant_no)", "", ""},
		{"8000 merchant not exist, other case", `{"code":"8000","msg":"Merchant Not Exist ","data":null}`, recon.OutcomePermanent,
			"(check credential merchant_no)", "", ""},
		{"8000 other", `{"code":"8000","msg":"param error","success":false,"data":null}`, recon.OutcomePermanent, "param error", "", ""},
		{"undocumented code", `{"code":"9999","msg":"?"}`, recon.OutcomePermanent, "undocumented", "", ""},
		{"no code", `{"msg":"success",` + ok + `}`, recon.OutcomeTransient, "malformed", "", ""},
		{"not JSON", `<html>bad gateway</html>`, recon.OutcomeTransient, "malformed", "", ""},
		{"truncated", `{"code":"0000","data":{"trunc`, recon.OutcomeTransient, "malformed", "", ""},
		{"array", `[]`, recon.OutcomeTransient, "malformed", "", ""},
		{"null", `null`, recon.OutcomeTransient, "malformed", "", ""},
		{"0000 without data", `{"code":"0000","data":null}`, recon.OutcomeTransient, "data", "", ""},
		{"0000 without status", `{"code":"0000","data":{"tradeNo":"A1","amount":"1"}}`, recon.OutcomeTransient, "status", "", ""},
		// PROTOCOL's codes are strings whose zeros count: 15 is not 0015
		// (processing) but would be read as "15", which the rule fails.
		{"status as a number", `{"code":"0000","data":{"tradeNo":"A1","amount":"1","status":15}}`, recon.OutcomeTransient, "data.status is not a string", "", ""},
		{"status 0 as a number", `{"code":"0000","data":{"tradeNo":"A1","amount":"1","status":0}}`, recon.OutcomeTransient, "data.status is not a string", "", ""},
		{"status as a bool", `{"code":"0000","data":{"tradeNo":"A1","amount":"1","status":true}}`, recon.OutcomeTransient, "data.status is not a string", "", ""},
		{"status as an object", `{"code":"0000","data":{"tradeNo":"A1","amount":"1","status":{"code":"0000"}}}`, recon.OutcomeTransient, "data.status is not a string", "", ""},
		{"status null", `{"code":"0000","data":{"tradeNo":"A1","amount":"1","status":null}}`, recon.OutcomeTransient, "data.status is missing", "", ""},
		{"status empty", `{"code":"0000","data":{"tradeNo":"A1","amount":"1","status":""}}`, recon.OutcomeTransient, "data.status is missing", "", ""},
		{"status escaped", `{"code":"0000","data":{"tradeNo":"A1","amount":"1","status":"\u00300015"}}`, recon.OutcomeFound, "", "00015", ""},
		{"bad amount", `{"code":"0000","data":{"tradeNo":"A1","amount":"12.345","status":"0000"}}`, recon.OutcomeTransient, "amount", "", ""},
		{"float amount syntax", `{"code":"0000","data":{"tradeNo":"A1","amount":"5e4","status":"0000"}}`, recon.OutcomeTransient, "amount", "", ""},
		{"bad receivedAmount", `{"code":"0000","data":{"tradeNo":"A1","amount":"1","receivedAmount":"x","status":"0001"}}`, recon.OutcomeTransient, "receivedAmount", "", ""},
		{"bad successTime", `{"code":"0000","data":{"tradeNo":"A1","amount":"1","status":"0000","successTime":"19/10/2024"}}`, recon.OutcomeTransient, "successTime", "", ""},
		{"member named twice", `{"code":"0000","code":"5000",` + ok + `}`, recon.OutcomeTransient, "twice", "", ""},
		{"data member named twice", `{"code":"0000","data":{"tradeNo":"A1","amount":"1","status":"0029","status":"0000"}}`, recon.OutcomeTransient, "twice", "", ""},
		// Reported as PayPro said it, for the host's check (TestParseIdentity).
		{"answer about another order", `{"code":"0000","data":{"tradeNo":"B2","amount":"1","status":"0000"}}`, recon.OutcomeFound, "", "0000", ""},
	}
	for _, tt := range tests {
		res := p.cfg.Load().parse([]byte(tt.body))
		if res.Outcome != tt.want || !strings.Contains(res.Err, tt.errHas) {
			t.Errorf("%s: outcome %v %q, want %v containing %q", tt.name, res.Outcome, res.Err, tt.want, tt.errHas)
			continue
		}
		if tt.want == recon.OutcomeFound && (res.Answer.Status != tt.status || res.Answer.TradeNo != tt.tradeNo || res.Err != "") {
			t.Errorf("%s: status %q trade %q err %q, want %q %q", tt.name, res.Answer.Status, res.Answer.TradeNo, res.Err, tt.status, tt.tradeNo)
		}
	}
}

// Amounts are exact, in the account currency's minor digits (0, 2 or 3).
func TestParseAmounts(t *testing.T) {
	tests := []struct {
		currency string
		amount   string // as it appears in JSON, quotes included
		received string
		want     *int64
		wantRecv *int64
		bad      bool
	}{
		{"IDR", `"50000.00"`, ``, recon.Int64(5000000), nil, false},
		{"IDR", `"300"`, ``, recon.Int64(30000), nil, false},
		{"IDR", `50000.00`, ``, recon.Int64(5000000), nil, false}, // a JSON number keeps its digits
		{"IDR", `"200000.00"`, `"120000.00"`, recon.Int64(20000000), recon.Int64(12000000), false},
		{"IDR", `""`, ``, nil, nil, false}, // not said
		{"IDR", `null`, ``, nil, nil, false},
		{"IDR", `"0.001"`, ``, nil, nil, true},
		{"KRW", `"300"`, ``, recon.Int64(300), nil, false},
		{"KRW", `"300.00"`, ``, recon.Int64(300), nil, false},
		{"KRW", `"300.50"`, ``, nil, nil, true},
		{"KWD", `"1.234"`, ``, recon.Int64(1234), nil, false},
		{"KWD", `"1.2340"`, ``, recon.Int64(1234), nil, false},
		{"KWD", `"1.2345"`, ``, nil, nil, true},
		{"MXN", `"-1.00"`, ``, nil, nil, true},
		{"MXN", `"1,000.00"`, ``, nil, nil, true},
	}
	for _, tt := range tests {
		p := mustProvider(t, testAccount("https://x.test", tt.currency, time.UTC))
		body := `{"code":"0000","data":{"tradeNo":"A1","status":"0001","amount":` + tt.amount
		if tt.received != "" {
			body += `,"receivedAmount":` + tt.received
		}
		body += `}}`
		res := p.cfg.Load().parse([]byte(body))
		if tt.bad {
			if res.Outcome != recon.OutcomeTransient {
				t.Errorf("%s %s: outcome %v, want TRANSIENT (malformed)", tt.currency, tt.amount, res.Outcome)
			}
			continue
		}
		if res.Outcome != recon.OutcomeFound {
			t.Errorf("%s %s: outcome %v %q", tt.currency, tt.amount, res.Outcome, res.Err)
			continue
		}
		a := res.Answer
		if !reflect.DeepEqual(a.Amount, tt.want) || !reflect.DeepEqual(a.Received, tt.wantRecv) || a.Currency != tt.currency {
			t.Errorf("%s %s: amount %s received %s currency %s, want %s %s", tt.currency, tt.amount,
				ptr(a.Amount), ptr(a.Received), a.Currency, ptr(tt.want), ptr(tt.wantRecv))
		}
	}
}

// Fields carry every business field flat, nested values as compact JSON.
func TestParseFields(t *testing.T) {
	p := mustProvider(t, testAccount("https://x.test", "IDR", time.UTC))
	body := `{"code":"0000","msg":"success","timestamp":1729325978798,"success":true,"traceId":null,
	  "data":{"tradeNo":"A1","amount":"1.00","status":"0029","message":"failed","extra":{"b": [1, 2]},"code":"X"}}`
	res := p.cfg.Load().parse([]byte(body))
	want := map[string]string{"code": "0000", "msg": "success", "timestamp": "1729325978798", "success": "true",
		"tradeNo": "A1", "amount": "1.00", "status": "0029", "message": "failed", "extra": `{"b":[1,2]}`, "data.code": "X"}
	if !reflect.DeepEqual(res.Answer.Fields, want) {
		t.Errorf("Fields = %v\nwant %v", res.Answer.Fields, want)
	}
}

// The identity an answer states is read from the answer alone: a field the
// answer lacks stays empty, whatever was asked, so that the host's check
// sees what PayPro said. The plugin refuses no answer for its identity:
// the host's check (recon.Query.Check, on every reply of a run) refuses an
// answer about another order, and one that names none, naming both numbers.
func TestParseIdentity(t *testing.T) {
	p := mustProvider(t, testAccount("https://id.paypro.test", "IDR", time.UTC))
	tests := []struct {
		name             string
		data             string // the members of data besides status and amount
		want             recon.Outcome
		orderNo, tradeNo string
	}{
		{"both numbers", `"platFormTradeNo":"P1","tradeNo":"A1"`, recon.OutcomeFound, "A1", "P1"},
		{"payproTradeNo region", `"payproTradeNo":"P2","tradeNo":"A1"`, recon.OutcomeFound, "A1", "P2"},
		{"platFormTradeNo before payproTradeNo", `"payproTradeNo":"P2","platFormTradeNo":"P1","tradeNo":"A1"`, recon.OutcomeFound, "A1", "P1"},
		{"tradeNo as a JSON number", `"platFormTradeNo":"P1","tradeNo":133323384`, recon.OutcomeFound, "133323384", "P1"},
		{"no platform number", `"tradeNo":"A1"`, recon.OutcomeFound, "A1", ""},
		{"no tradeNo: not copied from the query", `"platFormTradeNo":"P1"`, recon.OutcomeFound, "", "P1"},
		{"tradeNo null", `"platFormTradeNo":"P1","tradeNo":null`, recon.OutcomeFound, "", "P1"},
		{"tradeNo empty", `"platFormTradeNo":"P1","tradeNo":""`, recon.OutcomeFound, "", "P1"},
		{"neither", ``, recon.OutcomeFound, "", ""},
		{"another order", `"platFormTradeNo":"P9","tradeNo":"B2"`, recon.OutcomeFound, "B2", "P9"},
		{"another case is another order", `"platFormTradeNo":"P1","tradeNo":"a1"`, recon.OutcomeFound, "a1", "P1"},
		{"padded is another order", `"platFormTradeNo":"P1","tradeNo":" A1"`, recon.OutcomeFound, " A1", "P1"},
	}
	for _, tt := range tests {
		data := `"amount":"1.00","status":"0000"`
		if tt.data != "" {
			data = tt.data + "," + data
		}
		res := p.cfg.Load().parse([]byte(`{"code":"0000","data":{` + data + `}}`))
		a := res.Answer
		if res.Outcome != tt.want || a.OrderNo != tt.orderNo || a.TradeNo != tt.tradeNo || a.RefundNo != "" || a.RefundTradeNo != "" {
			t.Errorf("%s: %v %q order %q trade %q refund %q/%q, want %v order %q trade %q, no refund",
				tt.name, res.Outcome, res.Err, a.OrderNo, a.TradeNo, a.RefundNo, a.RefundTradeNo, tt.want, tt.orderNo, tt.tradeNo)
			continue
		}
		// What the host then makes of it: an answer about another order,
		// or one that names none, is not this row's.
		err := recon.Query{Kind: recon.Payment, OrderNo: "A1"}.Check(&res)
		if wantErr := tt.orderNo != "A1"; (err != nil) != wantErr {
			t.Errorf("%s: host check %v, want an error: %v", tt.name, err, wantErr)
		}
		var id *recon.IdentityError
		if err != nil && (!errors.As(err, &id) || id.Field != "order_no" || id.Asked != "A1" || id.Answered != tt.orderNo ||
			!strings.Contains(err.Error(), `"A1"`)) {
			t.Errorf("%s: host check %#v, want order_no asked A1 answered %q", tt.name, err, tt.orderNo)
		}
	}
}

// PayPro has no refund query, so no refund identity is ever echoed: a
// refund query is UNSUPPORTED before any request, and the host's check
// lets it pass as the unsupported reply it is.
func TestRefundIdentity(t *testing.T) {
	p := mustProvider(t, testAccount("http://127.0.0.1:1", "IDR", time.UTC)) // never dialled
	q := recon.Query{Kind: recon.Refund, OrderNo: "A1", ProviderTradeNo: "P1", RefundNo: "A1-R1", Attempt: 1}
	res := p.Query(context.Background(), q)
	a := res.Answer
	if res.Outcome != recon.OutcomeUnsupported || a.OrderNo != "" || a.TradeNo != "" || a.RefundNo != "" || a.RefundTradeNo != "" || len(res.Raw) != 0 {
		t.Errorf("refund query: %v %q answer %s, want UNSUPPORTED with no identity and no exchange", res.Outcome, res.Err, dump(a))
	}
	if err := q.Check(&res); err != nil {
		t.Errorf("host check of an unsupported refund: %v", err)
	}
}
