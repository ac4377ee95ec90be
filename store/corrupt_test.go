package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reconhq/recon"
	bolt "go.etcd.io/bbolt"
)

// noPanic runs fn and fails the test, naming the case, if it panics.
func noPanic(t *testing.T, fn func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic: %v", r)
		}
	}()
	fn()
}

// isCorrupt fails the test unless err is nil or an ErrCorrupt error naming
// the file; it reports whether err is one.
func isCorrupt(t *testing.T, path, what string, err error) bool {
	t.Helper()
	if err == nil {
		return false
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("%s: %v: not ErrCorrupt", what, err)
		return false
	}
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Path != path || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "restore") {
		t.Errorf("%s: %q does not name the file and what to do", what, err)
	}
	return true
}

// A bit flipped in a stored amount (the 649.75 read as 648.75) is
// a CorruptError naming the run and the line, by every way of reading the
// record, and the altered value is never returned.
func TestFlippedAmountIsCorrupt(t *testing.T) {
	// The binary encoding of the amounts: a string's length and bytes
	// (results), a varint (a row's amount, a reply's).
	resultAmount := "\x07SUCCESS\x00\x06649.75" // raw_status, sub_status, amount
	rowAmount := string(binary.AppendVarint([]byte("\x02O7\x00\x00\x00"), 64975))
	replyAmount := string(binary.AppendVarint([]byte("\x07SUCCESS\x00\x00\x00\x00\x00\x00\x01"), 64975))
	tests := []struct {
		name   string
		sub    string // the bucket the record is in
		marker string // the record's bytes around the amount; the last 9 in it, or its last byte, is flipped
		read   func(d *DB) (any, error)
	}{
		{"result", "results", resultAmount,
			func(d *DB) (any, error) { return d.Result("r1", 7) }},
		{"results", "results", resultAmount, func(d *DB) (any, error) {
			var seen []recon.Result
			err := d.Results("r1", func(r recon.Result) error { seen = append(seen, r); return nil })
			return seen, err
		}},
		{"exchange", "exchanges", rowAmount,
			func(d *DB) (any, error) { return d.Exchange("r1", 7) }},
		{"exchanges", "exchanges", rowAmount, func(d *DB) (any, error) {
			var seen []Exchange
			err := d.Exchanges("r1", func(e Exchange) error { seen = append(seen, e); return nil })
			return seen, err
		}},
		// The reply is stored apart, once for every line it answered: its
		// damage is that of the exchange asked for.
		{"exchange's reply", "exchanges", replyAmount,
			func(d *DB) (any, error) { return d.Exchange("r1", 7) }},
		{"exchanges' reply", "exchanges", replyAmount, func(d *DB) (any, error) {
			var seen []Exchange
			err := d.Exchanges("r1", func(e Exchange) error { seen = append(seen, e); return nil })
			return seen, err
		}},
		{"done lines", "results", resultAmount,
			func(d *DB) (any, error) { return d.DoneLines("r1") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "recon.db")
			d, err := Open(path, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.PutRun(&Run{ID: "r1", Status: StatusCompleted}); err != nil {
				t.Fatal(err)
			}
			w := d.NewWriter("r1")
			for line := 2; line <= 12; line++ {
				amount, minor := "10.00", int64(1000)
				if line == 7 {
					amount, minor = "649.75", 64975
				}
				res := recon.Result{Line: line, Account: "a", OrderNo: "O" + strconv.Itoa(line), Kind: recon.Payment,
					Verdict: recon.VerdictMatched, Local: recon.Local{Status: "PAID", Amount: amount, Currency: "CNY"},
					Provider: &recon.ProviderView{Status: "PAID", RawStatus: "SUCCESS", Amount: amount}}
				ex := &Exchange{Row: recon.Row{Line: line, Account: "a", OrderNo: res.OrderNo, Kind: recon.Payment, Amount: minor},
					Attempts: 1, Reply: recon.Reply{Outcome: recon.OutcomeFound, Answer: recon.Answer{Status: "SUCCESS", Amount: recon.Int64(minor)}}}
				if err := w.Put(Record{Result: res, Exchange: ex, Final: true}); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			d.Close()

			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if n := bytes.Count(b, []byte(tt.marker)); n != 1 {
				t.Fatalf("%q is %d times in the file; want once", tt.marker, n)
			}
			at := bytes.Index(b, []byte(tt.marker)) + len(tt.marker) - 1
			if i := strings.LastIndex(tt.marker, "9"); i >= 0 {
				at = bytes.Index(b, []byte(tt.marker)) + i
			}
			b[at] ^= 0x01 // '9' -> '8': 649.75 -> 648.75
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}

			d, err = Open(path, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			var got any
			noPanic(t, func() { got, err = tt.read(d) })
			var ce *CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("read the flipped record: %v, %v; want a *CorruptError", got, err)
			}
			if ce.RunID != "r1" || ce.Line != 7 || ce.Bucket != tt.sub || ce.Path != path {
				t.Errorf("CorruptError %+v; want run r1 line 7 in %s of %s", ce, tt.sub, path)
			}
			for _, w := range []string{path, `run "r1" line 7`, "checksum", "restore"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
			// Never the altered value: not as the line's record, not
			// among what an iteration saw before the damaged line.
			js, _ := json.Marshal(got)
			if bytes.Contains(js, []byte("648.75")) || bytes.Contains(js, []byte("64875")) || bytes.Contains(js, []byte(`"line":7`)) {
				t.Errorf("returned the damaged record: %s", js)
			}
			switch g := got.(type) {
			case *recon.Result, *Exchange:
				if !isNil(g) {
					t.Errorf("returned %+v with the error", g)
				}
			case []recon.Result:
				if len(g) != 5 { // lines 2-6
					t.Errorf("saw %d results before the damaged line; want 5", len(g))
				}
			}
			// The other records still read.
			if r, err := d.Result("r1", 8); err != nil || r.Provider.Amount != "10.00" {
				t.Errorf("line 8: %+v, %v", r, err)
			}
			if err := d.Verify(); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), `run "r1" line 7`) {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func isNil(v any) bool {
	switch v := v.(type) {
	case *recon.Result:
		return v == nil
	case *Exchange:
		return v == nil
	}
	return false
}

// One garbage record in the runs bucket is a CorruptError naming the run,
// not "unexpected end of JSON input"; Runs still returns the runs it reads.
func TestGarbageRunRecord(t *testing.T) {
	good := func(id string) []byte {
		v, err := encodeRecord(nil, runScope(id), &Run{ID: id, Status: StatusCompleted})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name  string
		value func() []byte
	}{
		{"empty", func() []byte { return []byte{} }},
		{"one byte", func() []byte { return []byte("{") }},
		{"schema 2 JSON", func() []byte { return []byte(`{"run_id":"r2","status":"completed"}`) }},
		{"cut short", func() []byte { return good("r2")[:20] }},
		{"flipped bit", func() []byte { v := good("r2"); v[len(v)/2] ^= 0x10; return v }},
		{"another run's record", func() []byte { return good("r1") }},
		{"unknown format", func() []byte { v := good("r2"); v[0] = 0x7f; return v }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "recon.db")
			d, err := Open(path, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			for i, id := range []string{"r1", "r2", "r3"} {
				if err := d.PutRun(&Run{ID: id, Status: StatusCompleted, StartedAt: time.Unix(int64(i), 0)}); err != nil {
					t.Fatal(err)
				}
			}
			err = d.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketRuns).Put([]byte("r2"), tt.value()) })
			if err != nil {
				t.Fatal(err)
			}
			d.Close()
			if d, err = Open(path, time.Second); err != nil {
				t.Fatal(err)
			}
			defer d.Close()

			runs, err := d.Runs()
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.RunID != "r2" || ce.Bucket != "runs" {
				t.Fatalf("Runs: %v; want a CorruptError for run r2", err)
			}
			if !strings.Contains(err.Error(), `run "r2"`) || !strings.Contains(err.Error(), path) ||
				strings.HasSuffix(err.Error(), "unexpected end of JSON input") {
				t.Errorf("Runs: %q does not name the file and the run", err)
			}
			if len(runs) != 2 || runs[0].ID != "r1" || runs[1].ID != "r3" {
				t.Errorf("Runs returned %d runs; want r1 and r3", len(runs))
			}
			r, err := d.Run("r2")
			if !errors.As(err, &ce) || ce.RunID != "r2" || r != nil {
				t.Errorf("Run(r2): %+v, %v; want a CorruptError", r, err)
			}
			if r, err := d.Run("r3"); err != nil || r.ID != "r3" {
				t.Errorf("Run(r3): %+v, %v", r, err)
			}
		})
	}
}

// fixture is a store with a few runs of results, replies and latest
// results, spread over many pages, and what it holds.
type fixture struct {
	path     string
	hwm      int64 // the bytes bbolt's last transaction wrote: its pages
	freelist int64 // the page of bbolt's freelist
	results  map[string]map[int]recon.Result
	replies  map[string]map[int]Exchange
	orderKey []string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{path: filepath.Join(t.TempDir(), "recon.db"),
		results: map[string]map[int]recon.Result{}, replies: map[string]map[int]Exchange{}}
	d, err := Open(f.path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for r := range 3 {
		id := fmt.Sprintf("run-%d", r)
		if err := d.PutRun(&Run{ID: id, Status: StatusCompleted, StartedAt: time.Unix(int64(r), 0)}); err != nil {
			t.Fatal(err)
		}
		f.results[id], f.replies[id] = map[int]recon.Result{}, map[int]Exchange{}
		w := d.NewWriter(id)
		for line := 2; line < 300; line++ {
			no := "O" + strconv.Itoa(line)
			res := recon.Result{Line: line, Account: "a", OrderNo: no, Kind: recon.Payment, Verdict: recon.VerdictMatched,
				Local: recon.Local{Amount: strconv.Itoa(line) + ".00"}}
			ex := Exchange{Row: recon.Row{Line: line, Account: "a", OrderNo: no, Kind: recon.Payment}, Attempts: 1,
				Reply: recon.Reply{Outcome: recon.OutcomeFound, Raw: bytes.Repeat([]byte{byte(line)}, 200), Answer: recon.Answer{Amount: recon.Int64(int64(line))}}}
			if err := w.Put(Record{Result: res, Exchange: &ex, Final: r == 2}); err != nil {
				t.Fatal(err)
			}
			f.results[id][line], f.replies[id][line] = res, ex
			if r == 2 {
				f.orderKey = append(f.orderKey, res.Key())
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.db.View(func(tx *bolt.Tx) error { f.hwm = tx.Size(); return nil }); err != nil {
		t.Fatal(err)
	}
	d.Close()
	b, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	// bbolt's header page (its meta): after the 16-byte page header, the
	// freelist's page at 32 and the transaction at 48; the newer one counts.
	m := func(page int) (txid, freelist int64) {
		at := page * storePageSize
		return int64(binary.LittleEndian.Uint64(b[at+16+48:])), int64(binary.LittleEndian.Uint64(b[at+16+32:]))
	}
	tx0, fl0 := m(0)
	tx1, fl1 := m(1)
	f.freelist = map[bool]int64{true: fl0, false: fl1}[tx0 > tx1]
	if f.freelist < 2 || f.freelist >= f.hwm/storePageSize {
		t.Fatalf("freelist page %d", f.freelist)
	}
	return f
}

// damage writes a copy of the fixture's file changed by fn and returns its path.
func (f *fixture) damage(t *testing.T, fn func([]byte) []byte) string {
	t.Helper()
	b, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "damaged.db")
	if err := os.WriteFile(path, fn(b), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// readAll opens path and reads everything the fixture holds, every way the
// store offers, then writes a run. Every error must be ErrCorrupt, every
// record read must be the one written, and a read of a whole bucket that
// succeeds must have seen every record; a point lookup may miss a record
// only when a read of its whole bucket reported damage (a record lost from
// a page), or with missingOK (bbolt fell back to the transaction before
// the last). It returns how many reads reported damage (Open's failure
// counts as one).
func (f *fixture) readAll(t *testing.T, path string, missingOK bool) (damaged int) {
	t.Helper()
	noPanic(t, func() {
		d, err := Open(path, time.Second)
		if isCorrupt(t, path, "Open", err) {
			damaged++
			return
		}
		if err != nil {
			return
		}
		defer func() {
			if err := d.Close(); err != nil && !errors.Is(err, ErrCorrupt) {
				t.Errorf("Close: %v", err)
			}
		}()
		// check counts a damaged read; a record missing is fine if missing.
		check := func(what string, err error, missing bool) bool {
			t.Helper()
			if (missing || missingOK) && (errors.Is(err, ErrNoResult) || errors.Is(err, ErrNoReply) || errors.Is(err, ErrRunNotFound)) {
				return false
			}
			if isCorrupt(t, path, what, err) {
				damaged++
				return true
			}
			return false
		}
		same := func(what string, got, want any) {
			t.Helper()
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			if !bytes.Equal(g, w) {
				t.Errorf("%s read %s; wrote %s", what, g, w)
			}
		}
		all := func(what string, n, want int, err error) bool {
			t.Helper()
			bad := check(what, err, false)
			if err == nil && n != want && !missingOK {
				t.Errorf("%s read %d records and no error; %d were written", what, n, want)
			}
			return bad || err != nil
		}

		runs, err := d.Runs()
		runsBad := all("Runs", len(runs), len(f.results), err)
		for _, r := range runs {
			if _, ok := f.results[r.ID]; !ok {
				t.Errorf("Runs: run %q was never written", r.ID)
			}
		}
		verifyBad := check("Verify", d.Verify(), false)
		for id, results := range f.results {
			n := 0
			err := d.Results(id, func(r recon.Result) error {
				same("Results", r, results[r.Line])
				n++
				return nil
			})
			resBad := all("Results", n, len(results), err)
			n = 0
			err = d.Exchanges(id, func(e Exchange) error {
				same("Exchanges", e, f.replies[id][e.Row.Line])
				n++
				return nil
			})
			exBad := all("Exchanges", n, len(results), err)
			done, err := d.DoneLines(id)
			resBad = all("DoneLines", len(done), len(results), err) || resBad
			for line := range done {
				if _, ok := results[line]; !ok {
					t.Errorf("DoneLines: line %d was never written", line)
				}
			}
			_, err = d.Run(id)
			check("Run", err, runsBad || verifyBad || resBad)
			for _, line := range []int{2, 150, 299} {
				r, err := d.Result(id, line)
				if !check("Result", err, resBad) && err == nil {
					same("Result", r, results[line])
				}
				e, err := d.Exchange(id, line)
				if !check("Exchange", err, exBad) && err == nil {
					same("Exchange", e, f.replies[id][line])
				}
			}
		}
		for _, k := range f.orderKey[:20] {
			l, ok, err := d.Latest(k)
			check("Latest", err, false)
			if err == nil && (!ok && !missingOK && !verifyBad || ok && l.RunID != "run-2") {
				t.Errorf("Latest(%q): %+v, %v", k, l, ok)
			}
		}
		if err := d.PutRun(&Run{ID: "after", Status: StatusRunning}); err != nil {
			check("PutRun", err, false)
			return
		}
		w := d.NewWriter("after")
		for line := 2; line < 600; line++ {
			_ = w.Put(Record{Result: recon.Result{Line: line, Account: "b", OrderNo: "N" + strconv.Itoa(line), Kind: recon.Payment}, Final: true})
		}
		check("Writer", w.Close(), false)
	})
	return damaged
}

// A store cut short is refused by Open with an ErrCorrupt error naming the
// file; a cut past the last page bbolt wrote loses nothing.
func TestTruncatedStore(t *testing.T) {
	f := newFixture(t)
	fi, err := os.Stat(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if f.hwm < 64<<10 {
		t.Fatalf("the fixture is %d bytes: too small to cut at many places", f.hwm)
	}
	for _, size := range []int64{1, 100, 4095, 4096, 5000, 8191, 8192, 8193, 12288, 16384, f.hwm / 4, f.hwm / 2, f.hwm - storePageSize, f.hwm - 1} {
		t.Run(strconv.FormatInt(size, 10), func(t *testing.T) {
			path := f.damage(t, func(b []byte) []byte { return b[:size] })
			var err error
			noPanic(t, func() {
				var d *DB
				if d, err = Open(path, time.Second); err == nil {
					d.Close()
				}
			})
			var ce *CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) || ce.Bucket != "" {
				t.Fatalf("Open: %v; want a CorruptError for the file", err)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "restore the file from a backup") {
				t.Errorf("%q does not name the file and what to do", err)
			}
		})
	}
	if fi.Size() > f.hwm {
		t.Run("past the last page", func(t *testing.T) {
			path := f.damage(t, func(b []byte) []byte { return b[:f.hwm] })
			if n := f.readAll(t, path, false); n != 0 {
				t.Errorf("%d reads failed", n)
			}
		})
	}
}

// A few random bytes flipped in the file's pages never make the store
// panic, and never read as data: every read either returns what was
// written or an ErrCorrupt error.
func TestFlippedBytes(t *testing.T) {
	f := newFixture(t)
	const page = storePageSize
	var damaged, cases atomic.Int32
	flip := func(t *testing.T, name string, seed int64, missingOK bool, where func(rng *rand.Rand) int64) {
		t.Run(fmt.Sprintf("%s/%d", name, seed), func(t *testing.T) {
			t.Parallel()
			cases.Add(1)
			rng := rand.New(rand.NewSource(seed))
			path := f.damage(t, func(b []byte) []byte {
				for range 1 + rng.Intn(6) {
					b[where(rng)] ^= byte(1 + rng.Intn(255))
				}
				return b
			})
			if f.readAll(t, path, missingOK) > 0 {
				damaged.Add(1)
			}
		})
	}
	pages := f.hwm / page
	t.Run("flips", func(t *testing.T) {
		for seed := range int64(60) {
			// Anywhere in the pages after the two headers.
			flip(t, "anywhere", seed, false, func(rng *rand.Rand) int64 { return 2*page + rng.Int63n(f.hwm-2*page) })
		}
		for seed := range int64(40) {
			// In a page's header or its first elements: what bbolt walks by.
			flip(t, "page header", seed, false, func(rng *rand.Rand) int64 { return (2+rng.Int63n(pages-2))*page + rng.Int63n(64) })
		}
		for seed := range int64(20) {
			// In bbolt's freelist, which it reads at open.
			flip(t, "freelist", seed, false, func(rng *rand.Rand) int64 { return f.freelist*page + rng.Int63n(64) })
		}
		for seed := range int64(20) {
			// In the two header pages: bbolt checksums them and falls back
			// to the older one, losing the last transaction as a crash
			// during it would, or refuses the file when both fail.
			flip(t, "meta", seed, true, func(rng *rand.Rand) int64 { return rng.Int63n(2)*page + rng.Int63n(80) })
		}
	})
	t.Logf("%d of %d damaged files reported as damaged (the rest were flipped where nothing is read)", damaged.Load(), cases.Load())
	if damaged.Load() < cases.Load()/2 {
		t.Errorf("only %d of %d damaged files were reported damaged", damaged.Load(), cases.Load())
	}
}

// A panic in a caller's callback is the caller's: the store neither turns
// it into a CorruptError nor stops taking writes.
func TestCallbackPanicIsNotCorruption(t *testing.T) {
	d := MustOpen(t)
	if err := d.PutRun(&Run{ID: "r"}); err != nil {
		t.Fatal(err)
	}
	w := d.NewWriter("r")
	_ = w.Put(Record{Result: recon.Result{Line: 2}})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != "mine" {
				t.Errorf("recovered %v; want the callback's panic", r)
			}
		}()
		_ = d.Results("r", func(recon.Result) error { panic("mine") })
	}()
	if err := d.PutRun(&Run{ID: "r2"}); err != nil {
		t.Errorf("PutRun after the callback's panic: %v", err)
	}
}

// What the store reads of bbolt's header page itself is what bbolt reads:
// the same high water mark, a freelist that passes the check.
func TestBoltHeaderAsBboltReadsIt(t *testing.T) {
	f := newFixture(t)
	file, err := os.Open(f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	m, ok := readMeta(file, storePageSize)
	if !ok || int64(m.pgid)*storePageSize != f.hwm || int64(m.freelist) != f.freelist {
		t.Fatalf("read %+v, %v; bbolt has %d pages, the freelist at %d", m, ok, f.hwm/storePageSize, f.freelist)
	}
	if err := checkFreelist(file, f.path, storePageSize, m); err != nil {
		t.Fatal(err)
	}
}

// A store whose freelist is not in the file (written with bbolt's
// NoFreelistSync, as recon's stores before schema 3 were) is refused before
// bbolt opens it for writing (which would rebuild the freelist in a
// goroutine where damage is a crash), whole or damaged, and left as it was.
func TestUnsyncedFreelist(t *testing.T) {
	f := newFixture(t)
	b, err := bolt.Open(f.path, 0o600, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	// A commit with NoFreelistSync leaves the freelist out of the file.
	if err := b.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put([]byte("x"), nil) }); err != nil {
		t.Fatal(err)
	}
	b.Close()
	file, err := os.Open(f.path)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := readMeta(file, storePageSize)
	file.Close()
	if m.freelist != pgidNoFreelist {
		t.Fatalf("freelist at %d; want none in the file", m.freelist)
	}
	for seed := range int64(30) {
		t.Run(fmt.Sprintf("damaged/%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			pages := f.hwm / storePageSize
			path := f.damage(t, func(b []byte) []byte {
				for range seed % 4 { // seed 0: whole
					b[(2+rng.Int63n(pages-2))*storePageSize+rng.Int63n(64)] ^= byte(1 + rng.Intn(255))
				}
				return b
			})
			before, _ := os.ReadFile(path)
			var err error
			noPanic(t, func() {
				var d *DB
				if d, err = Open(path, time.Second); err == nil {
					d.Close()
				}
			})
			if !errors.Is(err, ErrSchema) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open: %v; want it refused", err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Error("the refused store changed")
			}
		})
	}
}
