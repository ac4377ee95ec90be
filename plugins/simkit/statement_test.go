package simkit

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/statement"
)

var cst = time.FixedZone("CST", 8*3600)

// What WriteStatement writes reads back, row for row, through the engine's
// "recon" preset.
func TestWriteStatementRoundTrip(t *testing.T) {
	rows := []StatementRow{
		{OrderNo: "A-1", ProviderTradeNo: "7895259800000002", Kind: recon.Payment, Amount: "12.34", Currency: "CNY",
			Status: "PARTIAL_REFUNDED", Time: time.Date(2026, 11, 21, 23, 10, 4, 0, cst)},
		{OrderNo: "A-1", ProviderTradeNo: "7895259800000002", Kind: recon.Refund, RefundNo: "01", Amount: "2.34",
			Currency: "CNY", Status: "SUCCESS", Time: time.Date(2026, 11, 21, 23, 30, 0, 0, cst)},
		// Cells CSV must quote, and another zone's offset.
		{OrderNo: `B,"2"`, Kind: recon.Payment, Amount: "50000.00", Currency: "IDR", Status: "0000",
			Time: time.Date(2026, 11, 21, 9, 30, 13, 0, time.FixedZone("WIB", 7*3600))},
	}
	path := filepath.Join(t.TempDir(), "upay-2026-11-21.csv")
	var buf bytes.Buffer
	if err := WriteStatement(&buf, rows); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "order_no,provider_trade_no,type,refund_no,amount,currency,status,time\n") {
		t.Errorf("header: %q", buf.String())
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	m, ok := statement.Preset("recon")
	if !ok {
		t.Fatal("no recon preset")
	}
	r, err := statement.Open(path, m)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	minor := []int64{1234, 234, 5000000}
	for i, want := range rows {
		got, bad, err := r.Next()
		if err != nil || bad != nil {
			t.Fatalf("row %d: %v %v", i+1, err, bad)
		}
		if got.Line != i+2 || got.OrderNo != want.OrderNo || got.ProviderTradeNo != want.ProviderTradeNo ||
			got.Kind != want.Kind || got.RefundNo != want.RefundNo || got.Amount != minor[i] || got.AmountText != want.Amount ||
			got.Currency != want.Currency || got.Status != want.Status || !got.Time.Equal(want.Time) {
			t.Errorf("row %d read back as %+v; wrote %+v", i+1, got, want)
		}
		if _, off := got.Time.Zone(); off != func() int { _, o := want.Time.Zone(); return o }() {
			t.Errorf("row %d: offset lost: %s", i+1, got.Time)
		}
	}
	if _, _, err := r.Next(); err != io.EOF {
		t.Errorf("after the last row: %v", err)
	}
}

func TestWriteStatementRefusesNoKind(t *testing.T) {
	if err := WriteStatement(io.Discard, []StatementRow{{OrderNo: "X"}}); err == nil || !strings.Contains(err.Error(), "X") {
		t.Errorf("a row without a kind: %v", err)
	}
}

func TestPlantDay(t *testing.T) {
	for _, c := range []struct {
		now  time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC), cst, "2026-11-30T00:00:00+08:00"},
		// 23:30 UTC is already the 2nd in China: yesterday is the 1st.
		{time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC), cst, "2026-12-01T00:00:00+08:00"},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, cst), cst, "2025-12-31T00:00:00+08:00"},
		{time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC), time.UTC, "2026-02-28T00:00:00Z"},
	} {
		if got := PlantDay(c.now, c.loc).Format(time.RFC3339); got != c.want {
			t.Errorf("PlantDay(%s, %s) = %s; want %s", c.now, c.loc, got, c.want)
		}
	}
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	if got := ScenarioTime(now, cst, 0).Format(time.RFC3339); got != "2026-11-30T00:01:00+08:00" {
		t.Errorf("ScenarioTime #0 = %s", got)
	}
	if got := ScenarioTime(now, cst, 1200+4).Format(time.RFC3339); got != "2026-11-30T00:05:00+08:00" {
		t.Errorf("ScenarioTime #1204 = %s; want it to wrap within the day", got)
	}
}

// OnDay keeps one calendar day in the account's zone, ordered by time,
// order number, kind and refund number; Days lists the days with rows.
func TestOnDayAndDays(t *testing.T) {
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, cst) }
	rows := []StatementRow{
		{OrderNo: "B", Kind: recon.Refund, RefundNo: "02", Time: at(21, 10, 0)},
		{OrderNo: "B", Kind: recon.Refund, RefundNo: "01", Time: at(21, 10, 0)},
		{OrderNo: "B", Kind: recon.Payment, Time: at(21, 10, 0)},
		{OrderNo: "A", Kind: recon.Payment, Time: at(21, 10, 0)},
		{OrderNo: "Z", Kind: recon.Payment, Time: at(21, 0, 0)},
		{OrderNo: "late", Kind: recon.Payment, Time: at(21, 23, 59).Add(59 * time.Second)},
		{OrderNo: "next", Kind: recon.Payment, Time: at(22, 0, 0)},
		// 16:30 UTC on the 20th is 00:30 on the 21st in China.
		{OrderNo: "utc", Kind: recon.Payment, Time: time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC)},
		{OrderNo: "before", Kind: recon.Payment, Time: at(20, 23, 59)},
	}
	var got []string
	for _, r := range OnDay(rows, at(21, 0, 0), cst) {
		got = append(got, r.OrderNo+"/"+r.Kind.String()+r.RefundNo)
	}
	if want := "Z/payment utc/payment A/payment B/payment B/refund01 B/refund02 late/payment"; strings.Join(got, " ") != want {
		t.Errorf("OnDay: %s\nwant  %s", strings.Join(got, " "), want)
	}
	// Any instant of the day names it.
	if n := len(OnDay(rows, at(21, 13, 0), cst)); n != 7 {
		t.Errorf("OnDay of 13:00: %d rows", n)
	}
	var days []string
	for _, d := range Days(rows, cst) {
		days = append(days, d.Format(time.RFC3339))
	}
	if want := "2026-11-20T00:00:00+08:00 2026-11-21T00:00:00+08:00 2026-11-22T00:00:00+08:00"; strings.Join(days, " ") != want {
		t.Errorf("Days: %s", strings.Join(days, " "))
	}
	if OnDay(nil, at(21, 0, 0), cst) != nil || Days(nil, cst) != nil {
		t.Error("no rows: want no days")
	}
}

func TestInLedger(t *testing.T) {
	cases := []Case{{OrderNo: "A"}, {OrderNo: "B", NotInLedger: true, Want: VerdictMissingInLedger}, {OrderNo: "C"}}
	if got := InLedger(cases); len(got) != 2 || got[0].OrderNo != "A" || got[1].OrderNo != "C" {
		t.Errorf("InLedger: %+v", got)
	}
}
