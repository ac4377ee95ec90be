package printable

import "testing"

func TestQuote(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"O4", "O4"},
		{"", ""},
		{"naïve café 12 000 <a> & \\n", "naïve café 12 000 <a> & \\n"},
		{"O4\n• critical MATCHED", `"O4\n• critical MATCHED"`},
		{"a\rb", `"a\rb"`},
		{"a\tb", `"a\tb"`},
		{"\x1b[2Jclear", `"\x1b[2Jclear"`},
		{"c1 \u009b31m", `"c1 \u009b31m"`},
		{"del \x7f", `"del \x7f"`},
		{"ls \u2028 ps \u2029", `"ls \u2028 ps \u2029"`},
		{"rlo \u202egnp.exe", `"rlo \u202egnp.exe"`},
		{"isolate \u2066x\u2069", `"isolate \u2066x\u2069"`},
		{"bad \xff utf-8", `"bad \xff utf-8"`},
		{"quote \" and \\ in a quoted one\n", `"quote \" and \\ in a quoted one\n"`},
	} {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s; want %s", tt.in, got, tt.want)
		}
	}
}
