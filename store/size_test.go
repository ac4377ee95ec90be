package store

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/reconhq/recon"
	bolt "go.etcd.io/bbolt"
)

// demoRecords are the records of a `recon demo --orders 1000` run (the
// simulators' replies of every provider), as that run stored them.
func demoRecords(t testing.TB) []Record {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "demo-records.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []Record
	dec := json.NewDecoder(zr)
	for {
		var r Record
		if err := dec.Decode(&r); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// nightOf is the demo's records made n times as many, each copy's orders
// (and so its replies) of their own.
func nightOf(base []Record, copies int) []Record {
	out := make([]Record, 0, len(base)*copies)
	for c := range copies {
		for _, r := range base {
			r.Result.Line += c * len(base)
			suffix := fmt.Sprintf("-%d", c)
			old := r.Result.OrderNo
			r.Result.OrderNo += suffix
			if r.Exchange != nil {
				x := *r.Exchange
				x.Row.Line, x.Row.OrderNo = r.Result.Line, r.Result.OrderNo
				x.Reply.Raw = bytes.ReplaceAll(x.Reply.Raw, []byte(old), []byte(r.Result.OrderNo))
				if x.Reply.Answer.Fields != nil {
					f := make(map[string]string, len(x.Reply.Answer.Fields))
					for k, v := range x.Reply.Answer.Fields {
						f[k] = string(bytes.ReplaceAll([]byte(v), []byte(old), []byte(r.Result.OrderNo)))
					}
					x.Reply.Answer.Fields = f
				}
				r.Exchange = &x
			}
			out = append(out, r)
		}
	}
	return out
}

// writeNight stores records as run id.
func writeNight(t testing.TB, d *DB, id string, at time.Time, recs []Record) {
	t.Helper()
	if err := d.PutRun(&Run{ID: id, Command: CommandRun, Status: StatusRunning, StartedAt: at}); err != nil {
		t.Fatal(err)
	}
	w := d.NewWriter(id)
	for _, r := range recs {
		if err := w.Put(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.PutRun(&Run{ID: id, Command: CommandRun, Status: StatusCompleted, StartedAt: at, FinishedAt: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

// inUse is the bytes of the store's pages in use (the file's size rounds
// up to what bbolt allocates ahead).
func inUse(t testing.TB, d *DB) int64 {
	t.Helper()
	var n int64
	err := d.db.View(func(tx *bolt.Tx) error {
		n = tx.Size() - int64(d.db.Stats().FreePageN+d.db.Stats().PendingPageN)*int64(d.db.Info().PageSize)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// reusedNight is night as an incremental night stores it when it judges
// every row on the answers run from stored: the same replies, the results
// marked reused.
func reusedNight(night []Record, from string) []Record {
	out := make([]Record, len(night))
	for i, r := range night {
		r.Result.Reused = from
		out[i] = r
	}
	return out
}

// The store's growth a row a night, on the simulators' answers: a first
// night, then an incremental one that reuses every answer.
func TestStoreGrowthPerRow(t *testing.T) {
	night := nightOf(demoRecords(t), 2)
	d := MustOpen(t)
	at := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	empty := inUse(t, d)
	writeNight(t, d, "n1", at, night)
	first := inUse(t, d)
	writeNight(t, d, "n2", at.Add(24*time.Hour), reusedNight(night, "n1"))
	second := inUse(t, d)
	perRow1 := float64(first-empty) / float64(len(night))
	perRow2 := float64(second-first) / float64(len(night))
	fi, _ := os.Stat(d.Path())
	t.Logf("%d rows: first night %.0f bytes/row, reused night %.0f bytes/row (file %d bytes)", len(night), perRow1, perRow2, fi.Size())
	// Schema 3 (JSON, the raw body in base64, every reply stored again
	// each night) measured 4669 and 4502 bytes a row here; schema 4, which
	// stored a reused row's result and exchange whole, 943 and 346.
	if perRow1 > 1024 || perRow2 > 100 {
		t.Errorf("a night grows the store by %.0f bytes a row, a reused one by %.0f; want at most 1024 and 100", perRow1, perRow2)
	}
}

// A reused night's lines read as they were put, and go on reading so once
// the night they repeat is pruned and the file compacted; a damaged line
// they repeat is their damage.
func TestReusedNightReferences(t *testing.T) {
	night := demoRecords(t)[:300]
	d := MustOpen(t)
	at := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	writeNight(t, d, "n1", at, night)
	writeNight(t, d, "n2", at.Add(24*time.Hour), reusedNight(night, "n1"))
	writeNight(t, d, "n3", at.Add(48*time.Hour), reusedNight(night, "n2"))
	refs := 0
	err := d.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketData).Bucket([]byte("n3")).Bucket(subResults).ForEach(func(_, v []byte) error {
			if isRef(v) {
				refs++
			}
			return nil
		})
	})
	if err != nil || refs == 0 {
		t.Fatalf("n3 stores %d references (%v)", refs, err)
	}
	check := func(id, reused string) {
		t.Helper()
		var got []Record
		if err := d.Results(id, func(r recon.Result) error {
			got = append(got, Record{Result: r})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		xs := map[int]Exchange{}
		if err := d.Exchanges(id, func(x Exchange) error {
			xs[x.Row.Line] = x
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(night) {
			t.Fatalf("run %s: %d results, want %d", id, len(got), len(night))
		}
		for i, r := range night {
			want := r.Result
			want.Reused = reused
			if !reflect.DeepEqual(got[i].Result, want) {
				t.Fatalf("run %s line %d: %+v, want %+v", id, want.Line, got[i].Result, want)
			}
			one, err := d.Result(id, want.Line)
			if err != nil || !reflect.DeepEqual(*one, want) {
				t.Fatalf("run %s: Result(%d) = %+v, %v", id, want.Line, one, err)
			}
			if r.Exchange == nil {
				continue
			}
			wx := *r.Exchange
			wx.Reply.RetryAfter = 0
			if x, ok := xs[want.Line]; !ok || !reflect.DeepEqual(x, wx) {
				t.Fatalf("run %s line %d: exchange %+v, want %+v", id, want.Line, x, wx)
			}
			if x, err := d.Exchange(id, want.Line); err != nil || !reflect.DeepEqual(*x, wx) {
				t.Fatalf("run %s: Exchange(%d) = %+v, %v", id, want.Line, x, err)
			}
		}
	}
	check("n3", "n2")
	if _, err := d.Prune(PruneOptions{Keep: 1, Now: at.Add(72 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	check("n3", "n2")
	if err := d.Verify(); err != nil {
		t.Fatal(err)
	}
	path := d.Path()
	d.Close()
	if _, err := Compact(path, time.Second); err != nil {
		t.Fatal(err)
	}
	var err2 error
	if d, err2 = Open(path, time.Second); err2 != nil {
		t.Fatal(err2)
	}
	defer d.Close()
	check("n3", "n2")

	// Damage: n4 repeats n3; a result of n3 rewritten (its checksum
	// changes) is the damage of n4's line that repeats it.
	writeNight(t, d, "n4", at.Add(72*time.Hour), reusedNight(night, "n3"))
	line := night[0].Result.Line
	err = d.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketData).Bucket([]byte("n3")).Bucket(subResults)
		r := night[0].Result
		r.Detail = "rotted"
		v, err := encodeRecord(nil, lineScope(subResults, "n3", line), &r)
		if err != nil {
			return err
		}
		return b.Put(lineKey(line), v)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Result("n4", line); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Result of a line repeating a changed one: %v, want damage", err)
	}
	if err := d.Verify(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Verify: %v, want damage", err)
	}
}

// Reading a reused night (its lines references) against reading the night
// it repeats (its lines whole), and writing it: what references cost.
func BenchmarkReusedNight(b *testing.B) {
	night := nightOf(demoRecords(b), 10)
	d := MustOpen(b)
	at := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	writeNight(b, d, "n1", at, night)
	writeNight(b, d, "n2", at.Add(24*time.Hour), reusedNight(night, "n1"))
	for _, run := range []string{"n1", "n2"} {
		b.Run("results-"+run, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				if err := d.Results(run, func(recon.Result) error { n++; return nil }); err != nil || n != len(night) {
					b.Fatal(n, err)
				}
			}
		})
		b.Run("exchanges-"+run, func(b *testing.B) {
			for b.Loop() {
				if err := d.Exchanges(run, func(Exchange) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A night that reuses the answers of a run that has not ended (killed,
// to be resumed) copies them whole: the resume may put those lines again
// (its refunds pass judging a payment anew), and a reference stating the
// old record would read as damage from then on, and keep the store from
// being compacted.
func TestReuseOfARunNotEndedCopies(t *testing.T) {
	night := demoRecords(t)[:20]
	d := MustOpen(t)
	at := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	if err := d.PutRun(&Run{ID: "a", Command: CommandRun, Status: StatusRunning, StartedAt: at}); err != nil {
		t.Fatal(err)
	}
	w := d.NewWriter("a")
	for _, r := range night {
		r.Final = true
		if err := w.Put(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var reused []Record
	for _, r := range reusedNight(night, "a") {
		r.Final = true
		reused = append(reused, r)
	}
	writeNight(t, d, "b", at.Add(time.Hour), reused)
	// The resume of a puts a line again, with another verdict.
	again := night[0]
	again.Result.Verdict = recon.VerdictRefundMismatch
	w = d.NewWriter("a")
	if err := w.Put(again); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	line := night[0].Result.Line
	got, err := d.Result("b", line)
	if err != nil || got.Verdict != night[0].Result.Verdict {
		t.Fatalf("run b line %d: %+v, %v; want the answer it reused, as it was", line, got, err)
	}
	if err := d.Verify(); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// A rotted last key of the replies bucket stops the writer: numbering on
// from 1 would store new replies over the old ones, which would then read,
// checksums and all, as another order's answer.
func TestRepliesNumberingDamagedStopsTheWriter(t *testing.T) {
	var night []Record
	for _, r := range demoRecords(t) {
		if r.Exchange != nil {
			night = append(night, r)
		}
		if len(night) == 3 {
			break
		}
	}
	d := MustOpen(t)
	at := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	writeNight(t, d, "n1", at, night[:2])
	err := d.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReplies)
		k, v := b.Cursor().Last()
		v = append([]byte(nil), v...)
		long := append(append([]byte(nil), k...), 0)
		if err := b.Delete(k); err != nil {
			return err
		}
		return b.Put(long, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.PutRun(&Run{ID: "n2", Command: CommandRun, Status: StatusRunning, StartedAt: at}); err != nil {
		t.Fatal(err)
	}
	w := d.NewWriter("n2")
	if err := w.Put(night[2]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("writer: %v; want the store reported damaged", err)
	}
	x, err := d.Exchange("n1", night[0].Result.Line)
	if err != nil || x.Row.OrderNo != night[0].Exchange.Row.OrderNo || !bytes.Equal(x.Reply.Raw, night[0].Exchange.Reply.Raw) {
		t.Fatalf("n1's first exchange: %+v, %v; want it as stored", x, err)
	}
}
