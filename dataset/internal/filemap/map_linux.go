package filemap

import (
	"os"
	"syscall"
)

// Range maps bytes [from, to) of f and returns the mapping and the offset
// of from in it (a mapping starts on a page boundary); ok is false when the
// file cannot be mapped.
func Range(f *os.File, from, to int64) (m []byte, skip int, ok bool) {
	page := int64(os.Getpagesize())
	start := from / page * page
	m, err := syscall.Mmap(int(f.Fd()), start, int(to-start), syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if err != nil {
		return nil, 0, false
	}
	return m, int(from - start), true
}

// Unmap releases a mapping from Range.
func Unmap(m []byte) { syscall.Munmap(m) }
