package store

import (
	"encoding/json"
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
	return w.db.db.Update(func(tx *bolt.Tx) error {
		b, err := runData(tx, w.runID, true)
		if err != nil {
			return err
		}
		results, exchanges, orders := b.Bucket(subResults), b.Bucket(subExchanges), tx.Bucket(bucketOrders)
		for _, r := range batch {
			k := lineKey(r.Result.Line)
			v, err := json.Marshal(r.Result)
			if err != nil {
				return err
			}
			if err := results.Put(k, v); err != nil {
				return err
			}
			if r.Exchange != nil {
				if v, err = json.Marshal(r.Exchange); err != nil {
					return err
				}
				if err := exchanges.Put(k, v); err != nil {
					return err
				}
			}
			if r.Final {
				l := Latest{RunID: w.runID, Line: r.Result.Line, Verdict: r.Result.Verdict,
					Severity: r.Result.Severity, Fingerprint: r.Result.Fingerprint, At: time.Now().UTC()}
				if v, err = json.Marshal(l); err != nil {
					return err
				}
				key := r.Result.Key()
				if err := orders.Put([]byte(key), v); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
