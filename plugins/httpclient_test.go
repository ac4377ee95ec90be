package plugins

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/reconhq/recon"
)

// Exchange reads a body whole whether its length is known or not, refuses
// one past MaxBodyBytes, and takes a body cut short for a transport failure.
func TestExchangeBodies(t *testing.T) {
	answer := []byte(`{"result_code":"200","biz_response":{"result_code":"SUCCESS"}}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sized":
			w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
			_, _ = w.Write(answer)
		case "/chunked":
			_, _ = w.Write(answer[:10])
			w.(http.Flusher).Flush() // no Content-Length from here on
			_, _ = w.Write(answer[10:])
		case "/empty":
			w.Header().Set("Content-Length", "0")
		case "/huge":
			_, _ = w.Write(bytes.Repeat([]byte("x"), MaxBodyBytes+10))
		case "/huge-sized":
			w.Header().Set("Content-Length", strconv.Itoa(MaxBodyBytes+10))
			_, _ = w.Write(bytes.Repeat([]byte("x"), MaxBodyBytes+10))
		case "/short":
			w.Header().Set("Content-Length", strconv.Itoa(len(answer)+100))
			_, _ = w.Write(answer)
		}
	}))
	defer srv.Close()
	c := NewHTTPClient()
	for _, tt := range []struct {
		path    string
		body    []byte
		outcome recon.Outcome // 0: answered
		errHas  string
	}{
		{"/sized", answer, 0, ""},
		{"/chunked", answer, 0, ""},
		{"/empty", []byte{}, 0, ""},
		{"/huge", nil, recon.OutcomePermanent, "larger than"},
		{"/huge-sized", nil, recon.OutcomePermanent, "larger than"},
		{"/short", nil, recon.OutcomeTransient, "reading body"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			ctx := context.Background()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			status, body, fail := Exchange(ctx, c, req)
			if tt.outcome == 0 {
				if fail != nil || status != http.StatusOK || !bytes.Equal(body, tt.body) {
					t.Fatalf("status %d, body %q, fail %+v; want %q", status, body, fail, tt.body)
				}
				return
			}
			if fail == nil || fail.Outcome != tt.outcome || !strings.Contains(fail.Err, tt.errHas) {
				t.Fatalf("fail %+v; want outcome %v with %q", fail, tt.outcome, tt.errHas)
			}
		})
	}
}

// A redirect is not followed: it would send the signed body and the
// merchant's headers wherever Location points (https to http too). It is
// the provider's answer, and not one a query API gives: PERMANENT.
func TestExchangeDoesNotFollowRedirects(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/query", strings.NewReader(`{"signed":"body"}`))
	req.Header.Set("X-Merchant", "m-1")
	status, _, fail := Exchange(context.Background(), NewHTTPClient(), req)
	if elsewhere.Load() != 0 || fail == nil || fail.Outcome != recon.OutcomePermanent || status != http.StatusTemporaryRedirect ||
		!strings.Contains(fail.Err, other.URL+"/steal") || !strings.Contains(fail.Err, "not followed") {
		t.Fatalf("redirect: status %d, %+v; %d requests reached the Location", status, fail, elsewhere.Load())
	}
}

// A relative Location is named resolved, as an endpoint can be set to it.
func TestExchangeNamesARelativeRedirect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/v2/query")
		w.WriteHeader(http.StatusPermanentRedirect)
	}))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/v1/query", strings.NewReader(`{}`))
	_, _, fail := Exchange(context.Background(), NewHTTPClient(), req)
	if fail == nil || !strings.Contains(fail.Err, srv.URL+"/v2/query") {
		t.Fatalf("relative redirect: %+v", fail)
	}
}
