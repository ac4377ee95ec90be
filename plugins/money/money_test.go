package money

import (
	"errors"
	"testing"
)

func TestDigits(t *testing.T) {
	for code, want := range map[string]int{"CNY": 2, "KRW": 0, "JPY": 0, "KWD": 3, "IDR": 2, "USD": 2, "MXN": 2} {
		got, err := Digits(code)
		if err != nil || got != want {
			t.Errorf("Digits(%s) = %d, %v; want %d", code, got, err, want)
		}
	}
	if _, err := Digits("XYZ1"); err == nil {
		t.Error("Digits(XYZ1) succeeded")
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in     string
		digits int
		want   int64
		err    bool
	}{
		{"12.34", 2, 1234, false},
		{"12.3", 2, 1230, false},
		{"12", 2, 1200, false},
		{"0.01", 2, 1, false},
		{"300.00", 0, 300, false},
		{"300", 0, 300, false},
		{"1.234", 3, 1234, false},
		{"50000.00", 2, 5000000, false},
		{"12.340", 2, 1234, false},
		{"12.345", 2, 0, true},
		{"300.5", 0, 0, true},
		{"", 2, 0, true},
		{"-1.00", 2, 0, true},
		{"1e3", 2, 0, true},
		{".5", 2, 0, true},
		{"5.", 2, 0, true},
		{"1,000.00", 2, 0, true},
		{" 1.00", 2, 0, true},
		{"90071992547409.91", 2, 9007199254740991, false},
		{"90071992547409.92", 2, 0, true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, tt.digits)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("Parse(%q, %d) = %d, %v; want %d, err=%v", tt.in, tt.digits, got, err, tt.want, tt.err)
		}
		if err != nil && !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) error %v does not wrap ErrSyntax", tt.in, err)
		}
	}
}

func TestParseMinor(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1": 1, "300000": 300000} {
		if got, err := ParseMinor(in); err != nil || got != want {
			t.Errorf("ParseMinor(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "-1", "1.0", "12a", "99999999999999999"} {
		if _, err := ParseMinor(in); err == nil {
			t.Errorf("ParseMinor(%q) succeeded", in)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		minor  int64
		digits int
		want   string
	}{
		{1234, 2, "12.34"}, {5, 2, "0.05"}, {0, 2, "0.00"}, {300, 0, "300"}, {-5, 2, "-0.05"}, {1234, 3, "1.234"},
	}
	for _, tt := range tests {
		if got := Format(tt.minor, tt.digits); got != tt.want {
			t.Errorf("Format(%d, %d) = %q; want %q", tt.minor, tt.digits, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"12.34", "300", "0.001", "", "9999999999999999999"} {
		f.Add(s, 2)
	}
	f.Fuzz(func(t *testing.T, s string, digits int) {
		if digits < 0 || digits > 4 {
			return
		}
		v, err := Parse(s, digits)
		if err != nil {
			return
		}
		back, err := Parse(Format(v, digits), digits)
		if err != nil || back != v {
			t.Fatalf("round trip of %q: %d -> %q -> %d, %v", s, v, Format(v, digits), back, err)
		}
	})
}
