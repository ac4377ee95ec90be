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
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/reconhq/recon"
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
	DefaultFailOn      = recon.SeverityWarn
)

// Config is a loaded, validated config file.
type Config struct {
	Path      string // the file it was read from
	Store     string
	Timezone  string
	FailOn    recon.Severity
	Rules     []string
	PluginDir string
	// Plugins pins plugin binaries from PluginDir by sha256 (name -> hex).
	Plugins  map[string]string
	Accounts map[string]*Account

	// Pushgateway and Notify: see notify.go.
	Pushgateway string
	Notify      *Notify

	// lines is where each dotted key was written, for Problem.
	lines map[string]int
}

// Problem is a problem with the setting key (dotted, as in Error.Key) that
// only a later check finds (a credential the account's plugin does not
// know, a plugin that is not there): an *Error naming the file and, when
// key or an enclosing key was written, its line. A credential X given as
// X_file is found under either name.
func (c *Config) Problem(key, format string, args ...any) *Error {
	return &Error{File: c.Path, Key: key, Line: c.Line(key), Msg: fmt.Sprintf(format, args...)}
}

// Line is the line key was written on (its X_file twin for a credential),
// else that of the nearest enclosing key written; 0 when none was.
func (c *Config) Line(key string) int {
	if l, ok := c.lines[key+"_file"]; ok && strings.Contains(key, ".credentials.") {
		if _, plain := c.lines[key]; !plain {
			return l
		}
	}
	return lineOf(c.lines, key)
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
	// CredentialFiles are the files X_file credentials were read from,
	// by key (X_file): inputs an output must not overwrite.
	CredentialFiles map[string]string
	Options         map[string]string
	// Statement is where the account's provider statement is found and how
	// it is read; nil: the account has none (unless --statement gives one).
	Statement *Statement
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

	Statement        string            `yaml:"statement"`
	StatementTrust   *bool             `yaml:"statement_trust"`
	StatementFormat  string            `yaml:"statement_format"`
	StatementMapping *fileStatementMap `yaml:"statement_mapping"`
}

type fileConfig struct {
	Store     string                  `yaml:"store"`
	Timezone  string                  `yaml:"timezone"`
	FailOn    string                  `yaml:"fail_on"`
	Rules     []string                `yaml:"rules"`
	PluginDir string                  `yaml:"plugin_dir"`
	Plugins   map[string]string       `yaml:"plugins"`
	Accounts  map[string]*fileAccount `yaml:"accounts"`

	Pushgateway string      `yaml:"pushgateway"`
	Notify      *fileNotify `yaml:"notify"`
}

// Error is one config problem. Its fields are for programs (a command that
// tolerates a missing variable, a test); Error() is the line an operator
// reads. No field holds a secret's value.
type Error struct {
	File string
	Line int // 0 when the problem has no line (an empty file, a setting left out)
	// Key is the dotted path of the setting at fault, with list indexes:
	// accounts.shop-upay.credentials.terminal_key, rules[1]; "" for the
	// file as a whole.
	Key string
	Msg string
	// Err is the cause when a program may act on it: an *EnvError for a
	// `${NAME}` that is not set, the os error (fs.ErrNotExist, ...) for an
	// X_file that cannot be read; nil otherwise.
	Err error
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

func (e *Error) Unwrap() error { return e.Err }

// Errors is every problem Parse found in one file, in the order of the
// file (accounts sorted by name), so that one attempt shows them all. It
// reads one line per problem; errors.As finds each *Error in it.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// EnvError is the cause of an *Error about a `${NAME}` whose variable is
// not set.
type EnvError struct {
	Name string
}

func (e *EnvError) Error() string { return "environment variable " + e.Name + " is not set" }

// Load reads and validates a config file. getenv resolves `${NAME}`
// (os.LookupEnv when nil).
func Load(path string, getenv func(string) (string, bool)) (*Config, error) {
	return load(path, getenv, "")
}

// LoadWithPlaceholder is Load for a command that starts no plugin: a
// credential whose X_file cannot be read (moved, not readable by this
// user) holds placeholder instead of being an error, as getenv may give
// one for a `${NAME}` not set. A file that reads is still read, and an
// X_file set to "" is still an error.
func LoadWithPlaceholder(path string, getenv func(string) (string, bool), placeholder string) (*Config, error) {
	return load(path, getenv, placeholder)
}

func load(path string, getenv func(string) (string, bool), placeholder string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return parse(path, data, getenv, placeholder)
}

// Bounds on a config: it is a few kilobytes written by a person, so a file
// far past them is the wrong file or an attack. A YAML alias can stand for a
// whole subtree, and a chain of merge keys doubles at every level (24 levels
// in 800 bytes took 29 s; a 96 MB file, 12 minutes and 2.4 GB): the size a
// document expands to is counted before anything reads it.
const (
	MaxFileBytes     = 1 << 20
	MaxExpandedNodes = 100_000
)

// expandedSize is how many nodes n stands for once every alias is
// expanded, counted in time linear in the document (memo), stopping once it
// passes limit.
func expandedSize(n *yaml.Node, memo map[*yaml.Node]int, limit int) int {
	if n == nil {
		return 0
	}
	if v, ok := memo[n]; ok {
		return v
	}
	memo[n] = limit + 1 // an alias cycle counts as too large
	size := 1
	if n.Kind == yaml.AliasNode {
		size += expandedSize(n.Alias, memo, limit)
	}
	for _, c := range n.Content {
		if size > limit {
			break
		}
		size += expandedSize(c, memo, limit)
	}
	memo[n] = min(size, limit+1)
	return memo[n]
}

// maxCredentialFile caps an X_file: a key is a few kilobytes, and a path
// naming the wrong thing (a device, a log) must not be read whole.
const maxCredentialFile = 1 << 20

// parser holds what one Parse learns on the way: where each key is and
// which values are secret, so that no error message quotes one.
type parser struct {
	path   string
	dir    string
	getenv func(string) (string, bool)
	// placeholder stands for a credential whose X_file cannot be read
	// ("": that is an error).
	placeholder string
	at          map[string]int // dotted key -> line
	keyAt       map[int]string // line -> the first key on it
	// scalars are the scalar values on each line, to quote a value whole
	// where the decoder's message clips it.
	scalars map[int][]*yaml.Node
	// hidden lines hold a credential or a value from the environment: a
	// type error there says what is wrong without quoting the value.
	hidden   map[int]bool
	secrets  []string // credential values, as written and as resolved
	errs     []*Error
	checking map[*yaml.Node]bool // the mappings checkKeys is inside
}

// Parse is Load on bytes already read; path names the file in errors and
// anchors relative paths. Every problem found is reported: one as an
// *Error, several as Errors.
func Parse(path string, data []byte, getenv func(string) (string, bool)) (cfg *Config, err error) {
	return parse(path, data, getenv, "")
}

func parse(path string, data []byte, getenv func(string) (string, bool), placeholder string) (cfg *Config, err error) {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	p := &parser{path: path, dir: filepath.Dir(path), getenv: getenv, placeholder: placeholder, at: map[string]int{}, keyAt: map[int]string{},
		scalars: map[int][]*yaml.Node{}, hidden: map[int]bool{}, checking: map[*yaml.Node]bool{}}
	defer func() {
		if err != nil {
			cfg = nil
			p.redact(err)
		}
	}()
	if len(data) > MaxFileBytes {
		return nil, &Error{File: path, Msg: fmt.Sprintf("the file is larger than %d bytes: a config is a few kilobytes; is it the right file?", MaxFileBytes)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if err == io.EOF {
			return nil, &Error{File: path, Msg: "the file is empty"}
		}
		return nil, yamlError(path, err)
	}
	if expandedSize(&root, map[*yaml.Node]int{}, MaxExpandedNodes) > MaxExpandedNodes {
		return nil, &Error{File: path, Msg: fmt.Sprintf("its aliases and merge keys (*name, <<:) expand to more than %d "+
			"values: write the settings out, or alias less deeply", MaxExpandedNodes)}
	}
	var more yaml.Node
	if err := dec.Decode(&more); err != io.EOF {
		return nil, &Error{File: path, Line: more.Line, Msg: "holds more than one YAML document (a second `---`?)"}
	}
	if len(root.Content) == 0 {
		return nil, &Error{File: path, Msg: "the file is empty"}
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, &Error{File: path, Line: top.Line, Msg: "want a mapping of settings (store:, accounts:, ...)"}
	}
	p.index(top, "")
	p.checkKeys(top, "", topSchema)
	p.expand(top, "", false)
	p.collectSecrets(top, false, map[visit]bool{})
	if len(p.errs) > 0 {
		return nil, p.problems()
	}
	// Decoded after expansion, so that `${NAME}` may stand for a number.
	var fc fileConfig
	if err := top.Decode(&fc); err != nil {
		return nil, p.decodeError(err)
	}
	cfg = p.build(&fc)
	if len(p.errs) > 0 {
		return nil, p.problems()
	}
	return cfg, nil
}

// problems is what Parse returns for the problems found (there are some).
func (p *parser) problems() error {
	return oneOrAll(p.errs)
}

// oneOrAll is a lone problem as itself, several as Errors.
func oneOrAll(errs []*Error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return Errors(errs)
}

func (p *parser) fail(key, format string, args ...any) {
	p.failErr(key, nil, format, args...)
}

// failErr is fail with a cause a program may act on (Error.Err).
func (p *parser) failErr(key string, cause error, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.path, Key: key, Line: p.line(key), Msg: fmt.Sprintf(format, args...), Err: cause})
}

// line is key's line or, for a key not written (a missing setting), the
// line of the nearest enclosing key.
func (p *parser) line(key string) int { return lineOf(p.at, key) }

func lineOf(at map[string]int, key string) int {
	for key != "" {
		if l, ok := at[key]; ok {
			return l
		}
		// The enclosing key of a.b is a, and of rules[1] rules.
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return 0
}

// redact takes every secret out of the messages of err, which Parse made.
// Type errors already leave hidden values out; this is the net under that,
// for a secret that ended up where it does not belong (an endpoint read
// from the variable that holds the key).
func (p *parser) redact(err error) {
	var secrets []string
	for _, s := range p.secrets {
		if len(strings.TrimSpace(s)) >= 4 {
			secrets = append(secrets, s)
		}
	}
	if len(secrets) == 0 {
		return
	}
	// Longest first, so that a secret containing another goes whole; any
	// case, since a message may quote a value upper-cased.
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for i, s := range secrets {
		secrets[i] = regexp.QuoteMeta(s)
	}
	re := regexp.MustCompile("(?i)" + strings.Join(secrets, "|"))
	switch err := err.(type) {
	case *Error:
		err.Msg = re.ReplaceAllLiteralString(err.Msg, "[secret]")
	case Errors:
		for _, e := range err {
			e.Msg = re.ReplaceAllLiteralString(e.Msg, "[secret]")
		}
	}
}

func yamlMsg(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// yamlError turns a syntax error's "line N: ..." into an Error that reads
// file:line like every other.
func yamlError(path string, err error) error {
	msg := yamlMsg(err)
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: path, Line: line, Msg: m[2]}
	}
	return &Error{File: path, Msg: msg}
}

// yamlTypeError is yaml's "cannot unmarshal !!str `lots` into int".
var yamlTypeError = regexp.MustCompile("^cannot unmarshal (\\S+)(?: `(.*)`)? into (.+)$")

// decodeError words the decoder's type errors by key, in terms of the
// config, and without the value where the value is hidden.
func (p *parser) decodeError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return &Error{File: p.path, Msg: yamlMsg(err)}
	}
	var errs []*Error
	for _, msg := range te.Errors {
		e := &Error{File: p.path, Msg: msg}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = m[2]
			e.Key = p.keyAt[e.Line]
		}
		if m := yamlTypeError.FindStringSubmatch(e.Msg); m != nil {
			got := tagNames[m[1]]
			if got == "" {
				got = m[1]
			}
			if m[2] != "" && !p.hidden[e.Line] {
				v := m[2]
				if on := p.scalars[e.Line]; len(on) == 1 {
					v = clip(on[0].Value)
				}
				got += fmt.Sprintf(" (%s)", v)
			}
			want := typeNames[m[3]]
			if want == "" {
				want = m[3]
			}
			e.Msg = fmt.Sprintf("want %s, not %s", want, got)
		} else if p.hidden[e.Line] {
			e.Msg = "cannot be read (the value is not shown: it is secret or from the environment)"
		}
		errs = append(errs, e)
	}
	return oneOrAll(errs)
}

var tagNames = map[string]string{
	"!!str": "text", "!!int": "a whole number", "!!float": "a number", "!!bool": "true/false",
	"!!map": "a mapping", "!!seq": "a list", "!!null": "nothing", "!!timestamp": "a timestamp", "!!binary": "binary data",
}

var typeNames = map[string]string{
	"string": "text", "int": "a whole number", "float64": "a number", "[]string": "a list of file names",
	"map[string]string":              "a mapping of names to text",
	"map[string]*config.fileAccount": "a mapping of account names to accounts",
	"config.fileConfig":              "a mapping of settings",
	"config.fileAccount":             "an account (a mapping of settings)",
}

// index records the line of every key and which lines are hidden: those of
// credentials and of values that name an environment variable.
func (p *parser) index(n *yaml.Node, key string) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := join(key, k.Value)
		if _, seen := p.at[name]; !seen {
			p.at[name] = k.Line
		}
		if _, seen := p.keyAt[k.Line]; !seen {
			p.keyAt[k.Line] = name
		}
		// A value on a line of its own is the key's, unless it is a
		// mapping: that line is its first key's, which names a type error
		// there better than the mapping does.
		if v.Line != k.Line && v.Kind != yaml.MappingNode {
			if _, seen := p.keyAt[v.Line]; !seen {
				p.keyAt[v.Line] = name
			}
		}
		if v.Kind == yaml.ScalarNode {
			p.scalars[v.Line] = append(p.scalars[v.Line], v)
		}
		if k.Value == "credentials" {
			p.hide(v, map[*yaml.Node]bool{})
		}
		p.index(v, name)
	}
}

// hide marks every line of a credentials subtree hidden, following
// aliases (seen guards against an alias loop).
func (p *parser) hide(n *yaml.Node, seen map[*yaml.Node]bool) {
	if n == nil || seen[n] {
		return
	}
	seen[n] = true
	p.hidden[n.Line] = true
	if n.Kind == yaml.AliasNode {
		p.hide(n.Alias, seen)
	}
	for _, c := range n.Content {
		p.hide(c, seen)
	}
}

// collectSecrets keeps every credential value, as resolved, following
// aliases; an X_file's value is a path, not a secret.
func (p *parser) collectSecrets(n *yaml.Node, inCreds bool, seen map[visit]bool) {
	if n == nil || seen[visit{n, inCreds}] {
		return
	}
	seen[visit{n, inCreds}] = true
	switch n.Kind {
	case yaml.ScalarNode:
		if inCreds {
			p.secrets = append(p.secrets, n.Value)
		}
	case yaml.AliasNode:
		p.collectSecrets(n.Alias, inCreds, seen)
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if inCreds && strings.HasSuffix(k.Value, "_file") {
				continue
			}
			p.collectSecrets(v, inCreds || k.Value == "credentials", seen)
		}
	default:
		for _, c := range n.Content {
			p.collectSecrets(c, inCreds, seen)
		}
	}
}

// visit is a node reached in or out of a credentials subtree: an alias may
// bring a node defined elsewhere into one.
type visit struct {
	n       *yaml.Node
	inCreds bool
}

// clip keeps a quoted value short.
func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return s
}

func join(key, k string) string {
	if key == "" {
		return k
	}
	return key + "." + k
}

// schema is the keys a mapping may have, each with the schema of its value;
// a nil schema is not checked (a scalar, a list, or a map of free names).
// Under the key "*" any name is allowed.
type schema map[string]schema

var (
	accountSchema = keysOf(fileAccount{}, map[string]schema{"statement_mapping": keysOf(fileStatementMap{}, nil)})
	topSchema     = keysOf(fileConfig{}, map[string]schema{"accounts": {"*": accountSchema}, "notify": notifySchema})
)

// keysOf lists a struct's yaml keys; sub gives the schema below some.
func keysOf(v any, sub map[string]schema) schema {
	out := schema{}
	t := reflect.TypeOf(v)
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		out[name] = sub[name]
	}
	return out
}

// checkKeys reports keys the schema does not know, with their line. Under
// "*" any key is allowed and its value checked against the "*" schema.
func (p *parser) checkKeys(n *yaml.Node, key string, s schema) {
	if s == nil {
		return
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return // the decoder says what the value should be
	}
	if p.checking[n] {
		// A mapping that merges itself (a: &a {<<: *a}) has no end.
		p.errs = append(p.errs, &Error{File: p.path, Key: key, Line: n.Line, Msg: "merges (<<) a mapping into itself"})
		return
	}
	p.checking[n] = true
	defer delete(p.checking, n)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "<<" && k.Tag == "!!merge" {
			p.checkMerge(v, key, s)
			continue
		}
		if each, ok := s["*"]; ok {
			p.checkKeys(v, join(key, k.Value), each)
			continue
		}
		sub, known := s[k.Value]
		if !known {
			p.errs = append(p.errs, &Error{File: p.path, Key: join(key, k.Value), Line: k.Line,
				Msg: "unknown key (known here: " + strings.Join(sortedKeys(s), ", ") + ")"})
			continue
		}
		p.checkKeys(v, join(key, k.Value), sub)
	}
}

func (p *parser) checkMerge(v *yaml.Node, key string, s schema) {
	if v.Kind == yaml.SequenceNode {
		for _, c := range v.Content {
			p.checkKeys(c, key, s)
		}
		return
	}
	p.checkKeys(v, key, s)
}

func sortedKeys(s schema) []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand replaces `${NAME}` in the values (never in keys or structure).
// Every missing variable is reported. A credential from the environment
// stays text whatever it looks like (a key of digits, "null").
func (p *parser) expand(n *yaml.Node, key string, secret bool) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			p.expand(n.Content[i+1], join(key, k), secret || k == "credentials")
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p.expand(c, fmt.Sprintf("%s[%d]", key, i), secret)
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return
		}
		p.hidden[n.Line] = true
		if n.Style&(yaml.TaggedStyle|yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			n.Tag = "" // a plain value is typed by what it expands to: retries: ${RETRIES}
		}
		n.Value = envRef.ReplaceAllStringFunc(n.Value, func(m string) string {
			name := envRef.FindStringSubmatch(m)[1]
			v, ok := p.getenv(name)
			if !ok {
				cause := &EnvError{Name: name}
				p.errs = append(p.errs, &Error{File: p.path, Key: key, Line: n.Line, Msg: cause.Error(), Err: cause})
			}
			return v
		})
		if secret {
			n.Style, n.Tag = yaml.DoubleQuotedStyle, "!!str"
		}
	}
}

func (p *parser) build(fc *fileConfig) *Config {
	c := &Config{
		Path:      p.path,
		Store:     rel(p.dir, fc.Store),
		Timezone:  or(fc.Timezone, DefaultTimezone),
		FailOn:    recon.Severity(or(fc.FailOn, string(DefaultFailOn))),
		PluginDir: rel(p.dir, fc.PluginDir),
		Plugins:   map[string]string{},
		Accounts:  map[string]*Account{},
		lines:     p.at,
	}
	if c.Store == "" {
		c.Store = rel(p.dir, "recon.db")
	}
	if !c.FailOn.Valid() {
		p.fail("fail_on", "%q is not info, warn or critical", c.FailOn)
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		p.fail("timezone", "unknown time zone %q (an IANA name such as Asia/Shanghai)", c.Timezone)
	}
	for i, r := range fc.Rules {
		if strings.TrimSpace(r) == "" {
			p.fail("rules", "entry %d is empty", i+1)
			continue
		}
		c.Rules = append(c.Rules, rel(p.dir, r))
	}
	for _, name := range sortedNames(fc.Plugins) {
		sum := strings.ToLower(strings.TrimSpace(fc.Plugins[name]))
		if len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
			p.fail("plugins."+name, "want the plugin binary's sha256 as 64 hex digits")
			continue
		}
		c.Plugins[name] = sum
	}
	p.observability(c, fc)
	if len(fc.Accounts) == 0 {
		p.fail("accounts", "no accounts are configured")
	}
	for _, name := range sortedNames(fc.Accounts) {
		key := "accounts." + name
		if strings.TrimSpace(name) == "" {
			p.fail(key, "an account needs a name")
			continue
		}
		fa := fc.Accounts[name]
		if fa == nil {
			p.fail(key, "the account is empty")
			continue
		}
		if a := p.account(key, name, c.Timezone, fa); a != nil {
			c.Accounts[name] = a
		}
	}
	return c
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// account builds one account; nil when it has errors (recorded in p).
func (p *parser) account(key, name, tz string, fa *fileAccount) *Account {
	before := len(p.errs)
	fail := func(sub, format string, args ...any) { p.fail(key+"."+sub, format, args...) }
	a := &Account{
		Name:        name,
		Plugin:      strings.TrimSpace(fa.Plugin),
		Endpoint:    strings.TrimRight(strings.TrimSpace(fa.Endpoint), "/"),
		Currency:    strings.ToUpper(strings.TrimSpace(or(fa.Currency, DefaultCurrency))),
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
		fail("plugin", "missing: name the provider plugin (vborder, upay, paypro, edgeros or a plugin binary's name)")
	}
	if a.Endpoint == "" {
		fail("endpoint", "missing: the provider's base URL")
	} else if u, err := url.Parse(a.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fail("endpoint", "%q is not an http(s) URL", a.Endpoint)
	}
	var err error
	if a.Digits, err = money.Digits(a.Currency); err != nil {
		fail("currency", "%q is not an ISO 4217 currency", or(fa.Currency, DefaultCurrency))
	}
	// An account without a zone of its own has the top level's, whose
	// error (if any) is reported once, there.
	if a.Location, err = time.LoadLocation(a.Timezone); err != nil && fa.Timezone != "" {
		fail("timezone", "unknown time zone %q (an IANA name such as Asia/Shanghai)", a.Timezone)
	}
	if fa.RateLimit != nil {
		if !(*fa.RateLimit > 0) || math.IsInf(*fa.RateLimit, 0) {
			fail("rate_limit", "must be a number of queries per second more than 0")
		} else {
			a.RateLimit = *fa.RateLimit
		}
	}
	if fa.Concurrency != nil {
		if *fa.Concurrency < 1 || *fa.Concurrency > 1024 {
			fail("concurrency", "must be 1 to 1024")
		} else {
			a.Concurrency = *fa.Concurrency
		}
	}
	if fa.Retries != nil {
		if *fa.Retries < 0 || *fa.Retries > 20 {
			fail("retries", "must be 0 to 20")
		} else {
			a.Retries = *fa.Retries
		}
	}
	for _, d := range []struct {
		key string
		raw string
		dst *time.Duration
	}{{"timeout", fa.Timeout, &a.Timeout}, {"backoff", fa.Backoff, &a.Backoff}} {
		if d.raw == "" {
			continue
		}
		v, err := time.ParseDuration(strings.TrimSpace(d.raw))
		if err != nil || v <= 0 {
			fail(d.key, "%q is not a positive duration such as 10s or 500ms", d.raw)
			continue
		}
		*d.dst = v
	}
	for _, k := range sortedNames(fa.Credentials) {
		v := fa.Credentials[k]
		ckey := "credentials." + k
		base, isFile := strings.CutSuffix(k, "_file")
		if !isFile {
			if _, dup := fa.Credentials[k+"_file"]; dup {
				fail(ckey, "given both as %s and as %s_file: keep one", k, k)
				continue
			}
			if strings.TrimSpace(v) == "" {
				fail(ckey, "is empty")
				continue
			}
			a.Credentials[k] = v
			continue
		}
		if base == "" {
			fail(ckey, "names no credential")
			continue
		}
		if _, dup := fa.Credentials[base]; dup {
			continue // reported under base
		}
		if strings.TrimSpace(v) == "" {
			fail(ckey, "is empty: name the file that holds %s", base)
			continue
		}
		file := rel(p.dir, v)
		if a.CredentialFiles == nil {
			a.CredentialFiles = map[string]string{}
		}
		a.CredentialFiles[k] = file
		b, err := readCredential(file)
		if err != nil && p.placeholder != "" {
			a.Credentials[base] = p.placeholder
			continue
		}
		if err != nil {
			p.failErr(key+"."+ckey, errors.Unwrap(err), "%v", err)
			continue
		}
		secret := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		p.secrets = append(p.secrets, secret)
		if strings.TrimSpace(secret) == "" {
			fail(ckey, "%s is empty", file)
			continue
		}
		a.Credentials[base] = secret
	}
	a.Statement = p.statement(key, fa, a)
	if len(p.errs) > before {
		return nil
	}
	return a
}

// readCredential reads an X_file. Its errors name the file, never quote
// it, and wrap the os error alone (not the *PathError, whose text repeats
// the path).
func readCredential(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCredentialFile+1))
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if len(b) > maxCredentialFile {
		return nil, fmt.Errorf("%s is larger than %d KiB: is it the key file?", path, maxCredentialFile>>10)
	}
	return b, nil
}

func rel(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func or(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
