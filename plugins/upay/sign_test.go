package upay_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/upay"
	"github.com/reconhq/recon/plugins/upay/sim"
)

// The vectors were computed with md5sum, not with Sign (see the file's header).
func TestSignMatchesIndependentVectors(t *testing.T) {
	for _, v := range readSignVectors(t) {
		if got := upay.Sign([]byte(v.body), v.terminalKey); got != v.sign {
			t.Errorf("Sign(%s) = %s, want %s", v.body, got, v.sign)
		}
	}
}

// The client must send exactly the vector's body and sign it as the vector says.
func TestClientSignsExactBytesSent(t *testing.T) {
	for _, v := range readSignVectors(t) {
		t.Run(v.body, func(t *testing.T) {
			var gotBody []byte
			var gotAuth, gotPath, gotMethod, gotType string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotBody, _ = io.ReadAll(r.Body)
				gotAuth, gotPath, gotMethod = r.Header.Get("Authorization"), r.URL.Path, r.Method
				gotType = r.Header.Get("Content-Type")
				_, _ = w.Write([]byte(`{"result_code":"200","biz_response":{"result_code":"FAIL","error_code":"UPAY_ORDER_NOT_EXISTS"}}`))
			}))
			defer srv.Close()
			p := mustProvider(t, srv.URL+"/", map[string]string{upay.CredTerminalSN: v.terminalSN, upay.CredTerminalKey: v.terminalKey})
			res := query(t, p, v.query())
			if res.Outcome != recon.OutcomeNotFound {
				t.Fatalf("outcome %v (%s)", res.Outcome, res.Err)
			}
			if string(gotBody) != v.body {
				t.Errorf("body\n got %s\nwant %s", gotBody, v.body)
			}
			if want := v.terminalSN + " " + v.sign; gotAuth != want {
				t.Errorf("Authorization %q, want %q", gotAuth, want)
			}
			if gotMethod != http.MethodPost || gotPath != "/upay/v2/query" {
				t.Errorf("request %s %s, want POST /upay/v2/query", gotMethod, gotPath)
			}
			if !strings.HasPrefix(gotType, "application/json") {
				t.Errorf("Content-Type %q", gotType)
			}
			if strings.Contains(res.Request, v.sign) || strings.Contains(res.Request, v.terminalKey) {
				t.Errorf("Request %q leaks the sign or the key", res.Request)
			}
		})
	}
}

// The simulator must accept every vector and reject it once the sign is off.
func TestSimulatorVerifiesVectors(t *testing.T) {
	vectors := readSignVectors(t)
	s := sim.New()
	var yml strings.Builder
	yml.WriteString("terminals:\n")
	seen := map[string]bool{}
	for _, v := range vectors {
		if !seen[v.terminalSN] {
			seen[v.terminalSN] = true
			yml.WriteString("  - {terminal_sn: \"" + v.terminalSN + "\", terminal_key: \"" + v.terminalKey + "\"}\n")
		}
	}
	if err := s.LoadScenario([]byte(yml.String())); err != nil {
		t.Fatal(err)
	}
	post := func(body, auth string) (code, errCode string) {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/upay/v2/query", bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		var a struct {
			ResultCode string `json:"result_code"`
			ErrorCode  string `json:"error_code"`
		}
		if w.Code != http.StatusOK {
			t.Fatalf("HTTP %d", w.Code)
		}
		if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
			t.Fatalf("answer %s: %v", w.Body, err)
		}
		return a.ResultCode, a.ErrorCode
	}
	for _, v := range vectors {
		if code, ec := post(v.body, v.terminalSN+" "+v.sign); code != "200" {
			t.Errorf("%s: valid sign rejected: %s %s", v.body, code, ec)
		}
		flipped := []byte(v.sign)
		if flipped[0] == '0' {
			flipped[0] = '1'
		} else {
			flipped[0] = '0'
		}
		for name, bad := range map[string]string{
			"flipped sign":         string(flipped),
			"uppercase sign":       strings.ToUpper(v.sign),
			"sign of another body": upay.Sign([]byte(v.body+" "), v.terminalKey),
		} {
			if bad == v.sign {
				continue // an all-digit sign has no upper case
			}
			if code, ec := post(v.body, v.terminalSN+" "+bad); code != "400" || ec != "ILLEGAL_SIGN" {
				t.Errorf("%s: %s accepted: %s %s", v.body, name, code, ec)
			}
		}
	}
}
