package sim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/reconhq/recon/plugins/vborder"
)

// The simulator rejects what the platform rejects.
func TestSimulatorRejects(t *testing.T) {
	sim := New()
	srv := httptest.NewServer(http.StripPrefix("/vborder", sim))
	t.Cleanup(srv.Close)
	url := srv.URL + "/vborder"
	post := func(body string) string {
		resp, err := http.Post(url+vborder.APIPath, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	for name, body := range map[string]string{
		"not JSON":         `x`,
		"unknown merchant": `{"customerNo":"1","reqmsg":""}`,
		"not base64":       `{"customerNo":"202112090603","reqmsg":"%%%"}`,
		"not decryptable":  `{"customerNo":"202112090603","reqmsg":"` + strings.Repeat("A", 172) + `"}`,
	} {
		if got := post(body); !strings.HasPrefix(got, `{"code":"400","success":false,"data":null`) {
			t.Errorf("%s: %s", name, got)
		}
	}
	resp, err := http.Get(url + vborder.APIPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: HTTP %d", resp.StatusCode)
	}
	if sim.Name() != "vborder" {
		t.Errorf("name %q", sim.Name())
	}
}

// doc.go lists every fault a scenario may name, so that the sandbox's user
// learns them from one place.
func TestDocListsFaults(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range faults.Specs() {
		if !strings.Contains(string(doc), "//\t"+string(s.Name)+" ") {
			t.Errorf("doc.go does not list fault %s", s.Name)
		}
	}
}
