package dataset

import (
	"context"
	"math"
	"path/filepath"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// TestDictFastPath reads string columns through the fast dictionary path
// and through pqarrow, and checks the two agree value for value, on the
// generated table and on every string column of the demo and corpus files
// the fast path accepts.
func TestDictFastPath(t *testing.T) {
	bench := filepath.Join(t.TempDir(), "t.parquet")
	writeBenchTable(t, bench, 200_000)
	files := []string{bench, demoData, "../testdata/corpus/parquet/alltypes_plain.parquet",
		"../testdata/corpus/parquet/datapage_v2.snappy.parquet", "../testdata/corpus/parquet/dict-page-offset-zero.parquet",
		"../testdata/corpus/parquet/nulls.snappy.parquet", "../testdata/corpus/parquet/binary.parquet"}
	fastChunks := 0
	for _, path := range files {
		src, err := OpenFile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		s := src.(*parquetSource)
		pf, md := s.pf, s.pf.MetaData()
		for field, f := range s.fields {
			if !f.IsLeaf() || f.Field.Type.ID() != arrow.STRING {
				continue // the fast path serves top-level string columns
			}
			c := f.ColIndex
			for rg := 0; rg < md.NumRowGroups(); rg++ {
				mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
				fast, err := s.readFast(rg, field, true, mem)
				if err != nil {
					mem.AssertSize(t, 0)
					continue // errSlowPath: not a clean dictionary chunk
				}
				fastChunks++
				props := pqarrow.ArrowReadProperties{BatchSize: 1 << 30}
				props.SetReadDict(c, true)
				slow, err := pqarrow.NewFileReader(pf, props, memory.DefaultAllocator)
				if err != nil {
					t.Fatal(err)
				}
				col, err := slow.RowGroup(rg).Column(field).Read(context.Background())
				if err != nil {
					t.Fatalf("%s column %d: pqarrow: %v", path, c, err)
				}
				want, err := array.Concatenate(col.Chunks(), memory.DefaultAllocator)
				col.Release()
				if err != nil {
					t.Fatal(err)
				}
				if !arrow.TypeEqual(fast.DataType(), want.DataType()) {
					t.Errorf("%s column %d: type %s, pqarrow %s", path, c, fast.DataType(), want.DataType())
				} else if !sameStrings(fast.(*array.Dictionary), want) {
					t.Errorf("%s column %d row group %d: values differ from pqarrow's", path, c, rg)
				}
				fast.Release()
				want.Release()
				mem.AssertSize(t, 0)
			}
		}
		pf.Close()
	}
	t.Logf("%d chunks took the fast path", fastChunks)
	if fastChunks < 4 {
		t.Errorf("fast path took only %d chunks; the test compares nothing", fastChunks)
	}
}

func sameStrings(a *array.Dictionary, b arrow.Array) bool {
	if a.Len() != b.Len() {
		return false
	}
	value := func(arr arrow.Array, i int) (string, bool) {
		if arr.IsNull(i) {
			return "", false
		}
		if d, ok := arr.(*array.Dictionary); ok {
			return d.Dictionary().(*array.String).Value(d.GetValueIndex(i)), true
		}
		return arr.(*array.String).Value(i), true
	}
	for i := 0; i < a.Len(); i++ {
		x, okx := value(a, i)
		y, oky := value(b, i)
		if x != y || okx != oky {
			return false
		}
	}
	return true
}

// TestPlainFastPath compares the fast path for plain numeric chunks with
// pqarrow, value for value, on every top-level numeric column of the
// generated table, the demo and corpus files it accepts.
func TestPlainFastPath(t *testing.T) {
	bench := filepath.Join(t.TempDir(), "t.parquet")
	writeBenchTable(t, bench, 200_000)
	files := []string{bench, demoData, demoPreds, "../testdata/corpus/parquet/alltypes_plain.parquet",
		"../testdata/corpus/parquet/alltypes_plain.snappy.parquet", "../testdata/corpus/parquet/datapage_v2.snappy.parquet",
		"../testdata/corpus/parquet/int32_decimal.parquet", "../testdata/corpus/parquet/nulls.snappy.parquet",
		"../testdata/corpus/parquet/byte_stream_split.zstd.parquet", "../testdata/corpus/parquet/single_nan.parquet"}
	fast := 0
	for _, path := range files {
		src, err := OpenFile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		s := src.(*parquetSource)
		for c, f := range s.fields {
			if isInt96(s.pf, f) {
				continue // read as microseconds, not pqarrow's nanoseconds: TestInt96
			}
			for rg := 0; rg < s.pf.NumRowGroups(); rg++ {
				mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
				got, err := s.readFast(rg, c, s.readAsDictionary(f), mem)
				if path == bench && f.Field != nil && plainPhysical[f.Field.Type.ID()].width > 0 && err != nil {
					// The writer encodes numbers with a dictionary.
					t.Errorf("%s column %s row group %d: %v, want the fast path", path, f.Field.Name, rg, err)
				}
				if err != nil || got.DataType().ID() == arrow.DICTIONARY {
					if got != nil {
						got.Release()
					}
					mem.AssertSize(t, 0)
					continue
				}
				fast++
				fr, err := pqarrow.NewFileReader(s.pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 30}, memory.DefaultAllocator)
				if err != nil {
					t.Fatal(err)
				}
				col, err := fr.RowGroup(rg).Column(c).Read(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				want, _ := array.Concatenate(col.Chunks(), memory.DefaultAllocator)
				col.Release()
				if !array.ApproxEqual(got, want, array.WithNaNsEqual(true)) || !arrow.TypeEqual(got.DataType(), want.DataType()) {
					t.Errorf("%s column %s row group %d: fast path %v differs from pqarrow %v", path, f.Field.Name, rg, got.DataType(), want.DataType())
				}
				got.Release()
				want.Release()
				mem.AssertSize(t, 0)
			}
		}
		src.Close()
	}
	t.Logf("%d chunks took the plain fast path", fast)
	if fast < 5 {
		t.Errorf("plain fast path took only %d chunks; the test compares nothing", fast)
	}
}

// TestReusedBuffers scans a file several times with the default allocator,
// where the fast paths reuse value buffers between row groups, and checks
// every pass sees the same values as a read through a checked allocator,
// where they do not.
func TestReusedBuffers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.parquet")
	writeBenchTable(t, path, 400_000) // 4 row groups
	ds, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	digest := func(mem memory.Allocator) (float64, int64) {
		var mu sync.Mutex
		var sum float64
		var labels int64
		err := readEachPart(ds, []string{"score", "label"}, mem, func(b arrow.RecordBatch) error {
			var s float64
			var l int64
			for _, v := range b.Column(0).(*array.Float32).Float32Values() {
				s += float64(v)
			}
			d := b.Column(1).(*array.Dictionary)
			for i := 0; i < d.Len(); i++ {
				l += int64(len(d.Dictionary().(*array.String).Value(d.GetValueIndex(i)))) * int64(d.GetValueIndex(i)+1)
			}
			mu.Lock()
			sum += s
			labels += l
			mu.Unlock()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return sum, labels
	}
	checked := memory.NewCheckedAllocator(memory.DefaultAllocator)
	wantSum, wantLabels := digest(checked)
	checked.AssertSize(t, 0)
	for pass := 0; pass < 3; pass++ {
		sum, labels := digest(nil)
		if math.Abs(sum-wantSum) > 1e-6*math.Abs(wantSum) || labels != wantLabels {
			t.Errorf("pass %d: digest %v %v, want %v %v", pass, sum, labels, wantSum, wantLabels)
		}
	}
}

// TestPlainDictFastPath: numbers a writer encoded with a dictionary, and
// with a dictionary that overflowed into PLAIN pages part way through a
// chunk, read through the fast path equal pqarrow's values.
func TestPlainDictFastPath(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	const n = 50_000
	for i := range n {
		v := i % 37
		if i > n/2 {
			v = i // many distinct values: the dictionary overflows
		}
		b.Field(0).(*array.Int32Builder).Append(int32(v))
		b.Field(1).(*array.Int64Builder).Append(int64(v) << 33)
		b.Field(2).(*array.Float32Builder).Append(float32(v) / 7)
		b.Field(3).(*array.Float64Builder).Append(float64(v) / 7)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "dictnums.parquet")
	writeRecord(t, path, rec, parquet.NewWriterProperties(parquet.WithDictionaryDefault(true), parquet.WithDictionaryPageSizeLimit(4096), parquet.WithDataPageSize(2048)))
	src, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	s := src.(*parquetSource)
	for c, fd := range s.fields {
		encodings := map[string]bool{}
		pr, err := s.pf.RowGroup(0).GetColumnPageReader(fd.ColIndex)
		if err != nil {
			t.Fatal(err)
		}
		for pr.Next() {
			if _, ok := pr.Page().(*file.DictionaryPage); !ok {
				encodings[pr.Page().Encoding().String()] = true
			}
		}
		if !encodings["RLE_DICTIONARY"] || !encodings["PLAIN"] {
			t.Fatalf("column %s: page encodings %v, want dictionary and PLAIN pages", fd.Field.Name, encodings)
		}
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		got, err := s.readFast(0, c, false, mem)
		if err != nil {
			t.Fatalf("column %s: %v, want the fast path", fd.Field.Name, err)
		}
		if !array.Equal(got, rec.Column(c)) {
			t.Errorf("column %s: fast path values differ from those written", fd.Field.Name)
		}
		got.Release()
		mem.AssertSize(t, 0)
	}
}
