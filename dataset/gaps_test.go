package dataset

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/google/go-cmp/cmp"
)

// TestArrowGoGaps reads the four corpus files flagged ARROWGO_GAP, which
// arrow-go v18.8.0 cannot read and DuckDB can, and compares their values
// with what DuckDB v1.5.6 prints for them (/tmp/bd/duckq; the query is in
// each case's comment, run in testdata/corpus/parquet).
func TestArrowGoGaps(t *testing.T) {
	tests := []struct {
		file  string
		read  func(*Table) []string // the values, as DuckDB prints them
		want  []string
		notes []string // what schema says about the file
	}{
		{
			// SELECT epoch_us(a) FROM 'int96_from_spark.parquet'
			// (the last value wraps in int64 as DuckDB computes it)
			file: "int96_from_spark.parquet",
			read: func(tbl *Table) []string {
				return columnStrings(t, tbl, "a", func(a arrow.Array, i int) string {
					return strconv.FormatInt(int64(a.(*array.Timestamp).Value(i)), 10)
				})
			},
			want: []string{"1704141296123456", "1704070800000000", "253402225200000000", "1735599600000000", "NULL", "-7207070780300583936"},
		},
		{
			// SELECT CAST("column with unknown type" AS VARCHAR) FROM 'unknown-logical-type.parquet'
			file: "unknown-logical-type.parquet",
			read: func(tbl *Table) []string {
				return columnStrings(t, tbl, "column with unknown type", func(a arrow.Array, i int) string {
					return string(a.(*array.Binary).Value(i))
				})
			},
			want:  []string{"unknown string 1", "unknown string 2", "unknown string 3"},
			notes: []string{`column "column with unknown type" has a logical type this reader does not know: read as its physical type, BYTE_ARRAY`},
		},
		{
			// SELECT value, value IS NULL FROM 'datapage_v2_empty_datapage.snappy.parquet'
			file: "datapage_v2_empty_datapage.snappy.parquet",
			read: func(tbl *Table) []string {
				return columnStrings(t, tbl, "value", func(a arrow.Array, i int) string { return a.ValueStr(i) })
			},
			want: []string{"NULL"},
		},
		{
			// SELECT map_keys(my_map), map_values(my_map) FROM 'incorrect_map_schema.parquet'
			file: "incorrect_map_schema.parquet",
			read: func(tbl *Table) []string {
				return columnStrings(t, tbl, "my_map", func(a arrow.Array, i int) string {
					m := a.(*array.Map)
					start, end := m.ValueOffsets(i)
					keys, items := m.Keys().(*array.String), m.Items().(*array.String)
					var ks, vs []string
					for j := start; j < end; j++ {
						ks = append(ks, `"`+keys.Value(int(j))+`"`)
						vs = append(vs, `"`+items.Value(int(j))+`"`)
					}
					return "[" + strings.Join(ks, ",") + "]\t[" + strings.Join(vs, ",") + "]"
				})
			},
			want: []string{`["parent","name"]` + "\t" + `["another","report"]`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			path := filepath.Join("../testdata/corpus/parquet", tt.file)
			ds, err := Open(Options{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			defer ds.Close()
			tbl, _, err := ds.Load(context.Background(), LoadOptions{Mem: mem})
			if err != nil {
				t.Fatal(err)
			}
			defer tbl.Release()
			if diff := cmp.Diff(tt.want, tt.read(tbl)); diff != "" {
				t.Errorf("values (-DuckDB +triage):\n%s", diff)
			}
			var notes []string
			for _, w := range ds.Warnings {
				notes = append(notes, strings.TrimPrefix(w, path+": "))
			}
			if diff := cmp.Diff(tt.notes, notes); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// columnStrings formats every value of a column, NULL for nulls.
func columnStrings(t *testing.T, tbl *Table, name string, format func(arrow.Array, int) string) []string {
	t.Helper()
	col := tbl.ColumnByName(name)
	if col == nil {
		t.Fatalf("no column %q in %s", name, tbl.Schema())
	}
	defer col.Release()
	var out []string
	for _, c := range col.Chunks() {
		for i := 0; i < c.Len(); i++ {
			if c.IsNull(i) {
				out = append(out, "NULL")
				continue
			}
			out = append(out, format(c, i))
		}
	}
	return out
}

// TestInt96 compares INT96 columns within the nanosecond range, read as
// microseconds, with pqarrow's nanoseconds.
func TestInt96(t *testing.T) {
	checked := 0
	for _, path := range []string{"../testdata/corpus/parquet/alltypes_plain.parquet", "../testdata/corpus/parquet/alltypes_dictionary.parquet", "../testdata/corpus/parquet/alltypes_plain.snappy.parquet"} {
		src, err := OpenFile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		s := src.(*parquetSource)
		for c, f := range s.fields {
			if !isInt96(s.pf, f) {
				continue
			}
			if got := s.schema.Field(c).Type; !arrow.TypeEqual(got, int96Type) {
				t.Errorf("%s: %s is %s, want %s", path, f.Field.Name, got, int96Type)
			}
			for rg := 0; rg < s.pf.NumRowGroups(); rg++ {
				mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
				got, err := s.readFast(rg, c, false, mem)
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				fr, err := pqarrow.NewFileReader(s.pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
				if err != nil {
					t.Fatal(err)
				}
				col, err := fr.RowGroup(rg).Column(c).Read(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				for _, chunk := range col.Chunks() {
					ns := chunk.(*array.Timestamp)
					us := got.(*array.Timestamp)
					for i := 0; i < ns.Len(); i++ {
						if ns.IsNull(i) != us.IsNull(i) || !ns.IsNull(i) && int64(ns.Value(i))/1000 != int64(us.Value(i)) {
							t.Errorf("%s row group %d row %d: %v µs, pqarrow %v ns", path, rg, i, us.Value(i), ns.Value(i))
						}
						checked++
					}
				}
				col.Release()
				got.Release()
				mem.AssertSize(t, 0)
			}
		}
		src.Close()
	}
	if checked == 0 {
		t.Error("no INT96 value compared")
	}
}
