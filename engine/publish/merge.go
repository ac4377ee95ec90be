package publish

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"sort"
	"strings"
	"time"

	"gocloud.dev/gcerrors"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine"
	"github.com/reconhq/recon/engine/internal/lineset"
	"github.com/reconhq/recon/store"
)

// Manifests reads the manifests of the night's count shards. The error is
// an *IncompleteError naming every shard that has none or did not
// complete, or a *MismatchError for a manifest of another layout or
// another shard than its place says.
func (n *Night) Manifests(ctx context.Context, count int) ([]*Manifest, error) {
	if count < 1 {
		return nil, fmt.Errorf("a night has at least 1 shard, not %d", count)
	}
	ms := make([]*Manifest, count)
	inc := &IncompleteError{URL: n.URL, Count: count}
	for i := range count {
		key := Dir(i, count) + ManifestFile
		b, err := n.bucket.ReadAll(ctx, key)
		if gcerrors.Code(err) == gcerrors.NotFound {
			inc.Missing = append(inc.Missing, i)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s %s: %w", n.URL, key, err)
		}
		m := &Manifest{}
		if err := json.Unmarshal(b, m); err != nil {
			return nil, &MismatchError{URL: n.URL, Shard: i, Count: count, File: ManifestFile, What: fmt.Sprintf("not a manifest: %v", err)}
		}
		switch {
		case m.Format != FormatVersion:
			return nil, &MismatchError{URL: n.URL, Shard: i, Count: count, File: ManifestFile,
				What: fmt.Sprintf("layout %d; this recon reads %d", m.Format, FormatVersion)}
		case m.Shard != i || m.Count != count:
			return nil, &MismatchError{URL: n.URL, Shard: i, Count: count, File: ManifestFile,
				What: fmt.Sprintf("describes shard %d of %d", m.Shard, m.Count)}
		}
		if !m.mergeable() {
			inc.Failed = append(inc.Failed, m)
		}
		ms[i] = m
	}
	if len(inc.Missing) > 0 || len(inc.Failed) > 0 {
		return nil, inc
	}
	return ms, nil
}

// Await is Manifests, asked again every poll while the night is incomplete,
// until within has passed (a last time then): the shards may still be
// running, or be retried.
func (n *Night) Await(ctx context.Context, count int, within, poll time.Duration) ([]*Manifest, error) {
	deadline := time.Now().Add(within)
	for {
		ms, err := n.Manifests(ctx, count)
		left := time.Until(deadline)
		if !errors.Is(err, ErrIncomplete) || left <= 0 {
			return ms, err
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(err, ctx.Err())
		case <-time.After(min(poll, left)):
		}
	}
}

// Merge imports the night's shards, whose manifests ms are (Manifests,
// Await), into db, a store of its own, as the one run a single machine
// would have stored, and returns it: every shard's results under one run,
// its counts added up. It refuses shards that read another ledger, rules
// or config, or split the accounts otherwise, or a file whose digest is
// not its manifest's. The run is the same however often the night is
// merged.
func (n *Night) Merge(ctx context.Context, ms []*Manifest, db *store.DB) (*store.Run, error) {
	if len(ms) == 0 {
		return nil, errors.New("a night has at least 1 shard")
	}
	first := ms[0]
	runs := make([]*store.Run, len(ms))
	for i, m := range ms {
		mismatch := func(what string, got, want any) error {
			return &MismatchError{URL: n.URL, Shard: i, Count: len(ms),
				What: fmt.Sprintf("%s %v, shard 0's %v", what, got, want)}
		}
		switch {
		case m.Ledger.SHA256 != first.Ledger.SHA256:
			return nil, mismatch("read the ledger of sha256", m.Ledger.SHA256, first.Ledger.SHA256)
		case m.RuleSet != first.RuleSet:
			return nil, mismatch("was judged by rule set", m.RuleSet, first.RuleSet)
		case m.ConfigSHA256 != first.ConfigSHA256:
			return nil, mismatch("ran another config: sha256", m.ConfigSHA256, first.ConfigSHA256)
		case m.FailOn != first.FailOn:
			return nil, mismatch("has fail_on", m.FailOn, first.FailOn)
		case m.Assignment != first.Assignment:
			return nil, mismatch("split the accounts by", m.Assignment, first.Assignment)
		case m.Ledger.Total != first.Ledger.Total:
			return nil, mismatch("counted ledger rows", m.Ledger.Total, first.Ledger.Total)
		}
		r := &store.Run{}
		if err := n.readFile(ctx, m, RunFile, func(rd io.Reader) (int, error) {
			return 1, json.NewDecoder(rd).Decode(r)
		}); err != nil {
			return nil, err
		}
		if r.ID != m.RunID {
			return nil, &MismatchError{URL: n.URL, Shard: i, Count: len(ms), File: RunFile,
				What: fmt.Sprintf("run %s, the manifest's %s", r.ID, m.RunID)}
		}
		runs[i] = r
	}
	run := night(runs, first)
	// Rows no shard ran (shards that split the accounts otherwise, say
	// after the shards file changed between attempts) would otherwise be
	// missing from the report without a word.
	if first.Ledger.Total > 0 && run.Ledger.Rows != first.Ledger.Total {
		return nil, &MismatchError{URL: n.URL, Shard: 0, Count: len(ms),
			What: fmt.Sprintf("the shards ran %d rows of the ledger's %d: they did not split its accounts the same way (--shards-file, or COUNT)", run.Ledger.Rows, first.Ledger.Total)}
	}
	if err := db.PutRun(run); err != nil {
		return nil, err
	}
	w := db.NewWriter(run.ID)
	var seen lineset.Set
	run.Totals, run.Severities = map[recon.Verdict]int{}, map[recon.Severity]int{}
	err := func() error {
		for i, m := range ms {
			err := n.readFile(ctx, m, ResultsFile, func(rd io.Reader) (int, error) {
				zr, err := gzip.NewReader(rd)
				if err != nil {
					return 0, err
				}
				dec := json.NewDecoder(bufio.NewReaderSize(zr, 64<<10))
				rows := 0
				for {
					var res recon.Result
					err := dec.Decode(&res)
					if err == io.EOF {
						return rows, zr.Close()
					}
					if err != nil {
						return rows, err
					}
					rows++
					if !seen.Add(res.Line) {
						return rows, &MismatchError{URL: n.URL, Shard: i, Count: len(ms), File: ResultsFile,
							What: fmt.Sprintf("line %d has a result in another shard too", res.Line)}
					}
					run.Totals[res.Verdict]++
					run.Severities[res.Severity]++
					if err := w.Put(store.Record{Result: res}); err != nil {
						return rows, err
					}
				}
			})
			if err != nil {
				return err
			}
		}
		return nil
	}()
	if cerr := w.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("writing the merged results: %w", cerr)
	}
	if err != nil {
		return nil, err
	}
	return run, db.PutRun(run)
}

// readFile reads the shard's file name through read, which returns how
// many rows it read, and checks it against the manifest: its size, its
// digest, its rows. read sees the bytes before they are checked, so its
// work is thrown away on an error (Merge's store is its own).
func (n *Night) readFile(ctx context.Context, m *Manifest, name string, read func(io.Reader) (int, error)) error {
	bad := func(format string, args ...any) error {
		return &MismatchError{URL: n.URL, Shard: m.Shard, Count: m.Count, File: name, What: fmt.Sprintf(format, args...)}
	}
	f, ok := m.file(name)
	if !ok {
		return bad("not in the manifest")
	}
	r, err := n.bucket.NewReader(ctx, Dir(m.Shard, m.Count)+name, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return bad("missing, though the manifest lists it")
		}
		return fmt.Errorf("reading %s %s%s: %w", n.URL, Dir(m.Shard, m.Count), name, err)
	}
	defer r.Close()
	d := newDigest(nil)
	rows, rerr := read(io.TeeReader(r, d))
	// The digest covers the whole object, also what read left unread.
	if _, err := io.Copy(d, r); err != nil {
		return fmt.Errorf("reading %s %s%s: %w", n.URL, Dir(m.Shard, m.Count), name, err)
	}
	switch {
	case d.n != f.Bytes || d.sum() != f.SHA256:
		return bad("sha256 %s (%d bytes), the manifest says %s (%d bytes): changed after it was published", d.sum(), d.n, f.SHA256, f.Bytes)
	case rerr != nil:
		return bad("%v", rerr)
	case rows != f.Rows:
		return bad("%d rows, the manifest says %d", rows, f.Rows)
	}
	return nil
}

// night is the run the shards make together: what a single run over the
// whole ledger would have recorded.
func night(runs []*store.Run, first *Manifest) *store.Run {
	r0 := runs[0]
	run := &store.Run{ID: nightID(runs), Command: store.CommandRun, Status: store.StatusCompleted,
		StartedAt: r0.StartedAt, FinishedAt: r0.FinishedAt, Rules: r0.Rules, RuleSet: r0.RuleSet, FailOn: first.FailOn,
		Ledger:   store.LedgerInfo{Path: r0.Ledger.Path, SHA256: first.Ledger.SHA256},
		Accounts: map[string]store.Plugin{}, AccountStats: map[string]store.RunStats{},
		Config: r0.Config, ConfigSHA256: r0.ConfigSHA256, Full: r0.Full}
	var seconds float64
	for _, r := range runs {
		if r.StartedAt.Before(run.StartedAt) {
			run.StartedAt = r.StartedAt
		}
		if r.FinishedAt.After(run.FinishedAt) {
			run.FinishedAt = r.FinishedAt
		}
		run.Ledger.Rows += r.Ledger.Rows
		maps.Copy(run.Accounts, r.Accounts)
		maps.Copy(run.AccountStats, r.AccountStats)
		run.Statements = append(run.Statements, r.Statements...)
		run.Resumes += r.Resumes
		run.Stats.Add(r.Stats)
		seconds = max(seconds, r.Stats.Seconds)
	}
	// A single run lists the statements by account.
	sort.SliceStable(run.Statements, func(i, j int) bool { return run.Statements[i].Account < run.Statements[j].Account })
	// The night took as long as its slowest shard.
	run.Stats.Seconds = seconds
	if run.Stats.Queried > 0 && run.Stats.Answered == 0 {
		// Not one order of the whole night could be queried: the one
		// failure a shard's no-answers becomes the night's.
		run.Status, run.Error = store.StatusFailed, engine.ErrNoAnswers.Error()
	}
	return run
}

// nightID is the merged run's ID: the shards' when they share one
// (--run-id), else one made of theirs, the same on every merge.
func nightID(runs []*store.Run) string {
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	same := true
	for _, id := range ids {
		same = same && id == ids[0]
	}
	if same {
		return ids[0]
	}
	first := runs[0].StartedAt
	for _, r := range runs {
		if r.StartedAt.Before(first) {
			first = r.StartedAt
		}
	}
	sorted := append([]string(nil), ids...)
	sort.Strings(sorted)
	h := sha256.Sum256([]byte(strings.Join(sorted, "\x00")))
	return first.Local().Format("20060102-1504") + "-m" + hex.EncodeToString(h[:2])
}
