package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/reconhq/recon"
)

// tricky are strings encoding/json escapes: quotes, controls, HTML
// characters, the JavaScript line separators, invalid UTF-8.
var tricky = []string{"", "plain", `a"b\c`, "tab\tnl\nret\r", "\b\f\x00\x01\x1f\x7f", "<script>&</script>",
	"中文 ünï €", "\u2028\u2029", "bad \xff\xfe utf8", "\xed\xa0\x80", "trailing \xe2\x82"}

// filled is a Result with every field set by reflection, so that a field
// added to recon.Result and not to appendResult shows up here.
func filled(s string) recon.Result {
	var r recon.Result
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			v.SetString(s + v.Type().Name())
		case reflect.Int, reflect.Int64:
			v.SetInt(42)
		case reflect.Uint8:
			v.SetUint(uint64(recon.Refund))
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
			fill(v.Elem())
		case reflect.Struct:
			for i := range v.NumField() {
				fill(v.Field(i))
			}
		default:
			panic("filled: a field of kind " + v.Kind().String())
		}
	}
	fill(reflect.ValueOf(&r).Elem())
	return r
}

// The hand-written encoder writes exactly what MarshalIndent did.
func TestResultJSON(t *testing.T) {
	cases := []recon.Result{{}, {Provider: &recon.ProviderView{}}, synthetic(1), synthetic(7), synthetic(32),
		{Line: 3, Source: recon.SourceBoth, Statement: &recon.StatementRef{File: "bills/upay-2026-11-30.csv", Line: 12}}}
	for _, s := range tricky {
		cases = append(cases, filled(s))
	}
	for i, r := range cases {
		want, err := json.MarshalIndent(r, "    ", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if got := appendResult(nil, &r); !bytes.Equal(got, want) {
			t.Errorf("case %d:\n%s\nwant:\n%s", i, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: %s, want %s", s, got, want)
		}
		if strings.Contains(string(appendString(nil, s)), "</") {
			t.Fatalf("%q could close a script block", s)
		}
	})
}

// A row only the statement has is reported at the statement's file and
// line (the contract: its line "names the statement file and line").
func TestStatementRowLine(t *testing.T) {
	r := recon.Result{Account: "shop", OrderNo: "X1", Line: recon.StatementLine(2, 7), Verdict: recon.VerdictMissingInLedger,
		Source: recon.SourceStatement, Statement: &recon.StatementRef{File: "bills/a.csv", Line: 7}}
	var got struct {
		Line      any
		Source    string
		Statement recon.StatementRef
	}
	if err := json.Unmarshal(appendResult(nil, &r), &got); err != nil {
		t.Fatal(err)
	}
	if got.Line != "bills/a.csv:7" || got.Source != "statement" || got.Statement.Line != 7 {
		t.Fatalf("got %+v", got)
	}
}
