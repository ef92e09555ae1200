// Package filemap maps files, or byte ranges of them, read-only into
// memory, for readers that scan their bytes in place: no copy, and the
// pages go back to the page cache when unmapped. Where mapping is not
// available the bytes are read instead.
package filemap

import (
	"fmt"
	"os"
	"runtime/debug"
)

// Map maps the whole file at path. The caller calls unmap when done with
// the bytes, and reads them inside Guard.
func Map(path string) (data []byte, unmap func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if st.Size() == 0 {
		return nil, func() {}, nil
	}
	if m, skip, ok := Range(f, 0, st.Size()); ok {
		return m[skip:], func() { Unmap(m) }, nil
	}
	data, err = os.ReadFile(path)
	return data, func() {}, err
}

// Guard runs f, turning a fault on mapped memory (the file shrank while
// mapped) or any other panic into an error.
func Guard(f func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot read the file (%v)", r)
		}
	}()
	return f()
}
