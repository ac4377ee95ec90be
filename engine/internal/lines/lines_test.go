package lines

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"testing"
)

// Next hands out every line with its number; a line over max is a stand-in
// (a quote when it held an odd number of them) and is remembered.
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
			if fmt.Sprint(all) != fmt.Sprint(tt.want) || fmt.Sprint(l.cut) != fmt.Sprint(tt.cut) {
				t.Errorf("lines %+v, cut %v; want %+v, %v", all, l.cut, tt.want, tt.cut)
			}
		})
	}
}

// A CSV parser reading through the Limiter stays in step with the lines,
// and ExplainRecord names the cut line a record stands on.
func TestExplainRecord(t *testing.T) {
	const max = 16
	long := strings.Repeat("x", 2*max)
	data := "a,b\n" + // 1
		`"two` + "\n" + `lines",b` + "\n" + // 2-3
		long + ",b\n" + // 4
		`"starts` + "\n" + long + "\n" + `ends",b` + "\n" + // 5-7
		"c,d\n" // 8
	l := New(strings.NewReader(data), max)
	cr := csv.NewReader(l)
	cr.FieldsPerRecord = -1
	var got []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		first, e := l.ExplainRecord(cr, rec)
		got = append(got, fmt.Sprintf("%d %v", first, e))
	}
	want := []string{"1 <nil>", "2 <nil>", "4 is longer than 16 bytes; the line was skipped",
		"5 goes on to line 6, which is longer than 16 bytes and was skipped", "8 <nil>"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("records\n%q\nwant\n%q", got, want)
	}
}
