package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"strings"
	"syscall"

	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrCorrupt is wrapped by every error that says the store file is damaged:
// a record that fails its checksum or does not decode, a file cut short,
// pages bbolt cannot make sense of. Such a store is never read as data.
var ErrCorrupt = errors.New("the store is damaged")

// CorruptError says what part of a store is damaged and what to do about
// it. errors.Is(err, ErrCorrupt) holds for it, and Unwrap returns the cause.
//
// A damaged record (Bucket set) leaves the store's other records readable;
// damaged pages (Bucket "") may make any read fail.
type CorruptError struct {
	Path string // the store file
	// Bucket is where the damaged record is: "runs", "results", "exchanges",
	// "orders" or "meta"; "" when the file itself is damaged (cut short,
	// pages bbolt cannot read).
	Bucket string
	RunID  string // the run whose record it is (runs, results, exchanges)
	Line   int    // the ledger line (results, exchanges); 0 otherwise
	Key    string // the order's key (orders), the meta key, or a damaged key in hex
	// Err is what is wrong: a checksum mismatch, a decoding error, bbolt's
	// error or panic.
	Err error
}

func (e *CorruptError) Error() string {
	if e.Bucket == "" {
		return fmt.Sprintf("store %s is damaged: %v: restore the file from a backup, or point store: at a new file "+
			"(the first night on a new store queries every order afresh)", e.Path, e.Err)
	}
	return fmt.Sprintf("store %s is damaged: %s: %v: restore the file from a backup "+
		"(the store's other records still read)", e.Path, e.what(), e.Err)
}

// what names the damaged record, or the bucket whose records do not add up.
func (e *CorruptError) what() string {
	whole := e.Line == 0 && e.Key == ""
	switch e.Bucket {
	case "runs":
		if e.RunID == "" {
			return "the stored runs"
		}
		return fmt.Sprintf("run %q: the stored run", e.RunID)
	case "data":
		return fmt.Sprintf("run %q: its results and replies", e.RunID)
	case "results", "exchanges":
		what := map[bool]string{true: "result", false: "provider reply"}[e.Bucket == "results"]
		switch {
		case whole:
			return fmt.Sprintf("run %q: its stored %ss", e.RunID, what)
		case e.Key != "": // a key that is not a line's: it rotted
			return fmt.Sprintf("run %q key %s: the stored %s", e.RunID, e.Key, what)
		}
		return fmt.Sprintf("run %q line %d: the stored %s", e.RunID, e.Line, what)
	case "orders":
		if whole {
			return "the orders' latest results"
		}
		return fmt.Sprintf("order %s: its latest result", orderName(e.Key))
	}
	if e.Bucket == string(bucketReplies) || e.Bucket == string(bucketReplySums) {
		return fmt.Sprintf("%s key %s", e.Bucket, e.Key)
	}
	return fmt.Sprintf("%s %q", e.Bucket, e.Key)
}

// orderName shows an order key (recon.OrderKey) as account/type/order[/refund].
func orderName(key string) string {
	parts := strings.Split(key, "\x00")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return fmt.Sprintf("%q", strings.Join(parts, "/"))
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrCorrupt) hold.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// corruptRecord is the error for the record at s.
func corruptRecord(path string, s scope, err error) *CorruptError {
	e := &CorruptError{Path: path, Bucket: string(s.bucket), RunID: string(s.run), Err: err}
	switch e.Bucket {
	case string(bucketRuns), string(bucketData):
		e.RunID = string(s.key)
	case string(subResults), string(subExchanges):
		if len(s.key) == 8 {
			e.Line = int(binary.BigEndian.Uint64(s.key))
		} else {
			e.Key = shortHex(s.key)
		}
	case string(bucketReplies), string(bucketReplySums):
		e.Key = shortHex(s.key)
	default:
		e.Key = string(s.key)
	}
	return e
}

// pageError is a panic of bbolt's: it walked into a page that is not what
// the file's structure says (a bit flipped, the file cut short).
type pageError struct{ v any }

func (e *pageError) Error() string { return fmt.Sprintf("its pages are inconsistent (bbolt: %v)", e.v) }

// try runs fn, which uses bbolt, turning a panic into a *CorruptError
// naming path: bbolt panics on pages it cannot make sense of ("page N
// already freed", "invalid page type", a page that is not the one its
// parent names), and a read outside the mapped file faults, which try turns
// into a panic too (debug.SetPanicOnFault). fn must not call a caller's
// callback: a panic there is the caller's, not the file's.
func try(path string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &CorruptError{Path: path, Err: &pageError{r}}
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return fn()
}

// try is try for an open store: after damage to the file's structure (a
// panic, or a CorruptError for the file rather than a record) the store
// takes no more writes (see writable).
func (d *DB) try(fn func() error) error {
	err := try(d.path, fn)
	var ce *CorruptError
	if errors.As(err, &ce) && ce.Bucket == "" {
		d.broken.CompareAndSwap(nil, ce)
	}
	return err
}

// writable returns the damage that stopped writes, if any: once bbolt met
// damaged pages in this file, writing more to it could spread the damage.
func (d *DB) writable() error {
	if ce := d.broken.Load(); ce != nil {
		return ce
	}
	return nil
}

// openError is what Open returns for bbolt's error opening path.
func openError(path string, err error) error {
	var ce *CorruptError
	var pe *fs.PathError
	var errno syscall.Errno
	switch {
	case errors.As(err, &ce):
		return err
	case errors.Is(err, bolterrors.ErrTimeout):
		return lockedError(path)
	case errors.As(err, &pe), errors.As(err, &errno), errors.Is(err, os.ErrPermission):
		// Not the file's content: a permission, a missing folder, the system.
		return fmt.Errorf("store %s: %w", path, err)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum),
		errors.Is(err, bolterrors.ErrVersionMismatch):
		return &CorruptError{Path: path, Err: fmt.Errorf("its header pages fail their checks, or it is not a recon store (bbolt: %w)", err)}
	}
	// bbolt's other refusals of a file ("file size too small") are about
	// its content too.
	return &CorruptError{Path: path, Err: fmt.Errorf("bbolt cannot open it: %w", err)}
}

// shortHex shows a damaged key, at most its first 16 bytes.
func shortHex(k []byte) string {
	if len(k) > 16 {
		return fmt.Sprintf("%x… (%d bytes)", k[:16], len(k))
	}
	return fmt.Sprintf("%x", k)
}
