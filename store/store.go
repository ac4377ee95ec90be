package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync/atomic"
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
// 3: every record framed with a format tag and a CRC-32C (see the package
// comment), and bbolt's freelist kept in the file.
// 4: results, exchanges and orders' latest results in a binary encoding
// (codec.go), not JSON; replies stored once, in the replies bucket, however
// many runs judged them.
// 5: a line that repeats a reused line's result or exchange stored as a
// reference to it (refs.go); each run's data bucket numbered.
// 6: results say where the provider's view came from and name the
// statement row joined with them; replies say whether they are a statement's.
const SchemaVersion = 6

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
	// file is bbolt's, kept to release the lock should bbolt fail to close.
	file *os.File
	// broken is the damage that stopped writes (see writable).
	broken atomic.Pointer[CorruptError]
	// readOnly: opened by OpenReadOnly, which takes no write.
	readOnly bool
	// ownerSet: this process wrote the owner sidecar (SetOwner).
	ownerSet bool
	// runNos are the runs' numbers, which references name (refs.go).
	runNos runNumbers
}

// storePageSize is the page size of the stores Open creates, whatever the
// system's. (bbolt splits no leaf below 5 values: 16 KB pages suited the
// 1 KB replies of plain deflate, but with a dictionary replies are about
// 400 bytes, and 4 KB pages are the smaller store: 943 bytes a row a night
// against 978.)
const storePageSize = 4 << 10

// storeBuckets are the top-level buckets Open creates.
var storeBuckets = [][]byte{bucketRuns, bucketData, bucketOrders, bucketMeta, bucketReplies, bucketReplySums, bucketDicts}

var (
	keySchema = []byte("schema") // the schema version, plain digits, for every recon to read
	keyFormat = []byte("format") // formatRecord, the same version with a checksum
)

// formatRecord repeats the schema mark as a record: a rotted mark reads as
// damage, not as another schema.
type formatRecord struct {
	Schema int `json:"schema"`
}

// errUnmarked: the file has no schema mark (a new or a foreign bbolt file).
var errUnmarked = errors.New("no schema mark")

// Open opens (creating with mode 0600) the store at path. It waits at most
// lockWait for another process to release the file, then returns an error
// wrapping ErrLocked; a store of another schema is a *SchemaError (which
// wraps ErrSchema); a damaged file (cut short, headers or pages that fail
// bbolt's checks, a rotted schema mark) is a *CorruptError (which wraps
// ErrCorrupt). An empty file is a new store.
//
// An existing file is first opened read-only and checked (see the package
// comment, "Damage"), and its schema, before bbolt opens it for writing
// (which reads its freelist, and would write to a store of another
// schema).
func Open(path string, lockWait time.Duration) (*DB, error) {
	if lockWait <= 0 {
		lockWait = time.Second
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
		if err := precheck(path, lockWait); err != nil {
			return nil, err
		}
	}
	d := &DB{path: path}
	// A writer waits lockWait for another writer, and up to ReaderWait
	// while only readers hold the store.
	deadline := time.Now().Add(lockWait)
	readersDeadline := time.Now().Add(max(lockWait, ReaderWait))
	replaced := 0
	for {
		err := try(path, func() (err error) {
			// The freelist is kept in the file (no NoFreelistSync): without it,
			// bbolt rebuilds it at every open by walking every page in a
			// goroutine of its own, where a damaged page is a crash no recover
			// catches.
			d.db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: until(deadline), OpenFile: d.openFile, PageSize: storePageSize})
			return err
		})
		if errors.Is(err, bolterrors.ErrTimeout) && time.Now().Before(readersDeadline) && onlyReaders(path) {
			deadline = time.Now().Add(time.Second)
			if deadline.After(readersDeadline) {
				deadline = readersDeadline
			}
			continue
		}
		if err != nil {
			if d.file != nil {
				d.file.Close() // bbolt panicked holding the file and its lock
			}
			return nil, openError(path, err)
		}
		if !isPath(path, d.file) {
			// Compact renamed a new file over the one locked: that one is
			// no one's any more, and a night written to it would be lost.
			d.db.Close()
			if replaced++; replaced < 3 {
				deadline = time.Now().Add(lockWait)
				continue
			}
			return nil, fmt.Errorf("store %s: the file was replaced %d times while it was being opened (a compaction?): try again", path, replaced)
		}
		break
	}
	// bbolt creates with the mode given, but an existing file keeps its own:
	// tighten it, since the store holds what providers said about orders.
	if err := os.Chmod(path, 0o600); err != nil {
		d.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	err := d.try(func() error {
		return d.db.Update(func(tx *bolt.Tx) error {
			// Before this transaction commits, which frees pages: a page
			// whose length rotted would be freed page by page, endlessly.
			if err := pagesFit(d.file, path, d.db.Info().PageSize); err != nil {
				return err
			}
			for _, name := range storeBuckets {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return err
				}
			}
			err := checkSchema(tx, path)
			if !errors.Is(err, errUnmarked) {
				return err
			}
			meta := tx.Bucket(bucketMeta)
			if err := meta.Put(keySchema, []byte(strconv.Itoa(SchemaVersion))); err != nil {
				return err
			}
			v, err := encodeRecord(nil, metaScope(keyFormat), formatRecord{Schema: SchemaVersion})
			if err != nil {
				return err
			}
			return meta.Put(keyFormat, v)
		})
	})
	if err != nil {
		d.Close()
		var se *SchemaError
		if errors.As(err, &se) || errors.Is(err, ErrCorrupt) {
			return nil, err
		}
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	// Best effort: a folder this process may not write loses the name of
	// the holder, not the night.
	_ = d.SetOwner("", "")
	return d, nil
}

func (d *DB) openFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(name, flag, perm)
	d.file = f
	return f, err
}

// until is what is left of a wait that ends at deadline (bbolt takes 0 as
// "forever").
func until(deadline time.Time) time.Duration {
	return max(time.Until(deadline), 10*time.Millisecond)
}

// precheck opens an existing file read-only and refuses it when it is
// damaged or of another schema. Read-only, bbolt reads no more than its
// header pages at open.
func precheck(path string, wait time.Duration) error {
	ro, _, err := openChecked(path, wait)
	if err != nil {
		return err
	}
	return ro.Close()
}

// OpenReadOnly opens an existing store for reading only: it takes bbolt's
// shared lock (readers share the store, a writer waits for them: see
// ReaderWait), opens the file read-only (so that a store on a read-only
// mount, or a file the process may not write, reads), checks it as Open
// does, and writes nothing, ever: every write returns an error wrapping
// ErrReadOnly. It waits at most lockWait for a writer to let go of the
// store (then a *LockedError naming it). A missing file is an error
// wrapping fs.ErrNotExist; an empty one, or a bbolt file no recon marked,
// holds no runs and is an error too.
func OpenReadOnly(path string, lockWait time.Duration) (*DB, error) {
	if lockWait <= 0 {
		lockWait = time.Second
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	if fi.Size() == 0 {
		return nil, fmt.Errorf("store %s is empty: no run has been stored there yet", path)
	}
	ro, f, err := openChecked(path, lockWait)
	if err != nil {
		return nil, err
	}
	d := &DB{db: ro, path: path, file: f, readOnly: true}
	err = d.try(func() error {
		return d.view(func(tx *bolt.Tx) error {
			if err := checkSchema(tx, path); errors.Is(err, errUnmarked) {
				return fmt.Errorf("store %s is not a recon store (it has no schema mark): %w", path, ErrSchema)
			} else if err != nil {
				return err
			}
			for _, name := range storeBuckets {
				if _, err := top(tx, path, name); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// openChecked opens an existing file read-only and checks it (see
// precheck); the DB it returns is open, its file f.
func openChecked(path string, wait time.Duration) (*bolt.DB, *os.File, error) {
	for range 3 {
		ro, f, err := openCheckedOnce(path, wait)
		var le *LockedError
		switch {
		case errors.As(err, &le) && len(le.Holders) == 0:
			// The wait ran out, yet no one holds the lock now: the
			// writer let go as it ended (or between its checks). Try
			// again rather than fail for no one.
			continue
		case err != nil || isPath(path, f):
			return ro, f, err
		}
		ro.Close() // Compact renamed a new file over the one locked: that one
	}
	return openCheckedOnce(path, wait)
}

// isPath reports whether f is (still) the file at path.
func isPath(path string, f *os.File) bool {
	a, err1 := os.Stat(path)
	b, err2 := f.Stat()
	return err1 != nil || err2 != nil || os.SameFile(a, b)
}

func openCheckedOnce(path string, wait time.Duration) (*bolt.DB, *os.File, error) {
	var f *os.File
	var ro *bolt.DB
	err := try(path, func() (err error) {
		ro, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: wait,
			OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
				var ferr error
				f, ferr = os.OpenFile(name, flag, perm)
				return f, ferr
			}})
		return err
	})
	if err != nil {
		if f != nil {
			f.Close()
		}
		return nil, nil, openError(path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		ro.Close()
		return nil, nil, fmt.Errorf("store %s: %w", path, err)
	}
	pageSize := ro.Info().PageSize
	err = try(path, func() error {
		return ro.View(func(tx *bolt.Tx) error {
			// Before any page but the headers is read: pages past the end
			// of the file are outside what bbolt mapped.
			if need := tx.Size(); need > fi.Size() {
				return &CorruptError{Path: path, Err: fmt.Errorf("it is cut short: the file is %d bytes, its last transaction wrote %d", fi.Size(), need)}
			}
			// The top-level keys, before any is looked up: a search in a
			// rotted root could miss the schema mark and read as a store
			// of another schema.
			if err := rootBuckets(tx, path, nil); err != nil {
				return err
			}
			// A store of another schema is refused as such (recon's
			// stores before schema 3 keep no freelist in the file).
			if err := checkSchema(tx, path); err != nil && !errors.Is(err, errUnmarked) {
				return err
			}
			if m, ok := readMeta(f, pageSize); ok && int64(m.pgid)*int64(pageSize) == tx.Size() {
				if m.freelist == pgidNoFreelist {
					// bbolt's open for writing would rebuild the freelist
					// by walking every page in a goroutine of its own,
					// where a damaged page is a crash no recover catches.
					return fmt.Errorf("store %s keeps no freelist in the file (stores of schema %d keep one; this one was "+
						"written by an older recon or another tool): point store: at a new file, or rewrite this one "+
						"with `bbolt compact`: %w", path, SchemaVersion, ErrSchema)
				}
				if err := checkFreelist(f, path, pageSize, m); err != nil {
					return err
				}
			} // else bbolt's header is not as the store reads it (TestBoltHeaderAsBboltReadsIt)
			return nil // a new store, or a foreign file: Open marks it
		})
	})
	if err != nil {
		ro.Close()
		return nil, nil, err
	}
	return ro, f, nil
}

// checkSchema checks the schema mark; its error is errUnmarked when there
// is none and the store has no runs (a new store, to mark).
func checkSchema(tx *bolt.Tx, path string) error {
	meta := tx.Bucket(bucketMeta)
	var mark []byte
	if meta != nil {
		mark = meta.Get(keySchema)
	}
	if mark == nil {
		hasRuns := false
		if runs := tx.Bucket(bucketRuns); runs != nil {
			k, _ := runs.Cursor().First()
			hasRuns = k != nil
		}
		if meta != nil {
			// Every recon makes the meta bucket and the mark in one
			// transaction.
			if meta.Get(keyFormat) != nil {
				return corruptRecord(path, metaScope(keySchema), errors.New("missing, though the format record is there"))
			}
			if err := absent(path, meta, metaScope(keySchema)); err != nil {
				return err
			}
			if k, _ := meta.Cursor().First(); k != nil || hasRuns {
				return corruptRecord(path, metaScope(keySchema), errors.New("missing"))
			}
		}
		if hasRuns {
			// Runs but no schema mark: not a store this recon wrote.
			return &SchemaError{Path: path, Found: 0, Reads: SchemaVersion}
		}
		return errUnmarked
	}
	format, ferr := decodeRecord[formatRecord](nil, metaScope(keyFormat), meta.Get(keyFormat))
	found, err := strconv.Atoi(string(mark))
	switch {
	case err != nil && ferr == nil:
		return corruptRecord(path, metaScope(keySchema), fmt.Errorf("the schema mark %q is not a number (the format record says %d)", mark, format.Schema))
	case err != nil:
		return corruptRecord(path, metaScope(keySchema), fmt.Errorf("the schema mark %q is not a number", mark))
	case found != SchemaVersion && ferr == nil && format.Schema == SchemaVersion:
		// A store of this schema whose mark rotted into another number.
		return corruptRecord(path, metaScope(keySchema), fmt.Errorf("the schema mark reads %d, the format record %d", found, format.Schema))
	case found != SchemaVersion:
		return &SchemaError{Path: path, Found: found, Reads: SchemaVersion}
	case meta.Get(keyFormat) == nil:
		return corruptRecord(path, metaScope(keyFormat), errors.New("missing"))
	case ferr != nil:
		return corruptRecord(path, metaScope(keyFormat), ferr)
	case format.Schema != found:
		return corruptRecord(path, metaScope(keyFormat), fmt.Errorf("it says schema %d, the mark %d", format.Schema, found))
	}
	return nil
}

// Close closes the store; its error is bbolt's. After bbolt panicked on the
// file it may not get its locks back: Close then gives it a moment, and
// releases the file itself.
func (d *DB) Close() error {
	d.clearOwner()
	if d.broken.Load() == nil {
		return d.db.Close()
	}
	done := make(chan error, 1)
	go func() { done <- try(d.path, d.db.Close) }()
	select {
	case err := <-done:
		return err
	case <-time.After(2 * time.Second):
		return d.file.Close()
	}
}

// Path returns the store's file.
func (d *DB) Path() string { return d.path }

// view runs fn in a read transaction. Beginning and ending one reads no
// page; fn guards what it reads (d.try).
func (d *DB) view(fn func(*bolt.Tx) error) error { return d.db.View(fn) }

// update runs fn in a write transaction, guarded: the commit writes pages.
func (d *DB) update(fn func(*bolt.Tx) error) error {
	if d.readOnly {
		return fmt.Errorf("store %s: %w", d.path, ErrReadOnly)
	}
	if err := d.writable(); err != nil {
		return err
	}
	err := d.try(func() error { return d.db.Update(fn) })
	if errors.Is(err, bolterrors.ErrIncompatibleValue) {
		// A value where one of the store's buckets is, or the reverse:
		// its names are fixed, so a flag rotted.
		return &CorruptError{Path: d.path, Err: err}
	}
	return err
}

// PutRun creates or updates a run's metadata; its error is bbolt's or the
// encoder's, or a *CorruptError.
func (d *DB) PutRun(r *Run) error {
	s := runScope(r.ID)
	v, err := encodeRecord(nil, s, r)
	if err != nil {
		return err
	}
	return d.update(func(tx *bolt.Tx) error {
		if _, err := runData(tx, d.path, r.ID, true); err != nil {
			return err
		}
		runs, err := top(tx, d.path, bucketRuns)
		if err != nil {
			return err
		}
		return putRecords(runs, [][2][]byte{{s.key, v}})
	})
}

// Run returns a run's metadata. The error wraps ErrRunNotFound when no run
// has that ID, or is a *CorruptError naming the run when its record is
// damaged.
func (d *DB) Run(id string) (*Run, error) {
	var r *Run
	err := d.view(func(tx *bolt.Tx) error {
		return d.try(func() error {
			runs, err := top(tx, d.path, bucketRuns)
			if err != nil {
				return err
			}
			s := runScope(id)
			v := runs.Get(s.key)
			if v == nil {
				if err := absent(d.path, runs, s); err != nil {
					return err
				}
				// PutRun makes a run's record and its bucket in one transaction.
				if data := tx.Bucket(bucketData); data != nil && data.Bucket(s.key) != nil {
					return corruptRecord(d.path, s, errors.New("the run's results are stored, its record is not where it should be"))
				}
				return fmt.Errorf("run %q: %w", id, ErrRunNotFound)
			}
			if r, err = decodeRecord[Run](nil, s, v); err != nil {
				return corruptRecord(d.path, s, err)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Runs lists every run, oldest first: none is an empty list, not an error.
// A damaged run record does not stop the others: Runs returns the runs it
// could read with a *CorruptError for each it could not (errors.Join when
// more than one), and damaged pages with the runs read before them.
func (d *DB) Runs() ([]*Run, error) {
	var out []*Run
	var bad []error
	err := d.view(func(tx *bolt.Tx) error {
		return d.try(func() error {
			runs, err := top(tx, d.path, bucketRuns)
			if err != nil {
				return err
			}
			var scratch, prev []byte
			var seen digest
			c := runs.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if err := inOrder(d.path, prev, k, bucketRuns); err != nil {
					return err
				}
				prev = k
				seen.add(v)
				s := scope{bucket: bucketRuns, key: k}
				r, err := decodeRecord[Run](&scratch, s, v)
				if err != nil {
					bad = append(bad, corruptRecord(d.path, s, err))
					continue
				}
				out = append(out, r)
			}
			if err := checkDigest(runs, seen, len(bad) > 0); err != nil {
				return &CorruptError{Path: d.path, Bucket: string(bucketRuns), Err: err}
			}
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartedAt.Before(out[j].StartedAt) })
	if err != nil {
		bad = append(bad, err)
	}
	return out, errors.Join(bad...)
}

// Results calls fn for each result of a run, in ledger line order, and
// returns fn's first error. The error wraps ErrRunNotFound when no run has
// that ID; a run without results calls fn never. A damaged result stops the
// iteration with a *CorruptError naming its line: fn has seen the lines
// before it, and never sees a damaged one.
func (d *DB) Results(runID string, fn func(recon.Result) error) error {
	return each(d, runID, subResults, d.resultAt, fn)
}

// Exchanges calls fn for each stored provider answer of a run, in line
// order, and returns fn's first error. The error wraps ErrRunNotFound when
// no run has that ID; a damaged answer stops it as in Results.
func (d *DB) Exchanges(runID string, fn func(Exchange) error) error {
	return each(d, runID, subExchanges, d.exchangeOf, fn)
}

// Exchange returns the stored reply behind one line of a run. The error
// wraps ErrNoReply when the line has none (never queried, or no such line),
// or ErrRunNotFound when no run has that ID, or is a *CorruptError naming
// the run and line; the Exchange is then nil.
func (d *DB) Exchange(runID string, line int) (*Exchange, error) {
	return lineOf(d, runID, subExchanges, line, ErrNoReply, d.exchangeOf)
}

// Result returns the result of one line of a run. The error wraps
// ErrNoResult when the run has none for that line (yet: an interrupted run
// stored only part of its ledger), or ErrRunNotFound when no run has that
// ID, or is a *CorruptError naming the run and line; the Result is then nil.
func (d *DB) Result(runID string, line int) (*recon.Result, error) {
	return lineOf(d, runID, subResults, line, ErrNoResult, d.resultAt)
}

// lineOf decodes what sub holds for one line of a run; missing is the
// error when it holds nothing.
func lineOf[T any](d *DB, runID string, sub []byte, line int, missing error,
	decode func(*bolt.Tx, *[]byte, scope, []byte) (*T, error)) (*T, error) {
	var out *T
	err := d.view(func(tx *bolt.Tx) error {
		return d.try(func() error {
			b, err := runSub(tx, d.path, runID, sub)
			if err != nil {
				return err
			}
			s := lineScope(sub, runID, line)
			v := b.Get(s.key)
			if v == nil {
				if err := absent(d.path, b, s); err != nil {
					return err
				}
				return fmt.Errorf("run %q line %d: %w", runID, line, missing)
			}
			if out, err = decode(tx, nil, s, v); err != nil {
				return corruptRecord(d.path, s, err)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DoneLines returns the lines of a run that already have a result (none:
// an empty map). The error wraps ErrRunNotFound when no run has that ID, or
// is a *CorruptError for the first result that fails its checksum (a line
// counted done must have a result that reads).
func (d *DB) DoneLines(runID string) (map[int]bool, error) {
	done := map[int]bool{}
	err := d.view(func(tx *bolt.Tx) error {
		return d.try(func() error {
			b, err := runSub(tx, d.path, runID, subResults)
			if err != nil {
				return err
			}
			var scratch, prev []byte
			var seen digest
			s := scope{bucket: subResults, run: []byte(runID)}
			c := b.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if err := inOrder(d.path, prev, k, subResults); err != nil {
					return err
				}
				prev = k
				s.key = k
				if _, _, err := openRecord(&scratch, s, v); err != nil {
					return corruptRecord(d.path, s, err)
				}
				seen.add(v)
				done[int(binary.BigEndian.Uint64(k))] = true // 8 bytes: the checksum covers the key
			}
			if err := checkDigest(b, seen, false); err != nil {
				return &CorruptError{Path: d.path, Bucket: string(subResults), RunID: runID, Err: err}
			}
			return nil
		})
	})
	return done, err
}

// Latest returns an order's most recent result across runs; ok is false
// when no run stored one for it (only a Record marked Final counts: not a
// replay's, not an INVALID or DUPLICATE row's). The error is bbolt's, or a
// *CorruptError naming the order, never "not there".
func (d *DB) Latest(key string) (Latest, bool, error) {
	var l *Latest
	err := d.view(func(tx *bolt.Tx) error {
		return d.try(func() error {
			orders, err := top(tx, d.path, bucketOrders)
			if err != nil {
				return err
			}
			s := orderScope(key)
			v := orders.Get(s.key)
			if v == nil {
				return absent(d.path, orders, s)
			}
			if l, err = decodeRecord[Latest](nil, s, v); err != nil {
				return corruptRecord(d.path, s, err)
			}
			return nil
		})
	})
	if err != nil || l == nil {
		return Latest{}, false, err
	}
	return *l, true, nil
}

// each calls fn for each record of a run's sub bucket, in key order. What
// reads bbolt is guarded (d.try); fn is not, so that its panics stay its own.
func each[T any](d *DB, runID string, sub []byte, decode func(*bolt.Tx, *[]byte, scope, []byte) (*T, error), fn func(T) error) error {
	return d.view(func(tx *bolt.Tx) error {
		var b *bolt.Bucket
		var c *bolt.Cursor
		if err := d.try(func() error {
			var err error
			if b, err = runSub(tx, d.path, runID, sub); err == nil {
				c = b.Cursor()
			}
			return err
		}); err != nil {
			return err
		}
		var scratch, prev []byte
		var seen digest
		rel := newReleased(d.db.Info().Data, tx.Size())
		defer rel.release()
		s := scope{bucket: sub, run: []byte(runID)}
		first := true
		for {
			var t *T
			err := d.try(func() error {
				var k, v []byte
				if first {
					k, v = c.First()
					first = false
				} else {
					k, v = c.Next()
				}
				if k == nil {
					if err := checkDigest(b, seen, false); err != nil {
						return &CorruptError{Path: d.path, Bucket: string(sub), RunID: runID, Err: err}
					}
					return nil
				}
				if err := inOrder(d.path, prev, k, sub); err != nil {
					return err
				}
				prev = k
				seen.add(v)
				rel.saw()
				s.key = k
				var err error
				if t, err = decode(tx, &scratch, s, v); err != nil {
					return corruptRecord(d.path, s, err)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if t == nil {
				return nil
			}
			if err := fn(*t); err != nil {
				return err
			}
		}
	})
}

// inOrder checks that a cursor's keys increase: a rotted page can make one
// come back again, or loop.
func inOrder(path string, prev, k, bucket []byte) error {
	if prev != nil && bytes.Compare(prev, k) >= 0 {
		return &CorruptError{Path: path, Err: fmt.Errorf("keys out of order in a %s bucket at %s", bucket, shortHex(k))}
	}
	return nil
}

// top returns one of the buckets Open creates; missing, the file is damaged.
func top(tx *bolt.Tx, path string, name []byte) (*bolt.Bucket, error) {
	if b := tx.Bucket(name); b != nil {
		return b, nil
	}
	return nil, &CorruptError{Path: path, Err: fmt.Errorf("its %s bucket is missing", name)}
}

// runSub returns a run's results or exchanges bucket.
func runSub(tx *bolt.Tx, path, runID string, sub []byte) (*bolt.Bucket, error) {
	b, err := runData(tx, path, runID, false)
	if err != nil {
		return nil, err
	}
	if s := b.Bucket(sub); s != nil {
		return s, nil
	}
	return nil, &CorruptError{Path: path, Err: fmt.Errorf("run %q has no %s bucket", runID, sub)}
}

// runData returns the bucket of a run's results and exchanges.
func runData(tx *bolt.Tx, path, runID string, create bool) (*bolt.Bucket, error) {
	data, err := top(tx, path, bucketData)
	if err != nil {
		return nil, err
	}
	if !create {
		b := data.Bucket([]byte(runID))
		if b == nil {
			s := scope{bucket: bucketData, key: []byte(runID)}
			if err := absent(path, data, s); err != nil {
				return nil, err
			}
			// PutRun makes a run's record and its bucket in one transaction.
			if runs := tx.Bucket(bucketRuns); runs != nil && runs.Get(s.key) != nil {
				return nil, corruptRecord(path, s, errors.New("the run is stored, its results and replies are not where they should be"))
			}
			return nil, fmt.Errorf("run %q: %w", runID, ErrRunNotFound)
		}
		return b, nil
	}
	b := data.Bucket([]byte(runID))
	if b == nil {
		// A run's number, which references to its lines name (refs.go),
		// given once.
		if b, err = data.CreateBucket([]byte(runID)); err != nil {
			return nil, err
		}
		n, err := data.NextSequence()
		if err != nil {
			return nil, err
		}
		if err := b.SetSequence(n); err != nil {
			return nil, err
		}
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
