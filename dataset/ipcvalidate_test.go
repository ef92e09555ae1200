package dataset

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestIPCCorruptBuffers changes one byte of a buffer the IPC metadata
// points at (a string column's offsets, a validity bitmap) in a file and
// a stream. The file still opens, but reading it fails with the file, the
// batch and the column, where it used to panic when values were printed.
func TestIPCCorruptBuffers(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	// Labels of 5 bytes give offsets 0, 5, 10, ...: a run of int32s that
	// is easy to find in the file.
	var rows []string
	for i := 0; i < 40; i++ {
		label := `"kitty"`
		if i == 7 {
			label = "null"
		}
		rows = append(rows, `{"id":`+strconv.Itoa(i)+`,"label":`+label+`}`)
	}
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, schema, strings.NewReader("["+strings.Join(rows, ",")+"]"))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	offsets := make([]byte, 4*4) // 0, 5, 10, 15
	for i := range 4 {
		binary.LittleEndian.PutUint32(offsets[4*i:], uint32(5*i))
	}
	dir := t.TempDir()
	for _, stream := range []bool{false, true} {
		orig := writeIPCBytes(t, rec, stream)
		at := bytes.Index(orig, offsets)
		if at < 0 {
			t.Fatal("offsets not found in the file")
		}
		tests := []struct {
			name string
			pos  int
			xor  byte
			want string
		}{
			// offset 2 (10) becomes 10+256: past the next one
			{"offset out of order", at + 8 + 1, 0x01, `batch 0: column "label": value offset 266 at row 2 is outside [5, 195]`},
			// offset 3 (15) becomes 15-8 = 7: below offset 2
			{"offset decreasing", at + 12, 0x08, `batch 0: column "label": value offset 7 at row 3 is outside [10, 195]`},
		}
		for _, tc := range tests {
			mut := bytes.Clone(orig)
			mut[tc.pos] ^= tc.xor
			name := "f.arrow"
			if stream {
				name = "f.arrows"
			}
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, mut, 0o644); err != nil {
				t.Fatal(err)
			}
			src, err := OpenFile(path)
			if err != nil {
				t.Errorf("%s %s: open: %v", name, tc.name, err)
				continue
			}
			batches, err := src.Read(context.Background(), ReadOptions{})
			src.Close()
			if err == nil {
				releaseAll(batches)
			}
			wantErr(t, err, path+": "+tc.want)
		}
	}
}

func writeIPCBytes(t *testing.T, rec arrow.RecordBatch, stream bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	if stream {
		w := ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()))
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	w, err := ipc.NewFileWriter(&buf, ipc.WithSchema(rec.Schema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestValidateData checks the validator on arrays built by hand: each
// corruption readers trip on is found, and valid arrays (sliced, nested,
// null, dictionary) pass.
func TestValidateData(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	fromJSON := func(dt arrow.DataType, js string) arrow.Array {
		a, _, err := array.FromJSON(mem, dt, strings.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	str := fromJSON(arrow.BinaryTypes.String, `["a", null, "ccc"]`)
	defer str.Release()
	list := fromJSON(arrow.ListOf(arrow.PrimitiveTypes.Int32), `[[1, 2], null, [3]]`)
	defer list.Release()
	st := fromJSON(arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true}), `[{"x": 1}, null]`)
	defer st.Release()
	dictVals := fromJSON(arrow.BinaryTypes.String, `["cat", "dog"]`)
	defer dictVals.Release()
	idx := fromJSON(arrow.PrimitiveTypes.Int8, `[0, 1, null, 1]`)
	defer idx.Release()
	dict := array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}, idx, dictVals)
	defer dict.Release()
	null := array.NewNull(3)
	defer null.Release()
	sliced := array.NewSlice(str, 1, 3)
	defer sliced.Release()

	for _, a := range []arrow.Array{str, list, st, dict, null, sliced} {
		if err := validateData(a.Data(), a.DataType(), 0); err != nil {
			t.Errorf("valid %s: %v", a.DataType(), err)
		}
	}

	// rebuild returns arr's data with buffer i replaced by b (or the null
	// count replaced when i < 0).
	rebuild := func(a arrow.Array, i int, b []byte, nulls int) arrow.ArrayData {
		d := a.Data()
		bufs := append([]*memory.Buffer(nil), d.Buffers()...)
		if i >= 0 {
			bufs[i] = nil // an absent buffer
			if b != nil {
				bufs[i] = memory.NewBufferBytes(b)
			}
		}
		if nulls == -2 {
			nulls = d.NullN()
		}
		if dd, ok := d.Dictionary().(*array.Data); ok && dd != nil {
			return array.NewDataWithDictionary(d.DataType(), d.Len(), bufs, nulls, d.Offset(), dd)
		}
		return array.NewData(d.DataType(), d.Len(), bufs, d.Children(), nulls, d.Offset())
	}
	le32 := func(vs ...int32) []byte {
		b := make([]byte, 4*len(vs))
		for i, v := range vs {
			binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
		}
		return b
	}
	bad := []struct {
		name string
		data arrow.ArrayData
		want string
	}{
		{"string offsets past the data", rebuild(str, 1, le32(0, 1, 1, 9), -2), "value offset 9 at row 3 is outside [1, 4]"},
		{"string offsets decreasing", rebuild(str, 1, le32(0, 3, 1, 4), -2), "value offset 1 at row 2 is outside [3, 4]"},
		{"string offsets too short", rebuild(str, 1, le32(0, 1), -2), "value offsets buffer of 8 bytes, need 16"},
		{"invalid UTF-8", rebuild(str, 2, []byte{'a', 0xff, 'c', 'c'}, -2), "string at row 2 is not valid UTF-8"},
		// "é" cut in two: the bytes together are valid UTF-8, the values not
		{"character cut between values", rebuild(str, 2, []byte{0xc3, 0xa9, 'c', 'c'}, -2), "string at row 0 is not valid UTF-8"},
		{"null count disagrees", rebuild(str, -1, nil, 0), "null count 0, but the validity bitmap has 1 nulls"},
		{"null count without a bitmap", rebuild(str, 0, nil, 1), "null count 1 but no validity bitmap"},
		{"list offsets past the values", rebuild(list, 1, le32(0, 2, 2, 7), -2), "list offset 7 at row 3 is outside [2, 3]"},
		{"dictionary index out of range", rebuild(dict, 1, []byte{0, 2, 0, 1}, -2), "dictionary index 2 at row 1 is outside the 2 values"},
		{"negative dictionary index", rebuild(dict, 1, []byte{0xff, 1, 0, 1}, -2), "dictionary index -1 at row 0 is outside the 2 values"},
	}
	for _, tc := range bad {
		err := validateData(tc.data, tc.data.DataType(), 0)
		tc.data.Release()
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	// A struct whose child is shorter than the struct.
	short := array.NewData(st.DataType(), 5, []*memory.Buffer{nil}, st.Data().Children(), 0, 0)
	defer short.Release()
	if err := validateData(short, short.DataType(), 0); err == nil || !strings.Contains(err.Error(), `field "x": 2 values for 5 rows`) {
		t.Errorf("short struct child: %v", err)
	}
}

// BenchmarkIPCValidate measures what checking every batch adds to reading
// an Arrow IPC file: 1M rows of the bench table (ids, three string
// columns, probs of 20 float32s, float metadata), read whole, and the
// checks alone over the same batches.
func BenchmarkIPCValidate(b *testing.B) {
	dir := b.TempDir()
	pq := filepath.Join(dir, "t.parquet")
	writeBenchTable(b, pq, 1_000_000)
	src, err := OpenFile(pq)
	if err != nil {
		b.Fatal(err)
	}
	batches, err := src.Read(context.Background(), ReadOptions{})
	src.Close()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "t.arrow")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	schema := benchSchema()
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(schema))
	if err != nil {
		b.Fatal(err)
	}
	var rows int64
	for _, batch := range batches {
		plain := decodeDictionaries(b, batch, schema)
		err := w.Write(plain)
		plain.Release()
		if err != nil {
			b.Fatal(err)
		}
		rows += batch.NumRows()
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	releaseAll(batches)

	ipcSrc, err := OpenFile(path)
	if err != nil {
		b.Fatal(err)
	}
	defer ipcSrc.Close()
	b.Run("read", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			bs, err := ipcSrc.Read(context.Background(), ReadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			releaseAll(bs)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int64(b.N)*rows), "ns/row")
	})
	bs, err := ipcSrc.Read(context.Background(), ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer releaseAll(bs)
	b.Run("checks", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for _, batch := range bs {
				if err := validateBatch(batch); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int64(b.N)*rows), "ns/row")
	})
}

// decodeDictionaries returns batch with its dictionary columns decoded
// (the Parquet reader's dictionaries differ between row groups, which an
// IPC file cannot hold), under schema.
func decodeDictionaries(tb testing.TB, batch arrow.RecordBatch, schema *arrow.Schema) arrow.RecordBatch {
	tb.Helper()
	cols := make([]arrow.Array, batch.NumCols())
	for i, c := range batch.Columns() {
		if d, ok := c.(*array.Dictionary); ok {
			bld := array.NewStringBuilder(memory.DefaultAllocator)
			vals := d.Dictionary().(*array.String)
			for j := 0; j < d.Len(); j++ {
				bld.Append(vals.Value(d.GetValueIndex(j)))
			}
			cols[i] = bld.NewArray()
			bld.Release()
			continue
		}
		c.Retain()
		cols[i] = c
	}
	out := array.NewRecordBatch(schema, cols, batch.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out
}
