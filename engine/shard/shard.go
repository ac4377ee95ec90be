// Package shard assigns a night's accounts to shards: the processes (a
// Kubernetes Indexed Job's pods) that split one ledger between them, each
// running its own accounts into its own store.
//
// An account's shard is stable from night to night, so that its store
// state (the incremental night's stored answers) follows it. By default it
// is the FNV-1a 64-bit hash of the account name modulo the shard count; an
// assignment file (shards.yaml: account name → shard index) fixes it by
// hand instead, e.g. bin-packed by last night's volume.
package shard

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Spec is one shard of a night: Index of Count, Index from 0.
type Spec struct {
	Index, Count int
}

// String is the spec as --shard takes it, "1/3".
func (s Spec) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// ErrSpec is wrapped by Parse's errors.
var ErrSpec = errors.New("not a shard INDEX/COUNT")

// Parse reads "INDEX/COUNT" (INDEX from 0, below COUNT). Either side may
// be empty and is then taken from index or count, the values of
// $JOB_COMPLETION_INDEX and $RECON_SHARDS: "" alone is both.
func Parse(s, index, count string) (Spec, error) {
	i, n, _ := strings.Cut(s, "/")
	if i == "" {
		i = index
	}
	if n == "" {
		n = count
	}
	bad := func(why string) (Spec, error) {
		return Spec{}, fmt.Errorf("%w: %q: %s", ErrSpec, s, why)
	}
	if i == "" {
		return bad("no INDEX, and $JOB_COMPLETION_INDEX is not set")
	}
	if n == "" {
		return bad("no COUNT, and $RECON_SHARDS is not set")
	}
	idx, err := strconv.Atoi(strings.TrimSpace(i))
	if err != nil || idx < 0 {
		return bad(fmt.Sprintf("INDEX %q is not a whole number from 0", i))
	}
	cnt, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || cnt < 1 {
		return bad(fmt.Sprintf("COUNT %q is not a whole number from 1", n))
	}
	if idx >= cnt {
		return bad(fmt.Sprintf("INDEX %d is not below COUNT %d (indexes count from 0)", idx, cnt))
	}
	return Spec{Index: idx, Count: cnt}, nil
}

// Hash is the default shard of an account among count: FNV-1a 64 of its
// name, modulo count. Operators can predict it (Go's hash/fnv New64a,
// Python's fnv1a_64, or `recon` itself).
func Hash(account string, count int) int {
	h := fnv.New64a()
	h.Write([]byte(account))
	return int(h.Sum64() % uint64(count))
}

// Assignment decides which rows are a shard's.
type Assignment struct {
	Spec Spec
	// File is the assignment file ("": by hash alone), fixed maps its
	// accounts to their shards.
	File  string
	fixed map[string]int
	// Digest names the assignment: ByHash, or the file's sha256. Shards
	// of one night share it, or their rows do not add up to the ledger.
	Digest string
}

// ByHash is the Digest of the assignment by FNV-1a alone.
const ByHash = "fnv1a64"

// FileError is an assignment file that cannot be used: it names the file
// and, when one is to blame, the account.
type FileError struct {
	File, Account string
	Err           error
}

func (e *FileError) Error() string {
	if e.Account != "" {
		return fmt.Sprintf("shards file %s: account %q: %v", e.File, e.Account, e.Err)
	}
	return fmt.Sprintf("shards file %s: %v", e.File, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// ErrUnassigned is a FileError's when an account of the config has no
// shard in the file: it would be run by no shard at all.
var ErrUnassigned = errors.New("has no shard in the file (every account of the config needs one)")

// New makes spec's assignment: by hash, or by the assignment file at path
// when it is not "". accounts are the config's: each must be in the file,
// which is read and checked now, before any row.
func New(spec Spec, path string, accounts []string) (*Assignment, error) {
	a := &Assignment{Spec: spec, File: path, Digest: ByHash}
	if path == "" {
		return a, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	var entries map[string]*int
	if err := yaml.Unmarshal(b, &entries); err != nil {
		return nil, &FileError{File: path, Err: fmt.Errorf("want a map of account name to shard index: %w", err)}
	}
	names := make([]string, 0, len(entries))
	for name := range entries {
		names = append(names, name)
	}
	sort.Strings(names) // the first bad one, the same every time
	fixed := make(map[string]int, len(entries))
	for _, name := range names {
		// "shop:" with no index is no shard, not shard 0.
		if entries[name] == nil {
			return nil, &FileError{File: path, Account: name, Err: ErrUnassigned}
		}
		fixed[name] = *entries[name]
		if i := fixed[name]; i < 0 || i >= spec.Count {
			return nil, &FileError{File: path, Account: name,
				Err: fmt.Errorf("shard %d is not one of 0..%d (the night has %d shards)", i, spec.Count-1, spec.Count)}
		}
	}
	// Only the config's accounts go by the file: a name it does not have
	// (an entry left from an account since removed) goes by the hash, as
	// the contract says, like any other row of an unknown account.
	a.fixed = make(map[string]int, len(accounts))
	for _, name := range accounts {
		i, ok := fixed[name]
		if !ok {
			return nil, &FileError{File: path, Account: name, Err: ErrUnassigned}
		}
		a.fixed[name] = i
	}
	sum := sha256.Sum256(b)
	a.Digest = "sha256:" + hex.EncodeToString(sum[:])
	return a, nil
}

// Of is the shard of the rows whose account cell is account: the file's
// for an account of the config, else the hash's (a name the config does
// not have, whose rows are INVALID: they too are in exactly one shard).
func (a *Assignment) Of(account string) int {
	if i, ok := a.fixed[account]; ok {
		return i
	}
	return Hash(account, a.Spec.Count)
}

// Mine says whether the rows of account are this shard's.
func (a *Assignment) Mine(account string) bool { return a.Of(account) == a.Spec.Index }
