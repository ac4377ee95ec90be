// Package plugintest is the provider plugin conformance kit: it runs a
// provider as a real plugin process (the test binary, started again) and
// checks what every provider must do against its simulator over loopback.
//
//	func TestMain(m *testing.M) {
//		plugintest.ServeIfChild(func() plugins.Provider { return acme.New() })
//		os.Exit(m.Run())
//	}
//
//	func TestConformance(t *testing.T) { plugintest.Conformance(t, acmesim.New()) }
package plugintest

import (
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/simkit"
)

const envServe = "RECON_PLUGINTEST_SERVE"

// ServeIfChild serves the provider and exits when the test binary was
// started by Start; otherwise it returns at once. Call it first in TestMain.
func ServeIfChild(newProvider func() plugins.Provider) {
	if os.Getenv(envServe) == "1" {
		plugins.Serve(newProvider())
		os.Exit(0)
	}
}

// Start runs the test binary as a plugin process serving the provider given
// to ServeIfChild, and kills it when the test ends.
func Start(t testing.TB) *plugins.Remote {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envServe+"=1")
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  plugins.Handshake,
		VersionedPlugins: plugins.HostPlugins(),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Logger:           hclog.NewNullLogger(),
	})
	t.Cleanup(client.Kill)
	remote, err := plugins.Dispense(client)
	if err != nil {
		t.Fatalf("starting the plugin process: %v", err)
	}
	t.Cleanup(remote.Close)
	return remote
}

// OverTheWire asks q of a fresh plugin process configured for acct, as the
// host would: for a test comparing the reply with the provider's in-process.
func OverTheWire(t *testing.T, acct plugins.Account, q recon.Query) recon.Reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	remote := Start(t)
	if err := remote.Configure(ctx, acct); err != nil {
		t.Fatal(err)
	}
	res, err := remote.Query(ctx, q, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Conformance checks, through a real plugin process and the simulator on
// loopback, what recon relies on from every provider:
//   - Info names the simulator's provider, with a version and its credentials;
//   - Configure refuses an account without credentials, naming none of the values;
//   - a planted paid order is FOUND with its raw body, a request description and
//     its amount in minor units of the account's currency;
//   - an unknown order is NOT_FOUND;
//   - a refund query is UNSUPPORTED without a refund API, NOT_FOUND for an unknown refund with one;
//   - no secret appears in any result.
func Conformance(t *testing.T, sim simkit.Simulator) {
	t.Helper()
	remote := Start(t)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	info, err := remote.Info(ctx)
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	if info.Name != sim.Name() || info.Version == "" || len(info.Credentials) == 0 {
		t.Errorf("Info %+v: want name %q, a version and the credentials it needs", info, sim.Name())
	}

	sa := sim.Account()
	acct := plugins.Account{Name: "conformance", Endpoint: srv.URL, Currency: or(sa.Currency, "CNY"),
		Location: location(sa.Timezone), Credentials: sa.Credentials}
	empty := acct
	empty.Credentials = map[string]string{}
	if err := remote.Configure(ctx, empty); err == nil {
		t.Error("Configure accepted an account without credentials")
	} else {
		noSecret(t, "Configure error", err.Error(), sa.Credentials)
	}
	if err := remote.Configure(ctx, acct); err != nil {
		t.Fatalf("Configure with the simulator's account: %v", err)
	}

	var paid *simkit.Case
	for _, c := range sim.Plant(rand.New(rand.NewPCG(7, 7)), 12) {
		if c.Want == recon.VerdictMatched && c.Kind != recon.Refund && c.Status == recon.StatePaid {
			c := c
			paid = &c
			break
		}
	}
	if paid == nil {
		t.Fatal("Plant planted no MATCHED PAID payment to query")
	}
	query := func(q recon.Query) recon.Reply {
		t.Helper()
		var res recon.Reply
		// A planted order may be scripted to fail once first; the host retries, so do we.
		for attempt := 1; attempt <= 3; attempt++ {
			q.Attempt = attempt
			if res, err = remote.Query(ctx, q, 10*time.Second); err != nil {
				t.Fatalf("Query %+v: %v", q, err)
			}
			noSecret(t, "result", res.Err+" "+res.Request+" "+string(res.Raw)+" "+strings.Join(values(res.Answer.Fields), " "), sa.Credentials)
			if res.Outcome != recon.OutcomeTransient {
				break
			}
		}
		return res
	}

	res := query(recon.Query{Kind: recon.Payment, OrderNo: paid.OrderNo, ProviderTradeNo: paid.ProviderTradeNo})
	if res.Outcome != recon.OutcomeFound || len(res.Raw) == 0 || res.Request == "" || res.Answer.Status == "" ||
		res.Answer.Amount == nil || res.Answer.Currency != acct.Currency {
		t.Errorf("planted paid order %s: %v %q, answer %+v; want FOUND with raw body, request, status, amount in %s",
			paid.OrderNo, res.Outcome, res.Err, res.Answer, acct.Currency)
	}

	res = query(recon.Query{Kind: recon.Payment, OrderNo: "RECON-CONFORMANCE-UNKNOWN"})
	if res.Outcome != recon.OutcomeNotFound {
		t.Errorf("unknown order: %v %q; want NOT_FOUND", res.Outcome, res.Err)
	}

	res = query(recon.Query{Kind: recon.Refund, OrderNo: paid.OrderNo, RefundNo: "RECON-CONFORMANCE-R"})
	want := recon.OutcomeUnsupported
	if info.RefundQuery {
		want = recon.OutcomeNotFound
	}
	if res.Outcome != want {
		t.Errorf("refund query (RefundQuery %v): %v %q; want %v", info.RefundQuery, res.Outcome, res.Err, want)
	}
}

func noSecret(t *testing.T, where, s string, creds map[string]string) {
	t.Helper()
	for k, v := range creds {
		if !secretName(k) {
			continue // an identifier (terminal_sn, merchant_no): answers may echo it
		}
		for _, part := range secretParts(v) {
			if strings.Contains(s, part) {
				t.Errorf("%s contains the credential %s", where, k)
			}
		}
	}
}

// secretName tells secret credentials (keys, secrets) from identifiers.
func secretName(k string) bool {
	for _, s := range []string{"key", "secret", "password", "token"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// secretParts is what of a secret credential must never show: the whole
// value, or for a PEM private key the lines of its body (a public key is
// no secret).
func secretParts(v string) []string {
	if strings.Contains(v, "-----BEGIN") {
		if !strings.Contains(v, "PRIVATE KEY") {
			return nil
		}
		var out []string
		for _, l := range strings.Split(v, "\n") {
			if len(l) >= 40 && !strings.HasPrefix(l, "-----") {
				out = append(out, l)
			}
		}
		return out
	}
	if len(v) < 6 {
		return nil // too short to grep for without false alarms
	}
	return []string{v}
}

func values(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func location(tz string) *time.Location {
	if l, err := time.LoadLocation(tz); err == nil && tz != "" {
		return l
	}
	return time.UTC
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
