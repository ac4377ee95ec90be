package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/reconhq/recon"
	bolt "go.etcd.io/bbolt"
)

// An incremental night judges most orders again on the answer stored the
// night before, and mostly to the same result: a run stores such a line's
// result and exchange as a reference to the record it repeats (tagRef),
// not a copy. A reference names the line it repeats (its run's number and
// line, and that record's checksum, so that a reference misled by a
// rotted number or line is damage, not another line's data) and the
// fields a run sets of its own: the line is its key, then the attempts,
// and a result's Reused (a run's number). A reference always names a
// record stored whole (a reference to a reference is written as one to
// what that one names): a read takes one step. Prune writes whole again
// the references to the runs it drops.
const tagRef byte = 0x03

// ref is a reference record's payload.
type ref struct {
	Run    uint64 // the number of the run whose line it repeats
	Line   uint64
	Sum    uint32 // the checksum of that record
	Reused uint64 // results only: the number of the run named by Reused (0: none)
	// Attempts is the result's or the exchange's own.
	Attempts int
}

func appendRef(e *enc, r *ref, result bool) {
	e.uint(r.Run)
	e.uint(r.Line)
	*e = binary.BigEndian.AppendUint32(*e, r.Sum)
	if result {
		e.uint(r.Reused)
	}
	e.int(int64(r.Attempts))
}

func readRef(p []byte, result bool) (*ref, error) {
	d := &dec{b: p}
	r := &ref{Run: d.uint(), Line: d.uint()}
	if len(d.b) < 4 {
		d.fail("cut short")
	} else {
		r.Sum = binary.BigEndian.Uint32(d.b)
		d.b = d.b[4:]
	}
	if result {
		r.Reused = d.uint()
	}
	r.Attempts = d.intn()
	if err := d.end(); err != nil {
		return nil, fmt.Errorf("decoding a reference: %w", err)
	}
	if r.Run == 0 {
		return nil, errors.New("a reference to no run")
	}
	return r, nil
}

// runNumbers maps runs' numbers (their data bucket's sequence, given once
// when the bucket is made and never again) to their IDs.
type runNumbers struct {
	mu     sync.Mutex
	byNo   map[uint64]string
	ofID   map[string]uint64
	last   lastBucket
	lastID lastID
}

// lastID is the run runNumbers.lookup found last, in its transaction (see
// lastBucket).
type lastID struct {
	tx *bolt.Tx
	n  uint64
	id string
}

// ambiguous marks a number two runs have (a rotted sequence).
const ambiguous = "\x00"

// lookup returns the ID of run number n, reading the numbers again when n
// is not known, or no longer that run's (a run made or dropped since,
// maybe by another process).
func (rn *runNumbers) lookup(tx *bolt.Tx, n uint64) (string, error) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if l := rn.lastID; l.tx == tx && l.n == n {
		return l.id, nil // checked in this transaction
	}
	id, ok := rn.byNo[n]
	if !ok || !hasNumber(tx, id, n) {
		rn.load(tx)
		id, ok = rn.byNo[n]
	}
	if ok && id != ambiguous {
		rn.lastID = lastID{tx: tx, n: n, id: id}
	}
	switch {
	case !ok:
		return "", fmt.Errorf("no run has the number %d", n)
	case id == ambiguous:
		return "", fmt.Errorf("two runs have the number %d", n)
	}
	return id, nil
}

// number returns a run's number (0: not known).
func (rn *runNumbers) number(tx *bolt.Tx, id string) uint64 {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	n, ok := rn.ofID[id]
	if !ok || !hasNumber(tx, id, n) {
		rn.load(tx)
		n = rn.ofID[id]
	}
	if rn.byNo[n] != id {
		return 0
	}
	return n
}

// hasNumber says whether run id has the number n in tx.
func hasNumber(tx *bolt.Tx, id string, n uint64) bool {
	data := tx.Bucket(bucketData)
	if data == nil {
		return false
	}
	b := data.Bucket([]byte(id))
	return b != nil && b.Sequence() == n
}

func (rn *runNumbers) load(tx *bolt.Tx) {
	rn.byNo, rn.ofID = map[uint64]string{}, map[string]uint64{}
	data := tx.Bucket(bucketData)
	if data == nil {
		return
	}
	_ = data.ForEachBucket(func(k []byte) error {
		n := data.Bucket(k).Sequence()
		if n == 0 {
			return nil
		}
		if _, dup := rn.byNo[n]; dup {
			rn.byNo[n] = ambiguous
		} else {
			rn.byNo[n] = string(k)
		}
		rn.ofID[string(k)] = n
		return nil
	})
}

// target finds the whole record a reference names: its tag must be
// tagBinary and its checksum the one the reference states. Its callers
// decode it, which verifies it.
func (d *DB) target(tx *bolt.Tx, sub []byte, r *ref) (scope, []byte, error) {
	id, b, err := d.runNos.bucket(tx, r.Run, sub)
	if err != nil {
		return scope{}, nil, fmt.Errorf("its reference: %w", err)
	}
	ts := scope{bucket: sub, run: id, key: lineKey(int(r.Line))}
	var v []byte
	if b != nil {
		v = b.Get(ts.key)
	}
	if v == nil {
		return ts, nil, fmt.Errorf("it repeats run %q line %d, which is not stored", id, r.Line)
	}
	if len(v) < headerLen || v[0] != tagBinary || sumOf(v) != r.Sum {
		return ts, nil, fmt.Errorf("it repeats run %q line %d, whose record is not the one it names", id, r.Line)
	}
	return ts, v, nil
}

// bucket returns the ID of run number n and its sub bucket (nil when it
// has none). The last one found is kept for its transaction: a reused
// night's references mostly name one run, and opening its bucket for each
// line cost as much as the rest of a read.
func (rn *runNumbers) bucket(tx *bolt.Tx, n uint64, sub []byte) ([]byte, *bolt.Bucket, error) {
	rn.mu.Lock()
	if l := &rn.last; l.tx == tx && l.n == n && bytes.Equal(l.sub, sub) {
		defer rn.mu.Unlock()
		return l.id, l.b, nil
	}
	rn.mu.Unlock()
	name, err := rn.lookup(tx, n)
	if err != nil {
		return nil, nil, err
	}
	id := []byte(name)
	var b *bolt.Bucket
	if data := tx.Bucket(bucketData); data != nil {
		if rb := data.Bucket(id); rb != nil {
			b = rb.Bucket(sub)
		}
	}
	rn.mu.Lock()
	rn.last = lastBucket{tx: tx, n: n, sub: sub, id: id, b: b}
	rn.mu.Unlock()
	return id, b, nil
}

// lastBucket is the bucket runNumbers.bucket found last. A transaction
// kept here is never equal to another (it is not collected meanwhile), so
// a bucket of a transaction closed is never handed out again.
type lastBucket struct {
	tx  *bolt.Tx
	n   uint64
	sub []byte
	id  []byte // read only
	b   *bolt.Bucket
}

// resultAt decodes the result record v at s, whole or a reference.
func (d *DB) resultAt(tx *bolt.Tx, scratch *[]byte, s scope, v []byte) (*recon.Result, error) {
	if len(v) < headerLen || v[0] != tagRef {
		return decodeRecord[recon.Result](scratch, s, v)
	}
	r, err := openRef(scratch, s, v, true)
	if err != nil {
		return nil, err
	}
	ts, tv, err := d.target(tx, subResults, r)
	if err != nil {
		return nil, err
	}
	res, err := decodeRecord[recon.Result](scratch, ts, tv)
	if err != nil {
		return nil, fmt.Errorf("it repeats run %q line %d: %w", ts.run, r.Line, err)
	}
	res.Line, res.Attempts, res.Reused = int(beUint64(s.key)), r.Attempts, ""
	if r.Reused != 0 {
		if res.Reused, err = d.runNos.lookup(tx, r.Reused); err != nil {
			return nil, fmt.Errorf("its Reused: %w", err)
		}
	}
	return res, nil
}

// exchangeRecordAt decodes the exchange record v at s, whole or a
// reference.
func (d *DB) exchangeRecordAt(tx *bolt.Tx, scratch *[]byte, s scope, v []byte) (*exchangeRecord, error) {
	if len(v) < headerLen || v[0] != tagRef {
		return decodeRecord[exchangeRecord](scratch, s, v)
	}
	r, err := openRef(scratch, s, v, false)
	if err != nil {
		return nil, err
	}
	ts, tv, err := d.target(tx, subExchanges, r)
	if err != nil {
		return nil, err
	}
	x, err := decodeRecord[exchangeRecord](scratch, ts, tv)
	if err != nil {
		return nil, fmt.Errorf("it repeats run %q line %d: %w", ts.run, r.Line, err)
	}
	x.Row.Line, x.Attempts = int(beUint64(s.key)), r.Attempts
	return x, nil
}

// openRef verifies the reference record v at s and decodes it.
func openRef(scratch *[]byte, s scope, v []byte, result bool) (*ref, error) {
	if len(s.key) != 8 {
		return nil, fmt.Errorf("a reference at a key of %d bytes", len(s.key))
	}
	tag, p, err := openRecord(scratch, s, v)
	if err != nil {
		return nil, err
	}
	if tag != tagRef {
		return nil, fmt.Errorf("a record of format 0x%02x where a reference belongs", tag)
	}
	return readRef(p, result)
}

// isRef says whether the record v is a reference.
func isRef(v []byte) bool { return len(v) >= headerLen && v[0] == tagRef }

// refWriter makes a writer's references, in its commit's transaction.
type refWriter struct {
	d       *DB
	tx      *bolt.Tx
	scratch *[]byte
	orders  *bolt.Bucket
	ended   map[string]bool // runs by ID: completed
}

// over says whether the run id has completed: only a completed run's
// lines are repeated by reference. Any other may still put a line again (a
// resume, --run-id taking up a failed run, or its refunds pass judging a
// payment again), and a reference stating the old record would then read
// as damage forever.
func (rw *refWriter) over(id string) bool {
	if done, ok := rw.ended[id]; ok {
		return done
	}
	done := false
	s := runScope(id)
	if runs := rw.tx.Bucket(bucketRuns); runs != nil {
		if v := runs.Get(s.key); v != nil {
			if r, err := decodeRecord[Run](rw.scratch, s, v); err == nil {
				done = r.Status == StatusCompleted
			}
		}
	}
	if rw.ended == nil {
		rw.ended = map[string]bool{}
	}
	rw.ended[id] = done
	return done
}

// previous returns the record a line of run reused repeats, per the
// order's latest result (which a reused line's answer is): the whole
// record (following a reference), its run's number and line. ok is false
// when there is none to repeat, or it does not read (Verify's to report:
// the line is then stored whole).
func (rw *refWriter) previous(sub []byte, orderKey, reused string) (ts scope, tv []byte, r ref, ok bool) {
	if reused == "" {
		return
	}
	os := orderScope(orderKey)
	lv := rw.orders.Get(os.key)
	if lv == nil {
		return
	}
	l, err := decodeRecord[Latest](rw.scratch, os, lv)
	if err != nil || l.RunID != reused || l.Line <= 0 || !rw.over(l.RunID) {
		return
	}
	data := rw.tx.Bucket(bucketData)
	rb := data.Bucket([]byte(l.RunID))
	if rb == nil || rb.Bucket(sub) == nil {
		return
	}
	s := scope{bucket: sub, run: []byte(l.RunID), key: lineKey(l.Line)}
	v := rb.Bucket(sub).Get(s.key)
	if v == nil {
		return
	}
	if isRef(v) {
		pr, err := openRef(rw.scratch, s, v, bytes.Equal(sub, subResults))
		if err != nil {
			return
		}
		if s, v, err = rw.d.target(rw.tx, sub, pr); err != nil {
			return
		}
		r.Run, r.Line = pr.Run, pr.Line
	} else {
		if _, _, err := openRecord(rw.scratch, s, v); err != nil {
			return
		}
		if r.Run = rw.d.runNos.number(rw.tx, l.RunID); r.Run == 0 {
			return
		}
		r.Line = uint64(l.Line)
	}
	r.Sum = sumOf(v)
	return s, v, r, true
}

// result returns the reference record that stores res at s, when res
// repeats the result of its reused line but for its own fields.
func (rw *refWriter) result(s scope, res *recon.Result) ([]byte, bool) {
	ts, tv, r, ok := rw.previous(subResults, res.Key(), res.Reused)
	if !ok {
		return nil, false
	}
	prev, err := decodeRecord[recon.Result](rw.scratch, ts, tv)
	if err != nil {
		return nil, false
	}
	prev.Line, prev.Attempts, prev.Reused = res.Line, res.Attempts, res.Reused
	var a, b enc
	appendResult(&a, prev)
	appendResult(&b, res)
	if !bytes.Equal(a, b) {
		return nil, false
	}
	if r.Reused = rw.d.runNos.number(rw.tx, res.Reused); r.Reused == 0 {
		return nil, false
	}
	r.Attempts = res.Attempts
	return rw.seal(s, &r, true), true
}

// exchange returns the reference record that stores x at s (of a result
// reused from run reused), when x repeats the exchange of the reused line
// but for its own fields.
func (rw *refWriter) exchange(s scope, orderKey, reused string, x *exchangeRecord) ([]byte, bool) {
	if uint64(x.Row.Line) != beUint64(s.key) {
		return nil, false // a reference's row has its key's line
	}
	ts, tv, r, ok := rw.previous(subExchanges, orderKey, reused)
	if !ok {
		return nil, false
	}
	prev, err := decodeRecord[exchangeRecord](rw.scratch, ts, tv)
	if err != nil {
		return nil, false
	}
	prev.Row.Line, prev.Attempts = x.Row.Line, x.Attempts
	var a, b enc
	appendPayload(&a, prev)
	appendPayload(&b, x)
	if !bytes.Equal(a, b) {
		return nil, false
	}
	r.Attempts = x.Attempts
	return rw.seal(s, &r, false), true
}

func (rw *refWriter) seal(s scope, r *ref, result bool) []byte {
	var p enc
	appendRef(&p, r, result)
	return seal(rw.scratch, s, tagRef, p)
}
