package upay_test

import (
	"os"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/plugins/upay"
)

// BenchmarkInterpret reads upay's own success example, the common answer:
// the parser runs once per query, so its cost is per row.
func BenchmarkInterpret(b *testing.B) {
	body, err := os.ReadFile("testdata/doc_query_success.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if res := upay.Interpret(recon.Payment, body, "CNY", time.UTC); res.Outcome != recon.OutcomeFound {
			b.Fatalf("outcome %v: %s", res.Outcome, res.Err)
		}
	}
}
