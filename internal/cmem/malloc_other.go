//go:build !linux || !cgo

package cmem

// Release does nothing where the C heap is not glibc's.
func Release() {}
