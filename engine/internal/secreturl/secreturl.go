// Package secreturl keeps what is secret in a URL out of error messages.
// A chat webhook's path is its credential (/services/T000/B000/XXXX), a
// Pushgateway behind a proxy may carry a token in its path or query, and
// either may have user info; only the scheme and host are safe to show.
// notify and metrics share it: both post to a URL an operator configured
// and log what went wrong.
package secreturl

import (
	"cmp"
	"errors"
	"net/url"
	"slices"
	"strings"
)

// Redact is raw cut to its scheme and host ("https://hooks.slack.com"),
// and "" when raw does not parse as a URL with a host.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// shown is what stands for raw in a message: its scheme and host, with
// "/..." when something was cut, or a neutral name when it has no host.
func shown(raw string) string {
	r := Redact(raw)
	switch {
	case r == "":
		return "[URL]"
	case r != strings.TrimRight(raw, "/"):
		return r + "/..."
	}
	return r
}

// Error is err, which came from a request to raw, with raw's secrets out
// of its text. Every *url.Error in err's chain has its URL replaced by
// the redacted form: that is the net/http client's error, which quotes
// the URL with a password as "***", so that raw as written does not match
// it. The text is also cleaned of raw's spellings and of those URLs as
// they were, for a wrapper that formatted its message before (fmt.Errorf
// does) and for a client library's own message ("while pushing to ...").
// nil is nil.
//
// It changes the *url.Error values in err, so that a caller that unwraps
// to one and logs its URL does not see the secret either.
func Error(err error, raw string) error {
	if err == nil {
		return nil
	}
	r := &redacted{err: err}
	for _, s := range spellings(raw) {
		r.add(s, shown(raw))
	}
	var ue *url.Error
	for e := err; errors.As(e, &ue); e = ue.Err {
		// A redirect's error names the URL it was sent to, not raw.
		r.add(ue.URL, shown(ue.URL))
		ue.URL = shown(ue.URL)
	}
	// Longest first, so that a shorter spelling does not cut a longer one
	// in half.
	slices.SortFunc(r.cuts, func(a, b [2]string) int { return cmp.Or(len(b[0])-len(a[0]), strings.Compare(a[0], b[0])) })
	return r
}

// spellings are the ways raw may appear in an error's text.
func spellings(raw string) []string {
	out := []string{raw, strings.TrimRight(raw, "/")}
	if u, err := url.Parse(raw); err == nil {
		out = append(out, u.String(), u.Redacted())
		if _, ok := u.User.Password(); ok {
			// As net/http writes it (its stripPassword): "***" unescaped.
			out = append(out, strings.Replace(u.String(), u.User.String()+"@", u.User.Username()+":***@", 1))
		}
	}
	return out
}

// redacted is an error whose text has each cut's first string replaced by
// its second.
type redacted struct {
	err  error
	cuts [][2]string
}

func (e *redacted) add(old, new string) {
	if old != "" && old != new && !slices.Contains(e.cuts, [2]string{old, new}) {
		e.cuts = append(e.cuts, [2]string{old, new})
	}
}

func (e *redacted) Error() string {
	msg := e.err.Error()
	for _, c := range e.cuts {
		msg = strings.ReplaceAll(msg, c[0], c[1])
	}
	return msg
}

func (e *redacted) Unwrap() error { return e.err }
