package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// env is a fixed environment for tests: never the process's.
func env(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// configErrors returns the *Error values err is made of, failing the test
// for anything else: Parse's errors all name file, key and line the same way.
func configErrors(t testing.TB, err error) []*Error {
	t.Helper()
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		t.Fatalf("error %T (%v) is not a *config.Error", err, err)
	}
	walk(err)
	return out
}

func TestLoadFull(t *testing.T) {
	path := filepath.Join("testdata", "full.yaml")
	cfg, err := Load(path, env("UPAY_HOST", "upay.example.test", "UPAY_CONCURRENCY", "4",
		"PAYPRO_SECRET", "paypro-secret-41ab", "EMPTY_PREFIX", ""))
	if err != nil {
		t.Fatal(err)
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	want := &Config{
		Path:      path,
		Store:     filepath.Join("testdata", "data", "recon.db"),
		Timezone:  "Europe/Berlin",
		FailOn:    "critical",
		Rules:     []string{filepath.Join("testdata", "rules", "merchant.lua"), "/etc/recon/global.lua"},
		PluginDir: filepath.Join("testdata", "plugins"),
		Plugins:   map[string]string{"acme": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		Accounts: map[string]*Account{
			"shop-upay": {
				Name: "shop-upay", Plugin: "upay",
				Endpoint: "https://upay.example.test/gateway", // ${UPAY_HOST} inside a value; the trailing slash dropped
				Currency: "CNY", Digits: 2, Timezone: "Asia/Tokyo", Location: tokyo,
				RateLimit: 12.5, Concurrency: 4, // a number from the environment
				Timeout: 3 * time.Second, Retries: 0, Backoff: 250 * time.Millisecond,
				Credentials:     map[string]string{"terminal_sn": "100111220054361978", "terminal_key": "file-terminal-key-7d1c"},
				CredentialFiles: map[string]string{"terminal_key_file": filepath.Join("testdata", "keys", "upay.key")},
				Options:         map[string]string{"region": "cn"},
			},
			"shop-paypro": {
				Name: "shop-paypro", Plugin: "paypro", Endpoint: "http://127.0.0.1:8790/paypro",
				Currency: "IDR", Digits: 2, Timezone: "Europe/Berlin", Location: berlin,
				RateLimit: DefaultRateLimit, Concurrency: DefaultConcurrency, Timeout: DefaultTimeout,
				Retries: DefaultRetries, Backoff: DefaultBackoff,
				Credentials: map[string]string{"merchant_no": "M-1", "secret": "paypro-secret-41ab"},
			},
			"shop-edgeros": {
				Name: "shop-edgeros", Plugin: "edgeros", Endpoint: "https://edgeros.test",
				Currency: DefaultCurrency, Digits: 2, Timezone: "Europe/Berlin", Location: berlin,
				RateLimit: DefaultRateLimit, Concurrency: DefaultConcurrency, Timeout: DefaultTimeout,
				Retries: DefaultRetries, Backoff: DefaultBackoff,
				Credentials: map[string]string{
					"mch_no": "00123", // quoted: the leading zeros stay
					"app_no": "APP-1", // a variable set but empty expands to nothing
					// A PEM file: only the one trailing newline goes.
					"merchant_private_key": "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEAq3Yc\n-----END PRIVATE KEY-----",
					"crlf":                 "crlf-secret-2b9a",
					"two":                  "two-newlines-9e3f\n",
				},
				CredentialFiles: map[string]string{ // relative to the config's folder
					"merchant_private_key_file": filepath.Join("testdata", "keys", "merchant.pem"),
					"crlf_file":                 filepath.Join("testdata", "keys", "crlf.key"),
					"two_file":                  filepath.Join("testdata", "keys", "two.key"),
				},
			},
		},
	}
	// Where each key was written, for problems found after Load (a
	// credential the plugin does not take): X_file stands for X, and a key
	// not written has its enclosing key's line.
	for key, line := range map[string]int{
		"accounts.shop-upay.credentials.terminal_key": 24, "accounts.shop-upay.credentials.terminal_sn": 23,
		"accounts.shop-upay.plugin": 13, "accounts.shop-paypro.credentials.nosuch": 31, "plugins.acme": 10, "nosuch": 0,
	} {
		if got := cfg.Line(key); got != line {
			t.Errorf("Line(%s) = %d, want %d", key, got, line)
		}
	}
	if e := cfg.Problem("accounts.shop-upay.plugin", "unknown %q", "upya"); e.Error() != `config testdata/full.yaml:13: accounts.shop-upay.plugin: unknown "upya"` {
		t.Errorf("Problem: %q", e)
	}
	cfg.lines = nil
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("config:\n got %s\nwant %s", dump(cfg), dump(want))
	}
	if got := cfg.AccountNames(); !reflect.DeepEqual(got, []string{"shop-edgeros", "shop-paypro", "shop-upay"}) {
		t.Errorf("AccountNames %v", got)
	}
}

func dump(c *Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%+v", *c)
	for _, n := range c.AccountNames() {
		fmt.Fprintf(&b, "\n  %+v", *c.Accounts[n])
	}
	return b.String()
}

// A config of nothing but an account gets every default.
func TestDefaults(t *testing.T) {
	cfg, err := Parse("/etc/recon/c.yaml", []byte("accounts:\n  a:\n    plugin: upay\n    endpoint: http://upay.test\n"), env())
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Accounts["a"]
	if cfg.Store != "/etc/recon/recon.db" || cfg.Timezone != DefaultTimezone || cfg.FailOn != DefaultFailOn ||
		cfg.PluginDir != "" || len(cfg.Rules) != 0 || len(cfg.Plugins) != 0 {
		t.Errorf("top level: %+v", cfg)
	}
	if a.Currency != DefaultCurrency || a.Digits != 2 || a.Timezone != DefaultTimezone || a.Location.String() != DefaultTimezone ||
		a.RateLimit != DefaultRateLimit || a.Concurrency != DefaultConcurrency || a.Timeout != DefaultTimeout ||
		a.Retries != DefaultRetries || a.Backoff != DefaultBackoff || len(a.Credentials) != 0 {
		t.Errorf("account: %+v", a)
	}
}

// One bad thing per case; each error must name the file and line, the key
// and what is wrong.
func TestErrors(t *testing.T) {
	const acct = "accounts:\n  a:\n    plugin: upay\n    endpoint: http://upay.test\n" // lines 1-4
	tests := []struct {
		name string
		yaml string
		env  []string
		want []string // one per error, each "line|key|words of the message"
	}{
		{"empty file", "", nil, []string{"0||the file is empty"}},
		{"only comments", "# nothing\n", nil, []string{"0||the file is empty"}},
		{"not a mapping", "- a\n- b\n", nil, []string{"1||want a mapping of settings"}},
		{"two documents", acct + "---\nstore: x\n", nil, []string{"5||more than one YAML document"}},
		{"syntax", "accounts:\n  a: [\n", nil, []string{"2||did not find expected node content"}},
		{"tab indentation", "accounts:\n\ta: {}\n", nil, []string{"2||found character that cannot start any token"}},
		{"no accounts", "store: x.db\n", nil, []string{"0|accounts|no accounts are configured"}},
		{"account empty", "accounts:\n  a:\n", nil, []string{"2|accounts.a|the account is empty"}},
		{"unknown top key", "stor: x.db\n" + acct, nil, []string{"1|stor|unknown key (known here: accounts, fail_on, notify, plugin_dir, plugins, pushgateway, rules, store, timezone)"}},
		{"unknown account key", acct + "    retrys: 3\n", nil, []string{"5|accounts.a.retrys|unknown key (known here: backoff, concurrency"}},
		{"unknown keys everywhere", "x: 1\n" + "accounts:\n  a:\n    plugin: upay\n    endpoint: http://upay.test\n    y: 2\n  b:\n    z: 3\n", nil,
			[]string{"1|x|unknown key", "6|accounts.a.y|unknown key", "8|accounts.b.z|unknown key"}},
		{"wrong type", acct + "    retries: lots\n", nil, []string{"5|accounts.a.retries|want a whole number, not text (lots)"}},
		// The first key of a mapping is named, not the mapping (its value
		// starts on that key's line).
		{"wrong type, first key", "accounts:\n  a:\n    retries: lots\n    plugin: upay\n", nil,
			[]string{"3|accounts.a.retries|want a whole number, not text (lots)"}},
		{"wrong type, first credential", acct + "    credentials:\n      terminal_key: [k]\n", nil,
			[]string{"6|accounts.a.credentials.terminal_key|want text, not a list"}},
		{"wrong type, first notify key", "notify:\n  url: [u]\n" + acct, nil,
			[]string{"2|notify.url|want text, not a list"}},
		{"wrong types", acct + "    concurrency: [1]\n    rate_limit: fast\n", nil, []string{
			"5|accounts.a.concurrency|want a whole number, not a list",
			"6|accounts.a.rate_limit|want a number, not text (fast)"}},
		{"rules not a list", "rules: merchant.lua\n" + acct, nil, []string{"1|rules|want a list of file names, not text (merchant.lua)"}},
		{"accounts a list", "accounts:\n  - a\n", nil, []string{"2|accounts|want a mapping of account names to accounts, not a list"}},
		{"missing variable", acct + "    currency: ${CUR}\n    credentials:\n      terminal_key: ${NOPE}\n", []string{"CUR", "USD"},
			[]string{"7|accounts.a.credentials.terminal_key|environment variable NOPE is not set"}},
		{"missing variables", acct + "    timeout: ${T1}${T2}\n", nil, []string{
			"5|accounts.a.timeout|environment variable T1 is not set", "5|accounts.a.timeout|environment variable T2 is not set"}},
		{"missing variable in a list", "rules: [a.lua, \"${RULES}\"]\n" + acct, nil, []string{"1|rules[1]|environment variable RULES is not set"}},
		{"missing plugin", "accounts:\n  a:\n    endpoint: http://x.test\n", nil, []string{"2|accounts.a.plugin|missing: name the provider plugin"}},
		{"missing endpoint", "accounts:\n  a:\n    plugin: upay\n", nil, []string{"2|accounts.a.endpoint|missing: the provider's base URL"}},
		{"endpoint not http", "accounts:\n  a:\n    plugin: upay\n    endpoint: ftp://x.test\n", nil, []string{`4|accounts.a.endpoint|"ftp://x.test" is not an http(s) URL`}},
		{"endpoint without host", "accounts:\n  a:\n    plugin: upay\n    endpoint: https://\n", nil, []string{`4|accounts.a.endpoint|"https:" is not an http(s) URL`}},
		{"endpoint no scheme", "accounts:\n  a:\n    plugin: upay\n    endpoint: upay.test\n", nil, []string{`4|accounts.a.endpoint|"upay.test" is not an http(s) URL`}},
		{"currency", acct + "    currency: RMB\n", nil, []string{`5|accounts.a.currency|"RMB" is not an ISO 4217 currency`}},
		{"account timezone", acct + "    timezone: China/Beijing\n", nil, []string{`5|accounts.a.timezone|unknown time zone "China/Beijing"`}},
		{"timezone", "timezone: Mars/Olympus\n" + acct, nil, []string{`1|timezone|unknown time zone "Mars/Olympus"`}},
		{"fail_on", "fail_on: error\n" + acct, nil, []string{`1|fail_on|"error" is not info, warn or critical`}},
		{"timeout no unit", acct + "    timeout: 10\n", nil, []string{`5|accounts.a.timeout|"10" is not a positive duration such as 10s`}},
		{"backoff negative", acct + "    backoff: -1s\n", nil, []string{`5|accounts.a.backoff|"-1s" is not a positive duration`}},
		{"timeout zero", acct + "    timeout: 0s\n", nil, []string{`5|accounts.a.timeout|"0s" is not a positive duration`}},
		{"rate_limit zero", acct + "    rate_limit: 0\n", nil, []string{"5|accounts.a.rate_limit|must be a number of queries per second more than 0"}},
		{"rate_limit NaN", acct + "    rate_limit: .nan\n", nil, []string{"5|accounts.a.rate_limit|more than 0"}},
		{"rate_limit infinite", acct + "    rate_limit: .inf\n", nil, []string{"5|accounts.a.rate_limit|more than 0"}},
		{"concurrency", acct + "    concurrency: 0\n", nil, []string{"5|accounts.a.concurrency|must be 1 to 1024"}},
		{"retries", acct + "    retries: 21\n", nil, []string{"5|accounts.a.retries|must be 0 to 20"}},
		{"rules entry empty", "rules: [a.lua, \"\"]\n" + acct, nil, []string{"1|rules|entry 2 is empty"}},
		{"plugin pin short", "plugins:\n  acme: abc\n" + acct, nil, []string{"2|plugins.acme|want the plugin binary's sha256 as 64 hex digits"}},
		{"plugin pin not hex", "plugins:\n  acme: " + strings.Repeat("g", 64) + "\n" + acct, nil, []string{"2|plugins.acme|64 hex digits"}},
		{"credential twice", acct + "    credentials:\n      terminal_key: x-key\n      terminal_key_file: k\n", nil,
			[]string{"6|accounts.a.credentials.terminal_key|given both as terminal_key and as terminal_key_file"}},
		{"credential file missing", acct + "    credentials:\n      terminal_key_file: keys/nope.key\n", nil,
			[]string{"6|accounts.a.credentials.terminal_key_file|cannot read " + filepath.Join("testdata", "keys", "nope.key") + ": no such file or directory"}},
		{"credential file a folder", acct + "    credentials:\n      terminal_key_file: keys\n", nil,
			[]string{"6|accounts.a.credentials.terminal_key_file|cannot read " + filepath.Join("testdata", "keys") + ": is a directory"}},
		{"credential file empty", acct + "    credentials:\n      terminal_key_file: keys/empty.key\n", nil,
			[]string{"6|accounts.a.credentials.terminal_key_file|" + filepath.Join("testdata", "keys", "empty.key") + " is empty"}},
		{"credential file path empty", acct + "    credentials:\n      terminal_key_file: \"\"\n", nil,
			[]string{"6|accounts.a.credentials.terminal_key_file|is empty: name the file that holds terminal_key"}},
		{"credential from an empty variable", acct + "    credentials:\n      terminal_key: ${KEY}\n", []string{"KEY", ""},
			[]string{"6|accounts.a.credentials.terminal_key|is empty"}},
		{"credentials a list", acct + "    credentials: [a, b]\n", nil, []string{"5|accounts.a.credentials|want a mapping of names to text, not a list"}},
		{"account name empty", "accounts:\n  \"\":\n    plugin: upay\n    endpoint: http://x.test\n", nil, []string{"2|accounts.|an account needs a name"}},
		{"several accounts, sorted", "accounts:\n  b:\n    plugin: upay\n  a:\n    plugin: upay\n", nil, []string{
			"4|accounts.a.endpoint|missing", "2|accounts.b.endpoint|missing"}},
		// pushgateway: and notify: (notify.go)
		{"pushgateway not a URL", acct + "pushgateway: pgw:9091\n", nil, []string{"5|pushgateway|not an http(s) URL"}},
		{"notify without url", acct + "notify:\n  on: always\n", nil, []string{"5|notify.url|missing"}},
		{"notify on a typo", acct + "notify:\n  url: http://h.test/x\n  on: findngs\n", nil,
			[]string{"7|notify.on|\"findngs\" is not findings, failure or always"}},
		{"notify unknown key", acct + "notify:\n  url: http://h.test/x\n  when: always\n", nil,
			[]string{"7|notify.when|unknown key (known here: headers, on, timeout, url)"}},
		{"notify timeout", acct + "notify:\n  url: http://h.test/x\n  timeout: soon\n", nil,
			[]string{"7|notify.timeout|not a positive duration"}},
		{"notify header variable missing", acct + "notify:\n  url: http://h.test/x\n  headers:\n    X-Token: ${NOPE}\n", nil,
			[]string{"8|notify.headers.X-Token|NOPE is not set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", "c.yaml")
			cfg, err := Parse(path, []byte(tt.yaml), env(tt.env...))
			if err == nil {
				t.Fatalf("parsed: %s", dump(cfg))
			}
			if cfg != nil {
				t.Errorf("a config came back with the error")
			}
			errs := configErrors(t, err)
			if len(errs) != len(tt.want) {
				t.Fatalf("%d errors; want %d:\n%v", len(errs), len(tt.want), err)
			}
			for i, w := range tt.want {
				parts := strings.SplitN(w, "|", 3)
				e := errs[i]
				if line := parts[0]; line != itoa(e.Line) || e.Key != parts[1] || !strings.Contains(e.Msg, parts[2]) || e.File != path {
					t.Errorf("error %d: %s (line %d, key %q); want line %s key %q saying %q", i, e, e.Line, e.Key, parts[0], parts[1], parts[2])
				}
				if e.Line > 0 && !strings.Contains(e.Error(), path+":"+itoa(e.Line)+":") {
					t.Errorf("%q does not read file:line", e)
				}
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// The recognisable secret of TestSecretsNeverInErrors, and the leading
// piece of it that the YAML decoder would quote of a long value.
const secret = "S3CRET-4f9d-terminal-key"

// No error message quotes a credential, however the config is broken:
// secrets written in the file, from the environment, or from files.
func TestSecretsNeverInErrors(t *testing.T) {
	const acct = "accounts:\n  a:\n    plugin: upay\n    endpoint: http://upay.test\n"
	tests := []struct {
		name string
		yaml string
		env  []string
	}{
		{"credentials a scalar", acct + "    credentials: " + secret + "\n", nil},
		{"credentials from a variable, a scalar", acct + "    credentials: ${K}\n", []string{"K", secret}},
		{"credential a mapping", acct + "    credentials:\n      terminal_key: {v: " + secret + "}\n", nil},
		{"credential a list", acct + "    credentials:\n      terminal_key: [" + secret + "]\n", nil},
		{"credential tagged", acct + "    credentials:\n      terminal_key: !!int " + secret + "\n", nil},
		{"credential binary", acct + "    credentials:\n      terminal_key: !!binary " + secret + "\n", nil},
		{"unterminated quote", acct + "    credentials:\n      terminal_key: \"" + secret + "\n", nil},
		{"flow mapping broken", acct + "    credentials: {terminal_key: " + secret + ", \n", nil},
		{"bad duration next to a secret", acct + "    timeout: 10 seconds\n    credentials:\n      terminal_key: " + secret + "\n", nil},
		{"bad number next to a secret", acct + "    retries: many\n    credentials: {terminal_key: " + secret + "}\n", nil},
		{"the secret's variable in a number", acct + "    retries: ${K}\n    credentials:\n      terminal_key: ${K}\n", []string{"K", secret}},
		{"the secret's variable in the endpoint", "accounts:\n  a:\n    plugin: upay\n    endpoint: ${K}\n    credentials:\n      terminal_key: ${K}\n",
			[]string{"K", secret}},
		{"the secret's variable in the currency", acct + "    currency: ${K}\n    credentials:\n      terminal_key: ${K}\n", []string{"K", secret}},
		{"a secret file used as the currency", acct + "    currency: \"" + "file-terminal-key-7d1c" + "\"\n    credentials:\n      terminal_key_file: keys/upay.key\n", nil},
		{"unreadable file next to a secret", acct + "    credentials:\n      terminal_sn: " + secret + "\n      terminal_key_file: keys\n", nil},
		{"missing variable next to a secret", acct + "    credentials:\n      terminal_sn: " + secret + "\n      terminal_key: ${NOPE}\n", nil},
		{"both forms", acct + "    credentials:\n      terminal_key: " + secret + "\n      terminal_key_file: keys/upay.key\n", nil},
		{"unknown key next to a secret", acct + "    terminal_key: " + secret + "\n", nil},
		{"a secret aliased into credentials", acct + "    options: {k: &s " + secret + "}\n    currency: *s\n    credentials: {terminal_key: *s}\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(filepath.Join("testdata", "c.yaml"), []byte(tt.yaml), env(tt.env...))
			if err == nil {
				t.Fatal("parsed")
			}
			msg := err.Error()
			for _, s := range []string{secret, secret[:7], "file-terminal-key-7d1c", "file-te"} {
				if strings.Contains(msg, s) {
					t.Fatalf("the error quotes the secret (%q):\n%s", s, msg)
				}
			}
			configErrors(t, err)
		})
	}
}

// Every credential is resolved, from the file, an X_file (CRLF or not) or
// the environment.
func TestCredentialsResolved(t *testing.T) {
	cfg, err := Load(filepath.Join("testdata", "full.yaml"), env("UPAY_HOST", "h.test", "UPAY_CONCURRENCY", "1",
		"PAYPRO_SECRET", "paypro-secret-41ab", "EMPTY_PREFIX", ""))
	if err != nil {
		t.Fatal(err)
	}
	var creds []string
	for _, a := range cfg.Accounts {
		for _, v := range a.Credentials {
			creds = append(creds, v)
		}
	}
	got := strings.Join(creds, "\n")
	for _, s := range []string{"file-terminal-key-7d1c", "paypro-secret-41ab", "crlf-secret-2b9a", "BEGIN PRIVATE KEY"} {
		if !strings.Contains(got, s) {
			t.Errorf("no credential holds %q", s)
		}
	}
}

// Load names the file it cannot read.
func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join("testdata", "nope.yaml"), nil)
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err %v", err)
	}
}

// The fields of an error are what programs act on (replay tolerates a
// missing variable by its name, not by its wording), and the text is what
// operators and their scripts already read: both are pinned here.
func TestErrorFields(t *testing.T) {
	path := filepath.Join("testdata", "c.yaml")
	tests := []struct {
		name string
		yaml string
		want []Error // Msg exact; Err checked by errIs
		text string  // err.Error(), exactly
		// errIs is each error's cause: nil, or an error errors.Is finds
		// (fs.ErrNotExist), or an *EnvError of that name.
		errIs []any
	}{
		{
			name:  "one problem is an *Error, not a list",
			yaml:  "accounts:\n  shop-upay:\n    plugin: upay\n    endpoint: http://upay.test\n    credentials:\n      terminal_key: ${UPAY_TERMINAL_KEY}\n",
			want:  []Error{{File: path, Line: 6, Key: "accounts.shop-upay.credentials.terminal_key", Msg: "environment variable UPAY_TERMINAL_KEY is not set"}},
			text:  "config " + path + ":6: accounts.shop-upay.credentials.terminal_key: environment variable UPAY_TERMINAL_KEY is not set",
			errIs: []any{&EnvError{Name: "UPAY_TERMINAL_KEY"}},
		},
		{
			name: "every missing variable at once, one line each",
			yaml: "accounts:\n  a:\n    plugin: upay\n    endpoint: http://upay.test\n    credentials:\n      terminal_sn: ${SN}\n      terminal_key: ${KEY}\n",
			want: []Error{
				{File: path, Line: 6, Key: "accounts.a.credentials.terminal_sn", Msg: "environment variable SN is not set"},
				{File: path, Line: 7, Key: "accounts.a.credentials.terminal_key", Msg: "environment variable KEY is not set"},
			},
			text: "config " + path + ":6: accounts.a.credentials.terminal_sn: environment variable SN is not set\n" +
				"config " + path + ":7: accounts.a.credentials.terminal_key: environment variable KEY is not set",
			errIs: []any{&EnvError{Name: "SN"}, &EnvError{Name: "KEY"}},
		},
		{
			name: "problems of values, with an os error as cause",
			yaml: "fail_on: error\naccounts:\n  a:\n    plugin: upay\n    endpoint: http://upay.test\n    credentials:\n      terminal_key_file: keys/nope.key\n",
			want: []Error{
				{File: path, Line: 1, Key: "fail_on", Msg: `"error" is not info, warn or critical`},
				{File: path, Line: 7, Key: "accounts.a.credentials.terminal_key_file", Msg: "cannot read " + filepath.Join("testdata", "keys", "nope.key") + ": no such file or directory"},
			},
			text: "config " + path + `:1: fail_on: "error" is not info, warn or critical` + "\n" +
				"config " + path + ":7: accounts.a.credentials.terminal_key_file: cannot read " + filepath.Join("testdata", "keys", "nope.key") + ": no such file or directory",
			errIs: []any{nil, fs.ErrNotExist},
		},
		{
			name:  "no line, no key",
			yaml:  "",
			want:  []Error{{File: path, Msg: "the file is empty"}},
			text:  "config " + path + ": the file is empty",
			errIs: []any{nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(path, []byte(tt.yaml), env())
			if err == nil {
				t.Fatal("parsed")
			}
			if err.Error() != tt.text {
				t.Errorf("text\n got %q\nwant %q", err.Error(), tt.text)
			}
			var list Errors
			if isList := errors.As(err, &list); isList != (len(tt.want) > 1) {
				t.Errorf("error %T: a list %v; want a list only for several problems", err, isList)
			}
			var first *Error
			if !errors.As(err, &first) || first.Key != tt.want[0].Key {
				t.Errorf("errors.As finds %+v; want the first problem", first)
			}
			errs := configErrors(t, err)
			if len(errs) != len(tt.want) {
				t.Fatalf("%d errors; want %d: %v", len(errs), len(tt.want), err)
			}
			for i, e := range errs {
				got := *e
				got.Err = nil
				if got != tt.want[i] {
					t.Errorf("error %d: %+v; want %+v", i, got, tt.want[i])
				}
				switch want := tt.errIs[i].(type) {
				case nil:
					if e.Err != nil {
						t.Errorf("error %d: cause %v; want none", i, e.Err)
					}
				case *EnvError:
					var ee *EnvError
					if !errors.As(e, &ee) || *ee != *want {
						t.Errorf("error %d: cause %#v; want %#v", i, e.Err, want)
					}
				case error:
					if !errors.Is(e, want) {
						t.Errorf("error %d: cause %v; want %v", i, e.Err, want)
					}
				}
			}
		})
	}
}

// TestLoadWithPlaceholder: for a command that starts no plugin, an X_file
// that cannot be read holds the placeholder; one that reads is read, and
// Load still refuses the first.
func TestLoadWithPlaceholder(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sn.txt"), []byte("100111220054361978\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "c.yaml")
	yaml := "accounts:\n  a:\n    plugin: upay\n    endpoint: http://upay.test\n    credentials:\n" +
		"      terminal_sn_file: sn.txt\n      terminal_key_file: moved/k.pem\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadWithPlaceholder(path, nil, "(none)")
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.Accounts["a"].Credentials; c["terminal_key"] != "(none)" || c["terminal_sn"] != "100111220054361978" {
		t.Errorf("credentials %v", c)
	}
	if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Errorf("Load: %v, want the file that cannot be read", err)
	}
}
