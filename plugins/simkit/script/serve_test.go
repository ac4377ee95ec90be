package script

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestServe(t *testing.T) {
	tests := []struct {
		name     string
		g        Generic
		f        Fault
		wantDone bool
		status   int
		body     string
		ctype    string
	}{
		{"http_5xx", Generic{}, HTTP5xx, true, 503, `{"error":"scripted: service unavailable"}` + "\n", "text/plain; charset=utf-8"},
		{"malformed, default body", Generic{}, Malformed, true, 200, DefaultMalformedBody, "application/json"},
		{"malformed, provider's body", Generic{MalformedBody: `{"result_code":"200","biz_response":{"result_code":"SUCC`, ContentType: "application/json;charset=UTF-8"},
			Malformed, true, 200, `{"result_code":"200","biz_response":{"result_code":"SUCC`, "application/json;charset=UTF-8"},
		{"slow answers after the delay", Generic{SlowDelay: 20 * time.Millisecond}, Slow, false, 200, "", ""},
		{"a provider's fault is the provider's", Generic{}, Tamper, false, 200, "", ""},
		{"no fault", Generic{}, "", false, 200, "", ""},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		start := time.Now()
		done := tt.g.Serve(w, httptest.NewRequest("POST", "/q", nil), tt.f)
		if done != tt.wantDone {
			t.Errorf("%s: done %v", tt.name, done)
		}
		if w.Code != tt.status || w.Body.String() != tt.body || w.Header().Get("Content-Type") != tt.ctype {
			t.Errorf("%s: %d %q %q; want %d %q %q", tt.name, w.Code, w.Header().Get("Content-Type"), w.Body.String(), tt.status, tt.ctype, tt.body)
		}
		if tt.f == Slow && time.Since(start) < tt.g.SlowDelay {
			t.Errorf("%s: returned after %v", tt.name, time.Since(start))
		}
	}
}

// Slow and Hang end when the client goes away, so a simulator's goroutines
// do not outlive the test that used them.
func TestServeEndsWithTheRequest(t *testing.T) {
	for _, f := range []Fault{Slow, Hang} {
		ctx, cancel := context.WithCancel(context.Background())
		r := httptest.NewRequest("POST", "/q", nil).WithContext(ctx)
		w := httptest.NewRecorder()
		result := make(chan bool)
		go func() { result <- Generic{SlowDelay: time.Hour}.Serve(w, r, f) }()
		time.Sleep(10 * time.Millisecond)
		cancel()
		select {
		case done := <-result:
			if !done {
				t.Errorf("%s: done false after the client went away", f)
			}
			if w.Body.Len() != 0 {
				t.Errorf("%s: wrote %q", f, w.Body.String())
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: still waiting after the request ended", f)
		}
	}
}

// Over a real connection: what a client of a simulator sees.
func TestServeOverHTTP(t *testing.T) {
	p := NewPlan(testReg, nil)
	must(t, p.Set("", Hang, 1))
	must(t, p.Set("", HTTP5xx, 1))
	must(t, p.Set("", Slow, 1))
	g := Generic{SlowDelay: 30 * time.Millisecond}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // as simulators do before they know the key
		if f, ok := p.Take(r.URL.Query().Get("k")); ok && g.Serve(w, r, f) {
			return
		}
		_, _ = io.WriteString(w, "answer")
	}))
	defer srv.Close()
	client := &http.Client{Timeout: 300 * time.Millisecond}
	get := func() (int, string, error) {
		resp, err := client.Post(srv.URL+"/q?k=A", "application/json", strings.NewReader("{}"))
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	if code, _, _ := get(); code != 503 { // registry order: http_5xx before slow and hang
		t.Errorf("first: %d, want 503", code)
	}
	start := time.Now()
	if code, body, err := get(); code != 200 || body != "answer" || time.Since(start) < 30*time.Millisecond {
		t.Errorf("second (slow): %d %q %v after %v", code, body, err, time.Since(start))
	}
	if _, _, err := get(); err == nil || !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("third (hang): %v, want the client's timeout", err)
	}
	if code, body, err := get(); code != 200 || body != "answer" {
		t.Errorf("fourth: %d %q %v", code, body, err)
	}
}
