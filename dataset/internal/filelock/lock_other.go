//go:build !(darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd || windows)

package filelock

import (
	"fmt"
	"os"
	"runtime"
)

func lock(*os.File, bool) error {
	return fmt.Errorf("file locks on %s: %w", runtime.GOOS, ErrUnsupported)
}

func tryLock(*os.File) (bool, error) {
	return false, fmt.Errorf("file locks on %s: %w", runtime.GOOS, ErrUnsupported)
}

func unlock(*os.File) error { return nil }
