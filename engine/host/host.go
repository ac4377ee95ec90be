package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/internal/digest"
	"github.com/reconhq/recon/plugins"
	"github.com/reconhq/recon/plugins/builtin"
)

// ErrUnknownPlugin is returned when a name is neither built in nor in the plugin directory.
var ErrUnknownPlugin = errors.New("unknown provider plugin")

// ErrChecksum is returned when a plugin binary does not match its pinned sha256.
var ErrChecksum = errors.New("plugin binary does not match its pinned sha256")

var _ Starter = (*Host)(nil)

// Host starts each plugin as its own process and kills them all on Close.
type Host struct {
	dir  string
	pins map[string]string
	self string
	// selfSum is recon's own digest, the checksum of every built-in: one
	// hash of a large binary per run, not one per account.
	selfSum func() (string, error)
	logger  hclog.Logger

	mu      sync.Mutex
	clients map[*plugin.Client]*os.Process
	closed  bool
}

// New returns a host. dir is the plugin directory ("" for none); pins maps
// plugin names to the sha256 their binary must have.
func New(dir string, pins map[string]string, log *slog.Logger) (*Host, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding recon's own binary to start built-in plugins: %w", err)
	}
	return &Host{dir: dir, pins: pins, self: self, logger: hclogFor(log), clients: map[*plugin.Client]*os.Process{},
		selfSum: sync.OnceValues(func() (string, error) { return digest.File(self) })}, nil
}

// Spec is how to start a plugin.
type Spec struct {
	Name    string
	Builtin bool
	Path    string // the binary
	SHA256  string // of the binary (for built-ins: of recon itself)
}

// Resolve finds a plugin by name: built-ins first, then the plugin directory.
func (h *Host) Resolve(name string) (Spec, error) {
	if _, ok := builtin.Lookup(name); ok {
		sum, err := h.selfSum()
		if err != nil {
			return Spec{}, err
		}
		return Spec{Name: name, Builtin: true, Path: h.self, SHA256: sum}, nil
	}
	if h.dir == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return Spec{}, fmt.Errorf("%w %q: not built in (%s), and no plugin_dir holds it", ErrUnknownPlugin, name, builtinNames())
	}
	p := filepath.Join(h.dir, name)
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() {
		return Spec{}, fmt.Errorf("%w %q: not built in (%s), and %s is not a plugin binary", ErrUnknownPlugin, name, builtinNames(), p)
	}
	sum, err := digest.File(p)
	if err != nil {
		return Spec{}, err
	}
	if want, pinned := h.pins[name]; pinned && !strings.EqualFold(want, sum) {
		return Spec{}, fmt.Errorf("%w: %s has sha256 %s, the config pins %s", ErrChecksum, p, sum, want)
	}
	return Spec{Name: name, Path: p, SHA256: sum}, nil
}

// process is a running plugin process.
type process struct {
	host   *Host
	info   plugins.Info
	client *plugin.Client
	proc   *os.Process
	remote *plugins.Remote
}

// Start starts a plugin process and configures it for an account.
func (h *Host) Start(ctx context.Context, spec Spec, acct plugins.Account) (Plugin, error) {
	c, cmd, err := h.launch(spec, h.logger.With("account", acct.Name))
	if err != nil {
		return nil, err
	}
	remote, err := plugins.Dispense(c)
	if err != nil {
		h.stop(c, nil, 0) // go-plugin kills a process whose start failed
		return nil, fmt.Errorf("starting plugin %s (%s): %w", spec.Name, spec.Path, err)
	}
	// Dispense returned: the start is over and cmd.Process may be read.
	proc := cmd.Process
	if !h.started(c, proc) { // Close ran while it started
		h.stop(c, proc, 0)
		return nil, errors.New("host is closed")
	}
	info, err := remote.Info(ctx)
	if err != nil {
		h.stop(c, proc, 0)
		return nil, fmt.Errorf("plugin %s: describe: %w", spec.Name, err)
	}
	if err := remote.Configure(ctx, acct); err != nil {
		// It answered: shut it down as any other (a SIGKILL would be
		// logged as a plugin that died, beside why the account did not
		// start).
		h.stop(c, proc, GracePeriod)
		return nil, fmt.Errorf("plugin %s: configuring account %s: %w", spec.Name, acct.Name, grpcMessage(err))
	}
	return &process{host: h, info: info, client: c, proc: proc, remote: remote}, nil
}

func (p *process) Info() plugins.Info { return p.info }

// Query asks the plugin over its stream; see plugins.Remote.Query.
func (p *process) Query(ctx context.Context, q recon.Query, timeout time.Duration) (recon.Reply, error) {
	return p.remote.Query(ctx, q, timeout)
}

// Exited reports whether the process is gone or its stream broke.
func (p *process) Exited() bool { return p.client.Exited() || p.remote.Broken() }

// Stop asks the plugin to shut down, gives it GracePeriod, then SIGKILLs
// it; it returns once the process is gone, or after StopBound at most.
func (p *process) Stop() {
	p.remote.Close()
	p.host.stop(p.client, p.proc, GracePeriod)
}

// Kill SIGKILLs the plugin at once: for one taken for hung, whose
// cooperation is not to be waited for. It returns once the process is
// gone, or after KillBound at most.
func (p *process) Kill() {
	p.remote.Close()
	p.host.stop(p.client, p.proc, 0)
}

// PID is the plugin's process id, 0 before it started.
func (p *process) PID() int { return p.proc.Pid }

// Close stops every plugin this host started, all at once, each as Stop
// does: it returns within StopBound whatever the plugins are doing.
func (h *Host) Close() {
	h.mu.Lock()
	h.closed = true
	cs := h.clients
	h.clients = map[*plugin.Client]*os.Process{}
	h.mu.Unlock()
	var wg sync.WaitGroup
	for c, proc := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			terminate(c, proc, GracePeriod, h.logger)
		}()
	}
	wg.Wait()
}

func (h *Host) track(c *plugin.Client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.clients[c] = nil
	return true
}

// started records the process of c once go-plugin started it, so that
// Close can SIGKILL it; false when Close already ran.
func (h *Host) started(c *plugin.Client, proc *os.Process) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; !ok {
		return false
	}
	h.clients[c] = proc
	return true
}

func (h *Host) stop(c *plugin.Client, proc *os.Process, grace time.Duration) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	terminate(c, proc, grace, h.logger)
}

// Available lists every plugin this host can start: built-ins and the
// binaries of the plugin directory.
func (h *Host) Available() ([]Spec, error) {
	var out []Spec
	for _, b := range builtin.All() {
		s, err := h.Resolve(b.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if h.dir == "" {
		return out, nil
	}
	entries, err := os.ReadDir(h.dir)
	if err != nil {
		return nil, fmt.Errorf("plugin_dir: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if _, isBuiltin := builtin.Lookup(e.Name()); isBuiltin {
			continue
		}
		s, err := h.Resolve(e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func builtinNames() string {
	var names []string
	for _, b := range builtin.All() {
		names = append(names, b.Name)
	}
	return "built in: " + strings.Join(names, ", ")
}

// Describe starts a plugin only to ask what it is, then stops it.
func (h *Host) Describe(ctx context.Context, spec Spec) (plugins.Info, error) {
	c, cmd, err := h.launch(spec, h.logger)
	if err != nil {
		return plugins.Info{}, err
	}
	r, err := plugins.Dispense(c)
	if err != nil {
		h.stop(c, nil, 0)
		return plugins.Info{}, err
	}
	proc := cmd.Process
	defer h.stop(c, proc, GracePeriod)
	if !h.started(c, proc) {
		return plugins.Info{}, errors.New("host is closed")
	}
	return r.Info(ctx)
}

// launch makes the go-plugin client of a plugin process; the process
// starts when the client is first used.
func (h *Host) launch(spec Spec, log hclog.Logger) (*plugin.Client, *exec.Cmd, error) {
	cmd := exec.Command(spec.Path)
	cmd.Env = os.Environ()
	if spec.Builtin {
		cmd.Env = append(cmd.Env, builtin.EnvServe+"="+spec.Name)
	}
	tieToParent(cmd)
	cfg := &plugin.ClientConfig{
		HandshakeConfig:  plugins.Handshake,
		VersionedPlugins: plugins.HostPlugins(),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Managed:          true,
		Logger:           log,
		StartTimeout:     30 * time.Second,
		SyncStdout:       io.Discard,
		GRPCDialOptions:  dialOptions(),
	}
	if !spec.Builtin {
		// Checked again at exec time: the file may change between Resolve and Start.
		sum, _ := hex.DecodeString(spec.SHA256)
		cfg.SecureConfig = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	}
	c := plugin.NewClient(cfg)
	if !h.track(c) {
		return nil, nil, errors.New("host is closed") // not started yet: nothing to kill
	}
	return c, cmd, nil
}
