package plugins

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/reconhq/recon"
)

// MaxBodyBytes caps a provider's response body: a query answer is a few
// kilobytes, so anything near this is a broken or hostile server.
const MaxBodyBytes = 1 << 20

// NewHTTPClient returns the client providers should use. It has no overall
// timeout: each attempt runs under the context deadline the host sets. It
// follows no redirect: that would send a signed request, and the
// merchant's headers, wherever the answer points (from https to http
// too); a query API does not redirect, so Exchange takes it as an answer.
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	t.ResponseHeaderTimeout = 0
	return &http.Client{Transport: t, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Exchange sends req and reads the answer, capped at MaxBodyBytes. It
// returns the status and body when the server answered with 2xx; otherwise
// fail describes the failure: transient for transport errors, timeouts, 429
// and 5xx (with the server's Retry-After), permanent for other statuses and
// oversized bodies. fail.Request is filled from req, never with secrets: pass
// a request whose URL carries none.
func Exchange(ctx context.Context, c *http.Client, req *http.Request) (status int, body []byte, fail *recon.Reply) {
	desc := req.Method + " " + req.URL.Path
	if req.Context() != ctx { // providers build it with ctx: no copy of the request then
		req = req.WithContext(ctx)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, &recon.Reply{Outcome: recon.OutcomeTransient, Err: transportError(ctx, err), Request: desc}
	}
	defer resp.Body.Close()
	body, err = readBody(resp)
	if err != nil {
		return resp.StatusCode, nil, &recon.Reply{Outcome: recon.OutcomeTransient, HTTPStatus: resp.StatusCode,
			Err: "reading body: " + transportError(ctx, err), Request: desc}
	}
	if len(body) > MaxBodyBytes {
		return resp.StatusCode, nil, &recon.Reply{Outcome: recon.OutcomePermanent, HTTPStatus: resp.StatusCode,
			Err: fmt.Sprintf("response body larger than %d bytes", MaxBodyBytes), Request: desc}
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp.StatusCode, body, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return resp.StatusCode, body, &recon.Reply{Outcome: recon.OutcomeTransient, HTTPStatus: resp.StatusCode, Raw: body,
			Err: "HTTP " + resp.Status, RetryAfter: RetryAfter(resp.Header), Request: desc}
	case resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.Header.Get("Location") != "":
		// Not followed (NewHTTPClient): an endpoint that moved is the
		// config's to change, which the message says how (a relative
		// Location resolved, so that it can be pasted).
		where := resp.Header.Get("Location")
		if u, err := resp.Location(); err == nil {
			where = u.String()
		}
		return resp.StatusCode, body, &recon.Reply{Outcome: recon.OutcomePermanent, HTTPStatus: resp.StatusCode, Raw: body, Request: desc,
			Err: fmt.Sprintf("HTTP %s: a redirect to %s, not followed (a signed query goes to the configured endpoint only): set the account's endpoint to it if it is the provider's",
				resp.Status, Clip(where))}
	default:
		return resp.StatusCode, body, &recon.Reply{Outcome: recon.OutcomePermanent, HTTPStatus: resp.StatusCode, Raw: body,
			Err: "HTTP " + resp.Status, Request: desc}
	}
}

// readBody reads at most MaxBodyBytes+1 bytes of resp's body (more is
// refused by the caller). A body of known length, as an answer usually is,
// goes into one buffer of that size: ReadAll began at 512 bytes and grew
// its buffer, copying, to the size of an answer. net/http makes a body end
// at its Content-Length, or fail if it ends early.
func readBody(resp *http.Response) ([]byte, error) {
	n := resp.ContentLength
	if n < 0 || n > MaxBodyBytes {
		return io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(resp.Body, body); err != nil {
		if err == io.EOF { // nothing at all came of a promised body
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return body, nil
}

// RetryAfter reads a Retry-After header (seconds or an HTTP date); 0 if absent.
func RetryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

func transportError(ctx context.Context, err error) string {
	var ne net.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(ctx.Err(), context.Canceled):
		return "canceled"
	}
	// url.Error repeats the URL; the URL carries no secret by contract.
	return err.Error()
}

// Do is one attempt the way every provider makes it: it sends req with
// Exchange and hands a 2xx body to parse. Whatever parse returns, and any
// failure, carries the HTTP status, the body as received and desc — the
// request described without secrets ("POST /upay/v2/query client_sn=A1") —
// so that the stored exchange says what was asked and answered.
func Do(ctx context.Context, c *http.Client, req *http.Request, desc string, parse func(body []byte) recon.Reply) recon.Reply {
	status, body, fail := Exchange(ctx, c, req)
	if fail != nil {
		fail.Request = desc
		return *fail
	}
	r := parse(body)
	r.HTTPStatus, r.Raw, r.Request = status, body, desc
	return r
}
