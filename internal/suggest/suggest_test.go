package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"judge", "judge", 0}, {"jugde", "judge", 1}, {"judg", "judge", 1}, {"map_paymnet", "map_payment", 1},
		{"refund", "refunds", 1}, {"", "abc", 3}, {"kitten", "sitting", 3}} {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d; want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
