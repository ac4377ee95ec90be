package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/reconhq/recon"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

var (
	bucketRuns   = []byte("runs")
	bucketData   = []byte("data")
	bucketOrders = []byte("orders")
	bucketMeta   = []byte("meta")
	subResults   = []byte("results")
	subExchanges = []byte("exchanges")
)

// SchemaVersion is the layout and record encoding this recon reads and
// writes. It changes with any incompatible change of either.
//
// 1: the first layout; stored replies were the plugin SDK's Go struct.
// 2: replies, rows and results in the shared vocabulary (package recon),
// with their own JSON names.
const SchemaVersion = 2

// ErrSchema is returned by Open for a store of another schema version.
var ErrSchema = errors.New("the store was written in another format")

// SchemaError says which schema a store has and what to do about it.
type SchemaError struct {
	Path         string
	Found, Reads int
}

func (e *SchemaError) Error() string {
	if e.Found > e.Reads {
		return fmt.Sprintf("store %s has schema %d, written by a newer recon (this one reads schema %d): "+
			"run the newer recon, or point store: at another file", e.Path, e.Found, e.Reads)
	}
	return fmt.Sprintf("store %s has schema %d, written by an older recon (this one reads schema %d): "+
		"keep the file for its history (the recon that wrote it still reads it) and point store: at a new file; "+
		"the first night on the new store queries every order afresh", e.Path, e.Found, e.Reads)
}

func (e *SchemaError) Unwrap() error { return ErrSchema }

// ErrLocked is returned by Open when another process holds the store.
var ErrLocked = errors.New("the store is in use by another recon process")

// ErrRunNotFound is returned by every method that takes a run ID (Run,
// Results, Exchanges, Result, Exchange, DoneLines) when no run has it.
var ErrRunNotFound = errors.New("no such run")

// ErrNoResult is returned by Result when the run exists but the line has no
// result (yet: an interrupted run stored only part of its ledger).
var ErrNoResult = errors.New("no result for that line")

// ErrNoReply is returned by Exchange when the line has a result but no
// provider reply behind it: it was never queried (INVALID, DUPLICATE).
var ErrNoReply = errors.New("no provider reply stored for that line")

// DB is an open store.
type DB struct {
	db   *bolt.DB
	path string
}

// Open opens (creating with mode 0600) the store at path. It waits at most
// lockWait for another process to release the file, then returns an error
// wrapping ErrLocked; a store of another schema is a *SchemaError (which
// wraps ErrSchema).
func Open(path string, lockWait time.Duration) (*DB, error) {
	if lockWait <= 0 {
		lockWait = time.Second
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockWait, NoFreelistSync: true})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("store %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	// bbolt creates with the mode given, but an existing file keeps its own:
	// tighten it, since the store holds what providers said about orders.
	if err := os.Chmod(path, 0o600); err != nil {
		b.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	d := &DB{db: b, path: path}
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketRuns, bucketData, bucketOrders, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get([]byte("schema")); v != nil {
			found, err := strconv.Atoi(string(v))
			if err != nil {
				found = -1
			}
			if found != SchemaVersion {
				return &SchemaError{Path: path, Found: found, Reads: SchemaVersion}
			}
			return nil
		}
		if tx.Bucket(bucketRuns).Stats().KeyN > 0 {
			// Runs but no schema mark: not a store this recon wrote.
			return &SchemaError{Path: path, Found: 0, Reads: SchemaVersion}
		}
		return meta.Put([]byte("schema"), []byte(strconv.Itoa(SchemaVersion)))
	})
	var se *SchemaError
	if errors.As(err, &se) {
		b.Close()
		return nil, err
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return d, nil
}

// Close closes the store; its error is bbolt's.
func (d *DB) Close() error { return d.db.Close() }

// Path returns the store's file.
func (d *DB) Path() string { return d.path }

// PutRun creates or updates a run's metadata; its error is bbolt's or the
// encoder's.
func (d *DB) PutRun(r *Run) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return d.db.Update(func(tx *bolt.Tx) error {
		if _, err := runData(tx, r.ID, true); err != nil {
			return err
		}
		return tx.Bucket(bucketRuns).Put([]byte(r.ID), v)
	})
}

// Run returns a run's metadata. The error wraps ErrRunNotFound when no run
// has that ID.
func (d *DB) Run(id string) (*Run, error) {
	var r Run
	err := d.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketRuns).Get([]byte(id))
		if v == nil {
			return fmt.Errorf("run %q: %w", id, ErrRunNotFound)
		}
		return json.Unmarshal(v, &r)
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Runs lists every run, oldest first: none is an empty list, not an error.
func (d *DB) Runs() ([]*Run, error) {
	var out []*Run
	err := d.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRuns).ForEach(func(_, v []byte) error {
			var r Run
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, &r)
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartedAt.Before(out[j].StartedAt) })
	return out, err
}

// Results calls fn for each result of a run, in ledger line order, and
// returns fn's first error. The error wraps ErrRunNotFound when no run has
// that ID; a run without results calls fn never.
func (d *DB) Results(runID string, fn func(recon.Result) error) error {
	return d.each(runID, subResults, func(v []byte) error {
		var r recon.Result
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		return fn(r)
	})
}

// Exchanges calls fn for each stored provider answer of a run, in line
// order, and returns fn's first error. The error wraps ErrRunNotFound when
// no run has that ID.
func (d *DB) Exchanges(runID string, fn func(Exchange) error) error {
	return d.each(runID, subExchanges, func(v []byte) error {
		var e Exchange
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		return fn(e)
	})
}

// Exchange returns the stored reply behind one line of a run. The error
// wraps ErrNoReply when the line has none (never queried, or no such line),
// or ErrRunNotFound when no run has that ID; the Exchange is then nil.
func (d *DB) Exchange(runID string, line int) (*Exchange, error) {
	return lineOf[Exchange](d, runID, subExchanges, line, ErrNoReply)
}

// Result returns the result of one line of a run. The error wraps
// ErrNoResult when the run has none for that line (yet: an interrupted run
// stored only part of its ledger), or ErrRunNotFound when no run has that
// ID; the Result is then nil.
func (d *DB) Result(runID string, line int) (*recon.Result, error) {
	return lineOf[recon.Result](d, runID, subResults, line, ErrNoResult)
}

// lineOf decodes what sub holds for one line of a run; missing is the
// error when it holds nothing.
func lineOf[T any](d *DB, runID string, sub []byte, line int, missing error) (*T, error) {
	var out *T
	err := d.db.View(func(tx *bolt.Tx) error {
		b, err := runData(tx, runID, false)
		if err != nil {
			return err
		}
		v := b.Bucket(sub).Get(lineKey(line))
		if v == nil {
			return fmt.Errorf("run %q line %d: %w", runID, line, missing)
		}
		var t T
		if err := json.Unmarshal(v, &t); err != nil {
			return err
		}
		out = &t
		return nil
	})
	return out, err
}

// DoneLines returns the lines of a run that already have a result (none:
// an empty map). The error wraps ErrRunNotFound when no run has that ID.
func (d *DB) DoneLines(runID string) (map[int]bool, error) {
	done := map[int]bool{}
	err := d.db.View(func(tx *bolt.Tx) error {
		b, err := runData(tx, runID, false)
		if err != nil {
			return err
		}
		return b.Bucket(subResults).ForEach(func(k, _ []byte) error {
			done[int(binary.BigEndian.Uint64(k))] = true
			return nil
		})
	})
	return done, err
}

// Latest returns an order's most recent result across runs; ok is false
// when no run stored one for it (only a Record marked Final counts: not a
// replay's, not an INVALID or DUPLICATE row's). The error is bbolt's or the
// decoder's, never "not there".
func (d *DB) Latest(key string) (Latest, bool, error) {
	var l Latest
	var ok bool
	err := d.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketOrders).Get([]byte(key))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &l)
	})
	return l, ok, err
}

func (d *DB) each(runID string, sub []byte, fn func([]byte) error) error {
	return d.db.View(func(tx *bolt.Tx) error {
		b, err := runData(tx, runID, false)
		if err != nil {
			return err
		}
		return b.Bucket(sub).ForEach(func(_, v []byte) error { return fn(v) })
	})
}

// runData returns the bucket of a run's results and exchanges.
func runData(tx *bolt.Tx, runID string, create bool) (*bolt.Bucket, error) {
	data := tx.Bucket(bucketData)
	if !create {
		b := data.Bucket([]byte(runID))
		if b == nil {
			return nil, fmt.Errorf("run %q: %w", runID, ErrRunNotFound)
		}
		return b, nil
	}
	b, err := data.CreateBucketIfNotExists([]byte(runID))
	if err != nil {
		return nil, err
	}
	for _, sub := range [][]byte{subResults, subExchanges} {
		if _, err := b.CreateBucketIfNotExists(sub); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func lineKey(line int) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, uint64(line))
	return k
}
