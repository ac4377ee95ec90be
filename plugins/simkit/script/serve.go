package script

import (
	"io"
	"net/http"
	"time"
)

// DefaultSlowDelay is how long a slow answer waits when the scenario does
// not say, as simkit.Injector's random slow faults do.
const DefaultSlowDelay = 2 * time.Second

// DefaultMalformedBody is the truncated body of a malformed answer when the
// provider gives none: the same one simkit.Injector's random fault sends.
const DefaultMalformedBody = `{"code":"200","data":{"trunc`

// Generic answers the generic faults, so that no simulator writes its own
// 503. The zero value is ready to use.
type Generic struct {
	// SlowDelay is how long Slow waits; 0 is DefaultSlowDelay.
	SlowDelay time.Duration
	// MalformedBody is Malformed's body: the start of the provider's own
	// envelope, cut short, so that the client's parser fails where it
	// would on a real truncated answer. "" is DefaultMalformedBody.
	MalformedBody string
	// ContentType is Malformed's Content-Type; "" is application/json.
	ContentType string
}

// Serve applies f when it is a generic fault and reports whether the
// request is finished: an answer was written, or the client went away.
// false means the handler answers as usual; for Slow after the delay, and
// for a provider's own fault (or "") at once.
//
// Slow and Hang end early when the request's context is done. net/http
// notices a client that went away only once the request body has been
// read, which simulators do before they know the request's key anyway.
func (g Generic) Serve(w http.ResponseWriter, r *http.Request, f Fault) (done bool) {
	switch f {
	case HTTP5xx:
		http.Error(w, `{"error":"scripted: service unavailable"}`, http.StatusServiceUnavailable)
		return true
	case Malformed:
		body, ct := g.MalformedBody, g.ContentType
		if body == "" {
			body = DefaultMalformedBody
		}
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		_, _ = io.WriteString(w, body)
		return true
	case Slow:
		d := g.SlowDelay
		if d <= 0 {
			d = DefaultSlowDelay
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return false
		case <-r.Context().Done():
			return true
		}
	case Hang:
		<-r.Context().Done()
		return true
	}
	return false
}
