package plugins

import (
	"encoding/binary"
	"fmt"
	"maps"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/internal/pluginpb"
)

// A fields_packed that is not of its form fails that reply, never the
// host: a plugin not built with this SDK may send anything.
func TestUnpackFieldsMalformed(t *testing.T) {
	pack := func(count uint64, parts ...string) []byte {
		b := binary.AppendUvarint(nil, count)
		for _, p := range parts {
			b = binary.AppendUvarint(b, uint64(len(p)))
			b = append(b, p...)
		}
		return b
	}
	for _, tt := range []struct {
		name string
		in   []byte
	}{
		{"no count", []byte{0x80}},
		{"count past the bytes", pack(1000, "k", "v")},
		{"fewer fields than counted", pack(2, "k", "v")},
		{"key without value", pack(1, "k")},
		{"length past the end", append(binary.AppendUvarint([]byte{1}, 50), "short"...)},
		{"bytes after the fields", append(pack(1, "k", "v"), 'x')},
		{"huge length", binary.AppendUvarint([]byte{1}, 1<<62)},
	} {
		if m, err := unpackFields(tt.in); err == nil {
			t.Errorf("%s: %v taken as %v", tt.name, tt.in, m)
		}
	}
	got, err := unpackFields(pack(2, "a\xff", "1", "b", "\xfe"))
	if want := map[string]string{"a\uFFFD": "1", "b": "\uFFFD"}; err != nil || !maps.Equal(got, want) {
		t.Errorf("bytes not UTF-8: %v, %v; want %v", got, err, want)
	}
}

// An outcome the protocol does not have is the plugin's failure, never an
// outcome of ours: 257 is not FOUND because a byte holds 1 of it.
func TestResultFromPBUnknownOutcome(t *testing.T) {
	for _, o := range []int32{0, 7, 9, 257, -1} {
		res := resultFromPB(&pluginpb.QueryResponse{Id: 1, Outcome: pluginpb.Outcome(o),
			Answer: &pluginpb.Answer{Status: "PAID", OrderNo: "O1"}})
		if res.Outcome != recon.OutcomePermanent || !strings.Contains(res.Err, fmt.Sprint(o)) {
			t.Errorf("outcome %d: read as %s (%q); want PERMANENT naming it", o, res.Outcome, res.Err)
		}
	}
	for o := recon.OutcomeFound; o <= recon.OutcomePermanent; o++ {
		if res := resultFromPB(&pluginpb.QueryResponse{Outcome: pluginpb.Outcome(o)}); res.Outcome != o {
			t.Errorf("outcome %d read as %s", o, res.Outcome)
		}
	}
}

// FuzzUnpackFields: any bytes are read without a panic, and what is read
// packs back to fields that read the same.
func FuzzUnpackFields(f *testing.F) {
	f.Add(packFields(map[string]string{"status": "PAID", "amount": "100"}))
	f.Add([]byte{1, 1, 'k', 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := unpackFields(b)
		if err != nil {
			return
		}
		again, err := unpackFields(packFields(m))
		if len(m) == 0 {
			return // packFields sends no fields as nothing
		}
		if err != nil || !maps.Equal(m, again) {
			t.Fatalf("%q: read %v, repacked and read %v, %v", b, m, again, err)
		}
	})
}

// BenchmarkWire is one answer of about upay's size through both sides of
// the wire: the plugin's conversion and marshalling, the host's
// unmarshalling and conversion, per protocol version.
//
//	go test -run '^$' -bench Wire -benchmem ./plugins/
func BenchmarkWire(b *testing.B) {
	fields := map[string]string{}
	for _, k := range []string{"client_tsn", "store_id", "subject", "payway", "description", "payment_list", "client_sn",
		"operator", "sub_payway", "order_status", "total_amount", "ctime", "sn", "net_amount", "terminal_id", "status",
		"result_code", "biz_result_code", "finish_time", "trade_no"} {
		fields[k] = "value-of-" + k + "-0123456789"
	}
	raw := make([]byte, 900)
	in := recon.Reply{Outcome: recon.OutcomeFound, Raw: raw, Request: "POST /upay/v2/query sn=1 client_sn=2", HTTPStatus: 200,
		Answer: recon.Answer{Status: "PAID", SubStatus: "SUCCESS", Currency: "CNY", Amount: recon.Int64(100), OrderNo: "2",
			TradeNo: "1", Fields: fields}}
	for _, v := range []int{protocolBatches, protocolPacked} {
		b.Run(fmt.Sprintf("v%d", v), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				buf, err := proto.Marshal(resultToPB(1, in, v))
				if err != nil {
					b.Fatal(err)
				}
				var m pluginpb.QueryResponse
				if err := proto.Unmarshal(buf, &m); err != nil {
					b.Fatal(err)
				}
				if r := resultFromPB(&m); len(r.Answer.Fields) != len(fields) {
					b.Fatal("fields lost")
				}
			}
		})
	}
}
