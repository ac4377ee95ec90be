package engine

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/reconhq/recon/store"
)

// A full disk: once the store cannot take results, the run stops querying
// (the review saw 3,817 answers asked for and thrown away after the first
// failed write), ends failed with the error recorded, and says so. The
// disk is made full with RLIMIT_FSIZE, which fails the store file's growth
// with EFBIG (Go ignores SIGXFSZ), in this process only.
func TestStoreWriteFailureStopsTheRun(t *testing.T) {
	f := newFixture(t, 600)
	fi, err := os.Stat(f.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	limit := old
	limit.Cur = uint64(fi.Size()) + 64<<10 // room for a few batches, not for the night
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Fatal(err) // lowering a soft limit is always allowed
	}
	run, st, err := f.run(t, context.Background(), true)
	if rerr := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); rerr != nil {
		t.Fatal(rerr)
	}
	if err == nil || !strings.Contains(err.Error(), "writing results") {
		t.Fatalf("run with a full disk: %v; want the write failure", err)
	}
	if run == nil {
		t.Fatal("no run returned")
	}
	// What the store holds says the same, once there is room again.
	stored, gerr := f.db.Run(run.ID)
	if gerr == nil && (stored.Status != store.StatusFailed || stored.Error == "") {
		t.Errorf("stored run %s with error %q; want failed with the write error", stored.Status, stored.Error)
	}
	if st.Queried >= len(f.plan.Want)-10 {
		t.Fatalf("%d of %d rows were still queried after the store failed", st.Queried, len(f.plan.Want))
	}
	t.Logf("stopped after %d of %d rows: %v", st.Queried, len(f.plan.Want), err)
}
