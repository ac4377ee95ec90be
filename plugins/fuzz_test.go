package plugins

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/internal/pluginpb"
)

// FuzzResultWire: whatever text a provider's parser puts in a Result (it is
// the provider's bytes, often), the Result marshals for the wire and comes
// back the same, but for bytes that are not UTF-8, which come back as
// U+FFFD. Raw is bytes and comes back exactly.
func FuzzResultWire(f *testing.F) {
	f.Add("upay: malformed answer", "PAID", "7894259244061958", "payment_list", `[{"a":"b"}]`, []byte(`{"result_code":"200"}`))
	f.Add("paypro code 8000: \xff", "0000", "T\x80", "amount_tot\xff\xff", "[\"\xfe\"]", []byte("\xff\x00"))
	f.Fuzz(func(t *testing.T, errText, status, tradeNo, key, value string, raw []byte) {
		in := recon.Reply{Outcome: recon.OutcomeFound, Err: errText, Raw: raw, Request: "GET /x " + tradeNo, HTTPStatus: 200,
			Answer: recon.Answer{Status: status, SubStatus: status, Currency: "CNY", Amount: recon.Int64(1234), TradeNo: tradeNo,
				RefundTradeNo: tradeNo, PaidAt: time.UnixMilli(1763737804000).UTC(), Fields: map[string]string{key: value, "k": "v"}}}
		for _, version := range []int{ProtocolVersion, protocolBatches, protocolPacked} {
			roundTrip(t, in, version, errText, status, tradeNo, key, value, raw)
		}
	})
}

func roundTrip(t *testing.T, in recon.Reply, version int, errText, status, tradeNo, key, value string, raw []byte) {
	t.Helper()
	b, err := proto.Marshal(resultToPB(7, in, version))
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var m pluginpb.QueryResponse
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	got := resultFromPB(&m)
	want := in
	v := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
	want.Err, want.Request = v(in.Err), v(in.Request)
	want.Answer.Status, want.Answer.SubStatus, want.Answer.TradeNo, want.Answer.RefundTradeNo =
		v(status), v(status), v(tradeNo), v(tradeNo)
	want.Answer.Fields = map[string]string{"k": "v"}
	want.Answer.Fields[v(key)] = v(value)
	if len(raw) == 0 {
		want.Raw = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if utf8.ValidString(errText) && got.Err != errText {
		t.Fatalf("valid text changed: %q -> %q", errText, got.Err)
	}
}

// badByteProvider answers one order with a field that is not UTF-8, as a
// provider's parser does when it keeps a nested JSON value as text.
type badByteProvider struct{}

func (badByteProvider) Info() Info                               { return Info{Name: "bad-byte"} }
func (badByteProvider) Configure(context.Context, Account) error { return nil }
func (badByteProvider) Query(_ context.Context, q recon.Query) recon.Reply {
	if q.OrderNo == "BAD" {
		return recon.Reply{Outcome: recon.OutcomeFound, Answer: recon.Answer{Status: "PAID", Fields: map[string]string{"payment_list": "[{\"t\xff\":\"1\"}]"}}}
	}
	return recon.Reply{Outcome: recon.OutcomeFound, Answer: recon.Answer{Status: "PAID"}}
}

// The finding of FuzzResultWire through the real stream: before the wire
// made text valid, the BAD answer failed to marshal, the plugin's stream
// ended with it, and every later query of the account got ErrPluginGone.
func TestStreamSurvivesBytesThatAreNotUTF8(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version int) {
		r := newTestRemote(t, badByteProvider{}, version)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, order := range []string{"BAD", "GOOD", "BAD", "GOOD"} {
			res, err := r.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: order, Attempt: 1}, 10*time.Second)
			if err != nil {
				t.Fatalf("order %s: %v", order, err)
			}
			if res.Outcome != recon.OutcomeFound || res.Answer.Status != "PAID" {
				t.Fatalf("order %s: %+v", order, res)
			}
			if order == "BAD" && res.Answer.Fields["payment_list"] != "[{\"t\uFFFD\":\"1\"}]" {
				t.Fatalf("field %q", res.Answer.Fields["payment_list"])
			}
		}
	})
}

// forEachVersion runs f over protocol version 1 (Query), 2 (QueryBatches)
// and 3 (QueryBatches, fields_packed).
func forEachVersion(t *testing.T, f func(t *testing.T, version int)) {
	for _, v := range []int{ProtocolVersion, protocolBatches, protocolPacked} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) { f(t, v) })
	}
}

// hugeProvider answers with a reply far past the bounds, as a broken or
// hostile plugin might: the review stored 15 MB a row from such a plugin.
type hugeProvider struct{}

func (hugeProvider) Info() Info                               { return Info{Name: "huge"} }
func (hugeProvider) Configure(context.Context, Account) error { return nil }
func (hugeProvider) Query(_ context.Context, q recon.Query) recon.Reply {
	r := recon.Reply{Outcome: recon.OutcomeFound, Request: "GET /x", Answer: recon.Answer{Status: "PAID", OrderNo: q.OrderNo}}
	switch q.OrderNo {
	case "RAW":
		r.Raw = make([]byte, 3<<20)
	case "FIELDS":
		r.Answer.Fields = map[string]string{"blob": strings.Repeat("x", 2<<20)}
	case "STATUS":
		r.Answer.Status = strings.Repeat("P", 64<<10)
	}
	return r
}

func TestRepliesAreBounded(t *testing.T) {
	// The plugin's side: Serve bounds what a provider built with the SDK
	// returns, so one oversized reply fails that query, not the stream.
	forEachVersion(t, func(t *testing.T, version int) {
		r := newTestRemote(t, hugeProvider{}, version)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, order := range []string{"RAW", "FIELDS", "STATUS", "SMALL", "RAW", "SMALL"} {
			res, err := r.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: order, Attempt: 1}, 10*time.Second)
			if err != nil {
				t.Fatalf("order %s: %v (one oversized reply must not break the stream)", order, err)
			}
			if order == "SMALL" {
				if res.Outcome != recon.OutcomeFound {
					t.Errorf("small reply %+v", res)
				}
				continue
			}
			if res.Outcome != recon.OutcomePermanent || !strings.Contains(res.Err, "more than") || len(res.Raw) != 0 {
				t.Errorf("order %s: outcome %v, err %q, %d raw bytes", order, res.Outcome, res.Err, len(res.Raw))
			}
		}
	})
	// The host's side, for plugins built without the SDK: what came over
	// the wire too large is refused the same way.
	big := recon.Reply{Outcome: recon.OutcomeFound, Raw: make([]byte, MaxRawBytes+1), Request: "GET /x"}
	if got := bounded(big); got.Outcome != recon.OutcomePermanent || got.Request != "GET /x" || got.Raw != nil {
		t.Errorf("host-side bound: %+v", got)
	}
}

// newTestRemote serves impl over loopback gRPC, as Serve does in a plugin
// process, and returns the host's client of it.
func newTestRemote(t *testing.T, impl Provider, version int) *Remote {
	t.Helper()
	return newRawRemote(t, &server{impl: impl, version: version}, version)
}

// oversizedServer is a plugin not built with this SDK: its replies are not
// bounded before they are sent.
type oversizedServer struct {
	pluginpb.UnimplementedProviderServer
}

func (oversizedServer) Query(s pluginpb.Provider_QueryServer) error {
	req, err := s.Recv()
	if err != nil {
		return err
	}
	return s.Send(&pluginpb.QueryResponse{Id: req.GetId(), Outcome: pluginpb.Outcome(recon.OutcomeFound),
		Raw: make([]byte, MaxMessageBytes+1024)})
}

func (oversizedServer) QueryBatches(s pluginpb.Provider_QueryBatchesServer) error {
	b, err := s.Recv()
	if err != nil {
		return err
	}
	return s.Send(&pluginpb.ReplyBatch{Replies: []*pluginpb.QueryResponse{{Id: b.GetQueries()[0].GetId(),
		Outcome: pluginpb.Outcome(recon.OutcomeFound), Raw: make([]byte, MaxMessageBytes+1024)}}})
}

// A 100 MB message was reported as "plugin process died". Past the
// protocol's limit the host now says what happened.
func TestMessageTooLargeIsNamed(t *testing.T) {
	forEachVersion(t, func(t *testing.T, version int) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s := grpc.NewServer(grpc.MaxSendMsgSize(4 * MaxMessageBytes))
		pluginpb.RegisterProviderServer(s, oversizedServer{})
		go func() { _ = s.Serve(ln) }()
		defer s.Stop()
		cc, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessageBytes)))
		if err != nil {
			t.Fatal(err)
		}
		defer cc.Close()
		r := newRemote(pluginpb.NewProviderClient(cc), version)
		defer r.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err = r.Query(ctx, recon.Query{Kind: recon.Payment, OrderNo: "BIG", Attempt: 1}, 10*time.Second)
		if !errors.Is(err, ErrMessageTooLarge) || !errors.Is(err, ErrPluginGone) {
			t.Fatalf("error %v; want ErrMessageTooLarge (and the stream gone)", err)
		}
	})
}
