// Package filelock takes advisory whole-file locks: flock on Unix,
// LockFileEx on Windows. Locks belong to the open file: closing it
// releases them.
package filelock

import (
	"errors"
	"os"
)

// ErrUnsupported is returned on systems without a file lock.
var ErrUnsupported = errors.ErrUnsupported

// Lock takes an exclusive lock on f, waiting for other holders.
func Lock(f *os.File) error { return lock(f, true) }

// RLock takes a shared lock on f, waiting for an exclusive holder.
func RLock(f *os.File) error { return lock(f, false) }

// TryLock takes an exclusive lock on f if no one holds a lock on it, and
// reports whether it did.
func TryLock(f *os.File) (bool, error) { return tryLock(f) }

// Unlock releases f's lock.
func Unlock(f *os.File) error { return unlock(f) }
