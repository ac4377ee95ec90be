package edgeros

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/helper/rsakey"
)

// The page's nonces: the client under test is made to send them so that the
// page's examples, signed by OpenSSL, are the answers to its requests.
const (
	pageSuccessNonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
	pageErrorNonce   = "vkv8nkx07xZ7A1RHfJt2fvH4btXdBtz6"
	pageMchNo        = "ea887713933c42a0bd7e657b06f279d3"
	pageTradeNo      = "mp202104021606341385640107521832"
	pageTxnNo        = "4af336b1bd904c69ab2edb76af3a2a35"
)

// QueryPayment, QueryRefund and MustRead are exported, in test builds only,
// for the external test package too (edgeros_test: the tests that need the
// simulator, which imports this package).

// QueryPayment is the query recon sends for a ledger payment row.
func QueryPayment(orderNo, tradeNo string) recon.Query {
	return recon.Query{Kind: recon.Payment, OrderNo: orderNo, ProviderTradeNo: tradeNo, Attempt: 1}
}

// QueryRefund is the query recon sends for a ledger refund row.
func QueryRefund(orderNo, refundNo string) recon.Query {
	return recon.Query{Kind: recon.Refund, OrderNo: orderNo, RefundNo: refundNo, Attempt: 1}
}

// MustRead reads a file of testdata (vectors made outside the code:
// testdata/README.md).
func MustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// static serves one fixed body and records the last request.
type static struct {
	mu     sync.Mutex
	status int
	body   []byte
	last   *http.Request
}

func (s *static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = r.Clone(context.Background())
	w.WriteHeader(s.status)
	_, _ = w.Write(s.body)
}

func serveStatic(t *testing.T, status int, body []byte) (*static, string) {
	t.Helper()
	st := &static{status: status, body: body}
	srv := httptest.NewServer(st)
	t.Cleanup(srv.Close)
	return st, srv.URL + "/base/"
}

// opensslProvider is a provider with the OpenSSL-made keys of testdata,
// talking to url, sending nonce.
func opensslProvider(t *testing.T, url, nonce string) *Provider {
	t.Helper()
	p := New()
	err := p.Configure(context.Background(), plugins.Account{
		Name: "t", Endpoint: url, Currency: "CNY",
		Credentials: map[string]string{
			CredMchNo: pageMchNo, CredAppNo: "APP1000000",
			CredMerchantPrivateKey: string(MustRead(t, "openssl/merchant_key.pem")),
			CredPlatformPublicKey:  string(MustRead(t, "openssl/platform_pub.pem")),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	p.nonce = func() (string, error) { return nonce, nil }
	return p
}

// opensslPlatformKey is the platform's private key of testdata, to sign
// answers as the platform would.
func opensslPlatformKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsakey.ParsePrivate("platform_private_key", string(MustRead(t, "openssl/platform_key.pem")))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signedBody builds an answer signed by the OpenSSL platform key (through
// the code's signer: what is under test here is the judging, the signer is
// pinned by TestOpenSSLSignatures). mutate runs after signing.
func signedBody(t *testing.T, env map[string]any, mutate func(env map[string]any)) []byte {
	t.Helper()
	key := opensslPlatformKey(t)
	raw, _ := json.Marshal(env)
	e, err := parseEnvelope(raw)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := e.verificationString()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := Sign(key, msg)
	if err != nil {
		t.Fatal(err)
	}
	env["data"].(map[string]any)["sign"] = sig
	if mutate != nil {
		mutate(env)
	}
	out, _ := json.Marshal(env)
	return out
}

func pageSuccessEnv(t *testing.T) map[string]any {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(MustRead(t, "openssl/page_success_signed.json"), &env); err != nil {
		t.Fatal(err)
	}
	return env
}

func dataOf(env map[string]any) map[string]any { return env["data"].(map[string]any) }

// signedCase is the page's success example changed by mutate, then signed
// by the OpenSSL platform key, as the answer to a client sending nonce.
type signedCase struct {
	name    string
	mutate  func(env map[string]any)
	nonce   string
	outcome recon.Outcome
	err     string
}

// runSigned queries the page's order once per case and checks the outcome
// and the error text.
func runSigned(t *testing.T, cases []signedCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := pageSuccessEnv(t)
			if c.mutate != nil {
				c.mutate(env)
			}
			body := signedBody(t, env, nil)
			_, url := serveStatic(t, 200, body)
			res := opensslProvider(t, url, c.nonce).Query(context.Background(), QueryPayment(pageTradeNo, ""))
			if res.Outcome != c.outcome || res.Err != c.err {
				t.Fatalf("outcome %v err %q, want %v %q", res.Outcome, res.Err, c.outcome, c.err)
			}
		})
	}
}
