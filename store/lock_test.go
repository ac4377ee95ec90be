package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The test binary doubles as the other process holding a store: with
// RECON_STORE_HOLD=write|read and RECON_STORE_PATH it opens the store,
// says "ready" on stdout and holds it until its stdin closes.
func TestMain(m *testing.M) {
	if mode := os.Getenv("RECON_STORE_HOLD"); mode != "" {
		os.Exit(hold(mode, os.Getenv("RECON_STORE_PATH")))
	}
	os.Exit(m.Run())
}

func hold(mode, path string) int {
	var d *DB
	var err error
	if mode == "write" {
		if d, err = Open(path, time.Second); err == nil {
			err = d.SetOwner(CommandRun, "r-held")
		}
	} else {
		d, err = OpenReadOnly(path, time.Second)
	}
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := d.Close(); err != nil {
		return 1
	}
	return 0
}

// holder starts another process holding the store at path; release lets
// it go and waits for it to end.
func holder(t *testing.T, mode, path string) (pid int, release func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RECON_STORE_HOLD="+mode, "RECON_STORE_PATH="+path)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		in.Close()
		cmd.Wait()
		t.Fatalf("the %s holder did not start: %q", mode, line)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			in.Close()
			if err := cmd.Wait(); err != nil {
				t.Errorf("the %s holder: %v", mode, err)
			}
		})
	}
	t.Cleanup(release)
	return cmd.Process.Pid, release
}

func newStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "recon.db")
	d, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.PutRun(&Run{ID: "r1", Status: StatusCompleted}); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// A store held by a writer in another process: a writer and a reader both
// give up after their wait with a *LockedError that names the process and
// the run it is writing.
func TestLockedByWriterNamesIt(t *testing.T) {
	path := newStore(t)
	pid, _ := holder(t, "write", path)
	for name, open := range map[string]func(string, time.Duration) (*DB, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
		start := time.Now()
		d, err := open(path, 300*time.Millisecond)
		if err == nil {
			d.Close()
			t.Fatalf("%s opened a store another process writes", name)
		}
		var le *LockedError
		if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
			t.Fatalf("%s: %v is not a *LockedError", name, err)
		}
		for _, w := range []string{path, fmt.Sprintf("pid %d", pid), "recon run", "run r-held"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", name, err, w)
			}
		}
		if waited := time.Since(start); waited < 250*time.Millisecond {
			t.Errorf("%s gave up after %v, before its wait", name, waited)
		}
	}
}

// A sidecar left by a killed writer is not believed: the process that
// holds the lock now is named by its pid alone.
func TestStaleOwnerIgnored(t *testing.T) {
	path := newStore(t)
	stale := fmt.Sprintf(`{"pid":%d,"host":"h","command":"run","run_id":"r-dead","since":"2026-01-01T00:00:00Z"}`, os.Getpid())
	pid, _ := holder(t, "read", path)
	if err := os.WriteFile(ownerPath(path), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	hs := lockHolders(path)
	if len(hs) != 1 || hs[0].PID != pid || hs[0].Exclusive || hs[0].RunID != "" {
		t.Fatalf("holders %+v; want the reader %d alone, without the stale run", hs, pid)
	}
}

// Readers share the store with each other, and a writer waits for them
// (however short its lockWait) rather than fail the night.
func TestReadersShareAndWriterWaits(t *testing.T) {
	path := newStore(t)
	_, release := holder(t, "read", path)
	d, err := OpenReadOnly(path, 300*time.Millisecond)
	if err != nil {
		t.Fatalf("a second reader: %v", err)
	}
	if runs, err := d.Runs(); err != nil || len(runs) != 1 {
		t.Errorf("Runs: %v, %v", runs, err)
	}
	d.Close()

	go func() {
		time.Sleep(700 * time.Millisecond)
		release()
	}()
	start := time.Now()
	w, err := Open(path, 200*time.Millisecond)
	if err != nil {
		t.Fatalf("a writer gave up on a reader: %v", err)
	}
	defer w.Close()
	if waited := time.Since(start); waited < 500*time.Millisecond {
		t.Errorf("the writer opened after %v, while the reader held the store", waited)
	}
	if o, ok := readOwner(path); !ok || o.PID != os.Getpid() {
		t.Errorf("owner sidecar %+v, %v; want this process", o, ok)
	}
	w.Close()
	if _, err := os.Stat(ownerPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the owner sidecar outlives Close: %v", err)
	}
}

// A read-only open writes nothing: not the file, not its mode, not a
// sidecar; and a write through it is refused as such.
func TestOpenReadOnlyWritesNothing(t *testing.T) {
	path := newStore(t)
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	d, err := OpenReadOnly(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.PutRun(&Run{ID: "r2"}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("PutRun on a read-only store: %v", err)
	}
	if err := d.SetOwner(CommandRun, "r2"); !errors.Is(err, ErrReadOnly) {
		t.Errorf("SetOwner on a read-only store: %v", err)
	}
	w := d.NewWriter("r1")
	_ = w.Put(Record{})
	if err := w.Close(); !errors.Is(err, ErrReadOnly) {
		t.Errorf("a writer on a read-only store: %v", err)
	}
	if err := d.Verify(); err != nil {
		t.Errorf("Verify read-only: %v", err)
	}
	d.Close()
	after, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(before) != string(after) || fi.Mode().Perm() != 0o400 {
		t.Errorf("the store changed (mode %v)", fi.Mode())
	}
	if _, err := os.Stat(ownerPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a reader wrote an owner sidecar: %v", err)
	}
	if _, err := OpenReadOnly(filepath.Join(t.TempDir(), "none.db"), time.Second); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing store: %v", err)
	}
}

// A page whose overflow count rotted (bbolt would free it page by page,
// endlessly, at the first commit) is refused by Open for writing, and
// reported by Verify: pagesFit reads every page header from the file.
func TestRottedOverflowRefused(t *testing.T) {
	path := newStore(t)
	d, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	writeNight(t, d, "n1", time.Now(), nightOf(demoRecords(t), 1)[:300])
	d.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := readMeta(f, storePageSize)
	free, err := freePages(f, path, storePageSize, m)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	leaf := -1
	for id := 2; id < int(m.pgid); id++ {
		h := b[id*storePageSize:]
		if binary.NativeEndian.Uint16(h[8:]) == 0x02 && !slices.Contains(free, uint64(id)) {
			leaf = id
		}
	}
	if leaf < 0 {
		t.Fatal("no leaf page in the fixture")
	}
	binary.NativeEndian.PutUint32(b[leaf*storePageSize+12:], 1<<30)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	d, err = Open(path, time.Second)
	if err == nil {
		d.Close()
		t.Fatal("opened a store with a rotted overflow count for writing")
	}
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), fmt.Sprintf("page %d (leaf) runs", leaf)) {
		t.Errorf("Open: %v", err)
	}
	r, err := OpenReadOnly(path, time.Second)
	if err != nil {
		t.Fatal(err) // a reader frees no page: it opens
	}
	defer r.Close()
	if err := r.Verify(); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "past the last one") {
		t.Errorf("Verify: %v", err)
	}
}

// A store on a read-only mount reads (Open, which writes, cannot even
// open the file there). Mounting takes root and a kernel that lets this
// process mount: without them the test says so and does not run.
func TestOpenReadOnlyOnReadOnlyMount(t *testing.T) {
	src := filepath.Dir(newStore(t))
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "--bind", src, mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot bind-mount here (%v: %s): the read-only mount is not tried", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", mnt).Run() })
	if out, err := exec.Command("mount", "-o", "remount,bind,ro", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot remount read-only here (%v: %s)", err, out)
	}
	path := filepath.Join(mnt, "recon.db")
	d, err := OpenReadOnly(path, time.Second)
	if err != nil {
		t.Fatalf("a store on a read-only mount: %v", err)
	}
	defer d.Close()
	if runs, err := d.Runs(); err != nil || len(runs) != 1 {
		t.Errorf("Runs: %v, %v", runs, err)
	}
	if _, err := Open(path, time.Second); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Open for writing on a read-only mount: %v", err)
	}
}
