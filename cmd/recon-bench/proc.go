package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/<pid>/stat
// (100 on every Linux the bench runs on).
const clockTick = 100

// measured is one process tree's cost, from wait4's rusage: the child's own
// CPU plus that of every descendant it reaped (recon reaps its plugins), and
// its peak RSS, the largest of the tree's processes. The /proc samples check
// the rusage and split the peak RSS between the root and its children.
type measured struct {
	WallS      float64 `json:"wall_s"`
	UserS      float64 `json:"user_s"`
	SysS       float64 `json:"sys_s"`
	CPUS       float64 `json:"cpu_s"`
	MaxRSSMB   float64 `json:"maxrss_mb"`              // ru_maxrss of the tree
	RootHWMMB  float64 `json:"root_hwm_mb,omitempty"`  // VmHWM of the process itself, last sample
	RootAnonMB float64 `json:"root_anon_mb,omitempty"` // the largest RssAnon sampled: RSS less mapped files (bbolt's mmap)
	ChildHWMMB float64 `json:"child_hwm_mb,omitempty"`
	Children   int     `json:"children,omitempty"`
	ProcCPUS   float64 `json:"proc_cpu_s,omitempty"`  // sum of the last /proc samples of every process of the tree
	ChildCPUS  float64 `json:"child_cpu_s,omitempty"` // the part of ProcCPUS that is the children's (recon's plugins)
	ExitCode   int     `json:"exit_code"`
	stdout     []byte
	stderr     []byte
}

// runMeasured runs a command to completion, sampling its process tree in
// /proc every 50ms (a few reads of small files: the bench's own cost stays
// out of the tree's rusage, and small).
func runMeasured(ctx context.Context, name string, args ...string) (*measured, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	root := cmd.Process.Pid
	samp := newSampler(root)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			samp.sample()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	wg.Wait()
	m := &measured{WallS: time.Since(start).Seconds(), stdout: out.Bytes(), stderr: errb.Bytes()}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return nil, err
	}
	m.ExitCode = cmd.ProcessState.ExitCode()
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return nil, fmt.Errorf("%s: no rusage", name)
	}
	m.UserS = tv(ru.Utime)
	m.SysS = tv(ru.Stime)
	m.CPUS = m.UserS + m.SysS
	m.MaxRSSMB = float64(ru.Maxrss) / 1024
	m.RootHWMMB, m.ChildHWMMB, m.Children, m.ProcCPUS, m.ChildCPUS = samp.result()
	m.RootAnonMB = float64(samp.anon) / 1024
	return m, nil
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// sampler keeps, per process of a tree, the last CPU time and peak RSS seen.
type sampler struct {
	root int
	mu   sync.Mutex
	cpu  map[int]float64
	hwm  map[int]int64 // kB
	anon int64         // kB, the root's largest RssAnon
}

func newSampler(root int) *sampler {
	return &sampler{root: root, cpu: map[int]float64{}, hwm: map[int]int64{}}
}

func (s *sampler) sample() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.walk(s.root, 0)
}

func (s *sampler) walk(pid, depth int) {
	if depth > 4 {
		return
	}
	if c, ok := procCPU(pid); ok {
		s.cpu[pid] = c
	}
	if h, anon, ok := procMem(pid); ok {
		s.hwm[pid] = max(s.hwm[pid], h)
		if pid == s.root {
			s.anon = max(s.anon, anon)
		}
	}
	for _, c := range procChildren(pid) {
		s.walk(c, depth+1)
	}
}

func (s *sampler) result() (rootMB, childMB float64, children int, cpu, childCPU float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var childMax int64
	for pid, h := range s.hwm {
		if pid != s.root {
			childMax = max(childMax, h)
		}
	}
	for pid, c := range s.cpu {
		cpu += c
		if pid != s.root {
			childCPU += c
		}
	}
	return float64(s.hwm[s.root]) / 1024, float64(childMax) / 1024, len(s.cpu) - 1, cpu, childCPU
}

// procCPU is utime+stime of pid in seconds (its own, not its children's).
func procCPU(pid int) (float64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64) // utime is field 14; f[0] is field 3
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return float64(u+st) / clockTick, true
}

// procMem reads VmHWM (peak RSS) and RssAnon of pid, in kB.
func procMem(pid int) (hwm, anon int64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, false
	}
	kB := func(v string) int64 {
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		return n
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, found := strings.CutPrefix(line, "VmHWM:"); found {
			hwm, ok = kB(v), true
		} else if v, found := strings.CutPrefix(line, "RssAnon:"); found {
			anon = kB(v)
		}
	}
	return hwm, anon, ok
}

// procChildren lists the children of every thread of pid: a Go program
// forks from whichever thread runs the goroutine.
func procChildren(pid int) []int {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile(dir + t.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}
