package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
)

// want is what one row must read as: its line, its order number and amount,
// and, for a row that cannot be read, words its error must contain.
type want struct {
	line   int
	order  string
	amount string
	err    string
}

// written is one row as the reader read it, before the check against the
// config: where it starts, its columns as written (a copy), and why it
// cannot be read.
type written struct {
	Line int
	col  func(string) string
	Err  *recon.RowError
}

func (w written) get(name string) string {
	if w.col == nil {
		return ""
	}
	return w.col(name)
}

// readAll reads every row as written: these tests are about reading, the
// check has its own (TestCheck).
func readAll(t testing.TB, r *Reader) []written {
	t.Helper()
	var rows []written
	for {
		line, col, bad, err := r.next()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatalf("next: %v (after %d rows)", err, len(rows))
		}
		w := written{Line: line, Err: bad}
		if col != nil { // valid until the next read: keep a copy
			cols := map[string]string{}
			for _, name := range Known {
				cols[name] = col(name)
			}
			w.col = func(name string) string { return cols[name] }
		}
		rows = append(rows, w)
	}
}

func checkRows(t *testing.T, got []written, wants []want) {
	t.Helper()
	for i := 0; i < max(len(got), len(wants)); i++ {
		if i >= len(got) {
			t.Errorf("row %d missing; want %+v", i, wants[i])
			continue
		}
		if i >= len(wants) {
			t.Errorf("extra row %d: %+v", i, got[i])
			continue
		}
		g, w := got[i], wants[i]
		if g.Line != w.line {
			t.Errorf("row %d: line %d; want %d", i, g.Line, w.line)
		}
		switch {
		case w.err == "" && g.Err != nil:
			t.Errorf("line %d: unexpected error %v", g.Line, g.Err)
		case w.err != "" && g.Err == nil:
			t.Errorf("line %d: no error; want one saying %q (row %+v)", g.Line, w.err, g)
		case w.err != "" && !strings.Contains(g.Err.Reason, w.err):
			t.Errorf("line %d: error %q; want it to say %q", g.Line, g.Err.Reason, w.err)
		case w.err != "" && g.Err.Line != g.Line:
			t.Errorf("line %d: the error names line %d", g.Line, g.Err.Line)
		}
		if w.err == "" && (g.get("order_no") != w.order || g.get("amount") != w.amount) {
			t.Errorf("line %d: order %q amount %q; want %q %q", g.Line, g.get("order_no"), g.get("amount"), w.order, w.amount)
		}
	}
}

func TestReadFixtures(t *testing.T) {
	const notUTF8 = "is not UTF-8"
	tests := []struct {
		file string
		rows []want
	}{
		{"plain.csv", []want{{line: 2, order: "A1", amount: "12.34"}, {line: 3, order: "A1", amount: "2.00"}}},
		{"bom.csv", []want{{line: 2, order: "A1", amount: "12.34"}}},
		// Columns in any order and case, with spaces, and an extra column.
		{"any_order.csv", []want{{line: 2, order: "A1", amount: "1.00"}, {line: 3, order: "A2", amount: "2.50"}}},
		{"header_only.csv", nil},
		// A bare quote spoils its row only; reading goes on.
		{"bare_quote.csv", []want{{line: 2, order: "A1", amount: "1.00"},
			{line: 3, err: `is not valid CSV: bare " in non-quoted-field (column 7)`},
			{line: 4, order: "A3", amount: "3.00"}}},
		{"field_count.csv", []want{{line: 2, order: "A1", amount: "1.00"},
			{line: 3, err: "has 4 fields, the header has 9"},
			{line: 4, err: "has 10 fields, the header has 9"},
			{line: 5, order: "A4", amount: "4.00"}}},
		{"gbk.csv", []want{{line: 2, order: "A1", amount: "1.00"},
			{line: 3, err: notUTF8 + " in column order_no: is the ledger saved in another encoding, such as GBK?"},
			{line: 4, order: "A3", amount: "3.00"}}},
		// Quoted fields over several lines: each row has the line it starts
		// on, and the rows after keep their true line numbers.
		{"multiline.csv", []want{{line: 2, order: "A1", amount: "1.00"}, {line: 3, order: "A2\nsecond line\nthird line", amount: "2.00"},
			{line: 6, order: "A3", amount: "3.00"}, {line: 8, order: "A4", amount: "4.00"}}},
		{"crlf.csv", []want{{line: 2, order: "A1", amount: "1.00"}, {line: 4, order: "A2", amount: "2.00"}}},
		// A quote that never closes spoils its own line, not the rows after
		// it (CSV alone would read the rest of the file as one field).
		{"unclosed_quote.csv", []want{{line: 2, order: "A1", amount: "1.00"},
			{line: 3, err: "the quote at column 6 opens a field that does not close as CSV expects"},
			{line: 4, order: "A3", amount: "3.00"}}},
		{"trailing_commas.csv", []want{{line: 2, order: "A1", amount: "1.00"}}},
		// Numbers keep their text: 12.30 is not 12.3, and a 22-digit order
		// number is not rounded.
		{"numbers.jsonl", []want{{line: 1, order: "A1", amount: "12.30"}, {line: 2, order: "1234567890123456789012", amount: "1e2"}}},
		{"bom.jsonl", []want{{line: 1, order: "A1", amount: "1.00"}}},
		{"blank_lines.jsonl", []want{{line: 2, order: "A1", amount: "1.00"}, {line: 5, order: "A2", amount: "2.00"}}},
		{"not_objects.jsonl", []want{
			{line: 1, err: "is not a JSON object: it holds an array"},
			{line: 2, err: "is not a JSON object: it holds a string"},
			{line: 3, err: "is not a JSON object: it holds a number"},
			{line: 4, err: "is not a JSON object: it holds null"},
			{line: 5, err: "is not a JSON object: it holds a boolean"},
			{line: 6, order: "A6", amount: "6.00"},
			{line: 7, err: `key "nested" holds an object, want a string or a number`},
			{line: 8, err: `key "list" holds an array`},
			{line: 9, err: `key "paid" holds a boolean`},
			{line: 10, err: "is not valid JSON"},
			{line: 11, err: "has more after the JSON object"},
			{line: 12, err: "has more after the JSON object"},
			{line: 13, err: `has the key "account" twice`},
			{line: 14, order: "A14", amount: "14.00"}, // the last line needs no newline
		}},
		{"gbk.jsonl", []want{{line: 1, order: "A1", amount: "1.00"},
			{line: 2, err: notUTF8 + " at column 31: is the ledger saved in another encoding, such as GBK?"}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			r, err := Open(path, "", shop)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			checkRows(t, readAll(t, r), tt.rows)
			// The digest covers every byte of the file, BOM included.
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if sum := sha256.Sum256(raw); r.SHA256() != hex.EncodeToString(sum[:]) {
				t.Errorf("SHA256 %s; want %x", r.SHA256(), sum)
			}
		})
	}
}

// shop is the config of the fixtures: one account, "shop", in China.
func shop(name string) (Account, bool) {
	if name != "shop" {
		return Account{}, false
	}
	return Account{Provider: "upay", Currency: "CNY", Location: china}, true
}

var china = time.FixedZone("CST", 8*3600)

// Every field of a good row lands in its place; JSON null is absent.
func TestFields(t *testing.T) {
	r, err := Open("testdata/plain.csv", "", shop)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rows []recon.Row
	for {
		row, bad, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil || bad != nil {
			t.Fatalf("line %d: %v %v", row.Line, bad, err)
		}
		rows = append(rows, row)
	}
	wantRows := []recon.Row{
		{Line: 2, Account: "shop", Provider: "upay", OrderNo: "A1", ProviderTradeNo: "T1", Kind: recon.Payment,
			Amount: 1234, AmountText: "12.34", Currency: "CNY", Status: recon.StatePaid,
			CreatedAt: time.Date(2026, 11, 21, 23, 10, 4, 0, china)},
		{Line: 3, Account: "shop", Provider: "upay", OrderNo: "A1", Kind: recon.Refund, RefundNo: "R1",
			Amount: 200, AmountText: "2.00", Currency: "CNY", Status: recon.StateSuccess},
	}
	if len(rows) != len(wantRows) {
		t.Fatalf("%d rows", len(rows))
	}
	for i := range rows {
		if rows[i] != wantRows[i] {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, rows[i], wantRows[i])
		}
	}

	jr, err := NewReader(strings.NewReader(`{"account":" shop ","order_no":"A1","amount":"1.00","status":"PAID","currency":null,"refund_no":""}`),
		"inline.jsonl", "", shop)
	if err != nil {
		t.Fatal(err)
	}
	got, bad, err := jr.Next()
	want := recon.Row{Line: 1, Account: "shop", Provider: "upay", OrderNo: "A1", Kind: recon.Payment, Amount: 100,
		AmountText: "1.00", Currency: "CNY", Status: recon.StatePaid}
	if err != nil || bad != nil || got != want {
		t.Errorf("jsonl row %+v, %v, %v; want %+v", got, bad, err, want)
	}
}

// TestCheck: a row that does not hold up against the config is INVALID
// with a reason the operator reads as its detail, names the column at
// fault, and keeps what could be read of it.
func TestCheck(t *testing.T) {
	head := "account,order_no,type,refund_no,amount,currency,status,created_at\n"
	tests := []struct {
		name, row    string
		field        string
		reason       string
		kind         recon.Kind
		status       recon.State
		amount, curr string
	}{
		{"missing fields", ",A1,,,,,PAID,", "account", "missing account, amount", 0, recon.StatePaid, "", ""},
		{"unknown account", "other,A1,,,1.00,,PAID,", "account", `account "other" is not in the config`, 0, recon.StatePaid, "1.00", ""},
		{"unknown account keeps its type", "other,A1,refund,R1,1.00,,success,", "account", `account "other" is not in the config`,
			recon.Refund, recon.StateSuccess, "1.00", ""},
		{"type", "shop,A1,chargeback,,1.00,,PAID,", "type", `type "chargeback" is not payment or refund`, 0, recon.StatePaid, "1.00", ""},
		{"refund without refund_no", "shop,A1,refund,,1.00,,SUCCESS,", "refund_no", "a refund row needs refund_no",
			recon.Refund, recon.StateSuccess, "1.00", ""},
		{"payment status", "shop,A1,,,1.00,,PAYED,", "status",
			`status "PAYED" is not a payment status (PENDING, PAID, FAILED, CLOSED, PARTIALLY_REFUNDED, REFUNDED)`,
			recon.Payment, "PAYED", "1.00", ""},
		{"refund status", "shop,A1,REFUND,R1,1.00,,PAID,", "status", `status "PAID" is not a refund status (PENDING, SUCCESS, FAILED)`,
			recon.Refund, recon.StatePaid, "1.00", ""},
		{"currency", "shop,A1,,,1.00,xx,PAID,", "currency", `currency "xx" is not an ISO 4217 code`, recon.Payment, recon.StatePaid, "1.00", "XX"},
		{"amount decimals", "shop,A1,,,12.345,,PAID,", "amount", `amount "12.345" is not a decimal with at most 2 decimals for CNY`,
			recon.Payment, recon.StatePaid, "12.345", "CNY"},
		{"amount for KRW", "shop,A1,,,300.5,krw,PAID,", "amount", `amount "300.5" is not a decimal with at most 0 decimals for KRW`,
			recon.Payment, recon.StatePaid, "300.5", "KRW"},
		{"amount too large", "shop,A1,,,99999999999999999999.99,,PAID,", "amount",
			`amount "99999999999999999999.99" is too large: at most 90071992547409.91 CNY`,
			recon.Payment, recon.StatePaid, "99999999999999999999.99", "CNY"},
		{"created_at", "shop,A1,,,1.00,,PAID,yesterday", "created_at", `created_at "yesterday" is neither RFC 3339 nor yyyy-MM-dd HH:mm:ss`,
			recon.Payment, recon.StatePaid, "1.00", "CNY"},
		{"unreadable row keeps its columns", "shop,A1,,,1.00,,PAID,,extra", "", "line has 9 fields, the header has 8", 0, recon.StatePaid, "1.00", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(head+tt.row+"\n"), "l.csv", "", shop)
			if err != nil {
				t.Fatal(err)
			}
			row, bad, err := r.Next()
			if err != nil || bad == nil {
				t.Fatalf("row %+v, %v, %v; want it invalid", row, bad, err)
			}
			if bad.Reason != tt.reason || bad.Field != tt.field || bad.Line != 2 || row.Line != 2 {
				t.Errorf("got %+v (row line %d); want line 2, field %q, reason %q", *bad, row.Line, tt.field, tt.reason)
			}
			if row.Kind != tt.kind || row.Status != tt.status || row.AmountText != tt.amount || row.Currency != tt.curr ||
				row.OrderNo != "A1" {
				t.Errorf("row %+v; want kind %v, status %s, amount %q, currency %q", row, tt.kind, tt.status, tt.amount, tt.curr)
			}
		})
	}

	// RFC 3339 keeps its offset; the other form is in the account's zone.
	r, err := NewReader(strings.NewReader(head+"shop,A1,,,300,krw,paid,2026-11-21T23:10:04Z\n"), "l.csv", "", shop)
	if err != nil {
		t.Fatal(err)
	}
	row, bad, err := r.Next()
	if err != nil || bad != nil || row.Amount != 300 || row.Currency != "KRW" || row.Status != recon.StatePaid ||
		!row.CreatedAt.Equal(time.Date(2026, 11, 21, 23, 10, 4, 0, time.UTC)) {
		t.Errorf("row %+v, %v, %v", row, bad, err)
	}
}

// A ledger no row of which could be judged is an error at Open, naming the file and what is wrong.
func TestOpenErrors(t *testing.T) {
	tests := []struct {
		file, format string
		err          []string
		line         int
		isFormat     bool
	}{
		{"testdata/missing_columns.csv", "", []string{"testdata/missing_columns.csv", "header (line 1) lacks the required column(s) order_no, status",
			"(it has account,order,amount)"}, 1, false},
		{"testdata/empty.csv", "", []string{"testdata/empty.csv", "the file is empty"}, 0, false},
		{"testdata/no_header.csv", "", []string{"header (line 1) names none of the required columns account, order_no, amount, status",
			"(it has shop,A1,1.00,PAID): is the header row missing?"}, 1, false},
		{"testdata/utf16.csv", "", []string{"is UTF-16", "save the ledger as UTF-8"}, 0, false},
		{"testdata/duplicate_column.csv", "", []string{`column "amount" appears twice`}, 1, false},
		{"testdata/plain.csv", "xml", []string{`ledger testdata/plain.csv: unknown ledger format "xml" (csv or jsonl)`}, 0, true},
		{"testdata/orders.txt", "", []string{"ledger testdata/orders.txt: cannot tell the format from the extension", "--ledger-format"}, 0, true},
		{"testdata/nonexistent.csv", "", []string{"ledger: open testdata/nonexistent.csv: no such file"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			r, err := Open(tt.file, tt.format, shop)
			if err == nil {
				r.Close()
				t.Fatal("opened")
			}
			var le *Error
			if !errors.As(err, &le) || le.Path != tt.file {
				t.Errorf("error %v is not a *ledger.Error naming %s", err, tt.file)
			}
			if got := errors.Is(err, ErrFormat); got != tt.isFormat {
				t.Errorf("errors.Is(%v, ErrFormat) = %v", err, got)
			}
			if le != nil && le.Line != tt.line {
				t.Errorf("error at line %d; want %d", le.Line, tt.line)
			}
			for _, w := range tt.err {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// A format named explicitly wins over the extension.
func TestFormatOverride(t *testing.T) {
	r, err := NewReader(strings.NewReader("account,order_no,amount,status\nshop,A1,1.00,PAID\n"), "export.txt", FormatCSV, shop)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, readAll(t, r), []want{{line: 2, order: "A1", amount: "1.00"}})
}

// An I/O error of the source is the reader's error, not a row.
func TestSourceError(t *testing.T) {
	boom := errors.New("disk on fire")
	src := io.MultiReader(strings.NewReader("account,order_no,amount,status\nshop,A1,1.00,PAID\n"), errReader{boom})
	r, err := NewReader(src, "l.csv", "", shop)
	if err != nil {
		t.Fatal(err)
	}
	if row, bad, err := r.Next(); err != nil || bad != nil || row.OrderNo != "A1" {
		t.Fatalf("first row %+v, %v, %v", row, bad, err)
	}
	_, _, err = r.Next()
	var le *Error
	if !errors.Is(err, boom) || !errors.As(err, &le) || le.Path != "l.csv" {
		t.Fatalf("err %v; want %v in a *ledger.Error", err, boom)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// Lines longer than the limit, with a limit small enough to see every edge:
// a line of exactly max bytes is read, one more byte and it is cut; the cut
// row says so with its line number and the rows after it are read.
func TestLongLines(t *testing.T) {
	const max = 40
	x := func(n int) string { return strings.Repeat("x", n) }
	head := "account,order_no,amount,status\n"
	row := func(order string) string { return "shop," + order + ",1.00,PAID" }
	fit := row(x(max - len(row(""))))
	long := row(x(max - len(row("")) + 1))
	tests := []struct {
		name, format, data string
		rows               []want
	}{
		{"exactly max", "csv", head + fit + "\n" + row("A3") + "\n",
			[]want{{line: 2, order: x(max - len(row(""))), amount: "1.00"}, {line: 3, order: "A3", amount: "1.00"}}},
		{"max plus one", "csv", head + long + "\n" + row("A3") + "\n",
			[]want{{line: 2, err: "is longer than 40 bytes"}, {line: 3, order: "A3", amount: "1.00"}}},
		{"CRLF counts the CR", "csv", head + fit + "\r\n" + row("A3") + "\r\n",
			[]want{{line: 2, err: "is longer than 40 bytes"}, {line: 3, order: "A3", amount: "1.00"}}},
		{"last line, no newline", "csv", head + row("A2") + "\n" + long,
			[]want{{line: 2, order: "A2", amount: "1.00"}, {line: 3, err: "is longer than 40 bytes"}}},
		{"many long lines", "csv", head + long + "\n" + long + "\n" + row("A4") + "\n" + long + "\n",
			[]want{{line: 2, err: "longer"}, {line: 3, err: "longer"}, {line: 4, order: "A4", amount: "1.00"}, {line: 5, err: "longer"}}},
		// A quoted field cut short would stay open and swallow the rows
		// after it; the whole line is dropped instead.
		{"long quoted field", "csv", head + `shop,"` + x(3*max) + `",1.00,PAID` + "\n" + row("A3") + "\n",
			[]want{{line: 2, err: "is longer than 40 bytes"}, {line: 3, order: "A3", amount: "1.00"}}},
		// The long line opens a quoted field that a later line closes.
		{"long line opens a quote", "csv", head + `shop,"` + x(3*max) + "\n" + `more",1.00,PAID` + "\n" + row("A4") + "\n",
			// A cut line ends the record it is in: the line after it is
			// read alone (a stray quote's would otherwise be taken in).
			[]want{{line: 2, err: "is longer than 40 bytes"}, {line: 3, err: `bare " in non-quoted-field`}, {line: 4, order: "A4", amount: "1.00"}}},
		// A row that starts short and goes on over a long line.
		{"long line inside a record", "csv", head + `shop,"A2` + "\n" + x(3*max) + "\n" + `end",1.00,PAID` + "\n" + row("A5") + "\n",
			[]want{{line: 2, err: "opens a field that does not close"}, {line: 3, err: "is longer than 40 bytes"},
				{line: 4, err: `bare " in non-quoted-field`}, {line: 5, order: "A5", amount: "1.00"}}},
		{"jsonl", "jsonl", `{"order_no":"` + x(max) + `"}` + "\n" + `{"order_no":"A2","amount":"1"}` + "\n\n" + `{"a":"` + x(max) + "\n" + `{"order_no":"A5","amount":"5"}`,
			[]want{{line: 1, err: "is longer than 40 bytes"}, {line: 2, order: "A2", amount: "1"}, {line: 4, err: "longer"}, {line: 5, order: "A5", amount: "5"}}},
		{"jsonl blank long line", "jsonl", x(max+1) + "\n" + strings.Repeat(" ", max+1) + "\n",
			[]want{{line: 1, err: "longer"}, {line: 2, err: "longer"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := newReader(strings.NewReader(tt.data), "l", tt.format, max)
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, readAll(t, r), tt.rows)
			if sum := sha256.Sum256([]byte(tt.data)); r.SHA256() != hex.EncodeToString(sum[:]) {
				t.Errorf("SHA256 does not cover the skipped bytes")
			}
		})
	}

	t.Run("header", func(t *testing.T) {
		_, err := newReader(strings.NewReader("account,order_no,amount,status"+x(max)+"\n"+row("A1")+"\n"), "l.csv", "", max)
		if err == nil || !strings.Contains(err.Error(), "ledger l.csv: header (line 1) is longer than 40 bytes") {
			t.Fatalf("err %v", err)
		}
	})
}

// repeatReader yields n bytes of c, quickly: a stand-in for a gigabyte
// on disk.
type repeatReader struct {
	n   int64
	buf []byte
}

func newRepeatReader(c byte, n int64) *repeatReader {
	return &repeatReader{n: n, buf: bytes.Repeat([]byte{c}, 1<<20)}
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	n := 0
	for n < len(p) {
		n += copy(p[n:], r.buf)
	}
	r.n -= int64(n)
	return n, nil
}

// longLineLedger is a CSV ledger whose third line holds a quoted field of
// n bytes, between two good rows.
func longLineLedger(n int64) io.Reader {
	return io.MultiReader(
		strings.NewReader("account,order_no,amount,status,note\nshop,A1,1.00,PAID,\nshop,BIG,2.00,PAID,\""),
		newRepeatReader('x', n),
		strings.NewReader("\"\nshop,A3,3.00,PAID,\n"))
}

// The line of TestGigabyteLine: the 1 GiB, and the SHA-256 of the
// whole ledger around it (computed independently, with Python's hashlib).
const (
	longLineBytes  = 1 << 30
	longLineSHA256 = "aff5ab21929a40ee9927f5a7d2656760cc0a4ef4e9c2b4e3f257f4372dad4bb5"
)

// The gigabyte on one line: an INVALID row with its line number, in
// a megabyte or so of memory, and the rows after it read.
func TestGigabyteLine(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a gigabyte; not in -short")
	}
	var before, after runtimeMem
	before.read()
	r, err := NewReader(longLineLedger(longLineBytes), "big.csv", "", shop)
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, r)
	after.read()
	checkRows(t, rows, []want{{line: 2, order: "A1", amount: "1.00"},
		{line: 3, err: "is longer than 1048576 bytes; the line was skipped"},
		{line: 4, order: "A3", amount: "3.00"}})
	if got := r.SHA256(); got != longLineSHA256 {
		t.Errorf("SHA256 %s; want %s (the digest of every byte, the skipped ones too)", got, longLineSHA256)
	}
	if alloc := after.total - before.total; alloc > 64<<20 {
		t.Errorf("reading allocated %d MiB; the long line must not be held in memory", alloc>>20)
	}
}

// BenchmarkLongLine reads a ledger with one 64 MiB line: the cost of
// skipping what is too long (the SHA-256 of every byte included).
func BenchmarkLongLine(b *testing.B) {
	const n = 64 << 20
	b.SetBytes(n)
	for b.Loop() {
		r, err := NewReader(longLineLedger(n), "big.csv", "", shop)
		if err != nil {
			b.Fatal(err)
		}
		if rows := readAll(b, r); len(rows) != 3 || rows[1].Err == nil {
			b.Fatalf("rows %+v", rows)
		}
	}
}

// BenchmarkRows reads an ordinary ledger of short rows.
func BenchmarkRows(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("account,order_no,provider_trade_no,type,refund_no,amount,currency,status,created_at\n")
	for i := 0; i < 100000; i++ {
		buf.WriteString("shop-upay,ORDER-0000012345,7894259244061958,payment,,12.34,CNY,PAID,2026-11-21 23:10:04\n")
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data), "l.csv", "", shop)
		if err != nil {
			b.Fatal(err)
		}
		if rows := readAll(b, r); len(rows) != 100000 {
			b.Fatalf("%d rows", len(rows))
		}
	}
}

type runtimeMem struct{ total uint64 }

func (m *runtimeMem) read() {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.total = s.TotalAlloc
}

// A stray quote costs its own line, never the rows after it: encoding/csv
// alone would read a quoted field from it up to the next quote or the end
// of the file, as one bad row. Each case is a header and rows A2... on the
// lines of their numbers, with some lines replaced.
func TestStrayQuote(t *testing.T) {
	const head = "account,order_no,provider_trade_no,type,refund_no,amount,currency,status,created_at\n"
	row := func(n int) string { return fmt.Sprintf("shop,A%d,,,,%d.00,,PAID,", n, n) }
	// ledger is lines 2 to last, each row(n) unless other says otherwise;
	// the last has no newline when open.
	ledger := func(last int, open bool, other map[int]string) string {
		var b strings.Builder
		b.WriteString(head)
		for n := 2; n <= last; n++ {
			if s, ok := other[n]; ok {
				b.WriteString(s)
			} else {
				b.WriteString(row(n))
			}
			if n < last || !open {
				b.WriteString("\n")
			}
		}
		return b.String()
	}
	good := func(n int) want { return want{line: n, order: fmt.Sprintf("A%d", n), amount: fmt.Sprintf("%d.00", n)} }
	// rows is a good row for each of lines 2 to last but those of bad.
	rows := func(last int, bad map[int]want) []want {
		var w []want
		for n := 2; n <= last; n++ {
			if b, ok := bad[n]; ok {
				if b.line != 0 {
					w = append(w, b)
				}
				continue
			}
			w = append(w, good(n))
		}
		return w
	}
	const opens = "is not valid CSV: the quote at column 6 opens a field that does not close as CSV expects"
	const max = 200
	tests := []struct {
		name, data string
		rows       []want
	}{
		{"a stray quote on line 4 of 10 rows",
			ledger(11, false, map[int]string{4: `shop,"A4,,,,4.00,,PAID,`}),
			rows(11, map[int]want{4: {line: 4, err: opens}})},
		{"in CRLF",
			strings.ReplaceAll(ledger(11, false, map[int]string{4: `shop,"A4,,,,4.00,,PAID,`}), "\n", "\r\n"),
			rows(11, map[int]want{4: {line: 4, err: opens}})},
		// The header starts after a byte order mark.
		{"after a BOM, on line 2",
			"\xEF\xBB\xBF" + ledger(6, false, map[int]string{2: `shop,"A2,,,,2.00,,PAID,`}),
			rows(6, map[int]want{2: {line: 2, err: opens}})},
		// Line 9's quote would close line 4's field as CSV reads it, a
		// record of as many fields as the header's: but lines 5 to 8 inside
		// it are rows, so line 4 is read alone, and then line 9 alone.
		{"a stray quote closed by another 5 lines later",
			ledger(11, false, map[int]string{4: `shop,"A4,,,,4.00,,PAID,`, 9: `shop,A9",,,,9.00,,PAID,`}),
			rows(11, map[int]want{4: {line: 4, err: opens}, 9: {line: 9, err: `is not valid CSV: bare " in non-quoted-field (column 8)`}})},
		// Lines 4 and 5 make one record of valid CSV of the header's
		// width; but each holds a row's commas by itself.
		{"closed by another on the next line",
			ledger(8, false, map[int]string{4: `shop,"A4,,,,4.00,,PAID,`, 5: `shop,A5",,,,5.00,,PAID,`}),
			rows(8, map[int]want{4: {line: 4, err: opens}, 5: {line: 5, err: `is not valid CSV: bare " in non-quoted-field (column 8)`}})},
		{"closed by another that opens a field",
			ledger(11, false, map[int]string{4: `shop,"A4,,,,4.00,,PAID,`, 9: `shop,"A9,,,,9.00,,PAID,`}),
			rows(11, map[int]want{4: {line: 4, err: opens}, 9: {line: 9, err: opens}})},
		// The rows after a stray quote hold quoted fields of their own.
		{"quoted fields after it",
			ledger(8, false, map[int]string{3: `shop,"A3,,,,3.00,,PAID,`, 5: `shop,"A5",,,,5.00,,PAID,"2026-11-21"`}),
			rows(8, map[int]want{3: {line: 3, err: opens}})},
		// More rows after it than a record may span: all are read.
		{"a stray quote before 100 rows",
			ledger(102, false, map[int]string{2: `shop,"A2,,,,2.00,,PAID,`}),
			rows(102, map[int]want{2: {line: 2, err: opens}})},
		{"a stray quote on the last line, without a newline",
			ledger(6, true, map[int]string{6: `shop,"A6,,,,6.00,,PAID,`}),
			rows(6, map[int]want{6: {line: 6, err: opens}})},
		{"a stray quote on the last line, with a newline",
			ledger(6, false, map[int]string{6: `shop,"A6,,,,6.00,,PAID,`}),
			rows(6, map[int]want{6: {line: 6, err: opens}})},
		// A quoted field over lines is one row, at the line it starts on;
		// the rows after keep their true line numbers.
		{"a quoted field over lines",
			head + row(2) + "\n" + "shop,\"A3\nsecond line\nthird, line\",,,,3.00,,PAID,\n" + row(6) + "\n" +
				"shop,A7,,,,7.00,,PAID,\"2026-11-21\n23:00:00\"\n" + row(9) + "\n",
			[]want{good(2), {line: 3, order: "A3\nsecond line\nthird, line", amount: "3.00"}, good(6), good(7), good(9)}},
		// A line too long to hold, with an odd number of quotes: a quote
		// stands in for it and the rows after it are not taken in.
		{"a cut line with an odd number of quotes",
			ledger(8, false, map[int]string{3: `shop,"A3` + strings.Repeat("x", 2*max) + `,,,,3.00,,PAID,`}),
			rows(8, map[int]want{3: {line: 3, err: "is longer than 200 bytes; the line was skipped"}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := newReader(strings.NewReader(tt.data), "l.csv", "", max)
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, readAll(t, r), tt.rows)
			if sum := sha256.Sum256([]byte(tt.data)); r.SHA256() != hex.EncodeToString(sum[:]) {
				t.Errorf("SHA256 %s; want %x", r.SHA256(), sum)
			}
		})
	}
}

// TestTypos (operator review): a header column recon does not read is
// allowed (a merchant's own), but one a typo away from a column the header
// lacks is named, with the one meant, so that a misspelt currency or
// provider_trade_no is not ignored without a word.
func TestTypos(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   []Typo
	}{
		{"account,order_no,amount,status,provider_trade_numbr,currencey,customer", []Typo{
			{"provider_trade_numbr", "provider_trade_no"}, {"currencey", "currency"}}},
		{"account,order_no,amount,status,Created_At ,note", nil},
		// The column meant is there: the other is the merchant's own.
		{"account,order_no,amount,status,currency,currencies", nil},
		{"account,order_no,amount,status,typ,refund_num", []Typo{{"typ", "type"}, {"refund_num", "refund_no"}}},
	} {
		r, err := NewReader(strings.NewReader(tt.header+"\n"), "l.csv", FormatCSV, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Typos(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: typos %v, want %v", tt.header, got, tt.want)
		}
	}
}
