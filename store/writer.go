package store

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/reconhq/recon"
	bolt "go.etcd.io/bbolt"
)

// Batch bounds: a commit fsyncs twice, so many results share one; but a
// result waits at most batchDelay (plus the commit before it, and its
// own) to be committed, so that a kill loses what was answered in the last
// ~100 ms on a quick disk.
const (
	batchSize  = 512
	batchDelay = 50 * time.Millisecond
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
	in    chan queued
	done  chan struct{}
	// onCommit, when set (by tests), is called after each commit.
	onCommit func(batch []Record)
	mu       sync.Mutex
	err      error
	// scratch serves the checksums of the loop's commits, arena their
	// records.
	scratch []byte
	arena   arena
	// dicts are the dictionaries of the providers' replies (replies.go).
	dicts replyDicts
}

// NewWriter starts a writer for a run, which must exist (PutRun).
func (d *DB) NewWriter(runID string) *Writer {
	w := &Writer{db: d, runID: runID, in: make(chan queued, batchSize), done: make(chan struct{})}
	go w.loop()
	return w
}

// Put queues a record. It returns the writer's first error, if any: once a
// commit failed nothing more is written.
func (w *Writer) Put(r Record) error {
	if err := w.Err(); err != nil {
		return err
	}
	w.in <- queued{r, time.Now()}
	return nil
}

// queued is a record and when it was put.
type queued struct {
	Record
	at time.Time
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
	var oldest time.Time // when the batch's first record was put
	released := time.Now()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
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
			if time.Since(released) >= releaseMapEvery {
				w.db.releaseMap()
				released = time.Now()
			}
			if w.onCommit != nil {
				w.onCommit(batch)
			}
		}
		batch = batch[:0]
	}
	add := func(q queued) {
		if len(batch) == 0 {
			oldest = q.at
			// The delay counts from the put, not from now: records put
			// during a slow commit are due as soon as it ends.
			timer.Reset(max(time.Until(oldest.Add(batchDelay)), 0))
		}
		batch = append(batch, q.Record)
		if len(batch) >= batchSize {
			timer.Stop()
			flush()
		}
	}
	for {
		select {
		case q, ok := <-w.in:
			if !ok {
				flush()
				return
			}
			add(q)
		case <-timer.C:
			// Due: take along what is already queued (put during the
			// last commit), so that a slow commit makes the next batch
			// larger, not the commits smaller and more.
			for open := true; open && len(batch) < batchSize; {
				select {
				case q, ok := <-w.in:
					if !ok {
						flush()
						return
					}
					batch = append(batch, q.Record)
				default:
					open = false
				}
			}
			flush()
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
	type pending struct {
		key   []byte
		x     exchangeRecord
		reply []byte // the reply's payload
		// order and reused find the line a reused answer repeats.
		order, reused string
	}
	exchanges := make([]pending, 0, len(batch))
	var orders [][2][]byte
	run := []byte(w.runID)
	for _, r := range batch {
		k := lineKey(r.Result.Line)
		v, err := w.arena.record(&w.scratch, scope{bucket: subResults, run: run, key: k}, &r.Result)
		if err != nil {
			return err
		}
		results = append(results, [2][]byte{k, v})
		if r.Exchange != nil {
			if err := storable(r.Exchange); err != nil {
				return fmt.Errorf("store: run %q line %d: %w", w.runID, r.Result.Line, err)
			}
			w.arena.buf = w.arena.buf[:0]
			if p := r.Exchange.Row.Provider; p != "" {
				rd, err := w.dictFor(p, func() []byte {
					var plain enc
					appendReply(&plain, &r.Exchange.Reply)
					return plain
				})
				if err != nil {
					return err
				}
				appendReplyWith(&w.arena.buf, &r.Exchange.Reply, p, rd.w)
			} else {
				appendReplyPayload(&w.arena.buf, &r.Exchange.Reply)
			}
			reply := w.arena.copy(w.arena.buf)
			exchanges = append(exchanges, pending{key: k, x: exchangeRecord{Row: r.Exchange.Row, Attempts: r.Exchange.Attempts}, reply: reply,
				order: r.Result.Key(), reused: r.Result.Reused})
		}
		if r.Final {
			l := Latest{RunID: w.runID, Line: r.Result.Line, Verdict: r.Result.Verdict,
				Severity: r.Result.Severity, Fingerprint: r.Result.Fingerprint, At: time.Now().UTC()}
			s := orderScope(r.Result.Key())
			if v, err = w.arena.record(&w.scratch, s, &l); err != nil {
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
		rb, xb := b.Bucket(subResults), b.Bucket(subExchanges)
		// Lines come in about in order: full pages, not half ones.
		rb.FillPercent, xb.FillPercent = 0.95, 0.95
		// Before the orders' latest results are written: they name the
		// lines reused answers repeat.
		refs := &refWriter{d: w.db, tx: tx, scratch: &w.scratch, orders: ob}
		for i := range results {
			r := &batch[i].Result
			if r.Reused == "" {
				continue
			}
			if v, ok := refs.result(scope{bucket: subResults, run: run, key: results[i][0]}, r); ok {
				results[i][1] = v
			}
		}
		if err := putRecords(rb, results); err != nil {
			return err
		}
		if len(exchanges) > 0 {
			if err := w.putDicts(tx); err != nil {
				return err
			}
			rw, err := newReplyWriter(tx, w.db.path, &w.scratch)
			if err != nil {
				return err
			}
			xs := openRecords(xb)
			for i := range exchanges {
				p := &exchanges[i]
				if p.x.Reply, err = rw.put(p.reply); err != nil {
					return err
				}
				sc := scope{bucket: subExchanges, run: run, key: p.key}
				v, ok := refs.exchange(sc, p.order, p.reused, &p.x)
				if !ok {
					if v, err = w.arena.record(&w.scratch, sc, &p.x); err != nil {
						return err
					}
				}
				if err := xs.put(p.key, v); err != nil {
					return err
				}
			}
			if err := errors.Join(rw.done(), xs.done()); err != nil {
				return err
			}
		}
		return putRecords(ob, orders)
	})
}
