package dataset

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkTextCount is the work of `triage query FILE 'label != pred and
// score > 0.9' --count` on a CSV or JSON Lines file: open (the inferring
// scan), then a read of label and pred, then a streaming read of label,
// pred and score. TRIAGE_TEXT_FILE names the file (see
// docs/sidebyside-text.sh for the bench's); without it the benchmark skips.
func BenchmarkTextCount(b *testing.B) {
	path := os.Getenv("TRIAGE_TEXT_FILE")
	if path == "" {
		b.Skip("TRIAGE_TEXT_FILE not set")
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	for b.Loop() {
		src, err := OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		batches, err := src.Read(context.Background(), ReadOptions{Columns: []string{"label", "pred"}})
		if err != nil {
			b.Fatal(err)
		}
		releaseAll(batches)
		var rows int64
		_, err = src.Read(context.Background(), ReadOptions{Columns: []string{"label", "pred", "score"}, OnBatch: func(b arrow.RecordBatch) error {
			rows += b.NumRows()
			return nil
		}})
		if err != nil {
			b.Fatal(err)
		}
		src.Close()
	}
}

// BenchmarkTextFirstBatch is the time to the first rows of a CSV or JSON
// Lines file (TRIAGE_TEXT_FILE): Open, then a read of every column that
// stops after the first batch, as a viewer drawing its first window would.
func BenchmarkTextFirstBatch(b *testing.B) {
	path := os.Getenv("TRIAGE_TEXT_FILE")
	if path == "" {
		b.Skip("TRIAGE_TEXT_FILE not set")
	}
	enough := errors.New("enough")
	for b.Loop() {
		src, err := OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		rows := int64(0)
		_, err = src.Read(context.Background(), ReadOptions{OnBatch: func(b arrow.RecordBatch) error {
			rows = b.NumRows()
			return enough
		}})
		if err != enough || rows == 0 {
			b.Fatalf("first batch: %d rows, error %v", rows, err)
		}
		src.Close()
	}
}

// BenchmarkTextPeek is the time to the first rows of TRIAGE_TEXT_FILE
// without waiting for Open's scan: PeekText's first chunk.
func BenchmarkTextPeek(b *testing.B) {
	path := os.Getenv("TRIAGE_TEXT_FILE")
	if path == "" {
		b.Skip("TRIAGE_TEXT_FILE not set")
	}
	for b.Loop() {
		rec, _, err := PeekText(path, memory.DefaultAllocator)
		if err != nil {
			b.Fatal(err)
		}
		rec.Release()
	}
}
