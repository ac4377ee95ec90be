//go:build unix

package outfile

import (
	"io/fs"
	"os"
	"syscall"
)

// keepOwner gives the file that replaces old old's owner and group, as far
// as this process may: root may (cron often runs recon as root, over a
// report a dashboard's user owns or reads through its group); another user
// may give its own files to a group it is in and nothing else, and its
// report is then its own, as a new one would be.
func keepOwner(w *os.File, old fs.FileInfo) {
	st, ok := old.Sys().(*syscall.Stat_t)
	if !ok || (int(st.Uid) == os.Geteuid() && int(st.Gid) == os.Getegid()) {
		return
	}
	_ = w.Chown(int(st.Uid), int(st.Gid))
}
