package filelock

import (
	"os"
	"path/filepath"
	"testing"
)

// open opens the same file twice: locks are per open file, so the two
// stand for two processes.
func open(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func try(t *testing.T, f *os.File) bool {
	t.Helper()
	ok, err := TryLock(f)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestExclusive(t *testing.T) {
	a, b := open(t)
	if err := Lock(a); err != nil {
		t.Fatal(err)
	}
	if try(t, b) {
		t.Fatal("a second exclusive lock was granted while the first is held")
	}
	if err := Unlock(a); err != nil {
		t.Fatal(err)
	}
	if !try(t, b) {
		t.Fatal("no lock after the holder unlocked")
	}
	// Closing the file releases its lock.
	b.Close()
	if !try(t, a) {
		t.Fatal("no lock after the holder closed the file")
	}
}

func TestShared(t *testing.T) {
	a, b := open(t)
	if err := RLock(a); err != nil {
		t.Fatal(err)
	}
	if err := RLock(b); err != nil {
		t.Fatal(err)
	}
	if try(t, b) {
		t.Fatal("an exclusive lock was granted while another file holds a shared one")
	}
	Unlock(a)
	Unlock(b)
	if !try(t, b) {
		t.Fatal("no exclusive lock after the shared ones were released")
	}
}

// TestBlocks checks that Lock waits for the holder: the waiter gets the
// lock only after the holder unlocks.
func TestBlocks(t *testing.T) {
	a, b := open(t)
	if err := Lock(a); err != nil {
		t.Fatal(err)
	}
	got := make(chan error)
	go func() { got <- Lock(b) }()
	// The waiter cannot have the lock while a holds it: a can still
	// write, and when a unlocks, the waiter returns.
	if _, err := a.WriteAt([]byte("y"), 0); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		t.Fatalf("Lock returned (%v) while another file held the lock", err)
	default:
	}
	if err := Unlock(a); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if try(t, a) {
		t.Fatal("the waiter's lock is not held")
	}
}
