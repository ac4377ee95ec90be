package statement

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reconhq/recon"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// A stray quote costs its own line, never the rows after it: encoding/csv
// alone would read a quoted field from it up to the next quote or the end
// of the file, as one bad row.
func TestStrayQuote(t *testing.T) {
	recon, _ := Preset("recon")
	wc, _ := Preset("wechat")
	type bad struct {
		line   int
		reason string
	}
	type row = lineOrder
	// lines builds a statement of head and lines 2 to last, each of
	// rowOf(n) unless other has it; the last has no newline when open.
	lines := func(head string, last int, open bool, rowOf func(int) string, other map[int]string, tail string) string {
		var b strings.Builder
		b.WriteString(head)
		for n := 2; n <= last; n++ {
			if s, ok := other[n]; ok {
				b.WriteString(s)
			} else {
				b.WriteString(rowOf(n))
			}
			if n < last || !open {
				b.WriteString("\n")
			}
		}
		return b.String() + tail
	}
	reconOf := func(n int) string { return reconRow(fmt.Sprintf("A%d", n), "") }
	wechatOf := func(n int) string { return wechatRow(fmt.Sprintf("ORD-%d", n), "拿铁") }
	// A WeChat cell that starts with a quote where its backtick should be.
	wechatStray := func(n int) string { return strings.Replace(wechatOf(n), ",`拿铁", `,"拿铁`, 1) }
	// rows are those of lines 2 to last but the bad ones, as order(n).
	rows := func(last int, order string, bads ...bad) []row {
		var w []row
	next:
		for n := 2; n <= last; n++ {
			for _, b := range bads {
				if b.line == n {
					continue next
				}
			}
			w = append(w, row{n, fmt.Sprintf(order, n)})
		}
		return w
	}
	opens := func(line, col int) bad {
		return bad{line, fmt.Sprintf("line is not valid CSV: the quote at column %d opens a field that does not close as CSV expects", col)}
	}
	wcol := strings.IndexByte(wechatStray(4), '"') + 1 // in bytes of UTF-8, as csv counts
	gbk := func(s string) string {
		g, err := simplifiedchinese.GBK.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	tests := []struct {
		name string
		m    Mapping
		data string
		rows []row
		bads []bad
	}{
		{"recon: a stray quote on line 4 of 10 rows", recon,
			lines(reconHead, 11, false, reconOf, map[int]string{4: reconRow(`"A4`, "")}, ""),
			rows(11, "A%d", opens(4, 1)), []bad{opens(4, 1)}},
		{"recon: a stray quote closed by another 5 lines later", recon,
			lines(reconHead, 11, false, reconOf, map[int]string{4: reconRow(`"A4`, ""), 9: reconRow(`A9"`, "")}, ""),
			rows(11, "A%d", bad{line: 4}, bad{line: 9}),
			[]bad{opens(4, 1), {9, `line is not valid CSV: bare " in non-quoted-field (column 3)`}}},
		{"recon: a stray quote on the last line, without a newline", recon,
			lines(reconHead, 6, true, reconOf, map[int]string{6: reconRow(`"A6`, "")}, ""),
			rows(6, "A%d", bad{line: 6}), []bad{opens(6, 1)}},
		// A note over lines is one row, at the line it starts on, and the
		// rows after it keep their line numbers.
		{"recon: a quoted field over lines", recon,
			reconHead + reconOf(2) + "\n" + reconRow("A3", "\"a note,\nover, three\nlines\"") + "\n" + reconOf(6) + "\n",
			[]row{{2, "A2"}, {3, "A3"}, {6, "A6"}}, nil},
		// A line too long to hold, with an odd number of quotes: a quote
		// stands in for it, and it takes in none of the rows after it.
		{"recon: a cut line with an odd number of quotes", recon,
			lines(reconHead, 8, false, reconOf, map[int]string{3: reconRow("A3", `"`+long)}, ""),
			rows(8, "A%d", bad{line: 3}),
			[]bad{{3, fmt.Sprintf("line is longer than %d bytes; the line was skipped", MaxLineBytes)}}},
		{"wechat: a stray quote on line 4, then the summary", wc,
			string(bomUTF8) + lines(wechatHead, 11, false, wechatOf, map[int]string{4: wechatStray(4)}, wechatSum),
			rows(11, "ORD-%d", bad{line: 4}), []bad{opens(4, wcol)}},
		// Quotes are counted on the bytes as written, before decoding; the
		// column is csv's, in the decoded text.
		{"wechat: in GBK", wc,
			gbk(lines(wechatHead, 11, false, wechatOf, map[int]string{4: wechatStray(4), 9: wechatStray(9)}, wechatSum)),
			rows(11, "ORD-%d", bad{line: 4}, bad{line: 9}), []bad{opens(4, wcol), opens(9, wcol)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, bs := readOrders(t, tt.data, "s.csv", tt.m)
			if fmt.Sprint(got) != fmt.Sprint(tt.rows) {
				t.Errorf("rows %v; want %v", got, tt.rows)
			}
			if len(bs) != len(tt.bads) {
				t.Fatalf("bad rows %v; want %v", bs, tt.bads)
			}
			for i, w := range tt.bads {
				if bs[i].Line != w.line || !strings.HasPrefix(bs[i].Reason, w.reason) {
					t.Errorf("bad row %d at line %d: %q; want line %d: %q", i, bs[i].Line, bs[i].Reason, w.line, w.reason)
				}
			}
			// The Book of the file holds every row, the bad ones too.
			if b := loadString(t, tt.data, "s.csv", tt.m); b.Len() != len(tt.rows)+len(tt.bads) || b.Invalid() != len(tt.bads) {
				t.Errorf("Book: %d rows, %d invalid; want %d, %d", b.Len(), b.Invalid(), len(tt.rows)+len(tt.bads), len(tt.bads))
			}
		})
	}
}

// lineOrder is a row by its line and order number.
type lineOrder struct {
	line  int
	order string
}

// readOrders reads the statement data, named file, through m: its rows by
// line and order number, and its bad rows.
func readOrders(t *testing.T, data, file string, m Mapping) ([]lineOrder, []*recon.RowError) {
	t.Helper()
	r, err := NewReader(strings.NewReader(data), file, m)
	if err != nil {
		t.Fatal(err)
	}
	rows, bads := readAll(t, r)
	var got []lineOrder
	for _, r := range rows {
		got = append(got, lineOrder{r.Line, r.OrderNo})
	}
	return got, bads
}

// loadString loads the statement data as a file named file into a Book,
// closed when the test ends.
func loadString(t *testing.T, data, file string, m Mapping) *Book {
	t.Helper()
	path := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := Load(path, m, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}
