package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/upay"
)

// post sends body to the simulator signed with the demo key (or auth, if set).
func post(t *testing.T, s *Simulator, method, body, auth string) (int, map[string]any) {
	t.Helper()
	if auth == "" {
		auth = DemoTerminalSN + " " + upay.Sign([]byte(body), DemoTerminalKey)
	}
	req := httptest.NewRequest(method, "/upay/v2/query", bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", auth)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	var m map[string]any
	if w.Code == http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("answer %s: %v", w.Body, err)
		}
	}
	return w.Code, m
}

// asker queries a simulator through the real upay client.
type asker struct {
	t *testing.T
	p *upay.Provider
}

// client serves s on loopback, mounted under a prefix as the sandbox mounts
// it, with a upay client configured for s's account as it is now.
func client(t *testing.T, s *Simulator) asker {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/sandbox/upay/", http.StripPrefix("/sandbox/upay", s))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p := upay.New()
	acct := plugins.Account{Name: "sim-test", Endpoint: srv.URL + "/sandbox/upay", Currency: "CNY",
		Location: time.UTC, Credentials: s.Account().Credentials}
	if err := p.Configure(context.Background(), acct); err != nil {
		t.Fatal(err)
	}
	return asker{t, p}
}

func (a asker) pay(orderNo string) recon.Reply {
	return a.ask(recon.Query{Kind: recon.Payment, OrderNo: orderNo, Attempt: 1})
}

func (a asker) refund(orderNo, refundNo string) recon.Reply {
	return a.ask(recon.Query{Kind: recon.Refund, OrderNo: orderNo, RefundNo: refundNo, Attempt: 1})
}

func (a asker) ask(q recon.Query) recon.Reply {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return a.p.Query(ctx, q)
}

// i64 shows an optional amount; "nil" when it is absent.
func i64(p *int64) string {
	if p != nil {
		return strconv.FormatInt(*p, 10)
	}
	return "nil"
}
