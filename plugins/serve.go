package plugins

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"time"
	_ "time/tzdata" // a plugin must resolve account time zones on hosts without zoneinfo

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/internal/pluginpb"
)

// ProtocolVersion is the oldest version of the host–plugin protocol this
// SDK speaks, the one of the handshake; go-plugin picks the newest that
// both sides offer (VersionedPlugins).
const ProtocolVersion = 1

// The versions after the first (see provider.proto): protocolBatches adds
// QueryBatches, protocolPacked sends an answer's fields as fields_packed.
const (
	protocolBatches = 2
	protocolPacked  = 3
)

// Handshake is shared by recon and every provider plugin. It is not a
// security measure: it only keeps a plugin binary started by hand from
// pretending to be a server.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "RECON_PROVIDER_PLUGIN",
	MagicCookieValue: "5d2f3c8e-recon-provider-7b41",
}

// pluginKey is the name under which the provider is dispensed.
const pluginKey = "provider"

// MaxMessageBytes bounds one protocol message either way. Raw provider
// bodies are capped well below it by the providers' HTTP clients.
const MaxMessageBytes = 16 << 20

// gcPercent is a plugin process's GOGC unless the environment sets one.
const gcPercent = 400

// maxInFlight bounds the queries a plugin works on at once, whatever the host sends.
const maxInFlight = 1024

// Serve runs p as a plugin process and returns when the host goes away.
func Serve(p Provider) {
	go exitWithParent()
	if os.Getenv("GOGC") == "" {
		// A plugin's live heap is a few MB, so at the default GOGC it
		// collects every few hundred queries; each query's garbage is
		// short-lived, and a larger multiple costs only tens of MB.
		debug.SetGCPercent(gcPercent)
	}
	defer profiled(p.Info().Name)()
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{
			ProtocolVersion: {pluginKey: &grpcPlugin{impl: p, version: ProtocolVersion}},
			protocolBatches: {pluginKey: &grpcPlugin{impl: p, version: protocolBatches}},
			protocolPacked:  {pluginKey: &grpcPlugin{impl: p, version: protocolPacked}},
		},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts, grpc.MaxRecvMsgSize(MaxMessageBytes), grpc.MaxSendMsgSize(MaxMessageBytes))
			return grpc.NewServer(opts...)
		},
		// JSON on stderr: the host parses it into its own log.
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:       p.Info().Name,
			Output:     os.Stderr,
			JSONFormat: true,
			Level:      hclog.Info,
		}),
	})
}

// EnvCPUProfile names a file prefix: when set, every plugin process writes
// a CPU profile of itself to PREFIX.<provider>.<pid> (recon's main process
// has RECON_CPUPROFILE; the plugins are processes of their own). The
// profile is complete when the host stops the plugin the ordinary way.
const EnvCPUProfile = "RECON_PLUGIN_CPUPROFILE"

// profiled starts the CPU profile EnvCPUProfile asks for and returns what
// stops it; a profile that cannot be written is logged, not fatal.
func profiled(name string) (stop func()) {
	prefix := os.Getenv(EnvCPUProfile)
	if prefix == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s.%s.%d", prefix, name, os.Getpid()))
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", EnvCPUProfile, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}

// exitWithParent ends the plugin when its host dies without closing it
// (a SIGKILLed host cannot). The host also asks the kernel for a parent-death
// signal where it can; this is the portable fallback.
func exitWithParent() {
	parent := os.Getppid()
	for range time.Tick(time.Second) {
		if os.Getppid() != parent {
			os.Exit(3)
		}
	}
}

// grpcPlugin binds the protocol to go-plugin; impl is nil on the host side.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl    Provider
	version int // the protocol version negotiated
}

func (g *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pluginpb.RegisterProviderServer(s, &server{impl: g.impl, version: g.version})
	return nil
}

func (g *grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return newRemote(pluginpb.NewProviderClient(c), g.version), nil
}

type server struct {
	pluginpb.UnimplementedProviderServer
	impl    Provider
	version int // the protocol version negotiated: how answers' fields are sent
}

func (s *server) Describe(context.Context, *pluginpb.DescribeRequest) (*pluginpb.DescribeResponse, error) {
	in := s.impl.Info()
	return &pluginpb.DescribeResponse{
		Name:        in.Name,
		Version:     in.Version,
		RefundQuery: in.RefundQuery,
		Credentials: in.Credentials,
		Description: in.Description,
	}, nil
}

func (s *server) Configure(ctx context.Context, req *pluginpb.ConfigureRequest) (*pluginpb.ConfigureResponse, error) {
	loc := time.UTC
	if tz := req.GetTimezone(); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return nil, fmt.Errorf("timezone %q: %w", tz, err)
		}
		loc = l
	}
	err := s.impl.Configure(ctx, Account{
		Name:        req.GetAccount(),
		Endpoint:    req.GetEndpoint(),
		Currency:    req.GetCurrency(),
		Location:    loc,
		Credentials: req.GetCredentials(),
		Options:     req.GetOptions(),
	})
	if err != nil {
		return nil, err
	}
	return &pluginpb.ConfigureResponse{}, nil
}

func (s *server) Query(stream pluginpb.Provider_QueryServer) error {
	var sendMu sync.Mutex
	w := newWorkers(func(req *pluginpb.QueryRequest) {
		res := bounded(s.answer(stream.Context(), req))
		sendMu.Lock()
		defer sendMu.Unlock()
		_ = stream.Send(resultToPB(req.GetId(), res, ProtocolVersion)) // a broken stream is the host's to notice
	})
	defer w.close()
	for {
		req, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		w.do(req)
	}
}

// workers runs each query of a stream on a goroutine of a pool that grows
// up to maxInFlight and keeps its idle members for the stream's life: a
// goroutine per query started on the smallest stack and grew it (copying
// it) on every query, about a tenth of a plugin's CPU.
type workers struct {
	work  func(*pluginpb.QueryRequest)
	jobs  chan *pluginpb.QueryRequest // unbuffered: a send is taken by an idle worker
	slots chan struct{}               // one per running worker
	wg    sync.WaitGroup
}

func newWorkers(work func(*pluginpb.QueryRequest)) *workers {
	return &workers{work: work, jobs: make(chan *pluginpb.QueryRequest), slots: make(chan struct{}, maxInFlight)}
}

// do hands req to an idle worker, or to a new one while fewer than
// maxInFlight run, or else waits for one to be free.
func (w *workers) do(req *pluginpb.QueryRequest) {
	select {
	case w.jobs <- req:
		return
	default:
	}
	select {
	case w.jobs <- req:
	case w.slots <- struct{}{}:
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.work(req)
			for req := range w.jobs {
				w.work(req)
			}
		}()
	}
}

// close waits for the queries handed out to finish.
func (w *workers) close() {
	close(w.jobs)
	w.wg.Wait()
}

// Bounds on one ReplyBatch. A bounded reply is at most about 2 MiB
// (MaxRawBytes + MaxFieldsBytes + texts), so a batch closed at
// batchBytes stays well under MaxMessageBytes.
const (
	maxRepliesPerMessage = 256
	batchBytes           = 4 << 20
)

// QueryBatches is Query with many queries and answers per message: answers
// that finish while one message is being sent go out together in the next.
func (s *server) QueryBatches(stream pluginpb.Provider_QueryBatchesServer) error {
	var (
		out  = make(chan *pluginpb.QueryResponse, maxInFlight)
		sent = make(chan struct{})
	)
	go func() {
		defer close(sent)
		sendBatches(stream, out)
	}()
	w := newWorkers(func(req *pluginpb.QueryRequest) {
		out <- resultToPB(req.GetId(), bounded(s.answer(stream.Context(), req)), max(s.version, protocolBatches))
	})
	defer func() {
		w.close()
		close(out)
		<-sent
	}()
	for {
		batch, err := stream.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		for _, req := range batch.GetQueries() {
			w.do(req)
		}
	}
}

// sendBatches sends the answers of out, each message with all that are
// ready, until out is closed. After a failed send it keeps draining, so
// that no worker blocks; the host notices the broken stream.
func sendBatches(stream pluginpb.Provider_QueryBatchesServer, out <-chan *pluginpb.QueryResponse) {
	var (
		batch  []*pluginpb.QueryResponse
		broken bool
	)
	for m := range out {
		batch = append(batch[:0], m)
		size := replySize(m)
	more:
		for len(batch) < maxRepliesPerMessage && size < batchBytes {
			select {
			case m, ok := <-out:
				if !ok {
					break more
				}
				batch = append(batch, m)
				size += replySize(m)
			default:
				break more
			}
		}
		if !broken {
			broken = stream.Send(&pluginpb.ReplyBatch{Replies: batch}) != nil
		}
		clear(batch)
	}
}

// replySize is about what m weighs on the wire: its large parts.
func replySize(m *pluginpb.QueryResponse) int {
	n := 64 + len(m.GetRaw()) + len(m.GetRequest()) + len(m.GetError())
	for _, f := range m.GetAnswer().GetFieldPairs() {
		n += len(f) + 2
	}
	return n + len(m.GetAnswer().GetFieldsPacked())
}

// answer runs one query of the stream through Guard.
func (s *server) answer(ctx context.Context, req *pluginpb.QueryRequest) recon.Reply {
	return Guard(ctx, s.impl, queryFromPB(req), time.Duration(req.GetTimeoutMs())*time.Millisecond)
}

// Guard makes one attempt of p at q the way the host expects any attempt to
// behave: under the attempt's own deadline (timeout; 0 for none), with a
// panic turned into a PERMANENT reply of that query rather than the end of
// the process, and a reply without an outcome taken as PERMANENT. Serve uses
// it for every query, and so does a host that runs a provider in-process.
func Guard(ctx context.Context, p Provider, q recon.Query, timeout time.Duration) (res recon.Reply) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	defer func() {
		if v := recover(); v != nil {
			// The stack is for the plugin's author, on its stderr (the
			// host's log); the reply, which the report shows, says what
			// panicked, short enough for the bounds on a reply.
			fmt.Fprintf(os.Stderr, "plugin panic on %s %s: %v\n%s", q.Kind, q.OrderNo, v, debug.Stack())
			res = recon.Reply{Outcome: recon.OutcomePermanent, Err: "plugin panic: " + Clip(fmt.Sprint(v)) + " (its stack went to the plugin's stderr: recon --log-level debug shows it)"}
		}
	}()
	res = p.Query(ctx, q)
	if res.Outcome == 0 {
		res.Outcome = recon.OutcomePermanent
		if res.Err == "" {
			res.Err = "plugin returned no outcome"
		}
	}
	return res
}

// HostPlugins is the plugin set a host hands to go-plugin's client.
func HostPlugins() map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		ProtocolVersion: {pluginKey: &grpcPlugin{version: ProtocolVersion}},
		protocolBatches: {pluginKey: &grpcPlugin{version: protocolBatches}},
		protocolPacked:  {pluginKey: &grpcPlugin{version: protocolPacked}},
	}
}

// Dispense connects to a started go-plugin client and returns the provider.
func Dispense(c *plugin.Client) (*Remote, error) {
	rpc, err := c.Client()
	if err != nil {
		return nil, err
	}
	raw, err := rpc.Dispense(pluginKey)
	if err != nil {
		return nil, err
	}
	r, ok := raw.(*Remote)
	if !ok {
		return nil, fmt.Errorf("plugin dispensed a %T, not a provider", raw)
	}
	return r, nil
}
