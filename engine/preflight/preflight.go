package preflight

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/engine/host"
	"github.com/reconhq/recon/engine/outfile"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/builtin"
	"github.com/reconhq/recon/rules"
)

// Plugins is what a check needs of the plugin host (*host.Host is one):
// it resolves, describes and starts each account's plugin.
type Plugins interface {
	host.Starter
	// Available lists every plugin there is, for a did-you-mean.
	Available() ([]host.Spec, error)
	// Describe starts a plugin only to ask what it is.
	Describe(ctx context.Context, spec host.Spec) (plugins.Info, error)
}

// Output is a file a command will write, named as the operator named it.
type Output struct {
	Flag string // "--report", "--metrics-file"
	Path string
}

// Options says what to check beyond the accounts' plugins and credentials.
type Options struct {
	// Outputs are the files the command will write; each must be writable.
	Outputs []Output
	// Store checks that the config's store (or StorePath) can be written.
	Store     bool
	StorePath string
	// Rules compiles and lints the config's rule files (a run needs only
	// the compile, which it does itself before any query).
	Rules bool
	// Ping asks each account's provider about an order that does not
	// exist: a signed "not found" proves endpoint, credentials and signing.
	Ping bool
	// Keep hands the plugins started and configured for the check to the
	// run (Report.Host) instead of stopping them: the check then costs a run
	// no extra plugin process. Not with Ping.
	Keep bool
	// StartTimeout bounds starting and configuring one plugin (default 30s).
	StartTimeout time.Duration
}

// Report is what Check found: Problems, one per line, and what each
// account's plugin and provider said.
type Report struct {
	Problems Problems
	Warnings []string
	// Accounts holds one line per account that passed, in the config's
	// order: its plugin and, with Ping, what its provider answered.
	Accounts []string
	// Host starts the run's plugins, handing out first those the check
	// kept (Options.Keep); the caller closes it.
	Host *Kept
}

// Problems is every problem a check found. Each is an *config.Error (a
// setting at fault, with its file and line), a *PathError or a
// *rules.CompileError; errors.As finds each.
type Problems []error

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

func (ps Problems) Unwrap() []error { return ps }

// Err is nil when nothing was found, else the Problems.
func (r *Report) Err() error {
	if len(r.Problems) == 0 {
		return nil
	}
	return r.Problems
}

// PathError is a file a command would write but cannot.
type PathError struct {
	Flag, Path string
	Err        error
}

func (e *PathError) Error() string {
	return fmt.Sprintf("%s %s cannot be written: %v", e.Flag, e.Path, e.Err)
}

func (e *PathError) Unwrap() error { return e.Err }

// Check checks cfg before a run. It sends nothing to any provider unless
// opt.Ping says so.
func Check(ctx context.Context, cfg *config.Config, h Plugins, opt Options) *Report {
	r := &Report{}
	if opt.Store {
		p := opt.StorePath
		if p == "" {
			p = cfg.Store
		}
		if err := outfile.Check(p); err != nil {
			r.Problems = append(r.Problems, &PathError{Flag: "store", Path: p, Err: err})
		}
	}
	r.Problems = append(r.Problems, Outputs(opt.Outputs)...)
	if opt.Rules {
		r.rules(cfg)
	}
	names := cfg.AccountNames()
	results := make([]account, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() { results[i] = checkAccount(ctx, cfg, h, cfg.Accounts[name], opt) })
	}
	wg.Wait()
	r.Host = &Kept{Plugins: h, kept: map[string]host.Plugin{}}
	for i, a := range results {
		r.Problems = append(r.Problems, a.problems...)
		if len(a.problems) == 0 {
			r.Accounts = append(r.Accounts, a.line)
		}
		if a.plugin != nil {
			r.Host.kept[names[i]] = a.plugin
		}
	}
	return r
}

// Kept starts plugins through Plugins, except that the first Start of an
// account takes the plugin the check started for it, while it lives.
type Kept struct {
	Plugins
	mu   sync.Mutex
	kept map[string]host.Plugin // by account
}

// Start hands out the kept plugin of acct once, or starts one.
func (k *Kept) Start(ctx context.Context, spec host.Spec, acct plugins.Account) (host.Plugin, error) {
	k.mu.Lock()
	p := k.kept[acct.Name]
	delete(k.kept, acct.Name)
	k.mu.Unlock()
	if p != nil && !p.Exited() {
		return p, nil
	}
	if p != nil {
		p.Stop()
	}
	return k.Plugins.Start(ctx, spec, acct)
}

// Close stops the plugins no run took, then every plugin of Plugins.
func (k *Kept) Close() {
	k.mu.Lock()
	left := k.kept
	k.kept = map[string]host.Plugin{}
	k.mu.Unlock()
	for _, p := range left {
		p.Stop()
	}
	k.Plugins.Close()
}

// rules compiles and lints the config's rule files after the built-in ones.
func (r *Report) rules(cfg *config.Config) {
	files, err := rules.Sources(cfg.Rules)
	if err != nil {
		r.Problems = append(r.Problems, err)
		return
	}
	for _, p := range rules.Lint(files, rules.LintOptions{Accounts: cfg.AccountNames(), Providers: providerNames(cfg)}) {
		if p.Warning {
			r.Warnings = append(r.Warnings, p.String())
			continue
		}
		r.Problems = append(r.Problems, &lintError{p})
	}
}

// lintError is a rule file's problem that stops a run.
type lintError struct{ p rules.Problem }

func (e *lintError) Error() string { return "rules: " + e.p.String() }

func providerNames(cfg *config.Config) []string {
	var out []string
	for _, p := range builtin.All() {
		out = append(out, p.Name)
	}
	for _, a := range cfg.Accounts {
		if !slices.Contains(out, a.Plugin) {
			out = append(out, a.Plugin)
		}
	}
	return out
}

// account is what checking one account found.
type account struct {
	problems []error
	line     string
	plugin   host.Plugin // kept for the run (Options.Keep)
}

func checkAccount(ctx context.Context, cfg *config.Config, h Plugins, a *config.Account, opt Options) account {
	key := "accounts." + a.Name
	var out account
	fail := func(e *config.Error) account {
		out.problems = append(out.problems, e)
		return out
	}
	spec, err := h.Resolve(a.Plugin)
	if err != nil {
		if errors.Is(err, host.ErrChecksum) {
			e := cfg.Problem("plugins."+a.Plugin, "%v", err)
			e.Err = err
			return fail(e)
		}
		msg := err.Error()
		if s := closest(a.Plugin, available(h)); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		e := cfg.Problem(key+".plugin", "%s", msg)
		e.Err = err
		return fail(e)
	}
	timeout := opt.StartTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// Started and configured as the run will: a plugin that refuses the
	// account refuses it now. Only then is it asked what it takes, for a
	// did-you-mean: one process per account when all is well.
	p, err := h.Start(sctx, spec, plugins.Account{Name: a.Name, Endpoint: a.Endpoint, Currency: a.Currency,
		Location: a.Location, Credentials: a.Credentials, Options: a.Options})
	if err != nil {
		info, derr := h.Describe(sctx, spec)
		if derr != nil {
			e := cfg.Problem(key+".plugin", "plugin %s (%s) would not start: %v", a.Plugin, spec.Path, err)
			e.Err = err
			return fail(e)
		}
		if bad := unknownCredentials(cfg, a, info); len(bad) > 0 {
			out.problems = append(out.problems, bad...)
			return out
		}
		k := key + ".credentials"
		if c := named(err.Error(), info.Credentials); c != "" {
			k += "." + c
		} else if len(a.Credentials) == 0 {
			k = key
		}
		e := cfg.Problem(k, "plugin %s refused the account: %v", a.Plugin, unwrapped(err))
		e.Err = err
		return fail(e)
	}
	info := p.Info()
	keep := false
	defer func() {
		if !keep {
			p.Stop()
		}
	}()
	// A typo in an optional credential's name passes Configure, and is
	// still a typo.
	if bad := unknownCredentials(cfg, a, info); len(bad) > 0 {
		out.problems = append(out.problems, bad...)
		return out
	}
	out.line = fmt.Sprintf("%s: plugin %s %s accepts the account", a.Name, info.Name, info.Version)
	if !opt.Ping {
		if opt.Keep {
			keep, out.plugin = true, p
		}
		return out
	}
	res, e := ping(ctx, cfg, a, info, p)
	if e != nil {
		return fail(e)
	}
	trust := "no signature of the answer was checked"
	if res.Verified {
		trust = "its signature verified"
	}
	out.line = fmt.Sprintf("%s: %s %s at %s answered %s about an order that does not exist (%s)",
		a.Name, info.Name, info.Version, a.Endpoint, res.Outcome, trust)
	return out
}

// unwrapped is the last part of the host's "plugin X: configuring account
// Y: why": the account and plugin are named by the problem already.
func unwrapped(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": configuring account "); i >= 0 {
		if j := strings.Index(msg[i+len(": configuring account "):], ": "); j >= 0 {
			return msg[i+len(": configuring account ")+j+2:]
		}
	}
	return msg
}

// unknownCredentials names each credential the account gives that its
// plugin does not take, with the name most likely meant.
func unknownCredentials(cfg *config.Config, a *config.Account, info plugins.Info) []error {
	var missing []string
	for _, c := range info.Credentials {
		if _, ok := a.Credentials[c]; !ok {
			missing = append(missing, c)
		}
	}
	var errs []error
	for _, k := range sortedKeys(a.Credentials) {
		if slices.Contains(info.Credentials, k) {
			continue
		}
		msg := fmt.Sprintf("plugin %s takes no credential %s", a.Plugin, k)
		if s := closest(k, missing); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		} else if s := closest(k, info.Credentials); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		msg += "; it takes " + strings.Join(info.Credentials, ", ")
		errs = append(errs, cfg.Problem("accounts."+a.Name+".credentials."+k, "%s", msg))
	}
	return errs
}

// ping asks the provider about an order no merchant has: a verified
// NOT_FOUND (or any verified answer) proves endpoint, credentials and
// signing. A failure names the setting most likely at fault.
func ping(ctx context.Context, cfg *config.Config, a *config.Account, info plugins.Info, p host.Plugin) (recon.Reply, *config.Error) {
	res, err := probe(ctx, a, p)
	return res, judgePing(cfg, a, info, res, err)
}

// probe is the one query of a ping.
func probe(ctx context.Context, a *config.Account, p host.Plugin) (recon.Reply, error) {
	var b [6]byte
	rand.Read(b[:])
	q := recon.Query{Kind: recon.Payment, OrderNo: "recon-check-" + hex.EncodeToString(b[:]), Attempt: 1}
	qctx, cancel := context.WithTimeout(ctx, a.Timeout+5*time.Second)
	defer cancel()
	return p.Query(qctx, q, a.Timeout)
}

// judgePing is the problem with a ping's reply, nil when it proves the
// account.
func judgePing(cfg *config.Config, a *config.Account, info plugins.Info, res recon.Reply, err error) *config.Error {
	key := "accounts." + a.Name
	if err != nil {
		return cfg.Problem(key+".endpoint", "ping: no answer from the plugin: %v", err)
	}
	why := res.Err
	if res.HTTPStatus != 0 {
		why = fmt.Sprintf("HTTP %d: %s", res.HTTPStatus, why)
	}
	switch res.Outcome {
	case recon.OutcomeFound, recon.OutcomeNotFound:
		return nil
	case recon.OutcomeTransient:
		return cfg.Problem(key+".endpoint", "ping: %s did not answer (%s): is the endpoint right and up?", a.Endpoint, why)
	case recon.OutcomeUnverifiable:
		c := suspect(why, info.Credentials, true)
		return cfg.Problem(key+".credentials."+c, "ping: the provider's answer failed verification (%s): "+
			"credential %s is likely wrong", why, c)
	case recon.OutcomePermanent:
		c := suspect(why, info.Credentials, false)
		return cfg.Problem(key+".credentials."+c, "ping: the provider refused the query (%s): credential %s is likely wrong",
			why, c)
	}
	return cfg.Problem(key+".plugin", "ping: the plugin answered %s (%s)", res.Outcome, why)
}

// suspect is the credential most likely wrong when a provider refused a
// query (or its answer failed verification): one the message names, else
// the key that signs (or, for verification, the provider's public key).
func suspect(msg string, creds []string, verifying bool) string {
	// The provider's own hint first (vborder: "check sign_key, customer_no
	// and platform_public_key"), narrowed to the key that signs or verifies.
	if mentioned := namedAll(msg, creds); len(mentioned) > 0 {
		if picks := keysFor(mentioned, verifying); len(picks) > 0 {
			return picks[0]
		}
		return mentioned[0]
	}
	if picks := keysFor(creds, verifying); len(picks) > 0 {
		return picks[0]
	}
	return strings.Join(creds, "/")
}

// keysFor are the credentials among creds that sign a query (a secret or
// the merchant's private key) or, verifying, that check an answer (the
// provider's public key), in creds' order; when none fits, every key.
func keysFor(creds []string, verifying bool) []string {
	var picks, keys []string
	for _, c := range creds {
		lc := strings.ToLower(c)
		public := strings.Contains(lc, "public") || strings.Contains(lc, "response")
		secret := strings.Contains(lc, "key") || strings.Contains(lc, "secret")
		if secret || public {
			keys = append(keys, c)
		}
		if verifying && public || !verifying && secret && !public {
			picks = append(picks, c)
		}
	}
	if len(picks) == 0 {
		return keys
	}
	return picks
}

// named is the first of names that msg mentions as a word, "" when none.
func named(msg string, names []string) string {
	if all := namedAll(msg, names); len(all) > 0 {
		return all[0]
	}
	return ""
}

// namedAll are the names that msg mentions as words, in the order of
// names.
func namedAll(msg string, names []string) []string {
	var out []string
	for _, n := range names {
		if mentions(msg, n) {
			out = append(out, n)
		}
	}
	return out
}

// mentions reports whether msg has n as a word of its own (terminal_key is
// not mentioned by "terminal_key_file"'s "key").
func mentions(msg, n string) bool {
	for off := 0; n != ""; {
		i := strings.Index(msg[off:], n)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(n)
		if (i == 0 || !wordByte(msg[i-1])) && (end == len(msg) || !wordByte(msg[end])) {
			return true
		}
		off = i + 1
	}
	return false
}

func wordByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func available(h Plugins) []string {
	specs, err := h.Available()
	if err != nil {
		return nil
	}
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.Name
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Outputs is a *PathError for each of outs that cannot be written.
func Outputs(outs []Output) Problems {
	var ps Problems
	for _, o := range outs {
		if err := outfile.Check(o.Path); err != nil {
			ps = append(ps, &PathError{Flag: o.Flag, Path: o.Path, Err: err})
		}
	}
	return ps
}
