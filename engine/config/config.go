// Package config loads recon's YAML config file: accounts, rules, store.
//
// `${NAME}` in any value is replaced from the environment, a credential X
// may be given as X_file (the file's contents, one trailing newline
// trimmed), and relative paths are relative to the config file's folder.
// Every error names the key (and line) at fault and never a secret's value.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon/plugins/money"
)

// Defaults for an account.
const (
	DefaultCurrency    = "CNY"
	DefaultTimezone    = "Asia/Shanghai"
	DefaultConcurrency = 8
	DefaultRateLimit   = 50
	DefaultTimeout     = 10 * time.Second
	DefaultRetries     = 3
	DefaultBackoff     = 500 * time.Millisecond
	DefaultFailOn      = "warn"
)

// Config is a loaded, validated config file.
type Config struct {
	Path      string // the file it was read from
	Store     string
	Timezone  string
	FailOn    string
	Rules     []string
	PluginDir string
	// Plugins pins plugin binaries from PluginDir by sha256 (name -> hex).
	Plugins  map[string]string
	Accounts map[string]*Account
}

// Account is one merchant account at one provider.
type Account struct {
	Name        string
	Plugin      string
	Endpoint    string
	Currency    string
	Digits      int // the currency's minor digits
	Timezone    string
	Location    *time.Location
	RateLimit   float64 // queries per second
	Concurrency int
	Timeout     time.Duration // per attempt
	Retries     int
	Backoff     time.Duration // first retry's delay; doubles, with jitter
	Credentials map[string]string
	Options     map[string]string
}

// AccountNames returns the account names sorted.
func (c *Config) AccountNames() []string {
	out := make([]string, 0, len(c.Accounts))
	for n := range c.Accounts {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Secrets returns every credential value, so that callers can make sure
// none is written anywhere.
func (c *Config) Secrets() []string {
	var out []string
	for _, a := range c.Accounts {
		for _, v := range a.Credentials {
			if len(v) >= 4 {
				out = append(out, v)
			}
		}
	}
	return out
}

type fileAccount struct {
	Plugin      string            `yaml:"plugin"`
	Endpoint    string            `yaml:"endpoint"`
	Currency    string            `yaml:"currency"`
	Timezone    string            `yaml:"timezone"`
	RateLimit   *float64          `yaml:"rate_limit"`
	Concurrency *int              `yaml:"concurrency"`
	Timeout     string            `yaml:"timeout"`
	Retries     *int              `yaml:"retries"`
	Backoff     string            `yaml:"backoff"`
	Credentials map[string]string `yaml:"credentials"`
	Options     map[string]string `yaml:"options"`
}

type fileConfig struct {
	Store     string                  `yaml:"store"`
	Timezone  string                  `yaml:"timezone"`
	FailOn    string                  `yaml:"fail_on"`
	Rules     []string                `yaml:"rules"`
	PluginDir string                  `yaml:"plugin_dir"`
	Plugins   map[string]string       `yaml:"plugins"`
	Accounts  map[string]*fileAccount `yaml:"accounts"`
}

// Error is a config problem, naming the file, the key and, when known, the line.
type Error struct {
	File string
	Key  string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Key == "" {
		return fmt.Sprintf("config %s: %s", loc, e.Msg)
	}
	return fmt.Sprintf("config %s: %s: %s", loc, e.Key, e.Msg)
}

// Load reads and validates a config file. getenv resolves `${NAME}`
// (os.Getenv when nil).
func Load(path string, getenv func(string) (string, bool)) (*Config, error) {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data, getenv)
}

// Parse is Load on bytes already read; path names the file in errors and
// anchors relative paths.
func Parse(path string, data []byte, getenv func(string) (string, bool)) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &Error{File: path, Msg: yamlMsg(err)}
	}
	if len(root.Content) == 0 {
		return nil, &Error{File: path, Msg: "the file is empty"}
	}
	// Strict decode first, on the text as written: unknown keys and wrong
	// types are reported with their line.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var fc fileConfig
	if err := dec.Decode(&fc); err != nil {
		return nil, yamlError(path, err)
	}
	// Then expand ${NAME} in the values (never in keys or structure) and
	// decode again.
	if err := expandEnv(path, root.Content[0], "", getenv); err != nil {
		return nil, err
	}
	fc = fileConfig{}
	if err := root.Content[0].Decode(&fc); err != nil {
		return nil, &Error{File: path, Msg: yamlMsg(err)}
	}
	return build(path, &fc, lines(root.Content[0]))
}

func yamlMsg(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// yamlError turns the decoder's "line N: ..." messages into Errors that
// read file:line like every other config error.
func yamlError(path string, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) || len(te.Errors) == 0 {
		msg := yamlMsg(err)
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			return &Error{File: path, Line: line, Msg: m[2]}
		}
		return &Error{File: path, Msg: msg}
	}
	var errs []error
	for _, e := range te.Errors {
		if m := yamlLine.FindStringSubmatch(e); m != nil {
			line, _ := strconv.Atoi(m[1])
			errs = append(errs, &Error{File: path, Line: line, Msg: m[2]})
		} else {
			errs = append(errs, &Error{File: path, Msg: e})
		}
	}
	return errors.Join(errs...)
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

func expandEnv(path string, n *yaml.Node, key string, getenv func(string) (string, bool)) error {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if key != "" {
				k = key + "." + k
			}
			if err := expandEnv(path, n.Content[i+1], k, getenv); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if err := expandEnv(path, c, fmt.Sprintf("%s[%d]", key, i), getenv); err != nil {
				return err
			}
		}
	case yaml.ScalarNode:
		var missing string
		n.Value = envRef.ReplaceAllStringFunc(n.Value, func(m string) string {
			name := envRef.FindStringSubmatch(m)[1]
			v, ok := getenv(name)
			if !ok && missing == "" {
				missing = name
			}
			return v
		})
		if missing != "" {
			return &Error{File: path, Key: key, Line: n.Line, Msg: fmt.Sprintf("environment variable %s is not set", missing)}
		}
	}
	return nil
}

// lines maps dotted keys to their line in the file, for errors found after decoding.
func lines(n *yaml.Node) map[string]int {
	out := map[string]int{}
	var walk func(n *yaml.Node, key string)
	walk = func(n *yaml.Node, key string) {
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if key != "" {
				k = key + "." + k
			}
			out[k] = n.Content[i].Line
			walk(n.Content[i+1], k)
		}
	}
	walk(n, "")
	return out
}

func build(path string, fc *fileConfig, at map[string]int) (*Config, error) {
	dir := filepath.Dir(path)
	fail := func(key, format string, args ...any) error {
		return &Error{File: path, Key: key, Line: at[key], Msg: fmt.Sprintf(format, args...)}
	}
	c := &Config{
		Path:      path,
		Store:     rel(dir, fc.Store),
		Timezone:  or(fc.Timezone, DefaultTimezone),
		FailOn:    or(fc.FailOn, DefaultFailOn),
		PluginDir: rel(dir, fc.PluginDir),
		Plugins:   fc.Plugins,
		Accounts:  map[string]*Account{},
	}
	if c.Store == "" {
		c.Store = rel(dir, "recon.db")
	}
	switch c.FailOn {
	case "info", "warn", "critical":
	default:
		return nil, fail("fail_on", "%q is not info, warn or critical", c.FailOn)
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		return nil, fail("timezone", "unknown time zone %q", c.Timezone)
	}
	for i, r := range fc.Rules {
		if r == "" {
			return nil, fail("rules", "entry %d is empty", i+1)
		}
		c.Rules = append(c.Rules, rel(dir, r))
	}
	for name, sum := range fc.Plugins {
		if len(sum) != 64 || strings.Trim(strings.ToLower(sum), "0123456789abcdef") != "" {
			return nil, fail("plugins."+name, "want the plugin binary's sha256 as 64 hex digits")
		}
	}
	if len(fc.Accounts) == 0 {
		return nil, fail("accounts", "no accounts are configured")
	}
	for name, fa := range fc.Accounts {
		key := "accounts." + name
		if fa == nil {
			return nil, fail(key, "the account is empty")
		}
		a, err := buildAccount(dir, name, c.Timezone, fa, func(sub, format string, args ...any) error {
			return fail(key+"."+sub, format, args...)
		})
		if err != nil {
			return nil, err
		}
		c.Accounts[name] = a
	}
	return c, nil
}

func buildAccount(dir, name, tz string, fa *fileAccount, fail func(key, format string, args ...any) error) (*Account, error) {
	a := &Account{
		Name:        name,
		Plugin:      fa.Plugin,
		Endpoint:    strings.TrimRight(fa.Endpoint, "/"),
		Currency:    or(fa.Currency, DefaultCurrency),
		Timezone:    or(fa.Timezone, tz),
		RateLimit:   DefaultRateLimit,
		Concurrency: DefaultConcurrency,
		Timeout:     DefaultTimeout,
		Retries:     DefaultRetries,
		Backoff:     DefaultBackoff,
		Credentials: map[string]string{},
		Options:     fa.Options,
	}
	if a.Plugin == "" {
		return nil, fail("plugin", "missing: name the provider plugin (vborder, upay, paypro, edgeros or a plugin binary's name)")
	}
	if a.Endpoint == "" {
		return nil, fail("endpoint", "missing: the provider's base URL")
	}
	if !strings.HasPrefix(a.Endpoint, "http://") && !strings.HasPrefix(a.Endpoint, "https://") {
		return nil, fail("endpoint", "%q is not an http(s) URL", a.Endpoint)
	}
	d, err := money.Digits(a.Currency)
	if err != nil {
		return nil, fail("currency", "%q is not an ISO 4217 currency", a.Currency)
	}
	a.Digits = d
	if a.Location, err = time.LoadLocation(a.Timezone); err != nil {
		return nil, fail("timezone", "unknown time zone %q", a.Timezone)
	}
	if fa.RateLimit != nil {
		if *fa.RateLimit <= 0 {
			return nil, fail("rate_limit", "must be more than 0 queries per second")
		}
		a.RateLimit = *fa.RateLimit
	}
	if fa.Concurrency != nil {
		if *fa.Concurrency < 1 || *fa.Concurrency > 1024 {
			return nil, fail("concurrency", "must be 1 to 1024")
		}
		a.Concurrency = *fa.Concurrency
	}
	if fa.Retries != nil {
		if *fa.Retries < 0 || *fa.Retries > 20 {
			return nil, fail("retries", "must be 0 to 20")
		}
		a.Retries = *fa.Retries
	}
	for _, d := range []struct {
		key string
		raw string
		dst *time.Duration
	}{{"timeout", fa.Timeout, &a.Timeout}, {"backoff", fa.Backoff, &a.Backoff}} {
		if d.raw == "" {
			continue
		}
		v, err := time.ParseDuration(d.raw)
		if err != nil || v <= 0 {
			return nil, fail(d.key, "%q is not a positive duration such as 10s", d.raw)
		}
		*d.dst = v
	}
	for k, v := range fa.Credentials {
		base, isFile := strings.CutSuffix(k, "_file")
		if !isFile {
			if _, dup := fa.Credentials[k+"_file"]; dup {
				return nil, fail("credentials."+k, "given both as %s and %s_file", k, k)
			}
			a.Credentials[k] = v
			continue
		}
		b, err := os.ReadFile(rel(dir, v))
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, fail("credentials."+k, "cannot read %s: %v", rel(dir, v), err)
		}
		a.Credentials[base] = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	}
	return a, nil
}

func rel(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
