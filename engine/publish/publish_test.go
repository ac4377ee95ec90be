package publish

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/engine/shard"
	"github.com/reconhq/recon/store"
)

// shardRun stores a run of shard spec in a real bbolt store of its own:
// one result for each of lines, as a shard's run would have stored.
func shardRun(t *testing.T, spec shard.Spec, lines []int, mutate func(*store.Run)) (*store.DB, *store.Run) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "shard.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	start := time.Date(2026, 11, 22, 2, 0, spec.Index, 0, time.UTC)
	run := &store.Run{ID: fmt.Sprintf("20261122-0200-%04x", spec.Index), Command: store.CommandRun, Status: store.StatusCompleted,
		StartedAt: start, FinishedAt: start.Add(time.Minute), Ledger: store.LedgerInfo{Path: "orders.csv", SHA256: "ledger-sha", Rows: len(lines)},
		RuleSet: "rules-1", FailOn: recon.SeverityWarn, ConfigSHA256: "config-sha", Shard: spec.String(),
		Accounts: map[string]store.Plugin{fmt.Sprintf("shop-%d", spec.Index): {Provider: "upay"}},
		Stats:    store.RunStats{Rows: len(lines), Queried: len(lines), Answered: len(lines)}}
	if mutate != nil {
		mutate(run)
	}
	if err := db.PutRun(run); err != nil {
		t.Fatal(err)
	}
	w := db.NewWriter(run.ID)
	for _, l := range lines {
		v := recon.VerdictMatched
		if l%5 == 0 {
			v = recon.VerdictMissedPayment
		}
		r := recon.Result{Account: fmt.Sprintf("shop-%d", spec.Index), OrderNo: fmt.Sprintf("A%d", l), Kind: recon.Payment, Line: l,
			Local: recon.Local{Status: recon.StatePaid, Amount: "12.34", Currency: "CNY"}}
		r.Judge(recon.Default(v, ""))
		if err := w.Put(store.Record{Result: r}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return db, run
}

// linesOf splits lines 2..rows+1 between count shards by line, as the
// accounts would split them.
func linesOf(index, count, rows int) []int {
	var out []int
	for l := 2; l < rows+2; l++ {
		if l%count == index {
			out = append(out, l)
		}
	}
	return out
}

func openNight(t *testing.T, url string) *Night {
	t.Helper()
	n, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// publishAll publishes count shards of rows lines to the night.
func publishAll(t *testing.T, n *Night, count, rows int, mutate func(int, *store.Run)) {
	t.Helper()
	for i := range count {
		spec := shard.Spec{Index: i, Count: count}
		db, run := shardRun(t, spec, linesOf(i, count, rows), func(r *store.Run) {
			if mutate != nil {
				mutate(i, r)
			}
		})
		if err := n.Publish(context.Background(), Shard{Spec: spec, DB: db, Run: run, ExitStatus: 3, Accounts: []string{"shop-0", "shop-1", "shop-2"}}); err != nil {
			t.Fatal(err)
		}
	}
}

// merged merges the night into a fresh store and returns the run and its
// results in the store's order.
func merged(t *testing.T, n *Night, count int) (*store.Run, []recon.Result, error) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "night.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := n.Manifests(context.Background(), count)
	if err != nil {
		return nil, nil, err
	}
	run, err := n.Merge(context.Background(), ms, db)
	if err != nil {
		return nil, nil, err
	}
	var out []recon.Result
	if err := db.Results(run.ID, func(r recon.Result) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return run, out, nil
}

func TestMergeIsTheWholeNightInLineOrder(t *testing.T) {
	for _, url := range []string{t.TempDir(), "mem://"} {
		t.Run(strings.SplitN(url, ":", 2)[0], func(t *testing.T) {
			n := openNight(t, url)
			const rows = 700 // past one write batch
			publishAll(t, n, 3, rows, nil)
			run, results, err := merged(t, n, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(results) != rows {
				t.Fatalf("%d results; want %d", len(results), rows)
			}
			for i, r := range results {
				if r.Line != i+2 || r.OrderNo != fmt.Sprintf("A%d", i+2) {
					t.Fatalf("result %d is line %d (%s); want line %d", i, r.Line, r.OrderNo, i+2)
				}
			}
			missed := 0
			for l := 2; l < rows+2; l++ {
				if l%5 == 0 {
					missed++
				}
			}
			want := map[recon.Verdict]int{recon.VerdictMatched: rows - missed, recon.VerdictMissedPayment: missed}
			if !reflect.DeepEqual(run.Totals, want) || run.Ledger.Rows != rows || run.Stats.Rows != rows || run.Shard != "" {
				t.Errorf("merged run: totals %v, ledger rows %d, stats rows %d, shard %q; want %v, %d rows, no shard",
					run.Totals, run.Ledger.Rows, run.Stats.Rows, run.Shard, want, rows)
			}
			if run.Status != store.StatusCompleted || len(run.Accounts) != 3 || !run.StartedAt.Equal(time.Date(2026, 11, 22, 2, 0, 0, 0, time.UTC)) {
				t.Errorf("merged run: status %s, accounts %v, started %v", run.Status, run.Accounts, run.StartedAt)
			}
			// Idempotent: merged again, the same run and results.
			again, results2, err := merged(t, n, 3)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(run, again) || !reflect.DeepEqual(results, results2) {
				t.Errorf("a second merge differs:\n%+v\n%+v", run, again)
			}
		})
	}
}

func TestMergeRefusesAnIncompleteNight(t *testing.T) {
	n := openNight(t, t.TempDir())
	publishAll(t, n, 4, 40, func(i int, r *store.Run) {
		if i == 2 {
			r.Status, r.Error = store.StatusFailed, "store recon-2.db is damaged"
		}
	})
	if err := n.bucket.Delete(context.Background(), Dir(1, 4)+ManifestFile); err != nil {
		t.Fatal(err)
	}
	_, _, err := merged(t, n, 4)
	var inc *IncompleteError
	if !errors.As(err, &inc) || !reflect.DeepEqual(inc.Missing, []int{1}) || len(inc.Failed) != 1 || inc.Failed[0].Shard != 2 {
		t.Fatalf("error %v; want shard 1 missing and shard 2 failed", err)
	}
	for _, w := range []string{"missing shard 1 (no shard-1-of-4/manifest.json)", "shard 2 failed (exit 3: store recon-2.db is damaged)"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	// Asked for another count, no shard of this night is there.
	if _, _, err := merged(t, n, 3); !errors.As(err, &inc) || len(inc.Missing) != 3 {
		t.Errorf("merging 3 shards of a 4-shard night: %v", err)
	}
}

// A shard whose providers all failed is not a failed night, unless every
// shard's did: a single run fails only when not one order was answered.
func TestNoAnswersFailsTheNightOnlyWhenNoShardGotOne(t *testing.T) {
	for _, all := range []bool{false, true} {
		n := openNight(t, t.TempDir())
		for i := range 2 {
			spec := shard.Spec{Index: i, Count: 2}
			down := all || i == 1
			db, run := shardRun(t, spec, linesOf(i, 2, 20), func(r *store.Run) {
				if down {
					r.Status, r.Error, r.Stats.Answered, r.Stats.Failed = store.StatusFailed, "not a single order", 0, r.Stats.Queried
				}
			})
			if err := n.Publish(context.Background(), Shard{Spec: spec, DB: db, Run: run, ExitStatus: 1, NoAnswers: down}); err != nil {
				t.Fatal(err)
			}
		}
		run, _, err := merged(t, n, 2)
		if err != nil {
			t.Fatal(err)
		}
		want := store.StatusCompleted
		if all {
			want = store.StatusFailed
		}
		if run.Status != want {
			t.Errorf("every shard down %v: the night is %s; want %s", all, run.Status, want)
		}
	}
}

func TestMergeRefusesWhatTheManifestDoesNotVouchFor(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(i int, r *store.Run) // before publishing
		tamper func(t *testing.T, dir string)
		want   string
	}{
		{"a results file changed", nil, func(t *testing.T, dir string) {
			// A valid gzip of other results: only the digest can tell.
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			fmt.Fprintln(zw, `{"account":"shop-1","order_no":"A3","line":3,"verdict":"MATCHED","severity":"info"}`)
			zw.Close()
			writeFile(t, filepath.Join(dir, Dir(1, 3), ResultsFile), b.Bytes())
		}, "shard 1, shard-1-of-3/results.jsonl.gz: sha256"},
		{"a run file cut short", nil, func(t *testing.T, dir string) {
			p := filepath.Join(dir, Dir(2, 3), RunFile)
			b, _ := os.ReadFile(p)
			writeFile(t, p, b[:len(b)/2])
		}, "shard 2, shard-2-of-3/run.json: sha256"},
		{"a results file gone", nil, func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, Dir(0, 3), ResultsFile))
		}, "shard 0, shard-0-of-3/results.jsonl.gz: missing, though the manifest lists it"},
		{"another ledger", func(i int, r *store.Run) {
			if i == 2 {
				r.Ledger.SHA256 = "other-ledger"
			}
		}, nil, "shard 2: read the ledger of sha256 other-ledger, shard 0's ledger-sha"},
		{"other rules", func(i int, r *store.Run) {
			if i == 1 {
				r.RuleSet = "rules-2"
			}
		}, nil, "shard 1: was judged by rule set rules-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			n := openNight(t, dir)
			publishAll(t, n, 3, 30, tt.mutate)
			if tt.tamper != nil {
				tt.tamper(t, dir)
			}
			_, _, err := merged(t, n, 3)
			if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v; want a mismatch saying %q", err, tt.want)
			}
		})
	}
}

// Two shards that both ran a line (an assignment that changed between
// them) would count it twice: refused.
func TestMergeRefusesALineInTwoShards(t *testing.T) {
	n := openNight(t, t.TempDir())
	for i := range 2 {
		spec := shard.Spec{Index: i, Count: 2}
		db, run := shardRun(t, spec, []int{2, 3 + i}, nil)
		if err := n.Publish(context.Background(), Shard{Spec: spec, DB: db, Run: run}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := merged(t, n, 2); !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "line 2 has a result in another shard too") {
		t.Fatalf("error %v", err)
	}
}

// Publishing a shard again replaces it, and a run that never started
// leaves a failed manifest that says why.
func TestPublishAgainReplaces(t *testing.T) {
	n := openNight(t, t.TempDir())
	spec := shard.Spec{Index: 0, Count: 1}
	if err := n.Publish(context.Background(), Shard{Spec: spec, ExitStatus: 1, Err: errors.New("ledger orders.csv: no order_no column")}); err != nil {
		t.Fatal(err)
	}
	_, err := n.Manifests(context.Background(), 1)
	var inc *IncompleteError
	if !errors.As(err, &inc) || len(inc.Failed) != 1 || !strings.Contains(err.Error(), "exit 1: ledger orders.csv: no order_no column") {
		t.Fatalf("a shard that never started: %v", err)
	}
	db, run := shardRun(t, spec, []int{2, 3, 4}, nil)
	if err := n.Publish(context.Background(), Shard{Spec: spec, DB: db, Run: run}); err != nil {
		t.Fatal(err)
	}
	if _, results, err := merged(t, n, 1); err != nil || len(results) != 3 {
		t.Fatalf("after publishing again: %d results, %v", len(results), err)
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Await waits while a shard is missing, and takes the night as soon as
// the shard publishes; with no time to wait it refuses at once.
func TestAwaitTakesTheNightWhenTheLastShardPublishes(t *testing.T) {
	n := openNight(t, "mem://")
	publishAll(t, n, 2, 10, nil)
	if err := n.bucket.Delete(context.Background(), Dir(1, 2)+ManifestFile); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Await(context.Background(), 2, 0, time.Millisecond); !errors.Is(err, ErrIncomplete) {
		t.Fatalf("no wait: %v; want the night refused at once", err)
	}
	spec := shard.Spec{Index: 1, Count: 2}
	db, run := shardRun(t, spec, linesOf(1, 2, 10), nil)
	published := make(chan error, 1)
	go func() {
		time.Sleep(50 * time.Millisecond) // a shard finishing while merge waits
		published <- n.Publish(context.Background(), Shard{Spec: spec, DB: db, Run: run})
	}()
	// A wait shorter than the poll still looks once more, at its end.
	ms, err := n.Await(context.Background(), 2, 2*time.Second, time.Hour)
	if perr := <-published; perr != nil {
		t.Fatal(perr)
	}
	if err != nil || len(ms) != 2 || ms[1].RunID != run.ID {
		t.Fatalf("Await: %v, %d manifests", err, len(ms))
	}
}

func TestBucketURL(t *testing.T) {
	abs, err := filepath.Abs("night")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want, err string }{
		{"night", "file://" + abs + "?create_dir=1&dir_file_mode=0700&metadata=skip&no_tmp_dir=1", ""},
		{"file:///mnt/n?metadata=&dir_file_mode=0750", "file:///mnt/n?create_dir=1&dir_file_mode=0750&metadata=&no_tmp_dir=1", ""}, // the operator's own settings stay
		{"s3://recon-nights/2026-11-22?region=eu-west-1", "s3://recon-nights/2026-11-22?region=eu-west-1", ""},
		{"", "", "no URL"},
	}
	if !gcsBuilt {
		tests = append(tests, struct{ in, want, err string }{"gs://b/n", "", "built without gs://"})
	}
	for _, tt := range tests {
		got, err := bucketURL(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("bucketURL(%q) = %q, %v; want an error saying %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("bucketURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// A night with statements merges as a single run would have stored it:
// the results about statement rows (lines from recon.StatementLines on),
// every account's statement, the rows they confirmed.
func TestMergeCarriesTheStatements(t *testing.T) {
	n := openNight(t, t.TempDir())
	for i := range 2 {
		spec := shard.Spec{Index: i, Count: 2}
		lines := append(linesOf(i, 2, 10), recon.StatementLine(i, 2))
		db, run := shardRun(t, spec, lines, func(r *store.Run) {
			r.Statements = []store.StatementInfo{{Account: fmt.Sprintf("shop-%d", 1-i), Status: "read", Path: fmt.Sprintf("bill-%d.csv", i)}}
			r.Stats.Confirmed = 2
		})
		if err := n.Publish(context.Background(), Shard{Spec: spec, DB: db, Run: run}); err != nil {
			t.Fatal(err)
		}
	}
	run, results, err := merged(t, n, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 12 || results[10].Line != recon.StatementLine(0, 2) || results[11].Line != recon.StatementLine(1, 2) {
		t.Fatalf("%d results, the last %+v", len(results), results[len(results)-1])
	}
	if len(run.Statements) != 2 || run.Statements[0].Account != "shop-0" || run.Statements[1].Path != "bill-0.csv" {
		t.Errorf("statements %+v; want both shards', by account", run.Statements)
	}
	if run.Stats.Confirmed != 4 {
		t.Errorf("confirmed %d; want 4", run.Stats.Confirmed)
	}
}

// Shards that split the accounts another way (the shards file changed
// between attempts, say) are refused: rows no shard ran would be missing
// from the report without a word.
func TestMergeRefusesShardsThatSplitOtherwise(t *testing.T) {
	const rows = 10
	for _, tc := range []struct {
		name   string
		lines  func(i int) []int
		assign func(i int) string
		want   string
	}{
		{"rows no shard ran", func(i int) []int { return linesOf(i, 2, rows)[:2] }, func(int) string { return "fnv1a64" },
			"the shards ran 4 rows of the ledger's 10"},
		{"another assignment", func(i int) []int { return linesOf(i, 2, rows) },
			func(i int) string { return []string{"fnv1a64", "sha256:ab"}[i] }, "split the accounts by sha256:ab, shard 0's fnv1a64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := openNight(t, t.TempDir())
			for i := range 2 {
				spec := shard.Spec{Index: i, Count: 2}
				db, run := shardRun(t, spec, tc.lines(i), func(r *store.Run) { r.Ledger.Total, r.Assignment = rows, tc.assign(i) })
				if err := n.Publish(context.Background(), Shard{Spec: spec, DB: db, Run: run}); err != nil {
					t.Fatal(err)
				}
			}
			if _, _, err := merged(t, n, 2); !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v; want a mismatch saying %q", err, tc.want)
			}
		})
	}
}

// TestPublishedFilesAreTheOwnersOnly: a shard's outputs in a directory name
// the night's orders and amounts, as a report does, and are made as a
// report is (0600, in folders of 0700), whatever the umask lets through.
func TestPublishedFilesAreTheOwnersOnly(t *testing.T) {
	root := filepath.Join(t.TempDir(), "night")
	n := openNight(t, root)
	spec := shard.Spec{Index: 0, Count: 1}
	db, run := shardRun(t, spec, []int{2, 3}, nil)
	if err := n.Publish(context.Background(), Shard{Spec: spec, DB: db, Run: run}); err != nil {
		t.Fatal(err)
	}
	seen := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", p, got, want)
		}
		seen++
		return nil
	})
	if err != nil || seen < 4 { // the night, the shard's folder and its files
		t.Fatalf("walked %d entries: %v", seen, err)
	}
}
