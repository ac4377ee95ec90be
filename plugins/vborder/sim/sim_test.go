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

// other_order answers with the first other paid order by orderNo, without
// its scripted faults, and with a made-up paid order when none is held, so
// that the fault always answers about another order.
func TestOtherPaid(t *testing.T) {
	sim := New()
	if err := sim.LoadScenario([]byte(`
orders:
  - {orderNo: A, platformSeq: SA, payStatus: CLOSE}
  - {orderNo: C, platformSeq: SC, payStatus: SUCCESS}
  - {orderNo: B, platformSeq: SB, payStatus: SUCCESS, faults: {other_order: -1}}
`)); err != nil {
		t.Fatal(err)
	}
	for asked, want := range map[string]string{"A": "B", "B": "C", "C": "B", "UNKNOWN": "B"} {
		o := sim.otherPaid(asked)
		if o.OrderNo != want || o.PayStatus != "SUCCESS" || o.Faults != nil {
			t.Errorf("asked %s: %+v, want paid order %s without faults", asked, o, want)
		}
	}
	if err := sim.LoadScenario([]byte("orders: [{orderNo: A, payStatus: SUCCESS}]")); err != nil {
		t.Fatal(err)
	}
	if o := sim.otherPaid("A"); o.OrderNo == "A" || o.OrderNo == "" || o.PlatformSeq == "" || o.PayStatus != "SUCCESS" {
		t.Errorf("with no other paid order: %+v", o)
	}
	if len(sim.orders) != 1 {
		t.Errorf("the made-up order was added to the simulator: %d orders", len(sim.orders))
	}
}
