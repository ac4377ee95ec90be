// Package store keeps recon's runs in a bbolt file: each run's metadata, one
// result per ledger row, the provider's answer behind each result (for audit
// and replay), and each order's latest result (for incremental nights and
// `recon show`).
//
// Layout:
//
//	runs/<run id>                      Run
//	data/<run id>                      its bbolt sequence: the run's number (given once)
//	data/<run id>/results/<line>       recon.Result, line as 8-byte big endian, or a reference
//	data/<run id>/exchanges/<line>     the row and attempts of an Exchange, and its reply's key, or a reference
//	replies/<n>                        a provider's reply (recon.Reply), n as 8-byte big endian
//	replysums/<hash>                   the n of the reply whose encoding has that hash
//	dicts/<provider>                   the dictionary that provider's replies are deflated with
//	orders/<order key>                 Latest
//	meta/schema                        SchemaVersion in plain digits (every recon reads it)
//	meta/format                        {"schema": SchemaVersion}, as a record
//
// # Records
//
// Every value but meta/schema is a record:
//
//	tag (1 byte) | CRC-32C (4 bytes, big endian) | payload
//
// The tag names the encoding: 0x01, the value's JSON (runs, meta/format);
// 0x02, the binary encoding of codec.go (results, exchanges, replies,
// replysums, dicts, orders: what a run writes by the row), where each field comes
// in a fixed order, a number as a varint, a string or bytes (a reply's raw
// body) as a length and the bytes, and a payload has exactly one encoding
// (a reply's is plain or deflated, by its first byte: see below);
// 0x03, a reference (results and exchanges only: see below).
// A record of one encoding where the other belongs is damage. The
// checksum (the
// Castagnoli polynomial) covers, in order, the tag, then the record's
// place, each part as a uvarint length and its bytes: its bucket's name
// (runs, results, exchanges, orders, meta, replies, replysums, dicts), its run ID (results and
// exchanges; empty otherwise) and its key; then the payload. A record thus
// verifies only where it was written: a rotted key or bucket name does not
// make it read as another line's or another run's.
//
// # Replies stored once
//
// A reply is stored once however many lines and runs it answered: an
// incremental night that judges stored answers again adds its results
// and a reference a line. A reply is deflated, with a dictionary of its
// provider's (the first reply of it the store kept, written once and
// never changed or dropped, so that every reply deflated with it reads;
// a damaged dictionary is the damage of every reply deflated with it). replysums finds a stored reply by a hash of its
// encoding; it is reused only when the stored bytes are the same (a hash
// that collides, or a damaged sum, stores it again). A damaged reply is
// the damage of every exchange that names it (a *CorruptError naming that
// run and line). Prune drops the replies no kept run names.
//
// # Reused lines stored as references
//
// A line of an incremental night judged on the answer of the order's
// latest result, to the same result but for its own fields (its line,
// attempts and Reused), is stored as a reference to that line's record
// (its result and its exchange each): the referenced run's number and
// line, the checksum of the record referenced, and the line's own fields,
// about 40 bytes where the record is 300. A reference names a record
// stored whole (never a reference), so a read takes one step; a record
// referenced that is missing, damaged, or not the one named (its checksum
// differs: a rotted number or line) is the damage of the line that
// references it. Prune first writes whole every reference of a kept run
// to a run it drops (or whose Reused it drops), so that none is left
// naming nothing; Compact then returns the file to what is kept.
//
// Each bucket of records (runs, orders, replies, replysums, dicts, each run's results and exchanges)
// also keeps in its bbolt sequence a digest of what it holds: the number of
// records (high 32 bits) and the XOR of their checksums (low 32 bits). A
// read of a whole bucket (Runs, Results, Exchanges, DoneLines, Verify)
// compares what it read with it, so that a record lost from a rotted page
// is damage, not a line that was never stored.
//
// # Damage
//
// Every read verifies what it reads. A record that fails its checksum or
// does not decode is a *CorruptError naming the file, the bucket, the run
// and the line (the run ID for runs, the order for orders), and wrapping
// ErrCorrupt; it is never returned as data, nor skipped by an iteration.
// A lookup that finds nothing checks the keys beside the one asked for, so
// that a search misled by a rotted page, or a record whose key rotted,
// reads as damage rather than as "not stored".
//
// A damaged file is a *CorruptError with an empty Bucket, from Open or
// from the first read that meets the damage. Open first opens an existing
// file read-only, where bbolt reads only its two header pages, and checks:
// that the file is as long as its last transaction wrote (a file cut
// short; before any other page is read), that its top-level keys are whole
// and in order, its schema mark (and the format record that repeats it),
// and bbolt's freelist page (the page IDs it lists, and its length, which
// bbolt would otherwise loop over when it frees the page). Opened for
// writing, before its first commit, it checks that every page in use is a
// page and ends within the file (one header read a page). Every bbolt call
// after that is guarded: a panic of bbolt's on a page it cannot make sense
// of, or a read through a rotted page outside the mapped file (a fault,
// which the guard turns into a panic), is recovered and becomes the error;
// after one the store takes no more writes. A bit flipped in the newest of
// bbolt's two header pages makes bbolt use the older one: the last
// transaction is lost, as after a crash during it, and nothing damaged is
// read.
//
// bbolt keeps its freelist in the file (no NoFreelistSync). Without it,
// every open for writing rebuilds the freelist by walking every page in a
// goroutine of bbolt's own, where a damaged page is a crash no recover
// catches: a file without its freelist (recon's stores before schema 3,
// or written by another tool) is refused before bbolt opens it for
// writing.
//
// Verify reads a whole store and reports all it finds.
//
// # Writers and readers
//
// bbolt allows one writer: results are written by one goroutine in batches
// (Writer), never one transaction per order, and each result is committed
// within batchDelay (50 ms) of its Put, plus the commit before it and its
// own (BenchmarkWriter5kPerSecond: p99 120-210 ms on this project's shared
// CI machine, whose commits of 250 rows take 8-70 ms).
//
// Open takes bbolt's exclusive lock, OpenReadOnly its shared one: readers
// (report, runs, show, diff) share a store, and open it read-only, so that
// a store on a read-only mount reads. A writer waits its lockWait for
// another writer, and up to ReaderWait while only readers hold the store,
// so that a report being read does not fail the night. Who holds a store
// is a *LockedError's to say: the pids come from /proc/locks, and the
// writer's command and run from the sidecar <store>.owner it writes
// (SetOwner), believed only while its pid holds the lock.
package store
