package store

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Verify reads the whole store and checks every record (its checksum and
// its decoding), each bucket's records against its digest (none lost), and
// what of the file's structure a read can see (keys in order and of
// possible sizes, pages that end within the file). It returns nil for a
// whole store; else a *CorruptError for each damaged record or structure
// it found (errors.Join when more than one). It reads the whole file and
// holds the write lock meanwhile: the work of a command that checks a
// store, not of every open. It does not check bbolt's freelist.
func (d *DB) Verify() error {
	var bad []error
	err := d.try(func() error {
		// A writer's transaction on a writable store: no commit happens
		// meanwhile, so the file's pages are those pagesFit reads.
		tx, err := d.db.Begin(!d.readOnly)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		var scratch []byte
		seen := map[string]digest{}
		reported := map[string]bool{}
		err = walk(tx, d.path, func(path [][]byte, k, v []byte) error {
			p := string(bytes.Join(path, []byte("/")))
			if err := d.verifyRecord(tx, &scratch, path, k, v); err != nil {
				bad = append(bad, err.withPath(d.path))
				reported[p] = true
			}
			g := seen[p]
			g.add(v)
			seen[p] = g
			return nil
		})
		if err != nil {
			return err
		}
		bad = append(bad, digests(tx, d.path, seen, reported)...)
		if err := pagesFit(d.file, d.path, d.db.Info().PageSize); err != nil {
			bad = append(bad, err)
		}
		// Not bbolt's own tx.Check: it runs in a goroutine of its own, where
		// a key whose length rotted is a fault no recover catches.
		return nil
	})
	if err != nil {
		bad = append(bad, err)
	}
	return errors.Join(bad...)
}

// recordError is verifyRecord's error, before it knows the file.
type recordError struct {
	s   scope
	err error
}

func (e *recordError) withPath(path string) *CorruptError { return corruptRecord(path, e.s, e.err) }

// verifyRecord decodes the record at path/k as what that place holds.
func (d *DB) verifyRecord(tx *bolt.Tx, scratch *[]byte, path [][]byte, k, v []byte) *recordError {
	var s scope
	var err error
	switch {
	case len(path) == 1 && bytes.Equal(path[0], bucketRuns):
		s = scope{bucket: bucketRuns, key: k}
		_, err = decodeRecord[Run](scratch, s, v)
	case len(path) == 1 && bytes.Equal(path[0], bucketOrders):
		s = scope{bucket: bucketOrders, key: k}
		_, err = decodeRecord[Latest](scratch, s, v)
	case len(path) == 1 && bytes.Equal(path[0], bucketMeta):
		s = scope{bucket: bucketMeta, key: k}
		switch {
		case bytes.Equal(k, keySchema): // plain digits, checked at open
		case bytes.Equal(k, keyFormat):
			_, err = decodeRecord[formatRecord](scratch, s, v)
		default:
			err = errors.New("not a key this recon writes")
		}
	case len(path) == 3 && bytes.Equal(path[0], bucketData) && bytes.Equal(path[2], subResults):
		s = scope{bucket: subResults, run: path[1], key: k}
		_, err = d.resultAt(tx, scratch, s, v) // and what it repeats
	case len(path) == 3 && bytes.Equal(path[0], bucketData) && bytes.Equal(path[2], subExchanges):
		s = scope{bucket: subExchanges, run: path[1], key: k}
		_, err = d.exchangeOf(tx, scratch, s, v) // and the reply it names, and what it repeats
	case len(path) == 1 && bytes.Equal(path[0], bucketReplies):
		s = scope{bucket: bucketReplies, key: k}
		_, err = decodeReply(tx, scratch, s, v)
	case len(path) == 1 && bytes.Equal(path[0], bucketDicts):
		s = scope{bucket: bucketDicts, key: k}
		_, err = decodeRecord[dictRecord](scratch, s, v)
	case len(path) == 1 && bytes.Equal(path[0], bucketReplySums):
		s = scope{bucket: bucketReplySums, key: k}
		_, err = decodeRecord[replySum](scratch, s, v)
	default:
		s = scope{bucket: bytes.Join(path, []byte("/")), key: k}
		err = errors.New("a value where this recon keeps none")
	}
	if err != nil {
		return &recordError{s, err}
	}
	return nil
}

// walk visits every bucket and key of the file in key order, checking that
// keys increase, and calls fn (when not nil) for each value with the path
// of its bucket. It reads every key, so that a page or a key outside the
// file is met here, under try.
func walk(tx *bolt.Tx, file string, fn func(path [][]byte, k, v []byte) error) error {
	return rootBuckets(tx, file, func(k []byte, b *bolt.Bucket) error { return walkBucket(b, file, [][]byte{k}, fn) })
}

// rootBuckets calls fn for each top-level bucket, checking that their names
// are in order and that each is a bucket.
func rootBuckets(tx *bolt.Tx, file string, fn func(k []byte, b *bolt.Bucket) error) error {
	var prev []byte
	c := tx.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) == 0 || len(k) > bolt.MaxKeySize {
			return &CorruptError{Path: file, Err: fmt.Errorf("a top-level key of %d bytes", len(k))}
		}
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			return &CorruptError{Path: file, Err: fmt.Errorf("its top-level keys are out of order at %s", shortHex(k))}
		}
		prev = k
		var b *bolt.Bucket
		if v == nil {
			b = tx.Bucket(k)
		}
		if b == nil {
			return &CorruptError{Path: file, Err: fmt.Errorf("a value where a bucket belongs (%s)", shortHex(k))}
		}
		if fn != nil {
			if err := fn(k, b); err != nil {
				return err
			}
		}
	}
	return nil
}

func walkBucket(b *bolt.Bucket, file string, path [][]byte, fn func(path [][]byte, k, v []byte) error) error {
	var prev []byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) == 0 || len(k) > bolt.MaxKeySize || len(v) > bolt.MaxValueSize {
			return &CorruptError{Path: file, Err: fmt.Errorf("bucket %q has a key of %d bytes, or a value of %d", bytes.Join(path, []byte("/")), len(k), len(v))}
		}
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			return &CorruptError{Path: file, Err: fmt.Errorf("keys out of order in bucket %q at %x", bytes.Join(path, []byte("/")), k)}
		}
		prev = k
		if v != nil {
			if fn != nil {
				if err := fn(path, k, v); err != nil {
					return err
				}
			}
			continue
		}
		sub := b.Bucket(k)
		if sub == nil {
			return &CorruptError{Path: file, Err: fmt.Errorf("bucket %q has a bucket %q it cannot open", bytes.Join(path, []byte("/")), k)}
		}
		if err := walkBucket(sub, file, append(path[:len(path):len(path)], k), fn); err != nil {
			return err
		}
	}
	return nil
}

// digests compares each record bucket's digest with what the walk saw, and
// each run's record with its bucket.
func digests(tx *bolt.Tx, file string, seen map[string]digest, reported map[string]bool) []error {
	var bad []error
	check := func(b *bolt.Bucket, path string, e *CorruptError) {
		if b == nil {
			return
		}
		if err := checkDigest(b, seen[path], reported[path]); err != nil {
			e.Path, e.Err = file, err
			bad = append(bad, e)
		}
	}
	check(tx.Bucket(bucketRuns), string(bucketRuns), &CorruptError{Bucket: string(bucketRuns)})
	for _, name := range [][]byte{bucketOrders, bucketReplies, bucketReplySums, bucketDicts} {
		check(tx.Bucket(name), string(name), &CorruptError{Bucket: string(name)})
	}
	data, runs := tx.Bucket(bucketData), tx.Bucket(bucketRuns)
	if data == nil || runs == nil {
		return bad
	}
	// A run's record and its bucket come in one transaction (PutRun).
	_ = runs.ForEach(func(k, _ []byte) error {
		if data.Bucket(k) == nil {
			bad = append(bad, corruptRecord(file, scope{bucket: bucketData, key: k}, errors.New("the run is stored, its results and replies are not")))
		}
		return nil
	})
	_ = data.ForEachBucket(func(k []byte) error {
		if runs.Get(k) == nil {
			bad = append(bad, corruptRecord(file, scope{bucket: bucketRuns, key: k}, errors.New("the run's results are stored, its record is not")))
		}
		b := data.Bucket(k)
		for _, sub := range [][]byte{subResults, subExchanges} {
			check(b.Bucket(sub), string(bucketData)+"/"+string(k)+"/"+string(sub), &CorruptError{Bucket: string(sub), RunID: string(k)})
		}
		return nil
	})
	return bad
}
