package dataset

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
)

// TestFetchRows reads random rows of every part page by page and checks
// them against the part read whole: data pages v1 and v2, three codecs,
// many pages per row group, required and optional columns without nulls.
// A column with nulls is fetchable by its metadata, but a page that has
// one gives ErrNotFetchable; strings are not fetchable.
func TestFetchRows(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	const n = 20_000
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "score", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "k", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "holes", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		b.Field(0).(*array.Int64Builder).Append(int64(i) * 7)
		b.Field(1).(*array.Float32Builder).Append(r.Float32())
		b.Field(2).(*array.Float64Builder).Append(r.NormFloat64())
		b.Field(3).(*array.Int32Builder).Append(r.Int32N(1000) - 500)
		if i%1000 == 999 {
			b.Field(4).(*array.Int64Builder).AppendNull()
		} else {
			b.Field(4).(*array.Int64Builder).Append(int64(i))
		}
		b.Field(5).(*array.StringBuilder).Append(fmt.Sprint("s", i))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	ctx := context.Background()
	for _, v2 := range []bool{false, true} {
		for _, codec := range []compress.Compression{compress.Codecs.Zstd, compress.Codecs.Snappy, compress.Codecs.Uncompressed} {
			name := fmt.Sprintf("v2=%v,%s", v2, codec)
			version := parquet.DataPageV1
			if v2 {
				version = parquet.DataPageV2
			}
			path := filepath.Join(t.TempDir(), "f.parquet")
			writeRecord(t, path, rec, parquet.NewWriterProperties(
				parquet.WithCompression(codec), parquet.WithDictionaryDefault(false),
				parquet.WithDataPageSize(4096), parquet.WithMaxRowGroupLength(7_000),
				parquet.WithDataPageVersion(version), parquet.WithStats(true)))
			ds, err := Open(Options{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			nums := []string{"id", "score", "x", "k"}
			if !ds.Fetchable(nums) || ds.Fetchable([]string{"name"}) || ds.Fetchable([]string{"id", "name"}) {
				t.Fatalf("%s: Fetchable(numbers) = %v, Fetchable(name) = %v", name, ds.Fetchable(nums), ds.Fetchable([]string{"name"}))
			}
			for k, rows := range append(ds.Parts(), ds.Parts()...) {
				// Each part twice: rows from every page, then three rows
				// (most pages passed over).
				p := k % len(ds.Parts())
				want := []int64{0, rows / 2, rows - 1}
				if k < len(ds.Parts()) {
					want = nil
					for i := range rows {
						if r.IntN(50) == 0 || i == 0 || i == rows-1 {
							want = append(want, i)
						}
					}
				}
				got, err := ds.FetchRows(ctx, p, want, nums, mem)
				if err != nil {
					t.Fatalf("%s: FetchRows(part %d): %v", name, p, err)
				}
				whole, err := ds.ReadPart(ctx, p, nums, mem)
				if err != nil {
					t.Fatal(err)
				}
				for c := range nums {
					chunked := whole.Column(c)
					col, err := array.Concatenate(chunked.Chunks(), mem)
					chunked.Release()
					if err != nil {
						t.Fatal(err)
					}
					for j, row := range want {
						w := array.NewSlice(col, row, row+1)
						g := array.NewSlice(got[c], int64(j), int64(j+1))
						if !array.Equal(w, g) {
							t.Errorf("%s: part %d row %d of %s = %v, want %v", name, p, row, nums[c], g, w)
						}
						w.Release()
						g.Release()
					}
					col.Release()
					got[c].Release()
				}
				whole.Release()
				// A page with a null cannot be fetched: the part is read instead.
				holes, err := ds.FetchRows(ctx, p, []int64{rows - 1}, []string{"holes"}, mem)
				if !errors.Is(err, ErrNotFetchable) {
					t.Errorf("%s: FetchRows of a page with a null = %v, %v; want ErrNotFetchable", name, holes, err)
				}
				// Rows past the part are an error, not a panic.
				if _, err := ds.FetchRows(ctx, p, []int64{rows}, []string{"id"}, mem); err == nil {
					t.Errorf("%s: FetchRows past part %d's %d rows: no error", name, p, rows)
				}
			}
			if !slices.Equal(ds.Parts(), []int64{7000, 7000, 6000}) {
				t.Errorf("parts %v", ds.Parts())
			}
			ds.Close()
		}
	}
}
