//go:build unix

package outfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A replaced file keeps its owner and group when this process may give
// them (root, as cron often runs recon): a report a dashboard's user owns,
// or reads through its group, stays theirs after the night.
func TestReplacedFileKeepsItsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root may give a file to another user; run as root (CI does)")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	const uid, gid = 65534, 65533 // no user of this process
	if err := os.Chown(path, uid, gid); err != nil {
		t.Fatal(err)
	}
	if err := write(t, path, "new", 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if read(t, path) != "new" || st.Uid != uid || st.Gid != gid || fi.Mode().Perm() != 0o640 {
		t.Errorf("replaced: %q, owner %d:%d, mode %v; want new, %d:%d, 0640", read(t, path), st.Uid, st.Gid, fi.Mode().Perm(), uid, gid)
	}
}
