package store

import "syscall"

// dontNeed drops the process's mapping of b's pages (see release.go).
func dontNeed(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }

// dontNeedAt is dontNeed of the size bytes at base, a page of the map.
func dontNeedAt(base, size uintptr) {
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, base, size, syscall.MADV_DONTNEED)
}
