package statement

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// The pieces of the long-line statements: a "recon" CSV (with a note
// column, for a quoted field over lines), the same as JSON Lines, and a
// WeChat bill.
const (
	reconHead  = "order_no,provider_trade_no,type,refund_no,amount,currency,status,time,note\n"
	wechatHead = "交易时间,公众账号ID,商户号,子商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\n"
	wechatSum  = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\n`2,`24.68,`0.00,`0.00,`0.14000,`24.68,`0.00\n"
)

func reconRow(order, note string) string {
	return order + ",,payment,,12.34,CNY,SUCCESS,2024-10-19T14:37:28+08:00," + note
}

func jsonRow(order, note string) string {
	return `{"order_no":"` + order + `","type":"payment","amount":"12.34","currency":"CNY","status":"SUCCESS",` +
		`"time":"2024-10-19T14:37:28+08:00","note":"` + note + `"}`
}

func wechatRow(order, goods string) string {
	return "`2024-10-19 14:37:28,`wx1,`10000100,`0,`,`4200000001,`" + order +
		",`o1,`JSAPI,`SUCCESS,`OTHERS,`CNY,`12.34,`0.00,`0,`0,`0.00,`0.00,`,`,`" + goods +
		",`,`0.07000,`0.60%,`12.34,`0.00,`"
}

// x is a run of n bytes of filler; long is more than MaxLineBytes of it.
func x(n int) string { return strings.Repeat("x", n) }

var long = x(MaxLineBytes)

// TestLongLine: a line longer than MaxLineBytes is one bad row at its own
// line, saying so, and the rows after it are read on the lines they are
// on; the digest still covers every byte of the file.
func TestLongLine(t *testing.T) {
	recon, _ := Preset("recon")
	wc, _ := Preset("wechat")
	// The long WeChat row's goods are Chinese: over MaxLineBytes in GBK
	// too (two bytes a character).
	longGoods := strings.Repeat("拿铁", MaxLineBytes/4+1)
	gbk := func(s string) string {
		g, err := simplifiedchinese.GBK.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	type row = lineOrder
	tests := []struct {
		name string
		m    Mapping
		file string // its extension tells a recon statement's format
		data string
		rows []row
		bad  []int // the lines of the bad rows: each too long
	}{
		{"recon: a long row between two", recon, "s.csv",
			reconHead + reconRow("A1", "") + "\n" + reconRow("A2", long) + "\n" + reconRow("A3", "") + "\n",
			[]row{{2, "A1"}, {4, "A3"}}, []int{3}},
		{"recon: CRLF", recon, "s.csv",
			strings.ReplaceAll(reconHead, "\n", "\r\n") + reconRow("A1", "") + "\r\n" + reconRow("A2", long) + "\r\n" +
				reconRow("A3", "") + "\r\n",
			[]row{{2, "A1"}, {4, "A3"}}, []int{3}},
		{"recon: the long line is the last, without a newline", recon, "s.csv",
			reconHead + reconRow("A1", "") + "\n" + reconRow("A2", long),
			[]row{{2, "A1"}}, []int{3}},
		{"recon: a quoted field over lines before the long line", recon, "s.csv",
			reconHead + reconRow("A1", "\"two\nlines\"") + "\n" + reconRow("A3", long) + "\n" + reconRow("A4", "") + "\n",
			[]row{{2, "A1"}, {5, "A4"}}, []int{4}},
		{"recon: a long quoted field", recon, "s.csv",
			reconHead + reconRow("A1", "") + "\n" + reconRow("A2", `"`+long+`"`) + "\n" + reconRow("A3", "") + "\n",
			[]row{{2, "A1"}, {4, "A3"}}, []int{3}},
		// The long line opens a quoted field that the next line closes: a
		// cut line ends the record it is in, so the next line is bad on
		// its own, and the row after it is read.
		{"recon: the long line opens a quote", recon, "s.csv",
			reconHead + reconRow("A1", "") + "\n" + reconRow("A2", `"`+long) + "\n" + `more"` + "\n" + reconRow("A5", "") + "\n",
			[]row{{2, "A1"}, {5, "A5"}}, []int{3, 4}},
		{"recon: JSON Lines", recon, "s.jsonl",
			jsonRow("A1", "") + "\n" + jsonRow("A2", long) + "\n" + jsonRow("A3", "") + "\n" + jsonRow("A4", long),
			[]row{{1, "A1"}, {3, "A3"}}, []int{2, 4}},
		{"wechat: a long row between two", wc, "bill.csv",
			string(bomUTF8) + wechatHead + wechatRow("ORD-1", "拿铁") + "\n" + wechatRow("ORD-2", longGoods) + "\n" +
				wechatRow("ORD-3", "拿铁") + "\n" + wechatSum,
			[]row{{2, "ORD-1"}, {4, "ORD-3"}}, []int{3}},
		{"wechat: in GBK", wc, "bill.csv",
			gbk(wechatHead + wechatRow("ORD-1", "拿铁") + "\n" + wechatRow("ORD-2", longGoods) + "\n" +
				wechatRow("ORD-3", "拿铁") + "\n" + wechatSum),
			[]row{{2, "ORD-1"}, {4, "ORD-3"}}, []int{3}},
		// What follows stop_at is a summary, not rows: a long line there
		// is no bad row.
		{"wechat: a long line in the summary", wc, "bill.csv",
			wechatHead + wechatRow("ORD-1", "拿铁") + "\n" + wechatRow("ORD-2", "拿铁") + "\n" + wechatSum + long + "\n",
			[]row{{2, "ORD-1"}, {3, "ORD-2"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, bads := readOrders(t, tt.data, tt.file, tt.m)
			if fmt.Sprint(got) != fmt.Sprint(tt.rows) {
				t.Errorf("rows %v; want %v", got, tt.rows)
			}
			var lines []int
			for _, b := range bads {
				lines = append(lines, b.Line)
				// The long line's, or (after a cut line) CSV's about a line
				// read on its own.
				if want := fmt.Sprintf("line is longer than %d bytes; the line was skipped", MaxLineBytes); b.Reason != want &&
					!strings.HasPrefix(b.Reason, "line is not valid CSV") {
					t.Errorf("line %d: %q; want %q", b.Line, b.Reason, want)
				}
			}
			if fmt.Sprint(lines) != fmt.Sprint(tt.bad) {
				t.Errorf("bad rows at lines %v; want %v", lines, tt.bad)
			}

			// The Book of the file: the same rows, and the digest of
			// every byte, the skipped ones too.
			b := loadString(t, tt.data, tt.file, tt.m)
			sum := sha256.Sum256([]byte(tt.data))
			if b.Len() != len(tt.rows)+len(tt.bad) || b.Invalid() != len(tt.bad) || b.SHA256() != hex.EncodeToString(sum[:]) {
				t.Errorf("Book: %d rows, %d invalid, sha256 %s; want %d, %d, %x",
					b.Len(), b.Invalid(), b.SHA256(), len(tt.rows)+len(tt.bad), len(tt.bad), sum)
			}
		})
	}

	// Without its header no row can be read: a long header is the
	// statement's error, at line 1.
	t.Run("header", func(t *testing.T) {
		_, err := NewReader(strings.NewReader("order_no,amount,"+long+"\nA1,1.00\n"), "s.csv", recon)
		se, ok := errors.AsType[*Error](err)
		if !ok || se.Line != 1 || !strings.Contains(err.Error(), "statement s.csv:1: header (line 1) is longer than 1048576 bytes") {
			t.Fatalf("err %v; want an *Error at line 1", err)
		}
	})
}

// xs is an endless run of 'x', never held: a long line that is in memory
// whole only if the reader keeps it.
type xs struct{}

var xsBuf = bytes.Repeat([]byte{'x'}, 1<<16)

func (xs) Read(p []byte) (int, error) {
	for n := 0; n < len(p); {
		n += copy(p[n:], xsBuf)
	}
	return len(p), nil
}

// A line of 256 MiB costs a bad row, not 256 MiB of memory.
func TestLongLineIsNotHeld(t *testing.T) {
	const n = 256 << 20
	for _, file := range []string{"s.csv", "s.jsonl"} {
		t.Run(file, func(t *testing.T) {
			m, _ := Preset("recon")
			head, first, last := reconHead, reconRow("A1", ""), reconRow("A3", "")
			if file == "s.jsonl" {
				head, first, last = "", jsonRow("A1", ""), jsonRow("A3", "")
			}
			src := io.MultiReader(strings.NewReader(head+first+"\n"+"A2,"),
				io.LimitReader(xs{}, n), strings.NewReader("\n"+last+"\n"))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r, err := NewReader(src, file, m)
			if err != nil {
				t.Fatal(err)
			}
			rows, bads := readAll(t, r)
			runtime.ReadMemStats(&after)
			if len(rows) != 2 || len(bads) != 1 || rows[1].OrderNo != "A3" {
				t.Errorf("rows %+v, bad %v; want A1, A3 and the long line bad", rows, bads)
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			if alloc > 32<<20 {
				t.Errorf("reading allocated %d MiB; the long line must not be held in memory", alloc>>20)
			}
			t.Logf("a %d MiB line: %.1f MiB allocated", n>>20, float64(alloc)/(1<<20))
		})
	}
}
