package paypro

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/money"
)

// FuzzParse feeds any body to the response parser, for a query about any
// trade number. Whatever comes back: no panic, a known outcome, an error
// for every outcome but FOUND, and FOUND only for a code 0000 answer whose
// status (a JSON string) and amounts are the ones its data says, never
// negative, and which the host's check refuses unless its data.tradeNo is
// the one asked.
func FuzzParse(f *testing.F) {
	doc, err := os.ReadFile("testdata/response_example.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("133323384", doc)
	f.Add("A1", []byte(`{"code":"8000","msg":"order not exist","success":false,"timestamp":1729325978798,"data":null}`))
	f.Add("A1", []byte(`{"code":5000,"msg":"system exception","data":null}`))
	f.Add("A1", []byte(`{"code":"0000","data":{"payproTradeNo":"P2","tradeNo":"A1","amount":50000.00,"receivedAmount":"1","status":"0015","successTime":"2024-10-19 14:37:28"}}`))
	f.Add("A1", []byte(`{"code":"0000","data":{"tradeNo":"B2","amount":"1","status":"0000","extra":{"b":[1,2]},"code":"X"}}`))

	jakarta, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		f.Fatal(err)
	}
	c := &config{currency: "IDR", digits: 2, loc: jakarta}
	f.Fuzz(func(t *testing.T, tradeNo string, body []byte) {
		res := c.parse(body)
		switch res.Outcome {
		case recon.OutcomeFound:
		case recon.OutcomeNotFound, recon.OutcomeTransient, recon.OutcomePermanent:
			if !strings.HasPrefix(res.Err, "paypro") {
				t.Fatalf("outcome %v with error %q", res.Outcome, res.Err)
			}
			return
		default:
			t.Fatalf("outcome %v (%d): PayPro answers are never unsupported, and their identity is the host's to check", res.Outcome, res.Outcome)
		}
		if res.Err != "" {
			t.Fatalf("FOUND with error %q", res.Err)
		}
		// Read the answer independently: code 0000, a data object about
		// this trade (or about none named), with a status.
		// (Maps, not a struct: PayPro's names are matched case and all.)
		var top, data map[string]json.RawMessage
		if err := json.Unmarshal(body, &top); err != nil {
			t.Fatalf("FOUND for a body encoding/json rejects: %v", err)
		}
		if err := json.Unmarshal(top["data"], &data); err != nil {
			t.Fatalf("FOUND with data %s: %v", top["data"], err)
		}
		str := func(raw json.RawMessage) string {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return strings.TrimSpace(string(raw))
			}
			return s
		}
		if code := str(top["code"]); code != "0000" {
			t.Fatalf("FOUND for code %s", top["code"])
		}
		a := res.Answer
		if status := str(data["status"]); status == "" || a.Status != status || !strings.HasPrefix(string(data["status"]), `"`) {
			t.Fatalf("status %q; data says %s", a.Status, data["status"])
		}
		q := recon.Query{Kind: recon.Payment, OrderNo: tradeNo, Attempt: 1}
		if got := str(data["tradeNo"]); got != tradeNo && q.Check(&res) == nil {
			t.Fatalf("FOUND for tradeNo %s, asked %q, and the host's check lets it pass", data["tradeNo"], tradeNo)
		}
		if a.Currency != "IDR" {
			t.Fatalf("currency %q", a.Currency)
		}
		for key, got := range map[string]*int64{"amount": a.Amount, "receivedAmount": a.Received} {
			s := str(data[key])
			if s == "" || s == "null" {
				if got != nil {
					t.Fatalf("%s %d; data says nothing", key, *got)
				}
				continue
			}
			want, err := money.Parse(s, 2)
			if err != nil || got == nil || *got != want || *got < 0 {
				t.Fatalf("%s %v; data says %q (%v)", key, got, s, err)
			}
		}
	})
}
