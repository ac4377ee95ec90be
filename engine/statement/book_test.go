package statement

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reconhq/recon"
)

const reconHeader = "order_no,provider_trade_no,type,refund_no,amount,currency,status,time\n"

func loadBook(t *testing.T, body string, change func(*Mapping)) (*Book, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bill.csv")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	m, _ := Preset("recon")
	if change != nil {
		change(&m)
	}
	b, err := Load(path, m, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, path
}

// Every row after the first of one key is a duplicate of the first, also
// when all rows share the key (a constant column mapped as order_no):
// each row is compared with the distinct keys of its hash, not with every
// row before it.
func TestDuplicatesOfOneKey(t *testing.T) {
	var body strings.Builder
	body.WriteString(reconHeader)
	const rows = 3000
	for i := range rows {
		fmt.Fprintf(&body, "X,T%d,payment,,1.00,CNY,SUCCESS,2024-10-19T14:37:28+08:00\n", i)
	}
	fmt.Fprintf(&body, "Y,TY,payment,,1.00,CNY,SUCCESS,2024-10-19T14:37:28+08:00\n")
	b, _ := loadBook(t, body.String(), nil)
	for ord := range b.Len() {
		e, err := b.Entry(ord)
		if err != nil {
			t.Fatal(err)
		}
		want := 2 // the first X row's line
		if ord == 0 || e.OrderNo == "Y" {
			want = 0
		}
		if e.DupOf != want {
			t.Fatalf("row %d (%s, line %d): a duplicate of line %d; want %d", ord, e.OrderNo, e.Line, e.DupOf, want)
		}
	}
}

// A statement row joins the ledger rows of its order number that accept
// it (the identity check), and no other: not a ledger row of another order
// number that names its trade.
func TestFindJoinsOnlyWhatAcceptTakes(t *testing.T) {
	b, _ := loadBook(t, reconHeader+"A1,T9,payment,,1.00,CNY,SUCCESS,2024-10-19T14:37:28+08:00\n", nil)
	all := func(*Entry) bool { return true }
	for _, tc := range []struct {
		order  string
		accept func(*Entry) bool
		want   bool
	}{
		{"B2", all, false}, // the same trade T9, another order
		{"A1", func(e *Entry) bool { return e.ProviderTradeNo == "T8" }, false},
		{"A1", all, true},
	} {
		_, e, ok, err := b.Find(recon.Payment, tc.order, "", tc.accept)
		if err != nil || ok != tc.want || (ok && (e.OrderNo != "A1" || !e.Joined)) {
			t.Errorf("Find(%s): %+v, %v, %v; want found %v", tc.order, e, ok, err, tc.want)
		}
	}
	if e, err := b.Entry(0); err != nil || !e.Joined {
		t.Errorf("after the join: %+v, %v", e, err)
	}
}

// The statement's sha256 is the whole file's, also what follows stop_at.
func TestBookDigestIsTheFiles(t *testing.T) {
	body := reconHeader + "A1,T9,payment,,1.00,CNY,SUCCESS,2024-10-19T14:37:28+08:00\nTOTAL\n" + strings.Repeat("summary line\n", 20000)
	b, path := loadBook(t, body, func(m *Mapping) { m.StopAt = "TOTAL" })
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if b.Len() != 1 || b.SHA256() != hex.EncodeToString(sum[:]) {
		t.Errorf("%d rows, sha256 %s; want 1 row and the file's %x", b.Len(), b.SHA256(), sum)
	}
}

// BenchmarkLoadOneKey loads a statement of 40,000 rows of one order
// number: what a constant column mapped as order_no gives.
func BenchmarkLoadOneKey(b *testing.B) {
	var body strings.Builder
	body.WriteString(reconHeader)
	for i := range 40000 {
		fmt.Fprintf(&body, "X,T%d,payment,,1.00,CNY,SUCCESS,2024-10-19T14:37:28+08:00\n", i)
	}
	path := filepath.Join(b.TempDir(), "bill.csv")
	if err := os.WriteFile(path, []byte(body.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	m, _ := Preset("recon")
	for b.Loop() {
		bk, err := Load(path, m, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		bk.Close()
	}
}

// A column past its reservation goes on in the heap, its entries kept.
func TestColumnPastItsReservation(t *testing.T) {
	c := newColumn(2)
	for i := range 5 {
		c.add(uint64(i * 10))
	}
	if len(c.s) != 5 || c.s[0] != 0 || c.s[4] != 40 || c.free != nil {
		t.Fatalf("column %v (reserved: %v)", c.s, c.free != nil)
	}
	c.release()
	if c.s != nil {
		t.Fatal("released, the column still holds entries")
	}
}
