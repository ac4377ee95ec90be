package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PruneOptions says which runs Prune drops. A run is dropped when every
// rule given selects it (each rule keeps what it would keep): Keep > 0
// drops all but the Keep newest runs, OlderThan > 0 the runs started more
// than OlderThan before Now. A run still marked running (in progress, or
// killed and resumable) is never dropped.
type PruneOptions struct {
	Keep      int
	OlderThan time.Duration
	Now       time.Time // zero: time.Now()
}

// ErrNoPruneRule is returned by Prune given neither Keep nor OlderThan:
// pruning everything is never what was meant.
var ErrNoPruneRule = errors.New("prune needs a number of runs to keep or an age")

// Prune drops the runs opts selects: their records, results and
// exchanges, the orders' latest results that point at them (those orders
// are queried afresh on the next night), and the replies no kept run
// names. It returns the IDs of the runs dropped, oldest first. bbolt's
// file does not shrink: Compact returns it to the size of what is kept.
// A damaged record Prune must read to decide is a *CorruptError, and it
// then drops nothing.
func (d *DB) Prune(opts PruneOptions) ([]string, error) {
	if opts.Keep <= 0 && opts.OlderThan <= 0 {
		return nil, ErrNoPruneRule
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	runs, err := d.Runs()
	if err != nil {
		return nil, err
	}
	// Runs is oldest first.
	var drop []string
	for i, r := range runs {
		newer := len(runs) - 1 - i
		byKeep := opts.Keep <= 0 || newer >= opts.Keep
		byAge := opts.OlderThan <= 0 || r.StartedAt.Before(opts.Now.Add(-opts.OlderThan))
		if byKeep && byAge && r.Status != StatusRunning {
			drop = append(drop, r.ID)
		}
	}
	if len(drop) == 0 {
		return nil, nil
	}
	dropped := map[string]bool{}
	for _, id := range drop {
		dropped[id] = true
	}
	err = d.update(func(tx *bolt.Tx) error {
		runsB, err := top(tx, d.path, bucketRuns)
		if err != nil {
			return err
		}
		data, err := top(tx, d.path, bucketData)
		if err != nil {
			return err
		}
		if err := d.unref(tx, data, dropped); err != nil {
			return err
		}
		rs := openRecords(runsB)
		for _, id := range drop {
			if err := rs.del([]byte(id)); err != nil {
				return err
			}
			if data.Bucket([]byte(id)) != nil {
				if err := data.DeleteBucket([]byte(id)); err != nil {
					return err
				}
			}
		}
		if err := rs.done(); err != nil {
			return err
		}
		if err := pruneOrders(tx, d.path, dropped); err != nil {
			return err
		}
		return sweepReplies(tx, d.path)
	})
	if err != nil {
		return nil, err
	}
	return drop, nil
}

// unref writes whole the references of kept runs to the runs dropped (the
// run whose line they repeat, or the run their Reused names), before
// those runs are deleted: no reference is left naming nothing.
func (d *DB) unref(tx *bolt.Tx, data *bolt.Bucket, dropped map[string]bool) error {
	gone := map[uint64]bool{}
	var kept [][]byte
	err := data.ForEachBucket(func(k []byte) error {
		if dropped[string(k)] {
			gone[data.Bucket(k).Sequence()] = true
		} else {
			kept = append(kept, slices.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	var scratch []byte
	for _, run := range kept {
		for _, sub := range [][]byte{subResults, subExchanges} {
			b := data.Bucket(run).Bucket(sub)
			if b == nil {
				return &CorruptError{Path: d.path, Err: fmt.Errorf("run %q has no %s bucket", run, sub)}
			}
			result := bytes.Equal(sub, subResults)
			var whole [][2][]byte
			c := b.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if !isRef(v) {
					continue
				}
				s := scope{bucket: sub, run: run, key: k}
				r, err := openRef(&scratch, s, v, result)
				if err != nil {
					return corruptRecord(d.path, s, err)
				}
				if !gone[r.Run] && !gone[r.Reused] {
					continue
				}
				var val any
				if result {
					val, err = d.resultAt(tx, &scratch, s, v)
				} else {
					val, err = d.exchangeRecordAt(tx, &scratch, s, v)
				}
				if err != nil {
					return corruptRecord(d.path, s, err)
				}
				w, err := encodeRecord(&scratch, s, val)
				if err != nil {
					return err
				}
				whole = append(whole, [2][]byte{slices.Clone(k), w})
			}
			if err := putRecords(b, whole); err != nil {
				return err
			}
		}
	}
	return nil
}

// pruneOrders deletes the orders' latest results of dropped runs.
func pruneOrders(tx *bolt.Tx, path string, dropped map[string]bool) error {
	ob, err := top(tx, path, bucketOrders)
	if err != nil {
		return err
	}
	var gone [][]byte
	var scratch []byte
	c := ob.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		s := scope{bucket: bucketOrders, key: k}
		l, err := decodeRecord[Latest](&scratch, s, v)
		if err != nil {
			return corruptRecord(path, s, err)
		}
		if dropped[l.RunID] {
			gone = append(gone, k)
		}
	}
	return deleteRecords(ob, gone)
}

// sweepReplies deletes the replies no run's exchange names, and their sums.
func sweepReplies(tx *bolt.Tx, path string) error {
	named := map[uint64]bool{}
	data, err := top(tx, path, bucketData)
	if err != nil {
		return err
	}
	var scratch []byte
	err = data.ForEachBucket(func(run []byte) error {
		xb := data.Bucket(run).Bucket(subExchanges)
		if xb == nil {
			return &CorruptError{Path: path, Err: fmt.Errorf("run %q has no %s bucket", run, subExchanges)}
		}
		c := xb.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if isRef(v) {
				continue // what it repeats, in a kept run, names the reply
			}
			s := scope{bucket: subExchanges, run: run, key: k}
			x, err := decodeRecord[exchangeRecord](&scratch, s, v)
			if err != nil {
				return corruptRecord(path, s, err)
			}
			named[x.Reply] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	replies, err := top(tx, path, bucketReplies)
	if err != nil {
		return err
	}
	var gone [][]byte
	c := replies.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) != 8 || !named[beUint64(k)] {
			gone = append(gone, slices.Clone(k))
		}
	}
	if err := deleteRecords(replies, gone); err != nil {
		return err
	}
	sums, err := top(tx, path, bucketReplySums)
	if err != nil {
		return err
	}
	gone = gone[:0]
	c = sums.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		sum, err := decodeRecord[replySum](&scratch, scope{bucket: bucketReplySums, key: k}, v)
		if err != nil || !named[sum.Reply] {
			gone = append(gone, slices.Clone(k)) // a damaged sum only costs a reply stored again
		}
	}
	return deleteRecords(sums, gone)
}

func deleteRecords(b *bolt.Bucket, keys [][]byte) error {
	rb := openRecords(b)
	for _, k := range keys {
		if err := rb.del(k); err != nil {
			return err
		}
	}
	return rb.done()
}

// CompactStats is the size of a store's file before and after Compact.
type CompactStats struct {
	Before, After int64
}

// Compact rewrites the store at path into a new file holding only what is
// stored (bbolt's files never shrink: pages freed by Prune stay in the
// file), then renames it over the old one (mode 0600, synced), holding the
// store's lock throughout. It waits lockWait for the lock as Open does. It
// verifies the store first and refuses a damaged one: a copy would carry
// the damage on as if it were data.
func Compact(path string, lockWait time.Duration) (CompactStats, error) {
	var st CompactStats
	src, err := Open(path, lockWait)
	if err != nil {
		return st, err
	}
	defer src.Close()
	if err := src.SetOwner("compact", ""); err != nil {
		_ = err // best effort, as Open's
	}
	if err := src.Verify(); err != nil {
		return st, fmt.Errorf("store %s was not compacted: %w", path, err)
	}
	fi, err := src.file.Stat()
	if err != nil {
		return st, fmt.Errorf("store %s: %w", path, err)
	}
	st.Before = fi.Size()
	// A compaction killed before its rename (a Job's deadline) left its
	// copy, as large as the store: with the lock held, no other is live.
	if stale, err := filepath.Glob(filepath.Join(filepath.Dir(path), globEscape(filepath.Base(path))+".compact-*")); err == nil {
		for _, p := range stale {
			os.Remove(p)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".compact-*")
	if err != nil {
		return st, fmt.Errorf("store %s: compacting: %w", path, err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(tmpPath)
		}
	}()
	dst, err := bolt.Open(tmpPath, 0o600, &bolt.Options{NoSync: true, PageSize: src.db.Info().PageSize})
	if err != nil {
		return st, fmt.Errorf("store %s: compacting into %s: %w", path, tmpPath, err)
	}
	err = src.try(func() error { return bolt.Compact(dst, src.db, 64<<20) })
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return st, fmt.Errorf("store %s: compacting into %s: %w", path, tmpPath, err)
	}
	if err := os.Chmod(tmpPath, 0o600); err != nil {
		return st, fmt.Errorf("store %s: %w", path, err)
	}
	if err := os.Rename(tmpPath, path); err != nil {
		return st, fmt.Errorf("store %s: compacting: %w", path, err)
	}
	done = true
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		_ = dir.Sync() // the rename, durable
		dir.Close()
	}
	if fi, err := os.Stat(path); err == nil {
		st.After = fi.Size()
	}
	return st, nil
}

// globEscape quotes the pattern characters of a file name for
// filepath.Glob.
func globEscape(name string) string {
	var b strings.Builder
	for _, r := range name {
		if strings.ContainsRune("*?[\\", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
