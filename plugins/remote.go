package plugins

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/internal/pluginpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrPluginGone is returned by Remote.Query when the plugin's stream broke:
// the process died or stopped answering. The host starts a fresh process.
var ErrPluginGone = errors.New("plugin process is gone")

// ErrMessageTooLarge is wrapped with ErrPluginGone when the plugin sent a
// message past MaxMessageBytes: gRPC ends the stream over it, so the plugin
// is as good as gone, but it did not die and should not be reported so.
var ErrMessageTooLarge = errors.New("the plugin sent a message larger than the protocol allows")

// Remote is the host's view of a running plugin: the same three calls as
// Provider, with queries multiplexed over one long-lived stream. One
// goroutine sends what callers queued, so a caller never waits on a
// plugin that stopped reading, only on its own ctx; with protocol version
// 2, it sends everything queued in one message.
type Remote struct {
	client  pluginpb.ProviderClient
	batches bool // protocol version 2 or later: QueryBatches

	mu      sync.Mutex
	open    bool
	cancel  context.CancelFunc
	queue   []*pluginpb.QueryRequest
	wake    chan struct{} // a query was queued; buffered 1
	pending map[uint64]chan *pluginpb.QueryResponse
	nextID  uint64
	broken  error
}

// newRemote is the host's side of a stream of protocol version; the
// answers' form of fields (version 3) needs nothing of it, as resultFromPB
// reads every form.
func newRemote(c pluginpb.ProviderClient, version int) *Remote {
	return &Remote{client: c, batches: version >= protocolBatches, wake: make(chan struct{}, 1),
		pending: map[uint64]chan *pluginpb.QueryResponse{}}
}

// Info asks the plugin to describe itself.
func (r *Remote) Info(ctx context.Context) (Info, error) {
	m, err := r.client.Describe(ctx, &pluginpb.DescribeRequest{})
	if err != nil {
		return Info{}, err
	}
	return Info{
		Name:        m.GetName(),
		Version:     m.GetVersion(),
		RefundQuery: m.GetRefundQuery(),
		Credentials: m.GetCredentials(),
		Description: m.GetDescription(),
	}, nil
}

// Configure hands the plugin its account.
func (r *Remote) Configure(ctx context.Context, a Account) error {
	tz := ""
	if a.Location != nil {
		tz = a.Location.String()
	}
	_, err := r.client.Configure(ctx, &pluginpb.ConfigureRequest{
		Account:     a.Name,
		Endpoint:    a.Endpoint,
		Currency:    a.Currency,
		Timezone:    tz,
		Credentials: a.Credentials,
		Options:     a.Options,
	})
	return err
}

// Query sends q and waits for its answer. timeout is the plugin's budget for
// the attempt; ctx bounds the wait here and should allow a little more, so
// that a plugin that answers at its deadline is heard. It returns an error
// only when no answer can come: ctx ended, or ErrPluginGone.
func (r *Remote) Query(ctx context.Context, q recon.Query, timeout time.Duration) (recon.Reply, error) {
	ch, id, err := r.enqueue(q, timeout)
	if err != nil {
		return recon.Reply{}, err
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return recon.Reply{}, r.brokenErr()
		}
		return bounded(resultFromPB(m)), nil
	case <-ctx.Done():
		r.mu.Lock()
		delete(r.pending, id) // the sender skips it if it is still queued
		r.mu.Unlock()
		return recon.Reply{}, ctx.Err()
	}
}

// Close ends the query stream; the plugin process is the host's to stop.
func (r *Remote) Close() {
	r.fail(ErrPluginGone)
}

// maxQueriesPerMessage bounds a QueryBatch, as batchBytes does its size: a
// query is a few dozen bytes, but nothing bounds the ledger's order numbers.
const maxQueriesPerMessage = 512

// querySize is about what q weighs on the wire.
func querySize(q *pluginpb.QueryRequest) int {
	return 32 + len(q.GetOrderNo()) + len(q.GetProviderTradeNo()) + len(q.GetRefundNo())
}

// enqueue registers q for an answer and queues it for the sender, opening
// the stream on first use.
func (r *Remote) enqueue(q recon.Query, timeout time.Duration) (chan *pluginpb.QueryResponse, uint64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken != nil {
		return nil, 0, r.broken
	}
	if !r.open {
		if err := r.openLocked(); err != nil {
			r.broken = fmt.Errorf("%w: open stream: %v", ErrPluginGone, err)
			return nil, 0, r.broken
		}
	}
	r.nextID++
	ch := make(chan *pluginpb.QueryResponse, 1)
	r.pending[r.nextID] = ch
	r.queue = append(r.queue, queryToPB(r.nextID, q, timeout))
	select {
	case r.wake <- struct{}{}:
	default: // the sender was woken already and will take this one too
	}
	return ch, r.nextID, nil
}

// stream is one direction-agnostic view of the two query RPCs.
type stream struct {
	send func([]*pluginpb.QueryRequest) error
	recv func(deliver func(*pluginpb.QueryResponse)) error
}

func (r *Remote) openLocked() error {
	ctx, cancel := context.WithCancel(context.Background())
	var st stream
	if r.batches {
		s, err := r.client.QueryBatches(ctx)
		if err != nil {
			cancel()
			return err
		}
		st.send = func(qs []*pluginpb.QueryRequest) error {
			for len(qs) > 0 {
				n, size := 0, 0
				for n < len(qs) && n < maxQueriesPerMessage && size < batchBytes {
					size += querySize(qs[n])
					n++
				}
				if err := s.Send(&pluginpb.QueryBatch{Queries: qs[:n]}); err != nil {
					return err
				}
				qs = qs[n:]
			}
			return nil
		}
		st.recv = func(deliver func(*pluginpb.QueryResponse)) error {
			m, err := s.Recv()
			if err != nil {
				return err
			}
			for _, res := range m.GetReplies() {
				deliver(res)
			}
			return nil
		}
	} else {
		s, err := r.client.Query(ctx)
		if err != nil {
			cancel()
			return err
		}
		st.send = func(qs []*pluginpb.QueryRequest) error {
			for _, q := range qs {
				if err := s.Send(q); err != nil {
					return err
				}
			}
			return nil
		}
		st.recv = func(deliver func(*pluginpb.QueryResponse)) error {
			m, err := s.Recv()
			if err != nil {
				return err
			}
			deliver(m)
			return nil
		}
	}
	r.open, r.cancel = true, cancel
	go r.sender(ctx, st)
	go r.receive(st)
	return nil
}

// sender sends what is queued, all of it at each wake-up, until the stream
// ends. gRPC blocks a send while the plugin does not read (flow control):
// queries queue meanwhile, and their callers still end with their ctx.
func (r *Remote) sender(ctx context.Context, st stream) {
	var qs []*pluginpb.QueryRequest
	for {
		select {
		case <-r.wake:
		case <-ctx.Done():
			return
		}
		r.mu.Lock()
		qs, r.queue = r.queue, qs[:0]
		live := qs[:0]
		for _, q := range qs {
			if r.pending[q.GetId()] != nil { // its caller still waits
				live = append(live, q)
			}
		}
		r.mu.Unlock()
		if err := st.send(live); err != nil {
			r.fail(fmt.Errorf("%w: send: %v", ErrPluginGone, err))
			return
		}
		clear(qs) // no reference to a sent query outlives its send
	}
}

func (r *Remote) receive(st stream) {
	deliver := func(m *pluginpb.QueryResponse) {
		r.mu.Lock()
		ch := r.pending[m.GetId()]
		delete(r.pending, m.GetId())
		r.mu.Unlock()
		if ch != nil { // nil: its caller gave up waiting
			ch <- m
		}
	}
	for {
		if err := st.recv(deliver); err != nil {
			if status.Code(err) == codes.ResourceExhausted {
				err = fmt.Errorf("%w (%d bytes): %v", ErrMessageTooLarge, MaxMessageBytes, err)
			}
			r.fail(fmt.Errorf("%w: %w", ErrPluginGone, err))
			return
		}
	}
}

// fail marks the stream broken and wakes every waiting caller.
func (r *Remote) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken == nil {
		r.broken = err
	}
	for id, ch := range r.pending {
		close(ch)
		delete(r.pending, id)
	}
	r.queue = nil
	if r.cancel != nil {
		r.cancel()
	}
}

func (r *Remote) brokenErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken != nil {
		return r.broken
	}
	return ErrPluginGone
}

// Broken reports whether the stream is known to be dead.
func (r *Remote) Broken() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.broken != nil
}
