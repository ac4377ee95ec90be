package secreturl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://hooks.slack.com/services/T000/B000/XXXX", "https://hooks.slack.com"},
		{"http://user:pass@127.0.0.1:9091/tok?x=1", "http://127.0.0.1:9091"},
		{"http://127.0.0.1:9091", "http://127.0.0.1:9091"},
		{"localhost:9091", ""},
		{"http://a b/", ""},
		{"", ""},
	} {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// Errors of a real http client, against a loopback port nobody listens on
// and a server that answers, with and without user info in the URL.
func TestErrorOfTheHTTPClient(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+l.Addr().String()+"/moved/SECRET2", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirecting.Close)
	// The redirect's error names where it was sent: the closed port.
	for _, base := range []struct{ url, named string }{{closed, closed}, {redirecting.URL, closed}} {
		for _, user := range []string{"", "u5er:pa55@", "u5er@", "u5er:@"} {
			raw := strings.Replace(base.url, "://", "://"+user, 1) + "/services/T000/B000/SECRET?token=SECRET"
			t.Run(raw, func(t *testing.T) {
				req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, raw, nil)
				if err != nil {
					t.Fatal(err)
				}
				_, err = http.DefaultClient.Do(req)
				if err == nil {
					t.Fatal("no error")
				}
				err = Error(fmt.Errorf("posting: %w", err), raw)
				msg := err.Error()
				for _, secret := range []string{"SECRET", "T000", "u5er", "pa55"} {
					if strings.Contains(msg, secret) {
						t.Errorf("%q quotes %s", msg, secret)
					}
				}
				if !strings.Contains(msg, `"`+base.named+`/..."`) || !strings.HasPrefix(msg, "posting: ") {
					t.Errorf("%q: want the host, with /... for what was cut", msg)
				}
				var ue *url.Error
				if !errors.As(err, &ue) || strings.Contains(ue.URL, "SECRET") || strings.Contains(ue.URL, "u5er") {
					t.Errorf("the *url.Error under it: %v", ue)
				}
			})
		}
	}
}

// A message that is not a *url.Error's, such as a client library's
// "while pushing to <URL>", loses every spelling of the URL.
func TestErrorOfAnotherMessage(t *testing.T) {
	raw := "http://u5er:pa55@gw:9091/tok-SECRET/"
	for _, quoted := range []string{raw, strings.TrimRight(raw, "/"), "http://u5er:***@gw:9091/tok-SECRET", "http://u5er:xxxxx@gw:9091/tok-SECRET/"} {
		err := Error(fmt.Errorf("unexpected status code 404 while pushing to %s/metrics/job/recon: 404 page not found", quoted), raw)
		if msg := err.Error(); msg != "unexpected status code 404 while pushing to http://gw:9091/.../metrics/job/recon: 404 page not found" &&
			msg != "unexpected status code 404 while pushing to http://gw:9091/...metrics/job/recon: 404 page not found" {
			t.Errorf("%s: %s", quoted, msg)
		}
	}
	if Error(nil, raw) != nil {
		t.Error("Error(nil) is not nil")
	}
	if msg := Error(errors.New(`parse "http://a b/SECRET": invalid character " " in host name`), "http://a b/SECRET").Error(); strings.Contains(msg, "SECRET") {
		t.Errorf("a URL that does not parse: %s", msg)
	}
}
