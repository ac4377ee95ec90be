package upay_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
	"github.com/reconhq/recon/plugins/upay"
)

// FuzzInterpret feeds any body to the answer parser, as a payment and as a
// refund query. Whatever upay (or something in its place) sends: no panic,
// a known outcome, an error for every outcome but FOUND, and FOUND only for
// a 200/SUCCESS answer whose amount is the one the data says.
func FuzzInterpret(f *testing.F) {
	doc, err := os.ReadFile("testdata/doc_query_success.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(doc, false)
	f.Add([]byte(`{"result_code":"200","biz_response":{"result_code":"SUCCESS","data":{"order_status":"PARTIAL_REFUNDED","status":"SUCCESS","total_amount":"1000","net_amount":"700","settlement_amount":"300","finish_time":"1763737804000"}}}`), true)
	f.Add([]byte(`{"result_code":"200","biz_response":{"result_code":"FAIL","error_code":"UPAY_ORDER_NOT_EXIST","error_message":"订单不存在"}}`), false)
	f.Add([]byte(`{"result_code":"400","error_code":"ILLEGAL_SIGN","error_message":"sign error"}`), false)
	f.Add([]byte(`{"result_code":503,"biz_response":null}`), false)
	f.Add([]byte(`{"result_code":"200","biz_response":{"result_code":"SUCCESS","data":{"total_amount":12.5,"payment_list":[{"a":"\u00ff"}]}}}`), false)
	// Names twice or in two cases, odd types: the envelope's own paths.
	for _, s := range []string{`{"result_code":"200","biz_response":null}`, `{"result_code":200,"error_code":null}`,
		`{"RESULT_CODE":"500","result_code":"200"}`, `{"result_code":"400","result_code":"200","biz_response":{"result_code":"SUCCESS","data":{"total_amount":"1"}}}`,
		`{"result_code":"200","biz_response":{"Result_Code":"FAIL","result_code":"SUCCESS","data":{"total_amount":"1"}}}`,
		`{"result_code":"200","biz_response":{"result_code":"SUCCESS","data":{"total_amount":"2"},"data":{"total_amount":"1"}}}`,
		`{"result_code":"200","biz_response":"x"}`, `{"result_code":true}`, `{"result_code":"\u0032\u0030\u0030"}`,
		`{"result_code":"200","biz_response":{"result_code":"SUCCESS","data":[1]}}`, `{"reſult_code":"1"}`} {
		f.Add([]byte(s), false)
	}

	cst := time.FixedZone("CST", 8*3600)
	f.Fuzz(func(t *testing.T, body []byte, refund bool) {
		kind := recon.Payment
		if refund {
			kind = recon.Refund
		}
		res := upay.Interpret(kind, body, "CNY", cst)
		checkOutcome(t, res)
		if res.Outcome != recon.OutcomeFound {
			if !strings.HasPrefix(res.Err, "upay: ") {
				t.Fatalf("outcome %v with error %q", res.Outcome, res.Err)
			}
			switch res.Outcome {
			case recon.OutcomeNotFound, recon.OutcomeTransient, recon.OutcomePermanent:
			default:
				t.Fatalf("outcome %v: upay answers are never signed nor unsupported", res.Outcome)
			}
			return
		}
		if res.Err != "" || res.Verified {
			t.Fatalf("FOUND with err %q verified %v", res.Err, res.Verified)
		}
		// FOUND means upay said 200 and SUCCESS: read independently.
		var env struct {
			ResultCode json.RawMessage `json:"result_code"`
			Biz        struct {
				ResultCode string                     `json:"result_code"`
				Data       map[string]json.RawMessage `json:"data"`
			} `json:"biz_response"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatalf("FOUND for a body encoding/json rejects: %v", err)
		}
		// encoding/json keeps the last of a repeated member and matches
		// names in any case: FOUND only where no level leaves it a choice.
		var top struct {
			Biz json.RawMessage `json:"biz_response"`
		}
		_ = json.Unmarshal(body, &top)
		unambiguous(t, body, "result_code", "error_code", "error_message", "biz_response")
		unambiguous(t, top.Biz, "result_code", "error_code", "error_message", "data")
		code := string(env.ResultCode)
		_ = json.Unmarshal(env.ResultCode, &code) // a string, else the number's text
		if code != "200" || env.Biz.ResultCode != "SUCCESS" {
			t.Fatalf("FOUND for result_code %s / %q", env.ResultCode, env.Biz.ResultCode)
		}
		a := res.Answer
		if a.Currency != "CNY" {
			t.Fatalf("currency %q", a.Currency)
		}
		if want := fen(t, env.Biz.Data["total_amount"]); !sameAmount(a.Amount, want) {
			t.Fatalf("amount %v; data says %v", show(a.Amount), show(want))
		}
	})
}

// unambiguous fails when the object obj names a member twice, or one of
// names in two cases.
func unambiguous(t *testing.T, obj []byte, names ...string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil { // {
		t.Fatalf("FOUND for %q: %v", obj, err)
	}
	seen := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("FOUND for %q: %v", obj, err)
		}
		k := tok.(string)
		folded := k
		for _, n := range names {
			if strings.EqualFold(k, n) {
				folded = n
			}
		}
		if prev, dup := seen[folded]; dup {
			t.Fatalf("FOUND for %q, which names %q and %q", obj, prev, k)
		}
		seen[folded] = k
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("FOUND for %q: %v", obj, err)
		}
	}
}

// fen reads an amount member as upay's parser must: a string or bare
// number of fen, nil when absent, empty or null.
func fen(t *testing.T, raw json.RawMessage) *int64 {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		s = string(raw)
	}
	if s == "" || s == "null" {
		return nil
	}
	v, err := money.ParseMinor(s)
	if err != nil {
		t.Fatalf("FOUND with an unreadable amount %q", s)
	}
	return &v
}

func sameAmount(a, b *int64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func show(v *int64) any {
	if v == nil {
		return "nil"
	}
	return *v
}

// checkOutcome fails on an outcome the SDK does not define. (Text that is
// not UTF-8 is the wire's to mend: see plugins.FuzzResultWire.)
func checkOutcome(t *testing.T, r recon.Reply) {
	t.Helper()
	if r.Outcome < recon.OutcomeFound || r.Outcome > recon.OutcomePermanent {
		t.Fatalf("outcome %d is none of the SDK's", r.Outcome)
	}
}
