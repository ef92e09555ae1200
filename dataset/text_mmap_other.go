//go:build !linux

package dataset

import "os"

// mapRange maps nothing here: text files are read into memory instead.
func mapRange(f *os.File, from, to int64) (m []byte, skip int, ok bool) { return nil, 0, false }

func unmap(m []byte) {}
