package metrics

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon/engine/metrics/metricstest"
)

func TestPushToPushgateway(t *testing.T) {
	url := metricstest.StartPushgateway(t)
	ctx := context.Background()
	grouping := Grouping([]string{"shop-upay", "shop-paypro"})
	group := map[string]string{"job": Job, "accounts": "shop-paypro,shop-upay"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for gk, gv := range group {
			m[gk] = gv
		}
		return m
	}

	ok := completed()
	if err := Push(ctx, url, ok, grouping, nil); err != nil {
		t.Fatal(err)
	}
	fams := metricstest.Scrape(t, url)
	wantLast := float64(ok.FinishedAt.Unix())
	if v, found := metricstest.Value(fams, LastSuccess, group); !found || v != wantLast {
		t.Fatalf("%s = %v (found %v); want %v", LastSuccess, v, found, wantLast)
	}
	for verdict, want := range map[string]float64{"MATCHED": 40, "MISSED_PAYMENT": 2, "AMOUNT_MISMATCH": 1, "NOT_FOUND": 0} {
		if v, found := metricstest.Value(fams, "recon_run_results", with("verdict", verdict)); !found || v != want {
			t.Errorf("recon_run_results{verdict=%q} = %v (found %v); want %v", verdict, v, found, want)
		}
	}
	for name, want := range map[string]float64{"recon_run_exit_status": 3, "recon_run_findings": 3, "recon_run_completed": 1,
		"recon_run_duration_seconds": 95} {
		if v, found := metricstest.Value(fams, name, group); !found || v != want {
			t.Errorf("%s = %v (found %v); want %v", name, v, found, want)
		}
	}
	if v, _ := metricstest.Value(fams, "recon_run_results_by_severity", with("severity", "critical")); v != 1 {
		t.Errorf("critical results = %v; want 1", v)
	}
	if v, _ := metricstest.Value(fams, "recon_run_money_at_risk_minor_units", with("currency", "CNY")); v != 2468 {
		t.Errorf("money at risk = %v; want 2468", v)
	}
	if v, _ := metricstest.Value(fams, "recon_account_retries", with("account", "shop-upay")); v != 4 {
		t.Errorf("shop-upay retries = %v; want 4", v)
	}

	// A night that failed: its figures replace the last run's, and the
	// last success stays the completed run's.
	bad := failed(ok.FinishedAt.Add(24 * time.Hour))
	if err := Push(ctx, url, bad, grouping, nil); err != nil {
		t.Fatal(err)
	}
	fams = metricstest.Scrape(t, url)
	if v, found := metricstest.Value(fams, LastSuccess, group); !found || v != wantLast {
		t.Fatalf("after a failed run %s = %v (found %v); want it untouched at %v", LastSuccess, v, found, wantLast)
	}
	if v, _ := metricstest.Value(fams, "recon_run_exit_status", group); v != 1 {
		t.Errorf("exit status after the failed run = %v; want 1", v)
	}
	if v, _ := metricstest.Value(fams, "recon_run_completed", group); v != 0 {
		t.Errorf("completed after the failed run = %v; want 0", v)
	}
	if v, _ := metricstest.Value(fams, "recon_run_results", with("verdict", "MATCHED")); v != 0 {
		t.Errorf("MATCHED after the failed run = %v; want 0 (its own count)", v)
	}
	if v, found := metricstest.Value(fams, "recon_account_errors", with("account", "shop-upay")); !found || v != 30 {
		t.Errorf("shop-upay errors = %v; want 30", v)
	}

	// Another account set is another group, with its own last success.
	other := Grouping([]string{"shop-vborder"})
	if err := Push(ctx, url, failed(ok.FinishedAt), other, nil); err != nil {
		t.Fatal(err)
	}
	fams = metricstest.Scrape(t, url)
	if _, found := metricstest.Value(fams, LastSuccess, map[string]string{"accounts": "shop-vborder"}); found {
		t.Errorf("a group that never completed has a last success")
	}
	if v, _ := metricstest.Value(fams, LastSuccess, group); v != wantLast {
		t.Errorf("the first group's last success moved to %v", v)
	}
}

func TestPushErrorNamesHostOnly(t *testing.T) {
	url := metricstest.StartPushgateway(t)
	// A path the Pushgateway does not serve: the error must not quote it
	// (a gateway behind a proxy may carry a token in the path).
	err := Push(context.Background(), url+"/secret-token-path", completed(), Grouping([]string{"a"}), nil)
	if err == nil {
		t.Fatal("push to a wrong path: no error")
	}
	if msg := err.Error(); contains(msg, "secret-token-path") || !contains(msg, url) {
		t.Errorf("error %q: want the host, not the path", msg)
	}
}

// The push client's errors quote the URL; with user info in it the
// http client writes the password as "***", so the URL as configured no
// longer matches its text: the path (a proxy's token) must still not
// show, nor the user info, whether the gateway answers or refuses.
func TestPushErrorHidesURLSecrets(t *testing.T) {
	serving := metricstest.StartPushgateway(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusing := "http://" + l.Addr().String()
	l.Close() // nobody listens there: the dial is refused
	for _, gw := range []struct{ name, url string }{{"a wrong path", serving}, {"a closed port", refusing}} {
		for _, form := range []struct{ name, userinfo string }{{"", ""}, {" with user info", "gwuser:gwpass@"}, {" with a user only", "gwuser@"}} {
			t.Run(gw.name+form.name, func(t *testing.T) {
				u := strings.Replace(gw.url, "://", "://"+form.userinfo, 1) + "/tok-SECRETPATH"
				err := Push(context.Background(), u, completed(), Grouping([]string{"a"}), nil)
				if err == nil {
					t.Fatal("no error")
				}
				msg := err.Error()
				for _, secret := range []string{"SECRETPATH", "gwuser", "gwpass"} {
					if contains(msg, secret) {
						t.Errorf("the error quotes the URL's %s: %s", secret, msg)
					}
				}
				if !contains(msg, gw.url) {
					t.Errorf("the error %q does not name the gateway %s", msg, gw.url)
				}
				var ue *url.Error
				if errors.As(err, &ue) && contains(ue.URL, "SECRETPATH") {
					t.Errorf("the *url.Error it wraps still holds the path: %s", ue.URL)
				}
			})
		}
	}
}

func contains(s, sub string) bool { return stringsContains(s, sub) }
