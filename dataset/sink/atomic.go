// Package sink writes tables to files without ever leaving a half-written
// one: Parquet, Arrow IPC, CSV and JSON Lines, through a temporary file in
// the target folder that is fsync'd and renamed into place. It refuses to
// write over any input file.
package sink

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"triage/dataset/internal/filelock"
)

// CheckNotInput returns an error when out names the same file as one of
// inputs (compared with os.SameFile, so through symlinks and hard links), or
// would land inside an input that is a folder of shards. Inputs that do not
// exist are ignored.
func CheckNotInput(out string, inputs []string) error {
	outInfo, outErr := os.Stat(out)
	dirInfo, dirErr := os.Stat(filepath.Dir(out))
	for _, in := range inputs {
		if in == "" {
			continue
		}
		inInfo, err := os.Stat(in)
		if err != nil {
			continue
		}
		if outErr == nil && os.SameFile(outInfo, inInfo) {
			return fmt.Errorf("refusing to write %s: it is the input %s", out, in)
		}
		if inInfo.IsDir() && dirErr == nil && os.SameFile(dirInfo, inInfo) {
			return fmt.Errorf("refusing to write %s: it would become a shard of the input folder %s", out, in)
		}
	}
	if outErr == nil && outInfo.IsDir() {
		return fmt.Errorf("refusing to write %s: it is a folder", out)
	}
	return nil
}

// WriteFile writes path atomically: write fills a temporary file in the
// same folder, which is fsync'd, renamed over path, and the folder fsync'd.
// A crash at any moment leaves either the old path (or none) or the whole
// new file, never part of one; a failed write removes the temporary file.
// It refuses, before writing anything, to write over any of inputs.
func WriteFile(path string, inputs []string, write func(w io.Writer) error) (err error) {
	if err := CheckNotInput(path, inputs); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	// Hold a lock on our temporary file while it lives, so that another
	// writer can tell it from one a killed process left behind.
	if err := filelock.Lock(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("lock %s: %w", tmp, err)
	}
	removeStale(dir, filepath.Base(path), tmp)
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	// Check again just before the rename: an input may have appeared at
	// path while we wrote.
	if err := CheckNotInput(path, inputs); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return SyncDir(dir)
}

// removeStale removes the temporary files of earlier writes of base that
// no process holds locked: their writers were killed before the rename.
func removeStale(dir, base, own string) {
	stale, _ := filepath.Glob(filepath.Join(dir, "."+base+".tmp-*"))
	for _, p := range stale {
		if p == own {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		// Close before removing: Windows removes no open file.
		free, _ := filelock.TryLock(f)
		f.Close()
		if free {
			os.Remove(p)
		}
	}
}

// SyncDir makes a rename or a new file in dir durable. Windows has no
// folder fsync (FlushFileBuffers refuses a folder handle); NTFS journals
// its metadata, so there it does nothing.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}
