package paypro

import (
	"testing"
	"time"
)

func TestParseLocalTime(t *testing.T) {
	jakarta := mustLoad(t, "Asia/Jakarta")
	mexico := mustLoad(t, "America/Mexico_City")
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"2024-10-19 14:37:28", jakarta, time.Date(2024, 10, 19, 7, 37, 28, 0, time.UTC)},
		{"2024-10-11 9:30:13", jakarta, time.Date(2024, 10, 11, 2, 30, 13, 0, time.UTC)},
		{"2024-10-11 09:30:13", jakarta, time.Date(2024, 10, 11, 2, 30, 13, 0, time.UTC)},
		{"2024-10-11 0:00:00", jakarta, time.Date(2024, 10, 10, 17, 0, 0, 0, time.UTC)},
		{"2024-1-5 9:3:7", jakarta, time.Date(2024, 1, 5, 2, 3, 7, 0, time.UTC)},
		{" 2024-10-11  9:30:13 ", jakarta, time.Date(2024, 10, 11, 2, 30, 13, 0, time.UTC)},
		{"2024-10-11 9:30:13", mexico, time.Date(2024, 10, 11, 15, 30, 13, 0, time.UTC)},
		{"2024-02-29 23:59:59", time.UTC, time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := ParseLocalTime(tt.in, tt.loc)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseLocalTime(%q, %s) = %v, %v; want %v", tt.in, tt.loc, got, err, tt.want)
		}
	}
	for _, in := range []string{
		"", "2024-10-11", "2024-10-11T09:30:13", "2024/10/11 09:30:13", "24-10-11 9:30:13",
		"2024-02-30 10:00:00", "2023-02-29 10:00:00", "2024-13-01 10:00:00", "2024-10-11 24:00:00",
		"2024-10-11 9:60:00", "2024-10-11 9:30:60", "2024-10-11 009:30:13", "2024-10-11 +9:30:13",
		"2024-10-11 9:30", "2024-10-11 9:30:13.5", "1729325978798",
	} {
		if got, err := ParseLocalTime(in, jakarta); err == nil {
			t.Errorf("ParseLocalTime(%q) = %v, want an error", in, got)
		}
	}
}
