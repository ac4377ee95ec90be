package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	kflate "github.com/klauspost/compress/flate"

	"github.com/reconhq/recon"
	bolt "go.etcd.io/bbolt"
)

// Replies are stored once however many runs judged them: a run's exchange
// names its reply by its key in the replies bucket (a number, in the
// order replies were first stored, so that the bucket's pages fill up as
// a log's), and replysums finds a reply by the hash of its encoding. The
// hash only says where to look: a reply is reused when its stored bytes
// are the same, so a collision (or a damaged sum) stores it again.
var (
	bucketReplies   = []byte("replies")
	bucketReplySums = []byte("replysums")
	// dicts/<provider> is the dictionary the replies of a provider are
	// deflated with: the plain encoding of the first reply of it the store
	// kept. A dictionary is written once and never changed or dropped, so
	// that every reply deflated with it reads.
	bucketDicts = []byte("dicts")
)

// dictRecord is a dictionary's record.
type dictRecord struct{ Bytes []byte }

// maxDict bounds a dictionary (deflate's window).
const maxDict = 32 << 10

func dictScope(name string) scope { return scope{bucket: bucketDicts, key: []byte(name)} }

// dictOf reads a dictionary.
func dictOf(tx *bolt.Tx, scratch *[]byte, name string) ([]byte, error) {
	b := tx.Bucket(bucketDicts)
	if b == nil {
		return nil, errors.New("the dicts bucket is missing")
	}
	s := dictScope(name)
	v := b.Get(s.key)
	if v == nil {
		return nil, errors.New("not stored")
	}
	d, err := decodeRecord[dictRecord](scratch, s, v)
	if err != nil {
		return nil, err
	}
	return d.Bytes, nil
}

// decodeReply decodes the reply record v at s, with its dictionary.
func decodeReply(tx *bolt.Tx, scratch *[]byte, s scope, v []byte) (*recon.Reply, error) {
	tag, p, err := openRecord(scratch, s, v)
	if err != nil {
		return nil, err
	}
	if tag != tagBinary {
		return nil, fmt.Errorf("decoding: a record of format 0x%02x where one of format 0x%02x belongs", tag, tagBinary)
	}
	r := new(recon.Reply)
	d := &dec{b: p}
	readReplyPayload(d, r, func(name string) ([]byte, error) {
		var ds []byte
		return dictOf(tx, &ds, name)
	})
	if err := d.end(); err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	return r, nil
}

const sumLen = 8

func replySumKey(payload []byte) []byte {
	h := sha256.Sum256(payload)
	return h[:sumLen]
}

// replyWriter stores replies in a write transaction.
type replyWriter struct {
	replies, sums *records
	next          uint64
	scratch       *[]byte
	path          string
}

func newReplyWriter(tx *bolt.Tx, path string, scratch *[]byte) (*replyWriter, error) {
	rb, err := top(tx, path, bucketReplies)
	if err != nil {
		return nil, err
	}
	sb, err := top(tx, path, bucketReplySums)
	if err != nil {
		return nil, err
	}
	rb.FillPercent = 1 // keys that only grow (hashes keep bbolt's half-full split)
	w := &replyWriter{replies: openRecords(rb), sums: openRecords(sb), next: 1, scratch: scratch, path: path}
	switch k, _ := w.replies.c.Last(); {
	case len(k) == 8:
		w.next = binary.BigEndian.Uint64(k) + 1
	case k != nil:
		// Numbering on from 1 would overwrite the replies stored.
		return nil, &CorruptError{Path: path, Bucket: string(bucketReplies), Key: fmt.Sprintf("%x", k),
			Err: fmt.Errorf("a key of %d bytes where the replies' numbers (8) are", len(k))}
	}
	return w, nil
}

// put stores the reply whose record is rec (framed at replyScope(0):
// framed again at its key when stored), or finds it stored, and returns
// its key.
func (w *replyWriter) put(payload []byte) (uint64, error) {
	sk := replySumKey(payload)
	ss := scope{bucket: bucketReplySums, key: sk}
	if v := w.sums.b.Get(sk); v != nil {
		if sum, err := decodeRecord[replySum](w.scratch, ss, v); err == nil {
			rs := replyScope(sum.Reply)
			if tag, p, err := openRecord(w.scratch, rs, w.replies.b.Get(rs.key)); err == nil && tag == tagBinary && bytes.Equal(p, payload) {
				return sum.Reply, nil
			}
		}
		// A collision, or damage (Verify's to report): stored again.
	}
	id := w.next
	w.next++
	rs := replyScope(id)
	if w.replies.b.Get(rs.key) != nil {
		// A reply is never stored over another: the numbering is off.
		return 0, &CorruptError{Path: w.path, Bucket: string(bucketReplies), Key: fmt.Sprintf("%x", rs.key),
			Err: errors.New("the next reply's number is taken")}
	}
	if err := w.replies.put(rs.key, seal(w.scratch, rs, tagBinary, payload)); err != nil {
		return 0, err
	}
	if w.sums.b.Get(sk) == nil {
		v, err := encodeRecord(w.scratch, ss, &replySum{Reply: id})
		if err != nil {
			return 0, err
		}
		if err := w.sums.put(sk, v); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func (w *replyWriter) done() error {
	return errors.Join(w.replies.done(), w.sums.done())
}

func replyScope(id uint64) scope {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, id)
	return scope{bucket: bucketReplies, key: k}
}

// exchangeOf decodes the exchange record v at s and reads its reply. Its
// error is the exchange's damage (a reply damaged or missing is the
// exchange's, since that is what was asked for).
func (d *DB) exchangeOf(tx *bolt.Tx, scratch *[]byte, s scope, v []byte) (*Exchange, error) {
	x, err := d.exchangeRecordAt(tx, scratch, s, v)
	if err != nil {
		return nil, err
	}
	reply, err := replyOf(tx, scratch, x.Reply)
	if err != nil {
		return nil, err
	}
	return &Exchange{Row: x.Row, Attempts: x.Attempts, Reply: *reply}, nil
}

func replyOf(tx *bolt.Tx, scratch *[]byte, id uint64) (*recon.Reply, error) {
	b := tx.Bucket(bucketReplies)
	if b == nil {
		return nil, errors.New("the replies bucket is missing")
	}
	rs := replyScope(id)
	v := b.Get(rs.key)
	if v == nil {
		return nil, fmt.Errorf("its reply (%d) is not stored", id)
	}
	r, err := decodeReply(tx, scratch, rs, v)
	if err != nil {
		return nil, fmt.Errorf("its reply (%d): %w", id, err)
	}
	return r, nil
}

func beUint64(k []byte) uint64 { return binary.BigEndian.Uint64(k) }

// replyDicts is a writer's dictionaries, by provider.
type replyDicts map[string]*providerDict

type providerDict struct {
	w     *kflate.Writer
	bytes []byte
	isNew bool // to be stored by the commit
}

// dictFor returns the dictionary of a provider's replies: the store's, or
// else plain (the first reply's plain encoding), to be stored.
func (w *Writer) dictFor(provider string, plain func() []byte) (*providerDict, error) {
	if rd, ok := w.dicts[provider]; ok {
		return rd, nil
	}
	var dict []byte
	err := w.db.view(func(tx *bolt.Tx) error {
		return w.db.try(func() error {
			b, err := dictOf(tx, nil, provider)
			if err == nil {
				dict = b
			} else if tx.Bucket(bucketDicts) == nil || tx.Bucket(bucketDicts).Get([]byte(provider)) != nil {
				return &CorruptError{Path: w.db.path, Bucket: string(bucketDicts), Key: provider, Err: err}
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	rd := &providerDict{bytes: dict}
	if dict == nil {
		p := plain()
		rd.bytes, rd.isNew = p[:min(len(p), maxDict)], true
	}
	// Level 3: as small as the standard library's level 2 within 2%, at
	// a third of its CPU (BenchmarkReplyDeflate).
	if rd.w, err = kflate.NewWriterDict(nil, 3, rd.bytes); err != nil {
		return nil, err
	}
	if w.dicts == nil {
		w.dicts = replyDicts{}
	}
	w.dicts[provider] = rd
	return rd, nil
}

// putDicts stores the dictionaries made since the last commit.
func (w *Writer) putDicts(tx *bolt.Tx) error {
	var fresh []*providerDict
	var names []string
	for name, rd := range w.dicts {
		if rd.isNew {
			fresh, names = append(fresh, rd), append(names, name)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	b, err := top(tx, w.db.path, bucketDicts)
	if err != nil {
		return err
	}
	rs := openRecords(b)
	for i, rd := range fresh {
		s := dictScope(names[i])
		if b.Get(s.key) != nil {
			return &CorruptError{Path: w.db.path, Bucket: string(bucketDicts), Key: names[i], Err: errors.New("a dictionary is stored that did not read")}
		}
		v, err := encodeRecord(&w.scratch, s, &dictRecord{Bytes: rd.bytes})
		if err != nil {
			return err
		}
		if err := rs.put(s.key, v); err != nil {
			return err
		}
	}
	if err := rs.done(); err != nil {
		return err
	}
	for _, rd := range fresh {
		rd.isNew = false
	}
	return nil
}
