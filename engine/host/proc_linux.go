package host

import (
	"os/exec"
	"syscall"
)

// tieToParent asks the kernel to kill the plugin when recon dies, even by
// SIGKILL, which no deferred cleanup survives. (The plugin SDK also exits
// when it notices it was orphaned, for systems without this.)
func tieToParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
