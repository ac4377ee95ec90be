package engine

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	base := 100 * time.Millisecond
	tests := []struct {
		name       string
		attempt    int
		retryAfter time.Duration
		lo, hi     time.Duration
	}{
		{"first retry: half to full base", 1, 0, 50 * time.Millisecond, 100 * time.Millisecond},
		{"doubles", 3, 0, 200 * time.Millisecond, 400 * time.Millisecond},
		{"Retry-After wins when longer", 1, 5 * time.Second, 5 * time.Second, 5 * time.Second},
		{"Retry-After does not shorten", 3, time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond},
		{"capped", 30, 0, maxBackoff / 2, maxBackoff},
		{"Retry-After capped", 1, time.Hour, maxBackoff, maxBackoff},
	}
	for _, tt := range tests {
		for i := 0; i < 200; i++ { // jitter: every draw must stay in bounds
			d := backoff(base, tt.attempt, tt.retryAfter)
			if d < tt.lo || d > tt.hi {
				t.Fatalf("%s: backoff = %s; want within [%s, %s]", tt.name, d, tt.lo, tt.hi)
			}
		}
	}
}
