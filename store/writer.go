package store

import (
	"fmt"
	"sync"
	"time"

	"github.com/reconhq/recon"
	bolt "go.etcd.io/bbolt"
)

// Batch bounds: a commit fsyncs twice, so many results share one.
const (
	batchSize  = 512
	batchDelay = 200 * time.Millisecond
)

// Record is one row's result, with the answer behind it when there was one.
type Record struct {
	Result   recon.Result
	Exchange *Exchange
	// Final marks a result that becomes the order's latest (not for replays).
	Final bool
}

// Writer writes a run's records in batches from one goroutine.
type Writer struct {
	db    *DB
	runID string
	in    chan Record
	done  chan struct{}
	mu    sync.Mutex
	err   error
	// scratch serves the checksums of the loop's commits, arena their
	// records.
	scratch []byte
	arena   arena
}

// NewWriter starts a writer for a run, which must exist (PutRun).
func (d *DB) NewWriter(runID string) *Writer {
	w := &Writer{db: d, runID: runID, in: make(chan Record, batchSize), done: make(chan struct{})}
	go w.loop()
	return w
}

// Put queues a record. It returns the writer's first error, if any: once a
// commit failed nothing more is written.
func (w *Writer) Put(r Record) error {
	if err := w.Err(); err != nil {
		return err
	}
	w.in <- r
	return nil
}

// Close flushes what is queued and returns the first error.
func (w *Writer) Close() error {
	close(w.in)
	<-w.done
	return w.Err()
}

// Err returns the first write error.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *Writer) loop() {
	defer close(w.done)
	var batch []Record
	timer := time.NewTimer(batchDelay)
	defer timer.Stop()
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if w.Err() == nil {
			if err := w.commit(batch); err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
			}
		}
		batch = batch[:0]
	}
	for {
		select {
		case r, ok := <-w.in:
			if !ok {
				flush()
				return
			}
			batch = append(batch, r)
			if len(batch) >= batchSize {
				flush()
			}
		case <-timer.C:
			flush()
			timer.Reset(batchDelay)
		}
	}
}

func (w *Writer) commit(batch []Record) error {
	if err := w.db.writable(); err != nil {
		return err
	}
	// Encode first, outside the guarded transaction: an encoder's panic is
	// not the file's. bbolt keeps each value until the commit, so each is
	// its own slice; scratch only serves the checksums.
	results := make([][2][]byte, 0, len(batch))
	exchanges := make([][2][]byte, 0, len(batch))
	var orders [][2][]byte
	run := []byte(w.runID)
	for _, r := range batch {
		k := lineKey(r.Result.Line)
		v, err := w.arena.record(&w.scratch, scope{bucket: subResults, run: run, key: k}, r.Result)
		if err != nil {
			return err
		}
		results = append(results, [2][]byte{k, v})
		if r.Exchange != nil {
			if err := storable(r.Exchange); err != nil {
				return fmt.Errorf("store: run %q line %d: %w", w.runID, r.Result.Line, err)
			}
			if v, err = w.arena.record(&w.scratch, scope{bucket: subExchanges, run: run, key: k}, r.Exchange); err != nil {
				return err
			}
			exchanges = append(exchanges, [2][]byte{k, v})
		}
		if r.Final {
			l := Latest{RunID: w.runID, Line: r.Result.Line, Verdict: r.Result.Verdict,
				Severity: r.Result.Severity, Fingerprint: r.Result.Fingerprint, At: time.Now().UTC()}
			s := orderScope(r.Result.Key())
			if v, err = w.arena.record(&w.scratch, s, l); err != nil {
				return err
			}
			orders = append(orders, [2][]byte{s.key, v})
		}
	}
	return w.db.update(func(tx *bolt.Tx) error {
		b, err := runData(tx, w.db.path, w.runID, true)
		if err != nil {
			return err
		}
		ob, err := top(tx, w.db.path, bucketOrders)
		if err != nil {
			return err
		}
		if err := putRecords(b.Bucket(subResults), results); err != nil {
			return err
		}
		if err := putRecords(b.Bucket(subExchanges), exchanges); err != nil {
			return err
		}
		return putRecords(ob, orders)
	})
}
