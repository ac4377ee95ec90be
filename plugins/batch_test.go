package plugins

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/internal/pluginpb"
)

// freezer forwards TCP between a client and addr until frozen, then reads
// nothing more: what a stopped (SIGSTOP) plugin process looks like to the
// host. Once the socket buffers and gRPC's window are full, sends block.
type freezer struct {
	ln     net.Listener
	frozen chan struct{}
	once   sync.Once
}

func newFreezer(t *testing.T, addr string) *freezer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln, frozen: make(chan struct{})}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				return
			}
			t.Cleanup(func() { c.Close(); s.Close() })
			go f.pipe(s, c)
			go f.pipe(c, s)
		}
	}()
	return f
}

func (f *freezer) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		select {
		case <-f.frozen:
			return
		default:
		}
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

func (f *freezer) freeze() { f.once.Do(func() { close(f.frozen) }) }

// A query ends with its caller's ctx even when the plugin stopped reading:
// before, the caller that found the window full blocked in Send (holding
// the send lock, so every other caller blocked behind it) until the
// plugin read again.
func TestQueryEndsWithCtxWhenThePluginStopsReading(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version int) {
		r, fr := newFrozenRemote(t, version)
		ctx := context.Background()
		if res, err := r.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: "A1"}, time.Second); err != nil || res.Outcome != recon.OutcomeFound {
			t.Fatalf("before the freeze: %+v, %v", res, err)
		}
		fr.freeze()
		ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		long := strings.Repeat("N", 64<<10) // 64 MiB in all: more than socket buffers and windows hold
		var wg sync.WaitGroup
		var ended atomic.Int64
		for range 1024 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := r.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: long}, time.Second); errors.Is(err, context.DeadlineExceeded) {
					ended.Add(1)
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("%d of 1024 queries ended with their ctx; the others are stuck sending", ended.Load())
		}
		if ended.Load() != 1024 {
			t.Errorf("%d of 1024 queries ended with their ctx", ended.Load())
		}
	})
}

func newFrozenRemote(t *testing.T, version int) (*Remote, *freezer) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(grpc.MaxRecvMsgSize(MaxMessageBytes), grpc.MaxSendMsgSize(MaxMessageBytes))
	pluginpb.RegisterProviderServer(s, &server{impl: badByteProvider{}, version: version})
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(s.Stop)
	fr := newFreezer(t, ln.Addr().String())
	return dialRemote(t, fr.ln.Addr().String(), version), fr
}

// barrierProvider holds every query until n are in flight, then answers
// them all at once.
type barrierProvider struct {
	n       int
	mu      sync.Mutex
	waiting int
	all     chan struct{}
}

func (*barrierProvider) Info() Info                               { return Info{Name: "barrier"} }
func (*barrierProvider) Configure(context.Context, Account) error { return nil }
func (p *barrierProvider) Query(ctx context.Context, q recon.Query) recon.Reply {
	p.mu.Lock()
	p.waiting++
	if p.waiting == p.n {
		close(p.all)
	}
	p.mu.Unlock()
	select {
	case <-p.all:
	case <-ctx.Done():
	}
	return recon.Reply{Outcome: recon.OutcomeFound, Answer: recon.Answer{OrderNo: q.OrderNo, Fields: map[string]string{"order": q.OrderNo}}}
}

// Answers released together each still reach their own caller, in every
// protocol version (version 2 and later send them in few messages).
func TestAnswersReleasedTogether(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version int) {
		const n = 200
		p := &barrierProvider{n: n, all: make(chan struct{})}
		r := newTestRemote(t, p, version)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				order := "ORDER-" + strings.Repeat("x", i%7) + string(rune('A'+i%26))
				res, err := r.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: order}, 20*time.Second)
				if err != nil || res.Answer.OrderNo != order || res.Answer.Fields["order"] != order {
					t.Errorf("query %s: %+v, %v", order, res.Answer, err)
				}
			}()
		}
		wg.Wait()
	})
}

// sentStream records what sendBatches sends.
type sentStream struct {
	pluginpb.Provider_QueryBatchesServer
	sent []*pluginpb.ReplyBatch
}

func (s *sentStream) Send(m *pluginpb.ReplyBatch) error {
	s.sent = append(s.sent, &pluginpb.ReplyBatch{Replies: slices.Clone(m.GetReplies())})
	return nil
}

// The plugin's sender puts every answer that is ready into one message,
// up to its count and size bounds, keeping their order.
func TestSendBatches(t *testing.T) {
	big := make([]byte, 1<<20)
	tests := []struct {
		name  string
		raws  [][]byte
		sizes []int // replies per message
	}{
		{"one", [][]byte{nil}, []int{1}},
		{"all ready go together", slices.Repeat([][]byte{[]byte("{}")}, 100), []int{100}},
		{"count bound", slices.Repeat([][]byte{nil}, maxRepliesPerMessage+3), []int{maxRepliesPerMessage, 3}},
		{"size bound", slices.Repeat([][]byte{big}, 6), []int{4, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := make(chan *pluginpb.QueryResponse, len(tt.raws))
			for i, raw := range tt.raws {
				out <- &pluginpb.QueryResponse{Id: uint64(i), Raw: raw}
			}
			close(out)
			var s sentStream
			sendBatches(&s, out)
			var sizes []int
			next := uint64(0)
			for _, m := range s.sent {
				sizes = append(sizes, len(m.GetReplies()))
				for _, r := range m.GetReplies() {
					if r.GetId() != next {
						t.Fatalf("reply %d sent where %d was due", r.GetId(), next)
					}
					next++
				}
			}
			if !slices.Equal(sizes, tt.sizes) {
				t.Errorf("messages of %v replies; want %v", sizes, tt.sizes)
			}
		})
	}
}

// newRawRemote serves srv over loopback gRPC and returns a host's client
// of it speaking protocol version 1 or 2.
func newRawRemote(t *testing.T, srv pluginpb.ProviderServer, version int, opts ...grpc.ServerOption) *Remote {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(append(opts, grpc.MaxRecvMsgSize(MaxMessageBytes), grpc.MaxSendMsgSize(MaxMessageBytes))...)
	pluginpb.RegisterProviderServer(s, srv)
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(s.Stop)
	return dialRemote(t, ln.Addr().String(), version)
}

func dialRemote(t *testing.T, addr string, version int) *Remote {
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessageBytes)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	r := newRemote(pluginpb.NewProviderClient(cc), version)
	t.Cleanup(r.Close)
	return r
}
