package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReader feeds any bytes to the CSV and the JSON Lines reader, with a
// line limit small enough for the fuzzer to reach. Whatever the input: no
// panic, every row has a line number within the input, rows come in line
// order with at most one per line start, a row read without error has
// sound columns, the check of every row returns (a *recon.RowError names
// the row's own line), and the digest covers the whole input.
func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*sv*")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, strings.HasSuffix(file, ".jsonl"))
	}
	f.Add([]byte("account,order_no,amount,status\nshop,\"A\n\"\"1\"\"\",1.00,PAID\n"), false)
	f.Add([]byte(`{"account":"shop","order_no":"A1","amount":12.30,"status":"PAID"}`), true)

	const maxLine = 64
	f.Fuzz(func(t *testing.T, data []byte, jsonl bool) {
		format := FormatCSV
		if jsonl {
			format = FormatJSONL
		}
		r, err := newReader(bytes.NewReader(data), "fuzz", format, maxLine)
		if err != nil {
			if jsonl {
				t.Fatalf("JSON Lines has no header to fail on, yet: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "ledger fuzz: ") {
				t.Fatalf("error %q does not name the ledger", err)
			}
			return
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		prev := 0
		for n := 0; ; n++ {
			if n > lines {
				t.Fatalf("%d rows from %d lines", n, lines)
			}
			line, col, bad, err := r.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("next: %v (a bytes.Reader cannot fail)", err)
			}
			if line < 1 || line > lines {
				t.Fatalf("row at line %d of %d", line, lines)
			}
			if line <= prev {
				t.Fatalf("row at line %d after one at line %d", line, prev)
			}
			prev = line
			row, invalid := check(line, col, bad, anyAccount)
			if row.Line != line || invalid != nil && (invalid.Line != line || invalid.Reason == "") {
				t.Fatalf("line %d: checked as %+v, %+v", line, row, invalid)
			}
			if bad != nil {
				continue
			}
			for _, name := range Known {
				v := col(name)
				if !utf8.ValidString(v) {
					t.Fatalf("line %d: field %q is not UTF-8 yet the row has no error", line, v)
				}
				if !jsonl && strings.TrimSpace(v) != v {
					t.Fatalf("line %d: field %q is not trimmed", line, v)
				}
			}
			if jsonl {
				// Space of any kind around the object is allowed (a form
				// feed is not JSON's, but harmless).
				if l := bytes.TrimSpace(lineOf(data, line)); !json.Valid(l) {
					t.Fatalf("line %d read without error but is not JSON: %q", line, l)
				}
			}
		}
		if sum := sha256.Sum256(data); r.SHA256() != hex.EncodeToString(sum[:]) {
			t.Fatalf("SHA256 does not cover the input")
		}
	})
}

// lineOf returns line n (1-based) of data without its line break and, on
// line 1, without a UTF-8 BOM.
func lineOf(data []byte, n int) []byte {
	lines := bytes.Split(data, []byte("\n"))
	line := lines[n-1]
	if n == 1 {
		line = bytes.TrimPrefix(line, bomUTF8)
	}
	return line
}

// anyAccount knows every account, so that the fuzzer reaches every check.
func anyAccount(string) (Account, bool) { return Account{Provider: "p", Currency: "CNY"}, true }
