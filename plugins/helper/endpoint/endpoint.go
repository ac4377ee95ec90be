package endpoint

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// Parse checks raw as an account's base URL and returns it with trailing
// slashes trimmed from its path. The returned URL is the caller's to keep.
func Parse(raw string) (*url.URL, error) {
	s := strings.Trim(raw, " \t\r\n")
	if s == "" {
		return nil, errors.New("endpoint is empty")
	}
	// Unicode spaces too: a full-width space (U+3000) pasted from a console
	// is invisible in a config file.
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return nil, errors.New("endpoint contains a space or a control character")
	}
	// url.Parse's own errors quote the whole URL, user info included, so
	// none of them is passed on.
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("endpoint is not a valid URL")
	}
	// User info first: whatever else is wrong, the merchant must learn that
	// a credential was put where it does not belong.
	if u.User != nil {
		return nil, errors.New("endpoint must not carry user info (put credentials under credentials:)")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errors.New("endpoint must be an absolute http:// or https:// URL")
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("endpoint has no host")
	}
	// "?" and "#" are looked for in the text: url.Parse keeps no trace of an
	// empty fragment, and ForceQuery is easy to miss.
	if strings.ContainsRune(s, '?') {
		return nil, errors.New("endpoint must not carry a query string (the API path is appended to it)")
	}
	if strings.ContainsRune(s, '#') {
		return nil, errors.New("endpoint must not carry a fragment")
	}
	// A non-ASCII host would be written back percent-escaped by
	// url.URL.String, which no resolver reads; its xn-- form is what works.
	for i := 0; i < len(u.Host); i++ {
		if u.Host[i] >= 0x80 || u.Host[i] == '%' {
			return nil, errors.New("endpoint host must be ASCII (write an internationalised name in its xn-- form)")
		}
	}
	if strings.HasSuffix(u.Host, ":") {
		return nil, errors.New("endpoint has an empty port")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, errors.New("endpoint port must be a number from 1 to 65535")
		}
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return nil, errors.New(`endpoint path must not contain "." or ".." segments`)
		}
	}
	// Trim in the escaped form so that an escaped slash (%2F) at the end,
	// which is data, is kept.
	esc := strings.TrimRight(u.EscapedPath(), "/")
	path, err := url.PathUnescape(esc)
	if err != nil {
		return nil, errors.New("endpoint path is not validly escaped")
	}
	out := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: path, RawPath: esc}
	return out, nil
}

// Join returns the request URL of apiPath under base, with exactly one "/"
// between them. apiPath is written as it must appear on the wire (already
// escaped); a query, if the API needs one, is the caller's to append.
func Join(base *url.URL, apiPath string) string {
	b := strings.TrimRight(base.String(), "/")
	p := strings.TrimLeft(apiPath, "/")
	if p == "" {
		return b
	}
	return b + "/" + p
}
