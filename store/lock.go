package store

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Who holds a store: bbolt locks the file with flock (shared for a reader,
// exclusive for a writer), which says nothing about who took it. The
// kernel does, in /proc/locks; and a writer says what it is doing in a
// sidecar file, <store>.owner, believed only while its pid holds the lock
// (a killed writer leaves its sidecar behind).

// ReaderWait is how long a writer waits for readers (report, runs, show,
// diff) to let go of the store, however short its own lockWait: a report
// being read must not make the night fail.
var ReaderWait = 10 * time.Minute

// LockedError says that another process holds the store, and who: it
// wraps ErrLocked.
type LockedError struct {
	Path    string
	Holders []Holder // empty when the system does not say (no /proc/locks)
}

// Holder is a process that holds a store's lock.
type Holder struct {
	PID       int
	Exclusive bool   // a writer (bbolt's exclusive lock); else a reader
	Command   string // what it is doing, from its owner sidecar ("" if none)
	RunID     string
	Host      string
	Since     time.Time
}

func (h Holder) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pid %d", h.PID)
	switch {
	case h.Command != "":
		fmt.Fprintf(&b, " (recon %s", h.Command)
		if h.RunID != "" {
			fmt.Fprintf(&b, ", run %s", h.RunID)
		}
		if !h.Since.IsZero() {
			fmt.Fprintf(&b, ", since %s", h.Since.Local().Format(time.DateTime))
		}
		b.WriteString(")")
	case h.Exclusive:
		b.WriteString(" (writing)")
	default:
		b.WriteString(" (reading)")
	}
	return b.String()
}

func (e *LockedError) Error() string {
	if len(e.Holders) == 0 {
		return fmt.Sprintf("store %s: %v", e.Path, ErrLocked)
	}
	names := make([]string, len(e.Holders))
	for i, h := range e.Holders {
		names[i] = h.String()
	}
	return fmt.Sprintf("store %s: %v: held by %s", e.Path, ErrLocked, strings.Join(names, ", "))
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// lockedError is the error for a store whose lock was not had in time.
func lockedError(path string) error {
	return &LockedError{Path: path, Holders: lockHolders(path)}
}

// owner is the sidecar a writer keeps beside the store.
type owner struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Command string    `json:"command,omitempty"`
	RunID   string    `json:"run_id,omitempty"`
	Since   time.Time `json:"since"`
}

func ownerPath(path string) string { return path + ".owner" }

// SetOwner says, in the store's owner sidecar, what the process holding
// the store for writing is doing (command: CommandRun, CommandReplay, or
// another command's name; runID may be empty), so that a process that
// finds the store locked can name it. It fails on a read-only store.
func (d *DB) SetOwner(command, runID string) error {
	if d.readOnly {
		return fmt.Errorf("store %s: %w", d.path, ErrReadOnly)
	}
	host, _ := os.Hostname()
	o := owner{PID: os.Getpid(), Host: host, Command: command, RunID: runID, Since: time.Now().UTC()}
	b, err := json.Marshal(o)
	if err != nil {
		return err
	}
	// Written whole then renamed: a reader never sees half of one.
	tmp := ownerPath(d.path) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("store %s: writing its owner: %w", d.path, err)
	}
	if err := os.Rename(tmp, ownerPath(d.path)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store %s: writing its owner: %w", d.path, err)
	}
	d.ownerSet = true
	return nil
}

// clearOwner removes the sidecar this process wrote.
func (d *DB) clearOwner() {
	if !d.ownerSet {
		return
	}
	if o, ok := readOwner(d.path); ok && o.PID == os.Getpid() {
		os.Remove(ownerPath(d.path))
	}
	d.ownerSet = false
}

func readOwner(path string) (owner, bool) {
	b, err := os.ReadFile(ownerPath(path))
	if err != nil {
		return owner{}, false
	}
	var o owner
	if json.Unmarshal(b, &o) != nil || o.PID <= 0 {
		return owner{}, false
	}
	return o, true
}

// lockHolders lists the processes that hold flock locks on the file at
// path, from /proc/locks (matched by device and inode), with what the
// owner sidecar says of the writer among them.
func lockHolders(path string) []Holder {
	fi, err := os.Stat(path)
	if err != nil {
		return nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	f, err := os.Open("/proc/locks")
	if err != nil {
		return nil
	}
	defer f.Close()
	dev := uint64(st.Dev)
	major, minor := (dev>>8)&0xfff|(dev>>32)&^0xfff, dev&0xff|(dev>>12)&^0xff
	want := fmt.Sprintf("%02x:%02x:%d", major, minor, st.Ino)
	o, haveOwner := readOwner(path)
	var out []Holder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"; a waiter's
		// line has "->" after the number.
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] != "FLOCK" || fields[5] != want {
			continue
		}
		pid, err := strconv.Atoi(fields[4])
		if err != nil || pid <= 0 {
			continue
		}
		h := Holder{PID: pid, Exclusive: fields[3] == "WRITE"}
		if haveOwner && o.PID == pid {
			h.Command, h.RunID, h.Host, h.Since = o.Command, o.RunID, o.Host, o.Since
		}
		out = append(out, h)
	}
	return out
}

// onlyReaders reports whether the store is held, and by readers alone.
func onlyReaders(path string) bool {
	hs := lockHolders(path)
	for _, h := range hs {
		if h.Exclusive {
			return false
		}
	}
	return len(hs) > 0
}

// ErrReadOnly is returned by every write to a store opened with
// OpenReadOnly.
var ErrReadOnly = errors.New("the store was opened read-only")
