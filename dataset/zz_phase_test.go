package dataset

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestZZPhases(t *testing.T) {
	path := os.Getenv("TRIAGE_TEXT_FILE")
	if path == "" {
		t.Skip()
	}
	for range 3 {
		c0, w0 := cpuNow(), time.Now()
		src, err := OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c1, w1 := cpuNow(), time.Now()
		b, err := src.Read(context.Background(), ReadOptions{Columns: []string{"label", "pred"}})
		if err != nil {
			t.Fatal(err)
		}
		releaseAll(b)
		c2, w2 := cpuNow(), time.Now()
		b, err = src.Read(context.Background(), ReadOptions{Columns: []string{"label", "pred", "score"}})
		if err != nil {
			t.Fatal(err)
		}
		releaseAll(b)
		c3, w3 := cpuNow(), time.Now()
		fmt.Printf("open cpu %v wall %v | read2 cpu %v wall %v | read3 cpu %v wall %v\n", c1-c0, w1.Sub(w0), c2-c1, w2.Sub(w1), c3-c2, w3.Sub(w2))
	}
}

func BenchmarkZZOpen(b *testing.B) {
	path := os.Getenv("TRIAGE_TEXT_FILE")
	for b.Loop() {
		src, err := OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		src.Close()
	}
}
