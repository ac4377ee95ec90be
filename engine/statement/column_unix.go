//go:build linux || darwin || freebsd

package statement

import (
	"syscall"
	"unsafe"
)

// reserve maps max entries of private anonymous memory, which the kernel
// backs only as it is written.
func reserve(max int) ([]uint64, func(), bool) {
	if max <= 0 {
		return nil, nil, false
	}
	mem, err := syscall.Mmap(-1, 0, max*8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|mapNoReserve)
	if err != nil {
		return nil, nil, false // strict overcommit, say: the heap then
	}
	s := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(mem))), max)
	return s, func() { _ = syscall.Munmap(mem) }, true
}
