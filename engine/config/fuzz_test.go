package config

import (
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzConfig parses any text as a config. Whatever it is: no panic; an
// error, made only of *Error values naming the file, or a config whose every
// setting is valid — never both, never neither. The environment holds a
// recognisable secret; an error never quotes the parts of it long enough to
// recognise.
func FuzzConfig(f *testing.F) {
	for _, file := range []string{"testdata/full.yaml"} {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("accounts:\n  a:\n    plugin: upay\n    endpoint: http://upay.test\n    credentials:\n      terminal_key: ${SECRET}\n")
	f.Add("accounts:\n  a: &a\n    plugin: upay\n    endpoint: http://upay.test\n  b:\n    <<: *a\n    retries: ${N}\n")
	f.Add("accounts: {a: {plugin: x, endpoint: 'https://h', credentials: {k_file: keys/upay.key, k2: ${SECRET}}, timeout: ${SECRET}}}\n")
	f.Add("rules: [${SECRET}]\nplugins: {p: ${SECRET}}\naccounts:\n  a:\n    plugin: upay\n    endpoint: ${SECRET}\n")

	const secret = "fuzz-S3CRET-value-7c1e"
	getenv := env("SECRET", secret, "N", "3", "EMPTY", "")
	path := filepath.Join("testdata", "fuzz.yaml")
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := Parse(path, []byte(text), getenv)
		if (cfg == nil) == (err == nil) {
			t.Fatalf("config %v with error %v", cfg != nil, err)
		}
		if err != nil {
			for _, e := range configErrors(t, err) {
				if e.File != path || e.Msg == "" || e.Line < 0 {
					t.Fatalf("error %+v", e)
				}
			}
			// The text may quote the secret itself, or put it where it is
			// not a credential; else no piece of it may come back.
			if !secretMayShow(text) {
				for _, piece := range []string{"fuzz-S3", "S3CRET", "7c1e"} {
					if strings.Contains(err.Error(), piece) {
						t.Fatalf("error quotes the secret from the environment: %v", err)
					}
				}
			}
			return
		}
		switch cfg.FailOn {
		case "info", "warn", "critical":
		default:
			t.Fatalf("fail_on %q", cfg.FailOn)
		}
		if cfg.Store == "" || len(cfg.Accounts) == 0 {
			t.Fatalf("store %q, %d accounts", cfg.Store, len(cfg.Accounts))
		}
		for name, a := range cfg.Accounts {
			u, err := url.Parse(a.Endpoint)
			switch {
			case name == "" || a.Name != name || a.Plugin == "":
				t.Fatalf("account %q: name %q plugin %q", name, a.Name, a.Plugin)
			case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
				t.Fatalf("account %q: endpoint %q", name, a.Endpoint)
			case a.Location == nil || a.Digits < 0:
				t.Fatalf("account %q: location %v digits %d", name, a.Location, a.Digits)
			case !(a.RateLimit > 0) || math.IsInf(a.RateLimit, 0):
				t.Fatalf("account %q: rate_limit %v", name, a.RateLimit)
			case a.Concurrency < 1 || a.Concurrency > 1024 || a.Retries < 0 || a.Retries > 20:
				t.Fatalf("account %q: concurrency %d retries %d", name, a.Concurrency, a.Retries)
			case a.Timeout <= 0 || a.Backoff <= 0:
				t.Fatalf("account %q: timeout %v backoff %v", name, a.Timeout, a.Backoff)
			}
			for k, v := range a.Credentials {
				if strings.HasSuffix(k, "_file") || strings.TrimSpace(v) == "" {
					t.Fatalf("account %q: credential %q = %q", name, k, v)
				}
			}
		}
	})
}

// secretMayShow reports whether an error may rightly quote the secret:
// the text holds a piece of it, or ${SECRET} stands somewhere outside a
// credentials mapping (an endpoint is no secret, whatever its variable).
func secretMayShow(text string) bool {
	for _, piece := range []string{"fuzz-S3", "S3CRET", "7c1e"} {
		if strings.Contains(text, piece) {
			return true
		}
	}
	var root yaml.Node
	if yaml.Unmarshal([]byte(text), &root) != nil {
		return false // a syntax error comes before any variable is read
	}
	outside := false
	var walk func(n *yaml.Node, inCreds bool)
	walk = func(n *yaml.Node, inCreds bool) {
		switch n.Kind {
		case yaml.ScalarNode:
			if !inCreds && strings.Contains(n.Value, "${SECRET}") {
				outside = true
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i], inCreds) // a key is never expanded, but be generous
				walk(n.Content[i+1], inCreds || n.Content[i].Value == "credentials")
			}
		default:
			for _, c := range n.Content {
				walk(c, inCreds)
			}
		}
	}
	walk(&root, false)
	return outside
}
