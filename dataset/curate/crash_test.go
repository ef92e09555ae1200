package curate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset"
)

// crashChild is the child process of TestApplyCrash: it applies the
// journal in $CURATE_CRASH_DIR to the dataset there, writing $CURATE_CRASH_OUT.
func crashChild(dir, out string) error {
	data := filepath.Join(dir, "digits.parquet")
	ds, err := dataset.Open(dataset.Options{Path: data})
	if err != nil {
		return err
	}
	defer ds.Close()
	tb, _, err := ds.Load(context.Background(), dataset.LoadOptions{})
	if err != nil {
		return err
	}
	defer tb.Release()
	journal := DefaultPath(data)
	entries, _, err := Read(journal)
	if err != nil {
		return err
	}
	_, err = Apply(context.Background(), ApplyRequest{Dataset: tb, Schema: ds.Schema(), KeyColumn: "id", LabelColumn: "label", Classes: ds.Classes,
		State: Replay(entries), Out: out, Inputs: []string{data, filepath.Join(dir, "pool.parquet"), journal}, Mem: memory.DefaultAllocator})
	return err
}

// TestApplyCrash kills apply with SIGKILL at random moments, at least 50
// times, on a copy of the demo. After each kill the inputs must be
// byte-identical and the output either absent or exactly a clean run's.
func TestApplyCrash(t *testing.T) {
	if dir := os.Getenv("CURATE_CRASH_DIR"); dir != "" {
		if err := crashChild(dir, os.Getenv("CURATE_CRASH_OUT")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	for _, f := range [][2]string{{demoPath, "digits.parquet"}, {demoPool, "pool.parquet"}} {
		b, err := os.ReadFile(f[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f[1]), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "digits.parquet")
	ds, tb := load(t, mem, data)
	tb.Release()
	journal := DefaultPath(data)
	for _, e := range demoJournal(t, mem, ds.Classes, filepath.Join(dir, "pool.parquet")) {
		if e.Action == ActionUndo {
			if _, err := Undo(journal, ""); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := Append(journal, e); err != nil {
			t.Fatal(err)
		}
	}
	inputs := []string{data, filepath.Join(dir, "pool.parquet"), journal}
	sums := map[string][32]byte{}
	for _, in := range inputs {
		sums[in] = sha256File(t, in)
	}

	child := func(out string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestApplyCrash$")
		cmd.Env = append(os.Environ(), "CURATE_CRASH_DIR="+dir, "CURATE_CRASH_OUT="+out)
		return cmd
	}
	clean := filepath.Join(dir, "clean.parquet")
	start := time.Now()
	if b, err := child(clean).CombinedOutput(); err != nil {
		t.Fatalf("clean run: %v\n%s", err, b)
	}
	runTime := time.Since(start)
	want, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "out.parquet")
	r := rand.New(rand.NewPCG(11, 12))
	const kills = 50
	var absent, complete int
	begin := time.Now()
	for i := range kills {
		if i%2 == 0 {
			os.Remove(out) // half the runs start with no output, half replace one
		}
		cmd := child(out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(r.Int64N(int64(runTime) * 6 / 5))
		timer := time.AfterFunc(delay, func() { cmd.Process.Signal(syscall.SIGKILL) })
		cmd.Wait()
		timer.Stop()

		for _, in := range inputs {
			if sha256File(t, in) != sums[in] {
				t.Fatalf("kill %d after %v: input %s changed", i, delay, in)
			}
		}
		got, err := os.ReadFile(out)
		switch {
		case os.IsNotExist(err):
			absent++
		case err != nil:
			t.Fatal(err)
		case !bytes.Equal(got, want):
			t.Fatalf("kill %d after %v: output is %d bytes, not the clean run's %d", i, delay, len(got), len(want))
		default:
			complete++
			_, tb := load(t, mem, out)
			if tb.NumRows() == 0 {
				t.Fatalf("kill %d: output has no rows", i)
			}
			tb.Release()
		}
	}
	// A killed run leaves its temporary file behind; the next write
	// removes it, so at most the last kill's is left.
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".out.parquet.tmp-*"))
	t.Logf("%d kills in %v (clean run %v): output absent %d times, complete %d times; %d temporary files left", kills, time.Since(begin).Round(time.Millisecond), runTime.Round(time.Millisecond), absent, complete, len(leftovers))
	if absent == 0 || complete == 0 {
		t.Errorf("kills never landed both before and after the rename (absent %d, complete %d)", absent, complete)
	}
	if len(leftovers) > 1 {
		t.Errorf("%d temporary files left, want at most 1: stale ones are not removed", len(leftovers))
	}
}

func sha256File(t *testing.T, path string) [32]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}
