package paypro

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/reconhq/recon/plugins"
)

// ParseLocalTime reads PayPro's successTime, "yyyy-MM-dd HH:mm:ss" in the
// account's zone. PayPro does not always zero-pad ("2024-10-11 9:30:13"), so
// every field after the year may have one or two digits; time.Parse's fixed
// layouts cannot say that, hence the hand parser. Out-of-range fields are an
// error rather than normalised (time.Date would turn 24:00:00 into tomorrow).
// The simulator checks a scenario's success_time with it, so that it never
// plants a time the client would refuse.
func ParseLocalTime(s string, loc *time.Location) (time.Time, error) {
	bad := func() (time.Time, error) {
		return time.Time{}, fmt.Errorf("successTime %q is not yyyy-MM-dd HH:mm:ss", plugins.Clip(s))
	}
	date, clock, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return bad()
	}
	clock = strings.TrimLeft(clock, " ") // tolerate a doubled separator
	d := strings.Split(date, "-")
	c := strings.Split(clock, ":")
	if len(d) != 3 || len(c) != 3 || len(d[0]) != 4 {
		return bad()
	}
	var n [6]int
	for i, part := range append(d, c...) {
		if i > 0 && (len(part) < 1 || len(part) > 2) {
			return bad()
		}
		v, err := strconv.Atoi(part)
		if err != nil || part[0] == '+' || part[0] == '-' {
			return bad()
		}
		n[i] = v
	}
	// Validate the calendar date in UTC, where no zone transition can move it.
	u := time.Date(n[0], time.Month(n[1]), n[2], 0, 0, 0, 0, time.UTC)
	if u.Year() != n[0] || int(u.Month()) != n[1] || u.Day() != n[2] ||
		n[3] > 23 || n[4] > 59 || n[5] > 59 {
		return bad()
	}
	return time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], 0, loc), nil
}
