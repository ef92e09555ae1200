package dataset

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// manifestRow is one line of testdata/corpus/MANIFEST.tsv: a real file from
// apache/parquet-testing or apache/arrow-testing and what opening it must do.
type manifestRow struct {
	path, kind, expect string
	rows, columns      int64
	flags              string
}

func readManifest(t *testing.T) []manifestRow {
	t.Helper()
	f, err := os.Open("../testdata/corpus/MANIFEST.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []manifestRow
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	sc.Scan() // header
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		r := manifestRow{path: c[0], kind: c[1], expect: c[2], flags: c[8]}
		if r.expect == "ok" {
			r.rows, _ = strconv.ParseInt(c[3], 10, 64)
			r.columns, _ = strconv.ParseInt(c[4], 10, 64)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) != 236 {
		t.Fatalf("manifest has %d rows, want 236", len(out))
	}
	return out
}

// openAndRead opens a file and reads every column, as the TUI does. It
// also checks that the row count a file declares (NumRows, when known
// before reading) and a read of no columns (what schema and a plain count
// use) agree with the rows read.
func openAndRead(path string, mem memory.Allocator) (rows, cols int64, err error) {
	src, err := OpenFile(path)
	if err != nil {
		return 0, 0, err
	}
	defer src.Close()
	declared := src.NumRows()
	batches, err := src.Read(context.Background(), ReadOptions{Mem: mem})
	if err != nil {
		return 0, 0, err
	}
	defer releaseAll(batches)
	for _, b := range batches {
		rows += b.NumRows()
	}
	if declared >= 0 && declared != rows {
		return rows, 0, fmt.Errorf("%s: declares %d rows, read %d", path, declared, rows)
	}
	none, err := src.Read(context.Background(), ReadOptions{Columns: []string{}, Mem: mem})
	if err != nil {
		return 0, 0, err
	}
	defer releaseAll(none)
	var counted int64
	for _, b := range none {
		counted += b.NumRows()
	}
	if counted != rows {
		return rows, 0, fmt.Errorf("%s: a read of no columns counts %d rows, of all columns %d", path, counted, rows)
	}
	return rows, int64(src.Schema().NumFields()), nil
}

func TestCorpus(t *testing.T) {
	for _, r := range readManifest(t) {
		t.Run(r.path, func(t *testing.T) {
			path := filepath.Join("../testdata/corpus", r.path)
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			start := time.Now()
			rows, cols, err := openAndRead(path, mem)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v, want under 10s", d)
			}
			lenient := strings.Contains(r.flags, "LENIENT")
			switch {
			case r.expect == "ok" && err == nil:
				// ARROWGO_GAP files included: triage works around
				// arrow-go for them (TestArrowGoGaps checks values).
				if rows != r.rows || cols != r.columns {
					t.Errorf("got %d rows x %d columns, want %d x %d", rows, cols, r.rows, r.columns)
				}
			case r.expect == "ok":
				t.Errorf("open failed: %v", err)
			case err != nil:
				checkNamesFile(t, err, path)
			case !lenient:
				t.Errorf("opened a malformed file (%d rows x %d columns), want an error", rows, cols)
			}
			if err == nil && !usesDeltaEncoding(path) {
				mem.AssertSize(t, 0)
			}
		})
	}
}

func checkNamesFile(t *testing.T, err error, path string) {
	t.Helper()
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
	if strings.Contains(err.Error(), "goroutine ") {
		t.Errorf("error carries a stack trace: %q", err)
	}
}

// usesDeltaEncoding reports whether a Parquet file has DELTA_BINARY_PACKED
// pages (delta byte arrays use them for lengths). arrow-go v18.8.0's delta
// decoder allocates its bit-width buffer from the reader's allocator and
// never frees it (parquet/internal/encoding/delta_bit_packing.go:82); the Go
// GC reclaims it, but a checked allocator sees it as a leak.
func usesDeltaEncoding(path string) (delta bool) {
	defer func() {
		if recover() != nil { // arrow-go panics on unknown-logical-type.parquet
			delta = false
		}
	}()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return false
	}
	defer pf.Close()
	md := pf.MetaData()
	for rg := 0; rg < md.NumRowGroups(); rg++ {
		for c := 0; c < md.Schema.NumColumns(); c++ {
			cc, err := md.RowGroup(rg).ColumnChunk(c)
			if err != nil {
				continue
			}
			for _, e := range cc.Encodings() {
				switch e {
				case parquet.Encodings.DeltaBinaryPacked, parquet.Encodings.DeltaByteArray, parquet.Encodings.DeltaLengthByteArray:
					return true
				}
			}
		}
	}
	return false
}
