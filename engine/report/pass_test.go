package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

// oldJSON is the JSON report as it was written before the one pass: the
// head, then each result through json.MarshalIndent.
func oldJSON(t testing.TB, db *store.DB, run *store.Run) []byte {
	var b bytes.Buffer
	writeOldJSON(t, &b, db, run)
	return b.Bytes()
}

func writeOldJSON(t testing.TB, b io.Writer, db *store.DB, run *store.Run) {
	h, err := json.MarshalIndent(head(run), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b.Write(h[:len(h)-2])
	io.WriteString(b, ",\n  \"results\": [")
	n := 0
	if err := db.Results(run.ID, func(r recon.Result) error {
		j, err := json.MarshalIndent(r, "    ", "  ")
		if n++; n > 1 {
			io.WriteString(b, ",")
		}
		io.WriteString(b, "\n    ")
		b.Write(j)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	io.WriteString(b, "\n  ]\n}\n")
}

// One pass writes every report, each the same as written alone, the JSON
// byte for byte what it was; its summary counts what the rows say.
func TestRenderOnePass(t *testing.T) {
	const n = 3000
	db, run := syntheticRun(t, t.TempDir(), n)
	var js, cs, ht, tx bytes.Buffer
	sum, err := Render(context.Background(), db, run, "", Outputs{JSON: &js, CSV: &cs, HTML: &ht, Text: &tx, TextLimit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if want := oldJSON(t, db, run); !bytes.Equal(js.Bytes(), want) {
		t.Fatalf("JSON report differs from MarshalIndent's:\n%.2000s\nwant:\n%.2000s", js.Bytes(), want)
	}
	for _, f := range []struct {
		name string
		got  []byte
		out  func(*bytes.Buffer) Outputs
	}{
		{"csv", cs.Bytes(), func(b *bytes.Buffer) Outputs { return Outputs{CSV: b} }},
		{"html", ht.Bytes(), func(b *bytes.Buffer) Outputs { return Outputs{HTML: b} }},
		{"text", tx.Bytes(), func(b *bytes.Buffer) Outputs { return Outputs{Text: b, TextLimit: 5} }},
	} {
		var alone bytes.Buffer
		if _, err := Render(context.Background(), db, run, "", f.out(&alone)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(f.got, alone.Bytes()) {
			t.Errorf("%s written with the others differs from written alone", f.name)
		}
	}
	recs, err := csv.NewReader(&cs).ReadAll()
	if err != nil || len(recs) != n+1 {
		t.Fatalf("csv: %d records, %v", len(recs), err)
	}

	want := newSummary(recon.SeverityWarn)
	findings := 0
	for i := range n {
		r := synthetic(i)
		want.add(&r)
		if r.Severity.AtLeast(recon.SeverityWarn) {
			findings++
		}
	}
	if sum.Findings != findings || sum.Rows != n || mustJSON(t, sum) != mustJSON(t, want) {
		t.Fatalf("summary %s, want %s", mustJSON(t, sum), mustJSON(t, want))
	}
	text := tx.String()
	if !strings.Contains(text, "needs a person (severity >= warn):") ||
		!strings.Contains(text, fmt.Sprintf("... and %d more", findings-5)) {
		t.Fatalf("text summary:\n%s", text)
	}
}

// Money at risk is summed exactly, per currency, in its minor units; what
// does not read as an amount of its currency (an INVALID row's) is
// counted, not summed: the report's sums are engine/summary's (alerts,
// metrics), never one with a decimal the currency does not have.
func TestMoney(t *testing.T) {
	var m Money
	for _, a := range [][2]string{{"CNY", "0.1"}, {"CNY", "0.2"}, {"CNY", "12.345"}, {"KRW", "1000"}, {"KRW", "2500"},
		{"EUR", "90071992547409.91"}, {"EUR", "0.99"}, {"USD", "1.2e3"}, {"USD", "-1"}, {"", "1.00"}, {"JPY", ""},
		{"XYZ", "1.00"}, {"KRW", "1.5"},
	} {
		m.Add(a[0], a[1])
	}
	for range 1100 { // 1100 × 2^53-1 minor units: past int64
		m.Add("JOD", "9007199254740.991")
	}
	want := map[string]string{"CNY": "0.30", "KRW": "3500", "EUR": "90071992547410.90", "JOD": "overflow"}
	if got := m.Currencies(); strings.Join(got, ",") != "CNY,EUR,JOD,KRW" {
		t.Fatalf("currencies %v", got)
	}
	for c, w := range want {
		if got := m.Sum(c); got != w {
			t.Errorf("%s: %s, want %s", c, got, w)
		}
	}
	if m.Unpriced != 7 {
		t.Errorf("unpriced %d, want 7", m.Unpriced)
	}
	j, _ := json.Marshal(m)
	if string(j) != `{"sums":{"CNY":"0.30","EUR":"90071992547410.90","JOD":"overflow","KRW":"3500"},"unpriced":7}` {
		t.Errorf("json %s", j)
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
