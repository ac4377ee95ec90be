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
// Provider, with queries multiplexed over one long-lived stream.
type Remote struct {
	client pluginpb.ProviderClient

	sendMu sync.Mutex // gRPC streams allow one sender at a time

	mu      sync.Mutex
	stream  pluginpb.Provider_QueryClient
	cancel  context.CancelFunc
	pending map[uint64]chan *pluginpb.QueryResponse
	nextID  uint64
	broken  error
}

func newRemote(c pluginpb.ProviderClient) *Remote {
	return &Remote{client: c, pending: map[uint64]chan *pluginpb.QueryResponse{}}
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
	id, ch, err := r.register()
	if err != nil {
		return recon.Reply{}, err
	}
	r.sendMu.Lock()
	err = r.stream.Send(queryToPB(id, q, timeout))
	r.sendMu.Unlock()
	if err != nil {
		r.fail(fmt.Errorf("%w: send: %v", ErrPluginGone, err))
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return recon.Reply{}, r.brokenErr()
		}
		return bounded(resultFromPB(m)), nil
	case <-ctx.Done():
		r.mu.Lock()
		delete(r.pending, id)
		r.mu.Unlock()
		return recon.Reply{}, ctx.Err()
	}
}

// Close ends the query stream; the plugin process is the host's to stop.
func (r *Remote) Close() {
	r.fail(ErrPluginGone)
}

func (r *Remote) register() (uint64, chan *pluginpb.QueryResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken != nil {
		return 0, nil, r.broken
	}
	if r.stream == nil {
		ctx, cancel := context.WithCancel(context.Background())
		s, err := r.client.Query(ctx)
		if err != nil {
			cancel()
			r.broken = fmt.Errorf("%w: open stream: %v", ErrPluginGone, err)
			return 0, nil, r.broken
		}
		r.stream, r.cancel = s, cancel
		go r.receive(s)
	}
	r.nextID++
	ch := make(chan *pluginpb.QueryResponse, 1)
	r.pending[r.nextID] = ch
	return r.nextID, ch, nil
}

func (r *Remote) receive(s pluginpb.Provider_QueryClient) {
	for {
		m, err := s.Recv()
		if err != nil {
			if status.Code(err) == codes.ResourceExhausted {
				err = fmt.Errorf("%w (%d bytes): %v", ErrMessageTooLarge, MaxMessageBytes, err)
			}
			r.fail(fmt.Errorf("%w: %w", ErrPluginGone, err))
			return
		}
		r.mu.Lock()
		ch := r.pending[m.GetId()]
		delete(r.pending, m.GetId())
		r.mu.Unlock()
		if ch != nil { // nil: its caller gave up waiting
			ch <- m
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
