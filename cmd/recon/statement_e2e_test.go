package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	upaysim "github.com/reconhq/recon/plugins/upay/sim"
)

// wechatBill is a WeChat Pay trade bill (v2 downloadbill, bill_type=ALL)
// of 2026-11-21 for the upay night's orders: PAID-1 as the ledger has it,
// AMOUNT-1 and MISSED-1 as the provider has them (the ledger disagrees),
// LOST-1 that the ledger lacks, a payment of the day before (outside the
// period), a malformed row, BROKEN-1 (which the ledger has, malformed), then
// the summary section.
const wechatBill = "交易时间,公众账号ID,商户号,子商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\n" +
	"`2026-11-21 23:10:04,`wx1,`10000100,`0,`,`4200000001,`PAID-1,`o1,`JSAPI,`SUCCESS,`CMB_DEBIT,`CNY,`12.34,`0.00,`0,`0,`0.00,`0.00,`,`,`拿铁,`,`0.07,`0.60%,`12.34,`0.00,`\n" +
	"`2026-11-21 20:00:00,`wx1,`10000100,`0,`,`4200000002,`AMOUNT-1,`o1,`JSAPI,`SUCCESS,`CMB_DEBIT,`CNY,`19.99,`0.00,`0,`0,`0.00,`0.00,`,`,`月饼,`,`0.12,`0.60%,`19.99,`0.00,`\n" +
	"`2026-11-21 21:00:00,`wx1,`10000100,`0,`,`4200000003,`MISSED-1,`o1,`JSAPI,`SUCCESS,`CMB_DEBIT,`CNY,`8.80,`0.00,`0,`0,`0.00,`0.00,`,`,`茶,`,`0.05,`0.60%,`8.80,`0.00,`\n" +
	"`2026-11-21 22:00:00,`wx1,`10000100,`0,`,`4200000004,`LOST-1,`o1,`NATIVE,`SUCCESS,`OTHERS,`CNY,`66.00,`0.00,`0,`0,`0.00,`0.00,`,`,`礼盒,`,`0.40,`0.60%,`66.00,`0.00,`\n" +
	"`2026-11-20 23:59:59,`wx1,`10000100,`0,`,`4200000005,`EARLIER-1,`o1,`NATIVE,`SUCCESS,`OTHERS,`CNY,`3.00,`0.00,`0,`0,`0.00,`0.00,`,`,`糖,`,`0.02,`0.60%,`3.00,`0.00,`\n" +
	"`2026-11-21 22:30:00,`wx1,`10000100,`0,`,`4200000006,`BAD-1,`o1,`NATIVE,`SUCCESS,`OTHERS,`CNY,`x,`0.00,`0,`0,`0.00,`0.00,`,`,`糖,`,`0.02,`0.60%,`abc,`0.00,`\n" +
	"`2026-11-21 22:40:00,`wx1,`10000100,`0,`,`4200000007,`BROKEN-1,`o1,`NATIVE,`SUCCESS,`OTHERS,`CNY,`12.35,`0.00,`0,`0,`0.00,`0.00,`,`,`糖,`,`0.07,`0.60%,`12.35,`0.00,`\n" +
	"总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\n" +
	"`6,`110.13,`0.00,`0.00,`0.66,`110.13,`0.00\n"

// TestStatementNight (issue 15): a WeChat-format bill in GBK, named by the
// config's dated pattern and read through the wechat preset. A night that
// runs before the day's bill exists says so and reports nothing missing; the
// night after finds what only the bill has (MISSING_IN_LEDGER, at its file
// and line), reports the malformed row at its file and line, and with
// statement_trust sends no query for the row the bill confirms.
func TestStatementNight(t *testing.T) {
	sim := upaysim.New()
	if err := sim.LoadScenario([]byte(upayScenario)); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		asked = append(asked, string(b))
		mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		sim.ServeHTTP(w, r)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	writeText(t, cfg, upayConfig(srv.URL)+`    timezone: Asia/Shanghai
    statement: ./bills/wx-{date:20060102}.csv
    statement_format: wechat
    statement_trust: true
`)
	writeText(t, filepath.Join(dir, "merchant.lua"), "-- none\n")
	ledger := filepath.Join(dir, "l.csv")
	writeText(t, ledger, upayLedgerCSV())
	if err := os.MkdirAll(filepath.Join(dir, "bills"), 0o755); err != nil {
		t.Fatal(err)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(wechatBill)
	if err != nil {
		t.Fatal(err)
	}
	bill := filepath.Join(dir, "bills", "wx-20261121.csv")
	writeText(t, bill, gbk)
	env := []string{"E2E_UPAY_KEY=" + upaySecret}

	type result struct {
		OrderNo   string `json:"order_no"`
		Line      any    `json:"line"`
		Verdict   string `json:"verdict"`
		Source    string `json:"source"`
		Statement *struct {
			File string `json:"file"`
			Line int    `json:"line"`
		} `json:"statement"`
		Detail string `json:"detail"`
	}
	type report struct {
		Statements []struct {
			Status  string `json:"status"`
			Missing int    `json:"missing"`
			Invalid int    `json:"invalid"`
			Outside int    `json:"outside"`
		} `json:"statements"`
		Results []result `json:"results"`
	}
	night := func(day, store string) (report, string) {
		t.Helper()
		out := filepath.Join(dir, "r-"+day+".json")
		_, stderr, code := runRecon(t, env, "run", "--config", cfg, "--ledger", ledger, "--store", filepath.Join(dir, store),
			"--statement-date", day, "--report", out)
		if code != exitDiscrepancies {
			t.Fatalf("night of %s: exit %d\n%s", day, code, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var r report
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return r, stderr
	}

	// Before the bill of 11-20 is published: said, and nothing is missing.
	early, stderr := night("2026-11-20", "early.db")
	if len(early.Statements) != 1 || early.Statements[0].Status != "not published" || !strings.Contains(stderr, "not published") {
		t.Fatalf("a night before its bill: statements %+v\n%s", early.Statements, stderr)
	}
	if len(early.Results) != len(upayLedger) {
		t.Fatalf("a night before its bill reported %d results for %d ledger rows", len(early.Results), len(upayLedger))
	}

	mu.Lock()
	asked = nil
	mu.Unlock()
	r, _ := night("2026-11-21", "night.db")
	by := map[string][]result{}
	for _, x := range r.Results {
		by[x.OrderNo] = append(by[x.OrderNo], x)
	}
	for i, l := range upayLedger {
		got := r.Results[i]
		if got.Verdict != l.verdict {
			t.Errorf("ledger line %d %s: %s (%s), want %s", i+2, got.OrderNo, got.Verdict, got.Detail, l.verdict)
		}
	}
	wantSource := map[string]string{"PAID-1": "statement", "AMOUNT-1": "both", "MISSED-1": "both", "PENDING-1": "query"}
	for no, src := range wantSource {
		if x := by[no][0]; x.Source != src {
			t.Errorf("%s: source %q, want %q", no, x.Source, src)
		}
	}
	if lost := by["LOST-1"]; len(lost) != 1 || lost[0].Verdict != "MISSING_IN_LEDGER" || lost[0].Line != bill+":5" ||
		lost[0].Statement == nil || lost[0].Statement.Line != 5 {
		t.Errorf("LOST-1: %+v; want MISSING_IN_LEDGER at %s:5", lost, bill)
	}
	if bad := by["BAD-1"]; len(bad) != 1 || bad[0].Verdict != "INVALID" || bad[0].Line != bill+":7" || !strings.Contains(bad[0].Detail, "amount") {
		t.Errorf("BAD-1: %+v; want INVALID at %s:7 naming the amount", bad, bill)
	}
	if broken := by["BROKEN-1"]; len(broken) != 1 || broken[0].Verdict != "INVALID" {
		t.Errorf("BROKEN-1, a malformed ledger row the bill has: %+v; want its INVALID ledger row alone", broken)
	}
	if len(by["EARLIER-1"]) != 0 {
		t.Errorf("a payment of the day before was reported: %+v", by["EARLIER-1"])
	}
	if s := r.Statements; len(s) != 1 || s[0].Status != "read" || s[0].Missing != 1 || s[0].Invalid != 1 || s[0].Outside != 1 {
		t.Errorf("statements: %+v", s)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, body := range asked {
		if strings.Contains(body, `"PAID-1"`) {
			t.Errorf("PAID-1, which the trusted bill confirms, was queried: %s", body)
		}
	}
	if len(asked) == 0 {
		t.Fatal("no query at all: the rows the bill does not confirm must be asked")
	}
}
