package publish

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/reconhq/recon"
	"github.com/reconhq/recon/store"
)

// FormatVersion is the layout a manifest describes; Merge refuses others.
const FormatVersion = 1

// The files of a shard, under Dir.
const (
	ResultsFile  = "results.jsonl.gz"
	RunFile      = "run.json"
	ManifestFile = "manifest.json"
)

// Dir is the folder of shard index of count under the night's URL.
func Dir(index, count int) string { return fmt.Sprintf("shard-%d-of-%d/", index, count) }

// Manifest is what a shard published: how its run ended and what each of
// its files holds.
type Manifest struct {
	Format int    `json:"format"`
	Shard  int    `json:"shard"`
	Count  int    `json:"count"`
	RunID  string `json:"run_id,omitempty"`
	// Status is the shard's run's (failed also for a run that never
	// started: no RunID then).
	Status store.Status `json:"status"`
	// ExitStatus is what the shard's recon run exited with.
	ExitStatus int    `json:"exit_status"`
	Error      string `json:"error,omitempty"`
	// NoAnswers marks a run that failed only because no provider of the
	// shard answered: its results are all there (ERROR rows), and the night
	// fails only if no shard got an answer, as a single run would.
	NoAnswers    bool                   `json:"no_answers,omitempty"`
	Ledger       store.LedgerInfo       `json:"ledger"`
	RuleSet      string                 `json:"rule_set,omitempty"`
	ConfigSHA256 string                 `json:"config_sha256,omitempty"`
	Assignment   string                 `json:"assignment,omitempty"`
	FailOn       recon.Severity         `json:"fail_on,omitempty"`
	Totals       map[recon.Verdict]int  `json:"totals,omitempty"`
	Severities   map[recon.Severity]int `json:"severities,omitempty"`
	Stats        store.RunStats         `json:"stats"`
	// Accounts are the config's accounts, every shard's: the night's
	// metrics are grouped by them, as a single run's.
	Accounts    []string  `json:"accounts,omitempty"`
	Files       []File    `json:"files"`
	PublishedAt time.Time `json:"published_at"`
}

// File is one published file: its name under the shard's Dir, how many
// results (lines) it holds, its size and digest as stored.
type File struct {
	Name   string `json:"name"`
	Rows   int    `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// file returns the manifest's entry for name.
func (m *Manifest) file(name string) (File, bool) {
	for _, f := range m.Files {
		if f.Name == name {
			return f, true
		}
	}
	return File{}, false
}

// mergeable says whether the shard's results can go into the night's
// report: a completed run, or one that failed only for want of answers.
func (m *Manifest) mergeable() bool {
	return m.Status == store.StatusCompleted || (m.Status == store.StatusFailed && m.NoAnswers)
}

// ErrIncomplete is wrapped by an IncompleteError.
var ErrIncomplete = errors.New("the night is incomplete")

// IncompleteError is a night with shards missing (no manifest) or not
// completed: no report is made of it.
type IncompleteError struct {
	URL     string
	Count   int
	Missing []int
	Failed  []*Manifest
}

func (e *IncompleteError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		var names []string
		for _, i := range e.Missing {
			names = append(names, fmt.Sprintf("shard %d (no %s%s)", i, Dir(i, e.Count), ManifestFile))
		}
		parts = append(parts, "missing "+strings.Join(names, ", "))
	}
	for _, m := range e.Failed {
		why := fmt.Sprintf("shard %d %s (exit %d", m.Shard, m.Status, m.ExitStatus)
		if m.Error != "" {
			why += ": " + m.Error
		}
		parts = append(parts, why+")")
	}
	return fmt.Sprintf("%v: %s of %d shards: %s; run those shards again (each resumes its own store), then merge",
		ErrIncomplete, e.URL, e.Count, strings.Join(parts, "; "))
}

func (e *IncompleteError) Unwrap() error { return ErrIncomplete }

// ErrMismatch is wrapped by a MismatchError.
var ErrMismatch = errors.New("the shards are not of one night")

// MismatchError is a shard that read another ledger, rules or config than
// shard 0, or whose files do not match its manifest: merged, it would
// make a report no single run could have made.
type MismatchError struct {
	URL          string
	Shard, Count int
	File         string // the file at fault, "" for the manifest's fields
	What         string
}

func (e *MismatchError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%v: %s shard %d, %s%s: %s", ErrMismatch, e.URL, e.Shard, Dir(e.Shard, e.Count), e.File, e.What)
	}
	return fmt.Sprintf("%v: %s shard %d: %s", ErrMismatch, e.URL, e.Shard, e.What)
}

func (e *MismatchError) Unwrap() error { return ErrMismatch }
