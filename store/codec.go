package store

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	kflate "github.com/klauspost/compress/flate"

	"github.com/reconhq/recon"
)

// The binary payload of the records a run writes by the row (results,
// exchanges, replies, orders' latest): each field in a fixed order, an
// integer as a varint, a string or bytes as a uvarint length and the bytes,
// a time as its seconds, nanoseconds and zone offset, a map as its count
// and its pairs in key order. A payload has exactly one encoding: the
// decoder refuses what the encoder would not write (a varint longer than
// need be, keys out of order, bytes left over), so that a record that
// decodes re-encodes to itself.

var errTrailing = errors.New("bytes left over after the value")

type enc []byte

func (e *enc) uint(v uint64) { *e = binary.AppendUvarint(*e, v) }
func (e *enc) int(v int64)   { *e = binary.AppendVarint(*e, v) }
func (e *enc) bytes(b []byte) {
	e.uint(uint64(len(b)))
	*e = append(*e, b...)
}
func (e *enc) str(s string) {
	e.uint(uint64(len(s)))
	*e = append(*e, s...)
}
func (e *enc) bool(b bool) {
	if b {
		*e = append(*e, 1)
	} else {
		*e = append(*e, 0)
	}
}

// time: 0 for the zero time, else 1, seconds, nanoseconds, offset.
func (e *enc) time(t time.Time) {
	if t.IsZero() {
		*e = append(*e, 0)
		return
	}
	_, off := t.Zone()
	*e = append(*e, 1)
	e.int(t.Unix())
	e.uint(uint64(t.Nanosecond()))
	e.int(int64(off))
}

type dec struct {
	b   []byte
	err error
}

func (d *dec) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
	d.b = nil
}

func (d *dec) uint() uint64 {
	v, n := binary.Uvarint(d.b)
	if !d.skip(n) {
		return 0
	}
	return v
}

func (d *dec) int() int64 {
	v, n := binary.Varint(d.b)
	if !d.skip(n) {
		return 0
	}
	return v
}

// skip passes a varint of n bytes, refusing one longer than need be (its
// last byte zero).
func (d *dec) skip(n int) bool {
	if n <= 0 || (n > 1 && d.b[n-1] == 0) {
		d.fail("a bad varint")
		return false
	}
	d.b = d.b[n:]
	return true
}

// intn is an int that fits a Go int (and so re-encodes as read).
func (d *dec) intn() int {
	v := d.int()
	if int64(int(v)) != v {
		d.fail("an integer out of range")
	}
	return int(v)
}

func (d *dec) raw() []byte {
	n := d.uint()
	if n > uint64(len(d.b)) {
		d.fail("a length of %d past the end", n)
		return nil
	}
	b := d.b[:n:n]
	d.b = d.b[n:]
	return b
}

func (d *dec) bytes() []byte {
	b := d.raw()
	if len(b) == 0 {
		return nil
	}
	return slices.Clone(b)
}

func (d *dec) str() string { return string(d.raw()) }

func (d *dec) byte() byte {
	if len(d.b) == 0 {
		d.fail("cut short")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *dec) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("a bad boolean")
	return false
}

func (d *dec) time() time.Time {
	switch d.byte() {
	case 0:
		return time.Time{}
	case 1:
	default:
		d.fail("a bad time")
		return time.Time{}
	}
	sec, nsec, off := d.int(), d.uint(), d.int()
	if nsec >= 1e9 || off <= -86400 || off >= 86400 {
		d.fail("a bad time")
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec))
	if off == 0 {
		t = t.UTC()
	} else {
		t = t.In(time.FixedZone("", int(off)))
	}
	if t.IsZero() {
		d.fail("a bad time") // the zero time has its own encoding
	}
	return t
}

func (d *dec) kind() recon.Kind {
	k := recon.Kind(d.byte())
	if k.String() == "" && k != 0 {
		d.fail("kind %d", k)
	}
	return k
}

func (d *dec) end() error {
	if d.err == nil && len(d.b) > 0 {
		d.err = errTrailing
	}
	return d.err
}

// kindByte is k as stored: a Kind without a name is stored as none (as
// its JSON was).
func kindByte(k recon.Kind) byte {
	if k.String() == "" {
		return 0
	}
	return byte(k)
}

func appendResult(e *enc, r *recon.Result) {
	e.str(r.Account)
	e.str(r.OrderNo)
	*e = append(*e, kindByte(r.Kind))
	e.str(r.RefundNo)
	e.int(int64(r.Line))
	e.str(string(r.Verdict))
	e.str(string(r.Severity))
	e.str(string(r.Action))
	e.str(string(r.Local.Status))
	e.str(r.Local.Amount)
	e.str(r.Local.Currency)
	if p := r.Provider; p == nil {
		*e = append(*e, 0)
	} else {
		*e = append(*e, 1)
		for _, s := range [...]string{string(p.Status), p.RawStatus, p.SubStatus, p.Amount, p.Received, p.Refunded,
			p.RefundAmount, p.TradeNo, p.PaidAt, p.RefundedAt} {
			e.str(s)
		}
		e.bool(p.Verified)
	}
	e.str(r.Detail)
	e.str(r.RuleSet)
	e.int(int64(r.Attempts))
	e.str(r.Reused)
	e.str(r.Fingerprint)
	e.str(r.Source)
	if st := r.Statement; st == nil {
		*e = append(*e, 0)
	} else {
		*e = append(*e, 1)
		e.str(st.File)
		e.int(int64(st.Line))
	}
}

func readResult(d *dec, r *recon.Result) {
	r.Account, r.OrderNo, r.Kind, r.RefundNo, r.Line = d.str(), d.str(), d.kind(), d.str(), d.intn()
	r.Verdict, r.Severity, r.Action = recon.Verdict(d.str()), recon.Severity(d.str()), recon.Action(d.str())
	r.Local = recon.Local{Status: recon.State(d.str()), Amount: d.str(), Currency: d.str()}
	switch d.byte() {
	case 0:
	case 1:
		p := &recon.ProviderView{}
		for _, s := range [...]*string{(*string)(&p.Status), &p.RawStatus, &p.SubStatus, &p.Amount, &p.Received, &p.Refunded,
			&p.RefundAmount, &p.TradeNo, &p.PaidAt, &p.RefundedAt} {
			*s = d.str()
		}
		p.Verified = d.bool()
		r.Provider = p
	default:
		d.fail("a bad provider flag")
	}
	r.Detail, r.RuleSet, r.Attempts, r.Reused, r.Fingerprint = d.str(), d.str(), d.intn(), d.str(), d.str()
	r.Source = d.str()
	switch d.byte() {
	case 0:
	case 1:
		r.Statement = &recon.StatementRef{File: d.str(), Line: d.intn()}
	default:
		d.fail("a bad statement flag")
	}
}

func appendRow(e *enc, r *recon.Row) {
	e.int(int64(r.Line))
	e.str(r.Account)
	e.str(r.Provider)
	*e = append(*e, kindByte(r.Kind))
	e.str(r.OrderNo)
	e.str(r.ProviderTradeNo)
	e.str(r.RefundNo)
	e.str(string(r.Status))
	e.int(r.Amount)
	e.str(r.Currency)
	e.time(r.CreatedAt)
}

func readRow(d *dec, r *recon.Row) {
	r.Line, r.Account, r.Provider, r.Kind = d.intn(), d.str(), d.str(), d.kind()
	r.OrderNo, r.ProviderTradeNo, r.RefundNo, r.Status = d.str(), d.str(), d.str(), recon.State(d.str())
	r.Amount, r.Currency, r.CreatedAt = d.int(), d.str(), d.time()
}

// The amounts of an Answer that are there, as bits of one byte.
const (
	hasAmount = 1 << iota
	hasReceived
	hasRefunded
	hasRefundAmount
	hasAll = hasAmount | hasReceived | hasRefunded | hasRefundAmount
)

// appendReply encodes what of a reply the store keeps (not RetryAfter,
// which is the engine's for the attempt).
func appendReply(e *enc, r *recon.Reply) {
	*e = append(*e, byte(r.Outcome))
	e.str(r.Source)
	e.str(r.Err)
	e.int(int64(r.HTTPStatus))
	e.bytes(r.Raw)
	e.str(r.Request)
	e.bool(r.Verified)
	a := &r.Answer
	for _, s := range [...]string{a.Status, a.SubStatus, a.Currency, a.OrderNo, a.TradeNo, a.RefundNo, a.RefundTradeNo} {
		e.str(s)
	}
	amounts := [...]*int64{a.Amount, a.Received, a.Refunded, a.RefundAmount}
	var flags byte
	for i, p := range amounts {
		if p != nil {
			flags |= 1 << i
		}
	}
	*e = append(*e, flags)
	for _, p := range amounts {
		if p != nil {
			e.int(*p)
		}
	}
	e.time(a.PaidAt)
	e.time(a.RefundedAt)
	keys := make([]string, 0, len(a.Fields))
	for k := range a.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.uint(uint64(len(keys)))
	for _, k := range keys {
		e.str(k)
		e.str(a.Fields[k])
	}
}

func readReply(d *dec, r *recon.Reply) {
	r.Outcome = recon.Outcome(d.byte())
	if d.err == nil && recon.ParseOutcome(r.Outcome.String()) == 0 {
		d.fail("outcome %d", r.Outcome)
	}
	r.Source = d.str()
	r.Err, r.HTTPStatus, r.Raw, r.Request, r.Verified = d.str(), d.intn(), d.bytes(), d.str(), d.bool()
	a := &r.Answer
	for _, s := range [...]*string{&a.Status, &a.SubStatus, &a.Currency, &a.OrderNo, &a.TradeNo, &a.RefundNo, &a.RefundTradeNo} {
		*s = d.str()
	}
	flags := d.byte()
	if flags&^hasAll != 0 {
		d.fail("bad amount flags %#x", flags)
	}
	for i, p := range [...]**int64{&a.Amount, &a.Received, &a.Refunded, &a.RefundAmount} {
		if flags&(1<<i) != 0 {
			*p = recon.Int64(d.int())
		}
	}
	a.PaidAt, a.RefundedAt = d.time(), d.time()
	n := d.uint()
	if n > uint64(len(d.b)) { // each pair takes two bytes at least
		d.fail("%d fields in %d bytes", n, len(d.b))
		return
	}
	if n > 0 {
		a.Fields = make(map[string]string, n)
	}
	prev := ""
	for i := range n {
		k := d.str()
		if i > 0 && k <= prev {
			d.fail("fields out of order at %q", k)
			return
		}
		prev = k
		a.Fields[k] = d.str()
	}
}

func appendLatest(e *enc, l *Latest) {
	e.str(l.RunID)
	e.int(int64(l.Line))
	e.str(string(l.Verdict))
	e.str(string(l.Severity))
	e.str(l.Fingerprint)
	e.time(l.At)
}

func readLatest(d *dec, l *Latest) {
	l.RunID, l.Line, l.Verdict, l.Severity = d.str(), d.intn(), recon.Verdict(d.str()), recon.Severity(d.str())
	l.Fingerprint, l.At = d.str(), d.time()
}

// A reply's payload is a byte that says how, then its encoding: as is
// (replyPlain), deflated (replyDeflate), or deflated with a dictionary
// (replyDict: the dictionary's name, then the deflated bytes), whichever
// the writer found shortest. Deflate finds what the parsed fields repeat of
// the raw body, and the body's own repetitions; a dictionary (the first
// reply the store kept of the same provider: see dicts) finds what replies
// of one provider share, their keys and fixed values, and halves what is
// left. At deflate's fastest level it costs a few microseconds a reply.
const (
	replyPlain   = 0
	replyDeflate = 1
	replyDict    = 2
	// maxReply bounds what a deflated reply may inflate to.
	maxReply = 64 << 20
)

// Replies are deflated by klauspost/compress's encoder, read by the
// standard library's inflater: the same format, at a third of the CPU a
// reply (the standard encoder's Reset clears 640 KB of hash tables for
// every reply of a few hundred bytes; BenchmarkReplyDeflate).
var deflaters = sync.Pool{New: func() any {
	w, _ := kflate.NewWriter(nil, 3)
	return w
}}

var inflaters = sync.Pool{New: func() any { return flate.NewReader(nil) }}

// appendReplyPayload appends r's payload, without a dictionary.
func appendReplyPayload(e *enc, r *recon.Reply) {
	w := deflaters.Get().(*kflate.Writer)
	appendReplyWith(e, r, "", w)
	deflaters.Put(w)
}

// appendReplyWith appends r's payload deflated with w (made with the
// dictionary named dict, or none when dict is ""), or as is when that is
// not shorter.
func appendReplyWith(e *enc, r *recon.Reply, dict string, w *kflate.Writer) {
	var plain enc
	appendReply(&plain, r)
	var z bytes.Buffer
	z.Grow(len(plain))
	w.Reset(&z)
	_, werr := w.Write(plain)
	cerr := w.Close()
	head := enc{replyDeflate}
	if dict != "" {
		head = enc{replyDict}
		head.str(dict)
	}
	if werr == nil && cerr == nil && len(head)+z.Len() < 1+len(plain) {
		*e = append(append(*e, head...), z.Bytes()...)
		return
	}
	*e = append(append(*e, replyPlain), plain...)
}

// readReplyPayload decodes a reply's payload; dict returns a dictionary
// by its name (nil: a reply deflated with one does not decode).
func readReplyPayload(d *dec, r *recon.Reply, dict func(name string) ([]byte, error)) {
	var zdict []byte
	switch d.byte() {
	case replyPlain:
		readReply(d, r)
		return
	case replyDeflate:
	case replyDict:
		name := d.str()
		if d.err != nil {
			return
		}
		if dict == nil {
			d.fail("deflated with the dictionary %q, which is not at hand", name)
			return
		}
		var err error
		if zdict, err = dict(name); err != nil {
			d.fail("its dictionary %q: %w", name, err)
			return
		}
	default:
		d.fail("a bad reply encoding")
		return
	}
	fr := inflaters.Get().(io.ReadCloser)
	defer inflaters.Put(fr)
	if err := fr.(flate.Resetter).Reset(bytes.NewReader(d.b), zdict); err != nil {
		d.fail("inflating: %v", err)
		return
	}
	plain, err := io.ReadAll(io.LimitReader(fr, maxReply+1))
	if err != nil || len(plain) > maxReply {
		d.fail("inflating: %v", err)
		return
	}
	inner := &dec{b: plain}
	readReply(inner, r)
	if err := inner.end(); err != nil {
		d.fail("%v", err)
		return
	}
	d.b = nil
}
