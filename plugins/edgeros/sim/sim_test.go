package sim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/reconhq/recon/plugins/edgeros"
	"github.com/reconhq/recon/plugins/helper/rsakey"
	"github.com/reconhq/recon/plugins/simkit/script"
)

// One simulator (two RSA-2048 keys) serves the tests that leave its data and
// fault rates alone.
var (
	sharedOnce sync.Once
	shared     *Simulator
)

func sharedSim() *Simulator {
	sharedOnce.Do(func() { shared = New() })
	return shared
}

// get sends a GET of path?query to s as a merchant would, signed with the
// merchant key over nonce, and returns the HTTP status and body.
func get(t *testing.T, s *Simulator, path string, query url.Values, nonce string) (int, string) {
	t.Helper()
	fields := map[string]string{"mch_no": s.mchNo, "nonce": nonce, "sign_type": edgeros.SignType}
	for k := range query {
		fields[k] = query.Get(k)
	}
	sig, err := edgeros.Sign(s.merchant, edgeros.SigningString(fields))
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, path+"?"+query.Encode(), nil)
	r.Header.Set(edgeros.HeaderMchNo, s.mchNo)
	r.Header.Set(edgeros.HeaderNonce, nonce)
	r.Header.Set(edgeros.HeaderSignType, edgeros.SignType)
	r.Header.Set(edgeros.HeaderSign, sig)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b)
}

func trade(no string) url.Values { return url.Values{"mch_trade_no": {no}} }

// TestSimulatorRejectsBadRequests: what the simulator refuses, raw.
func TestSimulatorRejectsBadRequests(t *testing.T) {
	s := sharedSim()
	for _, c := range []struct {
		name  string
		nonce string
		want  string
	}{
		{"short nonce is fine", "abc", `"status":200`},
		{"nonce of 33", strings.Repeat("a", 33), `"status":1001`},
		{"nonce not alphanumeric", "abc-def", `"status":1001`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, body := get(t, s, edgeros.TradePath, trade("EGD-SUCCESS"), c.nonce); !strings.Contains(body, c.want) {
				t.Errorf("raw %s, want %s", body, c.want)
			}
		})
	}
	r := httptest.NewRequest(http.MethodPost, edgeros.TradePath, nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: HTTP %d", w.Code)
	}
}

// TestAccount: the credentials are PEM in the platform docs' forms, and
// the platform key is the one that signs the answers.
func TestAccount(t *testing.T) {
	s := sharedSim()
	acct := s.Account()
	if acct.Currency != "CNY" || acct.Timezone != "Asia/Shanghai" ||
		acct.Credentials[edgeros.CredMchNo] != DemoMchNo || acct.Credentials[edgeros.CredAppNo] != DemoAppNo {
		t.Errorf("account %+v", acct)
	}
	key, err := rsakey.ParsePrivate(edgeros.CredMerchantPrivateKey, acct.Credentials[edgeros.CredMerchantPrivateKey])
	if err != nil || !key.Equal(s.merchant) {
		t.Errorf("merchant key: %v", err)
	}
	pub, err := rsakey.ParsePublic(edgeros.CredPlatformPublicKey, acct.Credentials[edgeros.CredPlatformPublicKey])
	if err != nil || !pub.Equal(&s.platform.PublicKey) {
		t.Errorf("platform key: %v", err)
	}
}

// TestScriptedFaults: a fault without a key meets the next request whatever
// it asks, is counted, and is used up; an unknown fault is refused with the
// known ones.
func TestScriptedFaults(t *testing.T) {
	s := New()
	if err := s.Script("", script.HTTP5xx, 1); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, s, edgeros.RefundPath, url.Values{"mch_refund_no": {"EGD-R-SUCCESS"}}, "n1"); code != http.StatusServiceUnavailable {
		t.Errorf("scripted http_5xx: HTTP %d", code)
	}
	if code, body := get(t, s, edgeros.TradePath, trade("EGD-SUCCESS"), "n2"); code != http.StatusOK || !strings.Contains(body, `"status":200`) {
		t.Errorf("after the fault: HTTP %d %s", code, body)
	}
	if n := s.Faults().Counts()["scripted_http_5xx"]; n != 1 {
		t.Errorf("counted %d", n)
	}
	err := s.Script("X", "5xx", 1)
	if err == nil || !strings.Contains(err.Error(), "it is now called http_5xx") {
		t.Errorf("old name: %v", err)
	}
}
