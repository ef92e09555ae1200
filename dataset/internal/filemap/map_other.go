//go:build !linux

package filemap

import "os"

// Range maps nothing here: callers read the bytes instead.
func Range(f *os.File, from, to int64) (m []byte, skip int, ok bool) { return nil, 0, false }

// Unmap releases a mapping from Range.
func Unmap(m []byte) {}
