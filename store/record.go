package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"

	"github.com/reconhq/recon"
	bolt "go.etcd.io/bbolt"
)

// A record is every value the store writes, framed so that a read can tell
// it is what was written (see the package comment):
//
//	tag (1 byte) | CRC-32C (4 bytes, big endian) | payload
//
// The checksum covers the tag, the record's place in the file (its bucket,
// its run for a run's results and exchanges, its key) and the payload, so
// that a record whose key or bucket name rotted does not read as another
// line's or another run's.
const (
	tagJSON   byte = 0x01 // the payload is the JSON encoding of the value (runs, meta)
	tagBinary byte = 0x02 // the payload is the binary encoding of codec.go (what a run writes by the row)
	headerLen      = 5
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Why a record fails verification (CorruptError.Err wraps one of these, or
// the decoder's error).
var (
	errShortRecord = errors.New("record shorter than its header")
	errChecksum    = errors.New("checksum mismatch")
)

// scope is where a record lives: the bucket (runs, results, exchanges,
// orders, meta, replies, replysums), the run for results and exchanges,
// and the key.
type scope struct {
	bucket []byte
	run    []byte
	key    []byte
}

func runScope(id string) scope    { return scope{bucket: bucketRuns, key: []byte(id)} }
func orderScope(key string) scope { return scope{bucket: bucketOrders, key: []byte(key)} }
func metaScope(key []byte) scope  { return scope{bucket: bucketMeta, key: key} }
func lineScope(sub []byte, runID string, line int) scope {
	return scope{bucket: sub, run: []byte(runID), key: lineKey(line)}
}

// checksum is the CRC-32C of tag, s and payload. scratch is reused for the
// length-prefixed scope (the writer keeps one, so that a record costs no
// allocation for it); nil is fine.
func checksum(scratch *[]byte, s scope, tag byte, payload []byte) uint32 {
	var buf []byte
	if scratch != nil {
		buf = (*scratch)[:0]
	}
	buf = append(buf, tag)
	for _, part := range [...][]byte{s.bucket, s.run, s.key} {
		buf = binary.AppendUvarint(buf, uint64(len(part)))
		buf = append(buf, part...)
	}
	if scratch != nil {
		*scratch = buf
	}
	return crc32.Update(crc32.Checksum(buf, castagnoli), castagnoli, payload)
}

// seal frames payload as the record at s.
func seal(scratch *[]byte, s scope, tag byte, payload []byte) []byte {
	out := make([]byte, headerLen+len(payload))
	copy(out[headerLen:], payload)
	frame(scratch, s, tag, out)
	return out
}

// frame writes the header of r, whose payload follows room for it.
func frame(scratch *[]byte, s scope, tag byte, r []byte) {
	r[0] = tag
	binary.BigEndian.PutUint32(r[1:headerLen], checksum(scratch, s, tag, r[headerLen:]))
}

// exchangeRecord is what a run stores by the line for an Exchange: the
// row and the attempts, and the reply by reference (its key in the
// replies bucket), so that a reply that comes again (an incremental night
// judging a stored answer again) is stored once.
type exchangeRecord struct {
	Row      recon.Row
	Attempts int
	Reply    uint64
}

// replySum is the replysums bucket's value: the reply whose encoding has
// that hash.
type replySum struct{ Reply uint64 }

// appendPayload appends v's payload to e and returns its tag.
func appendPayload(e *enc, v any) (byte, error) {
	switch v := v.(type) {
	case *recon.Result:
		appendResult(e, v)
	case recon.Result:
		appendResult(e, &v)
	case *exchangeRecord:
		appendRow(e, &v.Row)
		e.int(int64(v.Attempts))
		e.uint(v.Reply)
	case *recon.Reply:
		appendReplyPayload(e, v)
	case *Latest:
		appendLatest(e, v)
	case Latest:
		appendLatest(e, &v)
	case *replySum:
		e.uint(v.Reply)
	case *dictRecord:
		*e = append(*e, v.Bytes...)
	default:
		p, err := json.Marshal(v)
		if err != nil {
			return 0, err
		}
		*e = append(*e, p...)
		return tagJSON, nil
	}
	return tagBinary, nil
}

// decodePayload decodes p, of a record tagged tag, into t.
func decodePayload(tag byte, p []byte, t any) error {
	d := &dec{b: p}
	switch t := t.(type) {
	case *recon.Result:
		readResult(d, t)
	case *exchangeRecord:
		readRow(d, &t.Row)
		t.Attempts = d.intn()
		t.Reply = d.uint()
	case *recon.Reply:
		readReplyPayload(d, t, nil)
	case *Latest:
		readLatest(d, t)
	case *replySum:
		t.Reply = d.uint()
	case *dictRecord:
		t.Bytes = slices.Clone(d.b)
		d.b = nil
	default:
		if tag != tagJSON {
			return fmt.Errorf("a record of format 0x%02x where one of format 0x%02x belongs", tag, tagJSON)
		}
		return json.Unmarshal(p, t)
	}
	if tag != tagBinary {
		return fmt.Errorf("a record of format 0x%02x where one of format 0x%02x belongs", tag, tagBinary)
	}
	return d.end()
}

// encodeRecord is v's record at s.
func encodeRecord(scratch *[]byte, s scope, v any) ([]byte, error) {
	e := enc(make([]byte, headerLen, 256))
	tag, err := appendPayload(&e, v)
	if err != nil {
		return nil, err
	}
	frame(scratch, s, tag, e)
	return e, nil
}

// storable refuses a value that would not read back as written: a reply
// without an outcome, which the decoder refuses.
func storable(v any) error {
	if e, ok := v.(*Exchange); ok && recon.ParseOutcome(e.Reply.Outcome.String()) == 0 {
		return fmt.Errorf("the reply has no outcome (%d), and would not read back", e.Reply.Outcome)
	}
	return nil
}

// arena encodes the writer's records into large chunks, so that a batch
// costs a few allocations rather than one or two a record. No byte it
// handed out is written again: bbolt keeps each value until the commit.
type arena struct {
	chunk []byte
	buf   enc
}

const arenaChunk = 64 << 10

// record is v's record at s, as encodeRecord makes it.
func (a *arena) record(scratch *[]byte, s scope, v any) ([]byte, error) {
	a.buf = append(a.buf[:0], make([]byte, headerLen)...)
	tag, err := appendPayload(&a.buf, v)
	if err != nil {
		return nil, err
	}
	return a.frame(scratch, s, tag, a.buf), nil
}

// copy copies b into the arena.
func (a *arena) copy(b []byte) []byte {
	if cap(a.chunk)-len(a.chunk) < len(b) {
		a.chunk = make([]byte, 0, max(arenaChunk, len(b)))
	}
	start := len(a.chunk)
	a.chunk = append(a.chunk, b...)
	return a.chunk[start:len(a.chunk):len(a.chunk)]
}

// frame copies r (header room and payload) into the arena and frames it.
func (a *arena) frame(scratch *[]byte, s scope, tag byte, r []byte) []byte {
	out := a.copy(r)
	frame(scratch, s, tag, out)
	return out
}

// openRecord verifies the record at s and returns its tag and payload,
// which aliases v (and so, read from bbolt, is valid only in its
// transaction).
func openRecord(scratch *[]byte, s scope, v []byte) (byte, []byte, error) {
	if len(v) < headerLen {
		return 0, nil, fmt.Errorf("%w (%d bytes)", errShortRecord, len(v))
	}
	if v[0] != tagJSON && v[0] != tagBinary && v[0] != tagRef {
		return 0, nil, fmt.Errorf("unknown record format 0x%02x", v[0])
	}
	p := v[headerLen:]
	if binary.BigEndian.Uint32(v[1:headerLen]) != checksum(scratch, s, v[0], p) {
		return 0, nil, errChecksum
	}
	return v[0], p, nil
}

// decodeRecord verifies the record at s and decodes it into a new T. Its
// error is why the record is not a T (never a partial T).
func decodeRecord[T any](scratch *[]byte, s scope, v []byte) (*T, error) {
	tag, p, err := openRecord(scratch, s, v)
	if err != nil {
		return nil, err
	}
	t := new(T)
	if err := decodePayload(tag, p, t); err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	return t, nil
}

// absent checks that the key of s, which b.Get did not find, is truly not
// in b: the keys either side of where it would be are in order, and their
// records (not buckets) verify. Else a search went astray or a key rotted,
// maybe the one asked for: its error is then the record's damage, not its
// absence.
func absent(path string, b *bolt.Bucket, s scope) error {
	c := b.Cursor()
	k, v := c.Seek(s.key)
	var pk, pv []byte
	if k != nil {
		if bytes.Equal(k, s.key) {
			return corruptRecord(path, s, errors.New("the file's search did not find it where it is"))
		}
		if bytes.Compare(k, s.key) < 0 {
			return corruptRecord(path, s, fmt.Errorf("not found, and the keys where it would be are out of order (%s)", shortHex(k)))
		}
		pk, pv = c.Prev()
	} else {
		pk, pv = c.Last()
	}
	if pk != nil && bytes.Compare(pk, s.key) >= 0 {
		return corruptRecord(path, s, fmt.Errorf("not found, and the keys where it would be are out of order (%s)", shortHex(pk)))
	}
	var scratch []byte
	for _, n := range [...]struct{ k, v []byte }{{pk, pv}, {k, v}} {
		if n.k == nil || n.v == nil {
			continue
		}
		ns := s
		ns.key = n.k
		if _, _, err := openRecord(&scratch, ns, n.v); err != nil {
			return corruptRecord(path, s, fmt.Errorf("not found, and the record beside it (key %s) is damaged, maybe this one with its key rotted: %w",
				shortHex(n.k), err))
		}
	}
	return nil
}

// A bucket of records keeps a digest of them in its sequence number (which
// bbolt stores with the bucket): how many records it holds and the XOR of
// their checksums. A read of the whole bucket compares what it read with
// it, so that a record lost from a page (a count that rotted) is damage,
// not a line that was never stored.
type digest struct {
	n uint32 // records
	x uint32 // XOR of their checksums
}

func digestOf(b *bolt.Bucket) digest {
	s := b.Sequence()
	return digest{n: uint32(s >> 32), x: uint32(s)}
}

func (g digest) seq() uint64 { return uint64(g.n)<<32 | uint64(g.x) }

// add counts record v in.
func (g *digest) add(v []byte) {
	g.n++
	g.x ^= sumOf(v)
}

// remove counts record v out (it is being replaced).
func (g *digest) remove(v []byte) {
	g.n--
	g.x ^= sumOf(v)
}

// sumOf is the checksum a record states (0 for one too short to state any).
func sumOf(v []byte) uint32 {
	if len(v) < headerLen {
		return 0
	}
	return binary.BigEndian.Uint32(v[1:headerLen])
}

// putRecords writes records into b and updates its digest.
func putRecords(b *bolt.Bucket, kvs [][2][]byte) error {
	rb := openRecords(b)
	for _, kv := range kvs {
		if err := rb.put(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return rb.done()
}

// records is a bucket of records being written in a transaction, and its
// digest as it goes.
type records struct {
	b *bolt.Bucket
	c *bolt.Cursor // one for the transaction: b.Get makes one a call
	g digest
}

func openRecords(b *bolt.Bucket) *records { return &records{b: b, c: b.Cursor(), g: digestOf(b)} }

// put writes record v at k, counting out the one it replaces.
func (r *records) put(k, v []byte) error {
	if ck, old := r.c.Seek(k); old != nil && bytes.Equal(ck, k) {
		r.g.remove(old)
	}
	r.g.add(v)
	return r.b.Put(k, v)
}

// del deletes the record at k, if any.
func (r *records) del(k []byte) error {
	if ck, old := r.c.Seek(k); old != nil && bytes.Equal(ck, k) {
		r.g.remove(old)
		return r.b.Delete(k)
	}
	return nil
}

// done stores the digest.
func (r *records) done() error { return r.b.SetSequence(r.g.seq()) }

// checkDigest compares what a read of the whole bucket b saw with its
// digest. When some of its records were already reported damaged, only a
// count that differs is news.
func checkDigest(b *bolt.Bucket, seen digest, reported bool) error {
	want := digestOf(b)
	switch {
	case seen.n != want.n:
		return fmt.Errorf("%d records read where %d were stored", seen.n, want.n)
	case seen.x != want.x && !reported:
		return errors.New("the records read are not the ones stored (their checksums do not add up)")
	}
	return nil
}
