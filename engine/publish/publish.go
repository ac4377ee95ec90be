package publish

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/shard"
	"github.com/reconhq/recon/store"
)

// Shard is what one shard publishes.
type Shard struct {
	Spec shard.Spec
	// DB and Run are the shard's store and run; Run nil is a run that
	// never started (a bad ledger, rules that do not compile): only its
	// manifest is published, failed, so that the merge names the cause.
	DB  *store.DB
	Run *store.Run
	// ExitStatus and Err are how the shard's recon run ends.
	ExitStatus int
	Err        error
	NoAnswers  bool
	Accounts   []string // the config's
	// Now stands in for time.Now (tests).
	Now func() time.Time
}

// Error is a shard that could not be published.
type Error struct {
	URL  string
	Path string // the object being written
	Err  error
}

func (e *Error) Error() string {
	return fmt.Sprintf("publishing to %s: %s: %v", e.URL, e.Path, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Publish writes s to the night: its results and run, then its manifest.
// Publishing a shard again replaces what it published before.
func (n *Night) Publish(ctx context.Context, s Shard) error {
	dir := Dir(s.Spec.Index, s.Spec.Count)
	fail := func(name string, err error) error { return &Error{URL: n.URL, Path: dir + name, Err: err} }
	// The old manifest goes first: from now until the new one is written,
	// this shard does not exist.
	if err := n.bucket.Delete(ctx, dir+ManifestFile); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fail(ManifestFile, err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	m := &Manifest{Format: FormatVersion, Shard: s.Spec.Index, Count: s.Spec.Count, Status: store.StatusFailed,
		ExitStatus: s.ExitStatus, NoAnswers: s.NoAnswers, Accounts: s.Accounts, Files: []File{}}
	if s.Err != nil {
		m.Error = s.Err.Error()
	}
	if r := s.Run; r != nil {
		m.RunID, m.Status, m.Ledger, m.RuleSet, m.ConfigSHA256, m.FailOn = r.ID, r.Status, r.Ledger, r.RuleSet, r.ConfigSHA256, r.FailOn
		m.Assignment = r.Assignment
		m.Totals, m.Severities, m.Stats = r.Totals, r.Severities, r.Stats
		if m.Error == "" {
			m.Error = r.Error
		}
		f, err := n.write(ctx, dir+ResultsFile, func(w io.Writer) (int, error) {
			zw := gzip.NewWriter(w)
			enc := json.NewEncoder(zw)
			rows := 0
			err := s.DB.Results(r.ID, func(res recon.Result) error {
				rows++
				return enc.Encode(&res)
			})
			if err != nil {
				return 0, err
			}
			return rows, zw.Close()
		})
		if err != nil {
			return fail(ResultsFile, err)
		}
		m.Files = append(m.Files, f)
		f, err = n.write(ctx, dir+RunFile, func(w io.Writer) (int, error) {
			return 1, json.NewEncoder(w).Encode(r)
		})
		if err != nil {
			return fail(RunFile, err)
		}
		m.Files = append(m.Files, f)
	}
	m.PublishedAt = now().UTC()
	if _, err := n.write(ctx, dir+ManifestFile, func(w io.Writer) (int, error) {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return 1, enc.Encode(m)
	}); err != nil {
		return fail(ManifestFile, err)
	}
	return nil
}

// write writes the object key through fill, which returns how many rows it
// wrote, and describes what was stored.
func (n *Night) write(ctx context.Context, key string, fill func(io.Writer) (int, error)) (File, error) {
	// Cancelling the context is how a blob writer is abandoned: the object
	// is then not created.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := n.bucket.NewWriter(wctx, key, &blob.WriterOptions{ContentType: contentType(key), BeforeWrite: ownersOnly})
	if err != nil {
		return File{}, err
	}
	d := newDigest(w)
	rows, err := fill(d)
	if err != nil {
		cancel()
		_ = w.Close()
		return File{}, err
	}
	if err := w.Close(); err != nil {
		return File{}, err
	}
	return File{Name: path.Base(key), Rows: rows, Bytes: d.n, SHA256: d.sum()}, nil
}

// ownersOnly makes a file the directory driver writes 0600, as a report
// is: it names orders and amounts, and fileblob makes it 0666 less the
// umask. Other drivers' objects have no mode.
func ownersOnly(as func(any) bool) error {
	var f *os.File
	if as(&f) {
		return f.Chmod(0o600)
	}
	return nil
}

func contentType(key string) string {
	if strings.HasSuffix(key, ".gz") {
		return "application/gzip"
	}
	return "application/json"
}

// digest counts and hashes what passes through it to w (w nil: nowhere).
type digest struct {
	w io.Writer
	h hash.Hash
	n int64
}

func newDigest(w io.Writer) *digest { return &digest{w: w, h: sha256.New()} }

func (d *digest) Write(p []byte) (int, error) {
	d.h.Write(p)
	d.n += int64(len(p))
	if d.w == nil {
		return len(p), nil
	}
	return d.w.Write(p)
}

func (d *digest) sum() string { return hex.EncodeToString(d.h.Sum(nil)) }
