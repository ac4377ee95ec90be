package upay_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/upay"
	"github.com/reconhq/recon/plugins/upay/sim"
)

// signVector is one line of testdata/sign_vectors.tsv.
type signVector struct {
	kind                    recon.Kind
	sn, clientSN, refundNo  string
	terminalSN, terminalKey string
	body, sign              string
}

func (v signVector) query() recon.Query {
	return recon.Query{Kind: v.kind, OrderNo: v.clientSN, ProviderTradeNo: v.sn, RefundNo: v.refundNo, Attempt: 1}
}

func readSignVectors(t *testing.T) []signVector {
	t.Helper()
	f, err := os.Open("testdata/sign_vectors.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []signVector
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 8 {
			t.Fatalf("sign vector %q: %d columns, want 8", line, len(c))
		}
		for i := range c {
			if c[i] == "-" {
				c[i] = ""
			}
		}
		// The column is the contract's name of a kind; "" would read as a
		// payment, so an empty one is a broken vector.
		kind, err := recon.ParseKind(c[0])
		if err != nil || c[0] == "" {
			t.Fatalf("sign vector %q: kind %q is not payment or refund", line, c[0])
		}
		out = append(out, signVector{kind, c[1], c[2], c[3], c[4], c[5], c[6], c[7]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no sign vectors")
	}
	return out
}

// mustProvider returns a provider configured for endpoint with the given
// credentials (the demo ones when creds is nil).
func mustProvider(t *testing.T, endpoint string, creds map[string]string) *upay.Provider {
	t.Helper()
	if creds == nil {
		creds = map[string]string{upay.CredTerminalSN: sim.DemoTerminalSN, upay.CredTerminalKey: sim.DemoTerminalKey}
	}
	p := upay.New()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	if err := p.Configure(context.Background(), plugins.Account{Name: "test", Endpoint: endpoint, Currency: "CNY",
		Location: loc, Credentials: creds}); err != nil {
		t.Fatal(err)
	}
	return p
}

// simServer serves sim on loopback, mounted under a prefix as the sandbox
// does, and returns the endpoint to configure.
func simServer(t *testing.T, s *sim.Simulator) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/sandbox/upay/", http.StripPrefix("/sandbox/upay", s))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/sandbox/upay"
}

func query(t *testing.T, p *upay.Provider, q recon.Query) recon.Reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.Query(ctx, q)
}

func pay(orderNo string) recon.Query {
	return recon.Query{Kind: recon.Payment, OrderNo: orderNo, Attempt: 1}
}

func refundQ(orderNo, refundNo string) recon.Query {
	return recon.Query{Kind: recon.Refund, OrderNo: orderNo, RefundNo: refundNo, Attempt: 1}
}

func i64(p *int64) string {
	if p == nil {
		return "nil"
	}
	return strconv.FormatInt(*p, 10)
}
