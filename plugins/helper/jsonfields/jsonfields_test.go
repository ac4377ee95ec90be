package jsonfields

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValue(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		want   string
		wantOK bool
	}{
		{"absent", "", "", false},
		{"null", "null", "", false},
		{"null in whitespace", " \r\n\tnull\n", "", false},
		{"string", `"PAID"`, "PAID", true},
		{"empty string", `""`, "", true},
		{"escapes", `"a\"b\\c\/d\u00e9\n"`, "a\"b\\c/dé\n", true},
		{"HTML kept", `"<a>&amp;"`, "<a>&amp;", true},
		{"surrogate pair", `"\ud83d\ude00"`, "😀", true},
		{"lone surrogate", `"\ud800x"`, "\uFFFDx", true},
		{"integer", "1234", "1234", true},
		{"decimal keeps its zeros", "50000.00", "50000.00", true},
		{"millisecond time", "1729325978798", "1729325978798", true},
		{"beyond float64", "123456789012345678901234567890", "123456789012345678901234567890", true},
		{"exponent as sent", "1.5E+3", "1.5E+3", true},
		{"negative zero", "-0", "-0", true},
		{"number in whitespace", " 12 ", "12", true},
		{"true", "true", "true", true},
		{"false", "false", "false", true},
		{"object", `{ "b" : 1 , "a" : [ 1, 2 ] }`, `{"b":1,"a":[1,2]}`, true},
		{"object keeps order and escapes", `{"z":"\u00e9","a":"<&>"}`, `{"z":"\u00e9","a":"<&>"}`, true},
		{"object keeps null members", `{"a": null}`, `{"a":null}`, true},
		{"array", `[ "x", 1.50 , null ]`, `["x",1.50,null]`, true},
		{"empty object", "{ }", "{}", true},
		{"empty array", "[\n]", "[]", true},
		// Not one JSON value: only a hand-built RawMessage can be like this.
		{"leading zero", "01", "", false},
		{"plus sign", "+1", "", false},
		{"bare minus", "-", "", false},
		{"two numbers", "1 2", "", false},
		{"NaN", "NaN", "", false},
		{"nul", "nul", "", false},
		{"True", "True", "", false},
		{"truex", "truex", "", false},
		{"unterminated string", `"abc`, "", false},
		{"string then more", `"a" "b"`, "", false},
		{"unterminated object", `{"a":1`, "", false},
		{"two objects", `{}{}`, "", false},
		{"single quotes", `'a'`, "", false},
		{"vertical tab around", "\v1\v", "", false},
	}
	for _, tt := range tests {
		got, ok := Value(json.RawMessage(tt.raw))
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s: Value(%q) = %q, %v; want %q, %v", tt.name, tt.raw, got, ok, tt.want, tt.wantOK)
		}
	}
}

// Invalid UTF-8 becomes U+FFFD byte by byte, the same way in a string value
// (encoding/json) and inside compact JSON (this package).
func TestValueInvalidUTF8(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"string, one bad byte", "\"a\xffb\"", "a\uFFFDb"},
		{"string, two bad bytes", "\"a\xff\xfeb\"", "a\uFFFD\uFFFDb"},
		{"string, cut multibyte", "\"a\xe4\xb8b\"", "a\uFFFD\uFFFDb"},
		{"object, one bad byte", "{\"k\":\"a\xffb\"}", "{\"k\":\"a\uFFFDb\"}"},
		{"object, two bad bytes", "{\"k\":\"a\xff\xfeb\"}", "{\"k\":\"a\uFFFD\uFFFDb\"}"},
		{"array, cut multibyte", "[\"\xe4\xb8\"]", "[\"\uFFFD\uFFFD\"]"},
		{"object, bad byte in a name", "{\"\xff\":1}", "{\"\uFFFD\":1}"},
		{"valid multibyte kept", "{\"k\":\"收钱吧\"}", "{\"k\":\"收钱吧\"}"},
	}
	for _, tt := range tests {
		got, ok := Value(json.RawMessage(tt.raw))
		if !ok || got != tt.want {
			t.Errorf("%s: Value(%q) = %q, %v; want %q", tt.name, tt.raw, got, ok, tt.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("%s: %q is not valid UTF-8", tt.name, got)
		}
	}
}

func TestFlatten(t *testing.T) {
	tests := []struct {
		name string
		obj  map[string]json.RawMessage
		want map[string]string
	}{
		{"nil", nil, map[string]string{}},
		{"empty", map[string]json.RawMessage{}, map[string]string{}},
		{"null and absent are left out",
			map[string]json.RawMessage{"a": json.RawMessage("null"), "b": nil, "c": json.RawMessage(`""`)},
			map[string]string{"c": ""}},
		{"every kind",
			map[string]json.RawMessage{"s": json.RawMessage(`"x"`), "n": json.RawMessage("7.10"), "t": json.RawMessage("true"),
				"o": json.RawMessage(`{"a": 1}`), "l": json.RawMessage(`[1, 2]`)},
			map[string]string{"s": "x", "n": "7.10", "t": "true", "o": `{"a":1}`, "l": "[1,2]"}},
		{"hand-built junk is left out",
			map[string]json.RawMessage{"bad": json.RawMessage("{"), "ok": json.RawMessage("1")},
			map[string]string{"ok": "1"}},
		{"invalid UTF-8 in a hand-built name",
			map[string]json.RawMessage{"k\xff": json.RawMessage("1")},
			map[string]string{"k\uFFFD": "1"}},
	}
	for _, tt := range tests {
		got := Flatten(tt.obj)
		if got == nil {
			t.Errorf("%s: nil map", tt.name)
		}
		if !equal(got, tt.want) {
			t.Errorf("%s: Flatten = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestObject(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]string // raw text of each member
		wantErr string
	}{
		{"members kept raw", `{"a": 1.50, "b" : {"x" :  1}}`, map[string]string{"a": "1.50", "b": `{"x" :  1}`}, ""},
		{"empty object", " {} \n", map[string]string{}, ""},
		{"escaped name", `{"\u0061": 1}`, map[string]string{"a": "1"}, ""},
		{"null", "null", nil, "not a JSON object"},
		{"array", "[1]", nil, "not a JSON object"},
		{"string", `"{}"`, nil, "not a JSON object"},
		{"number", "1", nil, "not a JSON object"},
		{"empty", "", nil, "not a JSON object: unexpected end of input"},
		{"truncated", `{"a": "tru`, nil, "malformed JSON object"},
		{"truncated after a member", `{"a": 1,`, nil, "malformed JSON object"},
		{"unclosed", `{"a": 1`, nil, "malformed JSON object"},
		{"bad value", `{"a": tru}`, nil, "malformed JSON object"},
		{"number name", `{1: 2}`, nil, "malformed JSON object"},
		{"duplicate member", `{"status": "PAID", "status": "CLOSED"}`, nil, `member "status" appears twice`},
		{"duplicate by escape", `{"a": 1, "\u0061": 2}`, nil, `member "a" appears twice`},
		{"trailing object", `{"a": 1} {"b": 2}`, nil, "data after the JSON object"},
		{"trailing garbage", `{"a": 1} x`, nil, "data after the JSON object"},
		{"trailing brace", `{"a": 1}}`, nil, "data after the JSON object"},
	}
	for _, tt := range tests {
		got, err := Object([]byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: Object(%q) error %v, want %q", tt.name, tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: Object(%q): %v", tt.name, tt.in, err)
			continue
		}
		raw := map[string]string{}
		for k, v := range got {
			raw[k] = string(v)
		}
		if !equal(raw, tt.want) {
			t.Errorf("%s: Object(%q) = %v, want %v", tt.name, tt.in, raw, tt.want)
		}
	}
}

func TestFromObjectFixture(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("testdata", "answer.json"))
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile(filepath.Join("testdata", "answer.golden"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := FromObject(in)
	if err != nil {
		t.Fatal(err)
	}
	if s, want := got["subject"], "套餐A&B <限时> \u2028 \"quoted\" / tab\there"; s != want {
		t.Errorf("subject = %q, want %q", s, want)
	}
	delete(got, "subject")
	if _, ok := got["trade_no"]; ok {
		t.Errorf("trade_no (null) is in the map: %q", got["trade_no"])
	}
	var lines []string
	for k, v := range got {
		lines = append(lines, k+"="+v)
	}
	sort.Strings(lines)
	if g, w := strings.Join(lines, "\n")+"\n", string(golden); g != w {
		t.Errorf("FromObject(answer.json):\n%s\nwant (answer.golden):\n%s", g, w)
	}
}

func TestFromObjectError(t *testing.T) {
	if m, err := FromObject([]byte(`{"a":1,"a":2}`)); err == nil || m != nil {
		t.Errorf("FromObject of a duplicate = %v, %v", m, err)
	}
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Whatever the input, Value never panics, returns valid UTF-8, and agrees
// with encoding/json on whether there is a value at all.
func FuzzValue(f *testing.F) {
	for _, s := range []string{"", "null", `"a\u00e9"`, "1.50", "true", `{"a":[1,{"b":null}]}`, "\"\xff\"", "01", "[1,"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, ok := Value(raw)
		if !utf8.ValidString(s) {
			t.Fatalf("Value(%q) = %q, not valid UTF-8", raw, s)
		}
		trimmed := strings.Trim(string(raw), " \t\r\n")
		valid := json.Valid(raw) && trimmed != "null"
		if ok != valid {
			t.Fatalf("Value(%q) ok = %v, json.Valid says %v", raw, ok, valid)
		}
		if !ok && s != "" {
			t.Fatalf("Value(%q) = %q with ok false", raw, s)
		}
	})
}

// FuzzObject: the scanner Object uses for valid input agrees with the
// json.Decoder walk it replaced, member for member and byte for byte, and
// refuses (leaving the error to the walk) whatever the walk refuses.
func FuzzObject(f *testing.F) {
	for _, s := range []string{`{}`, ` { "a" : 1 , "b":[1, {"c":"}"}] } `, `{"a\u00e9\"":"x\\y","n":null,"t":true}`,
		`{"a":1,"a":2}`, `{"a":1} {}`, `[1]`, `{"k\xff":"v\xfe"}`, `{"a":"1"`, `{"a": -1.5e3,"b":{}}`} {
		f.Add([]byte(s))
	}
	data, err := os.ReadFile("testdata/answer.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, b []byte) {
		want, werr := decodeObject(b)
		got, ok := scanObject(b)
		if !ok {
			if werr == nil {
				t.Fatalf("scanner refused %q, which decodes to %v", b, want)
			}
			return
		}
		if werr != nil {
			t.Fatalf("scanner took %q, which fails to decode: %v", b, werr)
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d members, want %d", b, len(got), len(want))
		}
		for k, v := range want {
			if g, ok := got[k]; !ok || !bytes.Equal(g, v) {
				t.Fatalf("%q: member %q = %q, want %q", b, k, g, v)
			}
		}
	})
}

// FuzzMembers: Members never panics, whatever the bytes, and on valid
// JSON it is Object without the check: the same members, or refused alike.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":{"c":[1,"}"]}}`, `{"a":1,"a":2}`, `{"a":"\`, `{"a`, `{"a":`, `{"a":1,`,
		`{"a"}`, `{:}`, `{"\`, "{\"a\":\"\\\"}", `[1]`, ` {"x":null} `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := Members(b) // must not panic
		if !json.Valid(b) {
			return
		}
		want, wok := scanObject(b)
		if ok != wok || len(got) != len(want) {
			t.Fatalf("%q: Members %v (%d members), Object's scan %v (%d)", b, ok, len(got), wok, len(want))
		}
		for k, v := range want {
			if g, ok := got[k]; !ok || !bytes.Equal(g, v) {
				t.Fatalf("%q: member %q = %q, want %q", b, k, g, v)
			}
		}
	})
}

// TestFlattenInto: members are added to what dst holds, a member of the
// same name replacing it, and a null member leaving it be.
func TestFlattenInto(t *testing.T) {
	dst := map[string]string{"code": "200", "kept": "x"}
	FlattenInto(dst, map[string]json.RawMessage{"code": json.RawMessage(`"SUCCESS"`), "kept": json.RawMessage("null"),
		"n": json.RawMessage("1")})
	if want := map[string]string{"code": "SUCCESS", "kept": "x", "n": "1"}; !equal(dst, want) {
		t.Errorf("FlattenInto = %v, want %v", dst, want)
	}
}

func BenchmarkObject(b *testing.B) {
	data, err := os.ReadFile("testdata/answer.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			_, _ = Object(data)
		}
	})
	b.Run("decoder", func(b *testing.B) {
		for b.Loop() {
			_, _ = decodeObject(data)
		}
	})
}
