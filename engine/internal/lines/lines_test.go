package lines

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// Next hands out every line with its number; a line over max is a stand-in
// (a quote when it held an odd number of them), marked as cut.
func TestNext(t *testing.T) {
	const max = 16
	type got struct {
		line string
		num  int
		cut  bool
	}
	tests := []struct {
		name, data string
		want       []got
		cut        []int
	}{
		{"short lines", "a\nbb\n\nc", []got{{"a\n", 1, false}, {"bb\n", 2, false}, {"\n", 3, false}, {"c", 4, false}}, nil},
		{"exactly max", "1234567890123456\nx\n", []got{{"1234567890123456\n", 1, false}, {"x\n", 2, false}}, nil},
		{"max plus one", "12345678901234567\nx\n", []got{{"-\n", 1, true}, {"x\n", 2, false}}, []int{1}},
		{"an odd quote", `a,"` + strings.Repeat("x", 3*max) + "\nx\n", []got{{"\"\n", 1, true}, {"x\n", 2, false}}, []int{1}},
		{"an even quote", `a,"` + strings.Repeat("x", 3*max) + `"` + "\nx\n", []got{{"-\n", 1, true}, {"x\n", 2, false}}, []int{1}},
		{"last, no newline", "x\n" + strings.Repeat("y", 3*max), []got{{"x\n", 1, false}, {"-", 2, true}}, []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(strings.NewReader(tt.data), max)
			var all []got
			for {
				b, num, cut, err := l.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, got{string(b), num, cut})
			}
			var cut []int
			for _, g := range all {
				if g.cut {
					cut = append(cut, g.num)
				}
			}
			if fmt.Sprint(all) != fmt.Sprint(tt.want) || fmt.Sprint(cut) != fmt.Sprint(tt.cut) {
				t.Errorf("lines %+v, cut %v; want %+v, %v", all, cut, tt.want, tt.cut)
			}
		})
	}
}

// Records reads each record at the line it starts on, a line whose quote
// does not close as a bad record of its own, and the lines after it on
// their own: through cut lines, blank lines, a byte order mark, and the
// bounds of a record.
func TestRecords(t *testing.T) {
	const max = 16
	long := strings.Repeat("x", 2*max)
	rows := func(n int) string { return strings.Repeat("c,d\n", n) }
	const opens = "is not valid CSV: the quote at column 3 opens a field that does not close as CSV expects; the lines after it are read on their own"
	tests := []struct {
		name  string
		width int
		data  string
		want  []string // "LINE [fields]" or "LINE: why"
	}{
		{"over lines and cut lines", 0, "a,b\n" + // 1
			`"two` + "\n" + `lines",b` + "\n" + // 2-3
			long + ",b\n" + // 4
			`"s` + "\n" + long + "\n" + `e",b` + "\n" + // 5-7: a cut line ends the record it is in
			"c,d\n", // 8
			[]string{"1 [a b]", "2 [two\nlines b]", "4: is longer than 16 bytes; the line was skipped",
				"5: " + strings.Replace(opens, "column 3", "column 1", 1), "6: is longer than 16 bytes; the line was skipped",
				"7: is not valid CSV: bare \" in non-quoted-field (column 2)", "8 [c d]"}},
		// A cut line that opens a field (a stray quote, or so it counts)
		// takes in none of the rows after it.
		{"a cut line with a stray quote", 2, "a,b\n" + long + `"` + "\n" + rows(2) + `x,y"` + "\nc,d\n",
			[]string{"1 [a b]", "2: is longer than 16 bytes; the line was skipped", "3 [c d]", "4 [c d]",
				"5: is not valid CSV: bare \" in non-quoted-field (column 4)", "6 [c d]"}},
		{"a BOM, blank lines, CRLF", 2, "\xEF\xBB\xBFa,b\r\n\r\n\n" + `"x` + "\r\n" + `y",b` + "\r\nc,d",
			[]string{"1 [a b]", "4 [x\ny b]", "6 [c d]"}},
		{"a stray quote", 2, "a,b\n" + `a,"b` + "\n" + rows(3),
			[]string{"1 [a b]", "2: " + opens, "3 [c d]", "4 [c d]", "5 [c d]"}},
		{"a stray quote at the end", 2, "a,b\n" + `a,"b`,
			[]string{"1 [a b]", "2: " + opens}},
		// Lines 2 and 3 balance but are no record; line 2 is read alone,
		// and the record of lines 3 and 4 from the lines kept.
		{"a record right after it", 2, `a,"b` + "\n" + `"x` + "\n" + `y",b` + "\nc,d\n",
			[]string{"1: " + opens, "2 [x\ny b]", "4 [c d]"}},
		{"a record of the wrong width", 3, `a,"b` + "\n" + `c"` + "\nc,d,e\n",
			[]string{"1: " + opens, `2: is not valid CSV: bare " in non-quoted-field (column 2)`, "3 [c d e]"}},
		// No more than MaxRecordLines lines make a record: the quote that
		// would close line 1's field is on line MaxRecordLines+1.
		{"too many lines", 2, `a,"b` + "\n" + strings.Repeat("c\n", MaxRecordLines-1) + `c",d` + "\n",
			func() []string {
				w := []string{"1: " + opens}
				for n := 2; n <= MaxRecordLines; n++ {
					w = append(w, fmt.Sprintf("%d [c]", n))
				}
				return append(w, fmt.Sprintf(`%d: is not valid CSV: bare " in non-quoted-field (column 2)`, MaxRecordLines+1))
			}()},
		{"too many bytes", 2, `a,"b` + "\n" + "0123456789\n" + `c",d` + "\n",
			[]string{"1: " + opens, "2 [0123456789]", `3: is not valid CSV: bare " in non-quoted-field (column 2)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRecords(New(strings.NewReader(tt.data), max))
			r.Width = tt.width
			var got []string
			for {
				rec, line, err := r.Read()
				if err == io.EOF {
					break
				}
				if bad, ok := err.(*BadRecord); ok {
					if bad.Line != line {
						t.Errorf("bad record at line %d, read at %d", bad.Line, line)
					}
					got = append(got, fmt.Sprintf("%d: %v", line, bad.Err))
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprintf("%d %v", line, rec))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("records\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// openQuote finds the quote that opens the field left open, as csv reads.
func TestOpenQuote(t *testing.T) {
	for line, want := range map[string]int{
		`a,"b`:              3,
		`"a`:                1,
		`a,"b""c`:           3,
		`a,"b",c,"d` + "\n": 9,
		`a,b"c`:             0, // a bare quote opens nothing
		`a,"b"c,"d`:         8,
		`a,"b"`:             0,
		"a,b\r\n":           0,
	} {
		if got := openQuote([]byte(line)); got != want {
			t.Errorf("openQuote(%q) = %d; want %d", line, got, want)
		}
	}
}
