package index

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/reconhq/recon"
)

// The index answers as a map of every row would, whether it sorts in
// memory or merges chunks spilled to its file.
func TestIndexAgreesWithAMapOfEveryRow(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rows  int
		chunk int
	}{
		{"empty", 0, 1 << 18},
		{"in memory", 3000, 1 << 18},
		{"spilled, uneven chunks", 3000, 7},
		{"spilled, one row per chunk", 200, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func(n int) { chunkRows = n }(chunkRows)
			chunkRows = tc.chunk
			r := rand.New(rand.NewPCG(1, uint64(tc.rows)))
			var rows []recon.Row
			for i := 0; i < tc.rows; i++ {
				row := recon.Row{Line: i + 2, Account: fmt.Sprint("acct", r.IntN(3)), Kind: recon.Payment,
					OrderNo: fmt.Sprint("O", r.IntN(tc.rows/2+1))}
				if r.IntN(4) == 0 {
					row.Kind, row.RefundNo = recon.Refund, fmt.Sprint("R", r.IntN(3))
				}
				rows = append(rows, row)
			}
			dir := t.TempDir()
			b := NewBuilder(dir)
			content := func(row *recon.Row) uint64 { return uint64(row.Line) * 0x9e3779b97f4a7c15 }
			for i := range rows {
				if err := b.Add(&rows[i], content(&rows[i])); err != nil {
					t.Fatal(err)
				}
			}
			ix, err := b.Finish()
			if err != nil {
				t.Fatal(err)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Fatalf("index left %v behind", ents)
			}

			firstOf := map[string]int{}
			kinds := map[string]map[recon.Kind]bool{}
			wantDups := 0
			digests := map[string]uint64{} // the XOR of an order's refund rows' contents, duplicates left out
			for _, row := range rows {
				k := row.Key()
				first, dupSeen := firstOf[k]
				gotFirst, gotDup := ix.Duplicate(row.Line)
				if dupSeen != gotDup || dupSeen && first != gotFirst {
					t.Fatalf("line %d: Duplicate = %d, %v; want %d, %v", row.Line, gotFirst, gotDup, first, dupSeen)
				}
				o := row.Account + "/" + row.OrderNo
				if dupSeen {
					wantDups++
				} else {
					firstOf[k] = row.Line
					if row.Kind == recon.Refund {
						digests[o] ^= content(&row)
					}
				}
				if kinds[o] == nil {
					kinds[o] = map[recon.Kind]bool{}
				}
				kinds[o][row.Kind] = true
			}
			withRefunds := 0
			for _, row := range rows {
				o := kinds[row.Account+"/"+row.OrderNo]
				want := o[recon.Payment] && o[recon.Refund]
				if got := ix.HasRefunds(row.Account, row.OrderNo); got != want {
					t.Fatalf("HasRefunds(%s, %s) = %v, want %v", row.Account, row.OrderNo, got, want)
				}
				if got, ok := ix.RefundsDigest(row.Account, row.OrderNo); ok != want || want && got != digests[row.Account+"/"+row.OrderNo] {
					t.Fatalf("RefundsDigest(%s, %s) = %x, %v; want %x, %v", row.Account, row.OrderNo, got, ok, digests[row.Account+"/"+row.OrderNo], want)
				}
				if want {
					withRefunds++
				}
			}
			if ix.HasRefunds("nosuch", "O1") {
				t.Fatal("an order the ledger lacks has refunds")
			}
			if tc.rows > 0 && (wantDups == 0 || withRefunds == 0) {
				t.Fatalf("the generated ledger exercises too little: %d duplicates, %d rows of orders with refunds", wantDups, withRefunds)
			}
			if len(ix.dups) != wantDups {
				t.Fatalf("index holds %d duplicates, want %d", len(ix.dups), wantDups)
			}
		})
	}
}

// BenchmarkIndex is the cost per ledger row of the duplicate and refund
// index (go test -bench . -benchmem ./engine/internal/index).
func BenchmarkIndex(b *testing.B) {
	rows := make([]recon.Row, 1<<16)
	for i := range rows {
		rows[i] = recon.Row{Line: i + 2, Account: "shop-upay", Kind: recon.Payment, OrderNo: fmt.Sprintf("ORD%012d", i)}
	}
	b.ResetTimer()
	for n := 0; n < b.N; {
		bl := NewBuilder(b.TempDir())
		for i := range rows {
			if n == b.N {
				break
			}
			if err := bl.Add(&rows[i], uint64(i)); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if _, err := bl.Finish(); err != nil {
			b.Fatal(err)
		}
	}
}
