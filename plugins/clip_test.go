package plugins

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	long := strings.Repeat("a", ClipBytes)
	for _, tt := range []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"short", "system busy", "system busy"},
		{"exactly the cap", long, long},
		{"one past the cap", long + "b", long + "…"},
		// "订" is 3 bytes: cut before a rune that would straddle the cap.
		{"rune across the cap", long[:ClipBytes-1] + "订单", long[:ClipBytes-1] + "…"},
		{"rune ending at the cap", long[:ClipBytes-3] + "订单", long[:ClipBytes-3] + "订…"},
		{"4-byte rune across the cap", long[:ClipBytes-2] + "😀x", long[:ClipBytes-2] + "…"},
		// Not UTF-8 to begin with: the cut is still at most the cap.
		{"continuation bytes at the cap", long[:ClipBytes-5] + strings.Repeat("\x80", 10), long[:ClipBytes-5] + "\x80\x80" + "…"},
	} {
		got := Clip(tt.in)
		if got != tt.want {
			t.Errorf("%s: Clip = %q, want %q", tt.name, got, tt.want)
		}
		if n := len(strings.TrimSuffix(got, "…")); n > ClipBytes {
			t.Errorf("%s: %d bytes kept, more than %d", tt.name, n, ClipBytes)
		}
		if utf8.ValidString(tt.in) && !utf8.ValidString(got) {
			t.Errorf("%s: %q is no longer UTF-8", tt.name, got)
		}
	}
}
