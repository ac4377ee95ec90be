package host

import (
	"os"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// GracePeriod is how long Stop lets a plugin shut down cleanly before
// SIGKILL. go-plugin's own Kill asks the plugin over gRPC and waits for the
// answer without a deadline: a stopped (SIGSTOP) or wedged process never
// answers, and the caller would hang with it.
const GracePeriod = 1500 * time.Millisecond

// reapBound is how long to wait, after SIGKILL, for go-plugin to notice the
// exit and reap the process. A SIGKILLed process (stopped or not) dies at
// once, so this is only reached if the kernel is very slow.
const reapBound = 2 * time.Second

// StopBound is the longest Stop or Close blocks; KillBound the longest Kill does.
const (
	StopBound = GracePeriod + reapBound
	KillBound = reapBound
)

// terminate ends the plugin process of c: with grace > 0 it first lets
// go-plugin shut it down cleanly for that long; then, or at once, SIGKILL.
// It never waits longer than grace + reapBound. proc is the started
// process, nil while go-plugin may still be starting it: go-plugin holds
// its lock across the whole start, so even asking it for the pid would
// block; such a process is killed by the start's end (see Host.Start).
func terminate(c *plugin.Client, proc *os.Process, grace time.Duration, log hclog.Logger) {
	done := make(chan struct{})
	if grace > 0 {
		go func() { c.Kill(); close(done) }()
		select {
		case <-done:
			return
		case <-time.After(grace):
			log.Warn("plugin did not shut down in time; killing it", "grace", grace)
		}
		sigkill(proc)
	} else {
		sigkill(proc)
		// go-plugin still has to see the exit, reap the process and close
		// its connection; with the process dead, none of that waits on it.
		go func() { c.Kill(); close(done) }()
	}
	select {
	case <-done:
	case <-time.After(reapBound):
		log.Error("plugin process not gone after SIGKILL")
	}
}

// sigkill kills proc. os.Process signals through a pidfd where the kernel
// has them, so a process already reaped is never confused with a new one
// of the same pid.
func sigkill(proc *os.Process) {
	if proc != nil {
		_ = proc.Kill() // an error: it exited already
	}
}
