package statement

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/reconhq/recon"
)

// readAll reads r to the end: its rows and its bad rows, in order.
func readAll(t *testing.T, r *Reader) (rows []Row, bads []*recon.RowError) {
	t.Helper()
	for {
		row, bad, err := r.Next()
		if err == io.EOF {
			return rows, bads
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if bad != nil {
			bads = append(bads, bad)
			continue
		}
		rows = append(rows, row)
	}
}

func wechat(t *testing.T) Mapping {
	t.Helper()
	m, ok := Preset("wechat")
	if !ok {
		t.Fatal(`no "wechat" preset`)
	}
	return m
}

// gbkCopy writes the UTF-8 file src (its BOM cut) as GBK into a temporary
// file, as a merchant's back office or Excel in a Chinese locale saves it.
func gbkCopy(t *testing.T, src string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	g, err := simplifiedchinese.GBK.NewEncoder().Bytes(bytes.TrimPrefix(b, bomUTF8))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(g, bytes.TrimPrefix(b, bomUTF8)) {
		t.Fatal("the GBK copy is the same bytes: the fixture tests no decoding")
	}
	path := filepath.Join(t.TempDir(), "gbk.csv")
	if err := os.WriteFile(path, g, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWeChatBill(t *testing.T) {
	cst := time.FixedZone("", 8*3600)
	want := []Row{
		{Line: 2, OrderNo: "ORD-1001", ProviderTradeNo: "4200000001202410191234567890", Kind: recon.Payment,
			Amount: 1234, Currency: "CNY", Status: "SUCCESS", Time: time.Date(2024, 10, 19, 14, 37, 28, 0, cst)},
		// Line 3 is blank. A coupon: 订单金额 100.00, not 应结订单金额 90.00.
		{Line: 4, OrderNo: "ORD-1002", ProviderTradeNo: "4200000002202410191234567891", Kind: recon.Payment,
			Amount: 10000, Currency: "CNY", Status: "SUCCESS", Time: time.Date(2024, 10, 19, 15, 1, 2, 0, cst)},
		// The refund's status is 退款状态 and its amount 申请退款金额.
		{Line: 5, OrderNo: "ORD-1001", ProviderTradeNo: "4200000001202410191234567890", Kind: recon.Refund,
			RefundNo: "RF-1001-1", Amount: 500, Currency: "CNY", Status: "SUCCESS",
			Time: time.Date(2024, 10, 19, 16, 2, 11, 0, cst)},
		{Line: 6, OrderNo: "ORD-1003", ProviderTradeNo: "4200000003202410191234567892", Kind: recon.Payment,
			Amount: 880, Currency: "CNY", Status: "REVOKED", Time: time.Date(2024, 10, 19, 23, 59, 59, 0, cst)},
	}
	const bill = "testdata/wechat_all.csv"
	gbk := gbkCopy(t, bill)
	for _, tc := range []struct {
		name, path, encoding string
	}{
		{"utf-8 with BOM, detected", bill, ""},
		{"utf-8 with BOM, declared", bill, "utf-8"},
		{"GBK, detected", gbk, ""},
		{"GBK, declared", gbk, "gbk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := wechat(t)
			m.Encoding = tc.encoding
			r, err := Open(tc.path, m)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rows, bads := readAll(t, r)
			if len(bads) > 0 {
				t.Fatalf("bad rows: %v", bads)
			}
			if len(rows) != len(want) {
				t.Fatalf("got %d rows, want %d (the summary is not a row): %+v", len(rows), len(want), rows)
			}
			for i, got := range rows {
				w := want[i]
				if got.Line != w.Line || got.OrderNo != w.OrderNo || got.ProviderTradeNo != w.ProviderTradeNo ||
					got.Kind != w.Kind || got.RefundNo != w.RefundNo || got.Amount != w.Amount ||
					got.Currency != w.Currency || got.Status != w.Status || !got.Time.Equal(w.Time) {
					t.Errorf("row %d:\n got %+v\nwant %+v", i, got, w)
				}
				for col, v := range got.Raw {
					if strings.HasPrefix(v, "`") {
						t.Errorf("line %d: column %s keeps its backtick: %q", got.Line, col, v)
					}
				}
			}
			if g := rows[0].Raw["商品名称"]; g != "拿铁咖啡" {
				t.Errorf("商品名称 = %q, want 拿铁咖啡 (decoded)", g)
			}
			if g := rows[1].Raw["应结订单金额"]; g != "90.00" {
				t.Errorf("Raw 应结订单金额 = %q, want 90.00", g)
			}
			if _, _, err := r.Next(); err != io.EOF {
				t.Errorf("Next after the end = %v, want io.EOF again", err)
			}
		})
	}
}

func TestWeChatBadRows(t *testing.T) {
	const path = "testdata/wechat_bad.csv"
	r, err := Open(path, wechat(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows, bads := readAll(t, r)
	want := []struct {
		line          int
		field, reason string
	}{
		{2, "amount", `"12.345" (column "订单金额") is not a decimal with at most 2 decimals`},
		{3, "type", `type "PAYED" (column "交易状态") is none of`},
		{4, "order_no", `missing order_no (column "商户订单号")`},
		{5, "time", `time "2024/10/19 14:37" (column "交易时间")`},
		{6, "", "has 11 fields, the header has 27"},
		{7, "refund_no", `a refund row needs a refund_no (column "商户退款单号")`},
	}
	if len(bads) != len(want) {
		t.Fatalf("got %d bad rows, want %d: %v", len(bads), len(want), bads)
	}
	for i, w := range want {
		b := bads[i]
		if b.Line != w.line || b.Field != w.field || !strings.Contains(b.Reason, w.reason) {
			t.Errorf("bad row %d = {%d %q %q}, want line %d, field %q, reason with %q",
				i, b.Line, b.Field, b.Reason, w.line, w.field, w.reason)
		}
	}
	if r.Path() != path {
		t.Errorf("Path() = %q, want %q: a bad row is reported as file:line", r.Path(), path)
	}
	if len(rows) != 1 || rows[0].Line != 8 || rows[0].OrderNo != "ORD-7" {
		t.Errorf("valid rows = %+v, want the one of line 8 (the rows after the bad ones are read)", rows)
	}
}

func TestHeaderErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mapping func(*Mapping)
		is      error
		want    []string
	}{
		{"a missing column", func(m *Mapping) { m.OrderNo = "商户单号" }, ErrColumn,
			[]string{"testdata/wechat_all.csv", `"商户单号"`, "order_no", "line 1"}},
		{"a missing refund column", func(m *Mapping) { m.RefundAmount = "退款" }, ErrColumn,
			[]string{"testdata/wechat_all.csv", `"退款"`, "refund_amount"}},
		{"no amount column", func(m *Mapping) { m.Amount = "" }, nil,
			[]string{"testdata/wechat_all.csv", "names no amount column"}},
		{"a GBK file read as UTF-8", func(m *Mapping) { m.Encoding = "utf-8" }, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := wechat(t)
			tc.mapping(&m)
			path := "testdata/wechat_all.csv"
			if tc.want == nil {
				path = gbkCopy(t, path)
				tc.want = []string{path, "not UTF-8", "encoding"}
			}
			_, err := Open(path, m)
			if _, ok := errors.AsType[*Error](err); !ok {
				t.Fatalf("Open = %v, want an *Error", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Open = %v, want it to wrap %v", err, tc.is)
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Open = %q, want it to say %q", err, s)
				}
			}
		})
	}
}

func TestReconPreset(t *testing.T) {
	m, ok := Preset("recon")
	if !ok {
		t.Fatal(`no "recon" preset`)
	}
	type want struct {
		line     int
		kind     recon.Kind
		refundNo string
		amount   int64
		currency string
		status   string
		time     time.Time
	}
	for _, tc := range []struct {
		path  string
		rows  []want
		bads  []int // the lines of the bad rows
		field []string
	}{
		{"testdata/recon.csv", []want{
			{2, recon.Payment, "", 1234, "CNY", "SUCCESS", time.Date(2024, 10, 19, 6, 37, 28, 0, time.UTC)},
			{3, recon.Refund, "RF-1001-1", 500, "CNY", "SUCCESS", time.Date(2024, 10, 19, 8, 2, 11, 0, time.UTC)},
			{4, recon.Payment, "", 1000, "JPY", "CLOSED", time.Date(2024, 10, 19, 6, 0, 0, 0, time.UTC)},
		}, nil, nil},
		// JSON Lines: the format from the extension; a number stays as written.
		{"testdata/recon.jsonl", []want{
			{1, recon.Payment, "", 1230, "CNY", "SUCCESS", time.Date(2024, 10, 19, 6, 37, 28, 0, time.UTC)},
			{3, recon.Refund, "RF-1001-1", 500, "CNY", "PROCESSING", time.Date(2024, 10, 19, 8, 2, 11, 0, time.UTC)},
		}, []int{4, 5, 6}, []string{"amount", "", "order_no"}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r, err := Open(tc.path, m) // the format from the extension
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rows, bads := readAll(t, r)
			if len(rows) != len(tc.rows) {
				t.Fatalf("got %d rows, want %d: %+v (bad: %v)", len(rows), len(tc.rows), rows, bads)
			}
			for i, w := range tc.rows {
				g := rows[i]
				if g.Line != w.line || g.Kind != w.kind || g.RefundNo != w.refundNo || g.Amount != w.amount ||
					g.Currency != w.currency || g.Status != w.status || !g.Time.Equal(w.time) {
					t.Errorf("row %d = %+v, want %+v", i, g, w)
				}
			}
			if len(bads) != len(tc.bads) {
				t.Fatalf("bad rows %v, want lines %v", bads, tc.bads)
			}
			for i, line := range tc.bads {
				if bads[i].Line != line || bads[i].Field != tc.field[i] {
					t.Errorf("bad row %d = %+v, want line %d field %q", i, bads[i], line, tc.field[i])
				}
			}
		})
	}
}

func TestMappingRules(t *testing.T) {
	const csvText = "id,ref,cents,when\n" +
		"A1,,1234,19/10/2024 14:37\n" +
		"A1,R1,500,19/10/2024 16:02\n" +
		"A2,,12.5,19/10/2024 16:02\n"
	m := Mapping{Format: FormatCSV, OrderNo: "id", RefundNo: "ref", Amount: "cents", AmountUnit: UnitMinor,
		DefaultCurrency: "CNY", Time: "when", TimeLayout: "02/01/2006 15:04", Location: shanghai}
	r, err := NewReader(strings.NewReader(csvText), "plain.csv", m)
	if err != nil {
		t.Fatal(err)
	}
	rows, bads := readAll(t, r)
	if len(rows) != 2 || rows[0].Kind != recon.Payment || rows[0].Amount != 1234 ||
		rows[1].Kind != recon.Refund || rows[1].RefundNo != "R1" || rows[1].Amount != 500 {
		t.Errorf("rows = %+v: want a payment of 1234 and, by its refund number, a refund of 500", rows)
	}
	if !rows[0].Time.Equal(time.Date(2024, 10, 19, 6, 37, 0, 0, time.UTC)) {
		t.Errorf("time = %v, want 14:37 in Shanghai", rows[0].Time)
	}
	if len(bads) != 1 || bads[0].Line != 4 || bads[0].Field != "amount" {
		t.Errorf("bad = %v, want line 4's amount (minor units are whole)", bads)
	}
}

func TestPresetUnknown(t *testing.T) {
	if _, ok := Preset("alipay"); ok {
		t.Error(`Preset("alipay") is ok; there is no such preset`)
	}
}

func FuzzNext(f *testing.F) {
	for _, p := range []string{"testdata/wechat_all.csv", "testdata/wechat_bad.csv", "testdata/recon.csv", "testdata/recon.jsonl"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\xff\xfe\x00a"))
	f.Add([]byte("order_no,amount\n\"a,1\n"))
	mw, _ := Preset("wechat")
	mr, _ := Preset("recon")
	mr.DefaultCurrency = "CNY"
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, m := range []Mapping{mw, mr} {
			for _, format := range []string{FormatCSV, FormatJSONL} {
				m.Format = format
				r, err := NewReader(bytes.NewReader(data), "fuzz", m)
				if err != nil {
					if _, ok := errors.AsType[*Error](err); !ok {
						t.Fatalf("NewReader = %T %v, want an *Error", err, err)
					}
					continue
				}
				for range len(data) + 2 { // each call consumes a line, or ends
					_, bad, err := r.Next()
					if err != nil {
						break
					}
					if bad != nil && bad.Line < 1 {
						t.Fatalf("bad row with no line: %+v", bad)
					}
				}
			}
		}
	})
}

func TestBadMappings(t *testing.T) {
	base, _ := Preset("recon")
	for _, tc := range []struct {
		name   string
		change func(*Mapping)
		want   string
	}{
		{"no order_no", func(m *Mapping) { m.OrderNo = "" }, "names no order_no column"},
		{"an amount unit", func(m *Mapping) { m.AmountUnit = "cents" }, `amount unit "cents"`},
		{"an encoding", func(m *Mapping) { m.Encoding = "latin1" }, `encoding "latin1"`},
		{"types without a column", func(m *Mapping) { m.Type = ""; m.Types = map[string]recon.Kind{"P": recon.Payment} },
			"names no type column"},
		{"a format", func(m *Mapping) { m.Format = "xlsx" }, `unknown statement format "xlsx"`},
		{"no extension", func(m *Mapping) { m.Format = "" }, "the extension tells none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base
			m.Format = FormatCSV // the preset's is the extension's, and bill.txt tells none
			tc.change(&m)
			_, err := NewReader(strings.NewReader("order_no,amount\n"), "bill.txt", m)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bill.txt") {
				t.Errorf("NewReader = %v, want an error naming bill.txt that says %q", err, tc.want)
			}
		})
	}
}

// TestGBKAfterTheSniff: a statement whose first 64 KiB are ASCII is read as
// UTF-8; a GBK row further on is reported, not decoded into nonsense.
func TestGBKAfterTheSniff(t *testing.T) {
	var b strings.Builder
	b.WriteString("order_no,amount,note\n")
	for b.Len() <= sniffBytes {
		b.WriteString("A,1.00,plain\n")
	}
	g, _ := simplifiedchinese.GBK.NewEncoder().String("B,2.00,月饼\n")
	b.WriteString(g)
	m := Mapping{Format: FormatCSV, OrderNo: "order_no", Amount: "amount", DefaultCurrency: "CNY"}
	r, err := NewReader(strings.NewReader(b.String()), "late.csv", m)
	if err != nil {
		t.Fatal(err)
	}
	rows, bads := readAll(t, r)
	if len(bads) != 1 || bads[0].Line != len(rows)+2 || !strings.Contains(bads[0].Reason, "not UTF-8") {
		t.Errorf("bad rows = %v after %d rows, want the GBK line %d as not UTF-8", bads, len(rows), len(rows)+2)
	}
}

// rowsSource is a WeChat bill of n detail rows, made as it is read: the
// benchmark's statement is never in memory whole.
type rowsSource struct {
	n, i int
	buf  []byte
}

func (s *rowsSource) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		switch {
		case s.i == 0:
			s.buf = []byte("交易时间,公众账号ID,商户号,子商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\n")
		case s.i <= s.n:
			s.buf = fmt.Appendf(nil, "`2024-10-19 14:37:28,`wx1,`10000100,`0,`,`42%08d,`ORD-%d,`o1,`JSAPI,`SUCCESS,`OTHERS,`CNY,`12.34,`0.00,`0,`0,`0.00,`0.00,`,`,`拿铁,`,`0.07000,`0.60%%,`12.34,`0.00,`\n", s.i, s.i)
		default:
			return 0, io.EOF
		}
		s.i++
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// BenchmarkWeChat reads a 100,000-row bill; B/op over rows says what a row
// costs, and the peak heap is reported to show it does not grow with the file.
func BenchmarkWeChat(b *testing.B) {
	m, _ := Preset("wechat")
	const n = 100_000
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewReader(&rowsSource{n: n}, "bench.csv", m)
		if err != nil {
			b.Fatal(err)
		}
		var ms runtime.MemStats
		got := 0
		for {
			_, bad, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil || bad != nil {
				b.Fatal(err, bad)
			}
			if got++; got == n/2 {
				runtime.ReadMemStats(&ms)
				b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MiB-heap-midway")
			}
		}
		if got != n {
			b.Fatalf("read %d rows, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestUTF8CutAtTheSniff: a UTF-8 statement whose 64 KiB sniff ends inside a
// character is still UTF-8, not taken for GBK.
func TestUTF8CutAtTheSniff(t *testing.T) {
	var text string
	for pad := 0; ; pad++ {
		var b strings.Builder
		b.WriteString("order_no,amount,note" + strings.Repeat(" ", pad) + "\n")
		for b.Len() <= sniffBytes+100 {
			b.WriteString("A,1.00,月饼\n")
		}
		if text = b.String(); !utf8.RuneStart(text[sniffBytes]) {
			break // the sniff cuts 月 or 饼
		}
	}
	m := Mapping{Format: FormatCSV, OrderNo: "order_no", Amount: "amount", DefaultCurrency: "CNY"}
	r, err := NewReader(strings.NewReader(text), "cut.csv", m)
	if err != nil {
		t.Fatal(err)
	}
	rows, bads := readAll(t, r)
	if len(bads) > 0 {
		t.Fatalf("bad rows: %v", bads[:1])
	}
	for _, row := range rows {
		if row.Raw["note"] != "月饼" {
			t.Fatalf("line %d: note = %q, want 月饼 (read as UTF-8)", row.Line, row.Raw["note"])
		}
	}
}

// A JSON line with a key twice is a bad row, as in a JSON Lines ledger:
// which of its two values the provider meant, nothing says.
func TestJSONLineWithAKeyTwice(t *testing.T) {
	m, _ := Preset("recon")
	src := `{"order_no":"A1","amount":"1.00","currency":"CNY","time":"2024-10-19T14:37:28+08:00","status":"SUCCESS","type":"payment"}
{"order_no":"B1","amount":"1.00","currency":"CNY","time":"2024-10-19T14:37:28+08:00","status":"SUCCESS","order_no":"B9","type":"payment"}
`
	r, err := NewReader(strings.NewReader(src), "bill.jsonl", m)
	if err != nil {
		t.Fatal(err)
	}
	rows, bads := readAll(t, r)
	if len(rows) != 1 || rows[0].OrderNo != "A1" || len(bads) != 1 || bads[0].Line != 2 || !strings.Contains(bads[0].Reason, `"order_no" twice`) {
		t.Fatalf("rows %+v, bad %+v; want A1, and line 2 bad for its key twice", rows, bads)
	}
}
