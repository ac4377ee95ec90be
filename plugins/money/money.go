// Package money parses and formats amounts exactly: integer minor units of a
// currency, never floating point. The number of minor digits of a currency
// comes from ISO 4217 (via golang.org/x/text/currency).
package money

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"golang.org/x/text/currency"
)

// MaxMinor is the largest amount accepted, in minor units. Rules run in Lua,
// whose numbers are doubles: beyond 2^53 an integer is no longer exact.
const MaxMinor = 1<<53 - 1

// Digits returns the number of minor digits of an ISO 4217 currency code
// (2 for CNY, 0 for KRW, 3 for KWD).
func Digits(code string) (int, error) {
	u, err := currency.ParseISO(code)
	if err != nil {
		return 0, fmt.Errorf("unknown currency %q", code)
	}
	if d, ok := isoDigits[u.String()]; ok {
		return d, nil
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale, nil
}

// isoDigits lists the currencies for which x/text (which follows CLDR's
// "digits used in practice") gives fewer minor digits than ISO 4217 does.
// Payment providers follow ISO 4217: PayPro sends IDR as "50000.00".
var isoDigits = map[string]int{
	"ALL": 2, "AMD": 2, "COP": 2, "IDR": 2, "IQD": 3, "IRR": 2, "KPW": 2, "LAK": 2, "LBP": 2,
	"MGA": 2, "MMK": 2, "PKR": 2, "RSD": 2, "SLL": 2, "SOS": 2, "SYP": 2, "YER": 2,
}

// ErrSyntax is wrapped by Parse errors.
var ErrSyntax = errors.New("malformed amount")

// Parse reads a non-negative decimal in major units ("12.34", "300", "0.5")
// into minor units with the given number of minor digits. More decimals than
// the currency has are an error unless they are zeros ("300.00" with 0 digits
// is 300, "12.345" with 2 digits is an error).
func Parse(s string, digits int) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("%w: empty", ErrSyntax)
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") {
		return 0, fmt.Errorf("%w: %q", ErrSyntax, s)
	}
	if !allDigits(intPart) || !allDigits(frac) {
		return 0, fmt.Errorf("%w: %q", ErrSyntax, s)
	}
	if len(frac) > digits {
		if strings.Trim(frac[digits:], "0") != "" {
			return 0, fmt.Errorf("%w: %q has more than %d decimals", ErrSyntax, s, digits)
		}
		frac = frac[:digits]
	}
	frac += strings.Repeat("0", digits-len(frac))
	var v int64
	for _, c := range intPart + frac {
		d := int64(c - '0')
		if v > (MaxMinor-d)/10 {
			return 0, fmt.Errorf("%w: %q is too large", ErrSyntax, s)
		}
		v = v*10 + d
	}
	return v, nil
}

// ParseMinor reads an integer count of minor units ("1234", as upay sends fen).
func ParseMinor(s string) (int64, error) {
	if s == "" || !allDigits(s) || len(s) > 16 {
		return 0, fmt.Errorf("%w: %q is not a whole number of minor units", ErrSyntax, s)
	}
	var v int64
	for _, c := range s {
		v = v*10 + int64(c-'0')
	}
	if v > MaxMinor {
		return 0, fmt.Errorf("%w: %q is too large", ErrSyntax, s)
	}
	return v, nil
}

// Format writes minor units as a decimal in major units with exactly
// digits decimals: Format(1234, 2) == "12.34", Format(-5, 2) == "-0.05".
func Format(minor int64, digits int) string {
	sign := ""
	if minor < 0 {
		sign = "-"
		if minor == math.MinInt64 {
			return "-overflow"
		}
		minor = -minor
	}
	s := fmt.Sprintf("%0*d", digits+1, minor)
	if digits == 0 {
		return sign + s
	}
	return sign + s[:len(s)-digits] + "." + s[len(s)-digits:]
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
