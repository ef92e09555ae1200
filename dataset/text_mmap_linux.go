package dataset

import (
	"os"
	"syscall"
)

// mapRange maps bytes [from, to) of f read-only and returns the mapping
// and the offset of from in it (mappings start on a page boundary). Text
// readers map a chunk at a time instead of copying it, and unmap it when
// done, so memory holds only the chunks being parsed. ok is false when the
// file cannot be mapped (the caller reads it instead).
func mapRange(f *os.File, from, to int64) (m []byte, skip int, ok bool) {
	page := int64(os.Getpagesize())
	start := from / page * page
	m, err := syscall.Mmap(int(f.Fd()), start, int(to-start), syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
	if err != nil {
		return nil, 0, false
	}
	return m, int(from - start), true
}

func unmap(m []byte) { syscall.Munmap(m) }
