//go:build !linux

package store

// Elsewhere the pages a read touched stay resident until the process
// ends: correct, only larger.
func dontNeed([]byte)               {}
func dontNeedAt(base, size uintptr) {}
