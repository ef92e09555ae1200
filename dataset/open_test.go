package dataset

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/google/go-cmp/cmp"
)

const (
	demoData  = "../testdata/demo/digits.parquet"
	demoPreds = "../testdata/demo/digits-preds.parquet"
)

// writeParquet writes a table given as JSON rows to dir/name.
func writeParquet(t *testing.T, dir, name string, schema *arrow.Schema, rows string) string {
	t.Helper()
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, schema, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	path := filepath.Join(dir, name)
	writeRecord(t, path, rec, nil)
	return path
}

// writeRecord writes rec to a Parquet file at path with the writer
// properties props (nil: arrow-go's defaults).
func writeRecord(t *testing.T, path string, rec arrow.RecordBatch, props *parquet.WriterProperties) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var (
	intKeyed = arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	intPreds = arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "pred", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	stringPreds = arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String},
		{Name: "pred", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
)

func load(t *testing.T, opts Options, mem memory.Allocator) (*Dataset, *Table, error) {
	ds, tbl, _, err := loadInfo(t, opts, mem)
	return ds, tbl, err
}

func loadInfo(t *testing.T, opts Options, mem memory.Allocator) (*Dataset, *Table, LoadInfo, error) {
	t.Helper()
	ds, err := Open(opts)
	if err != nil {
		return nil, nil, LoadInfo{}, err
	}
	tbl, info, err := ds.Load(context.Background(), LoadOptions{Mem: mem})
	if err != nil {
		ds.Close()
		return nil, nil, info, err
	}
	return ds, tbl, info, nil
}

func TestDemoJoin(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ds, tbl, info, err := loadInfo(t, Options{Path: demoData, Preds: []PredSpec{{Name: "p", Path: demoPreds}}}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	defer tbl.Release()

	if tbl.NumRows() != 1500 {
		t.Errorf("rows = %d, want 1500", tbl.NumRows())
	}
	want := []JoinStats{{Name: "p", Path: demoPreds, Rows: 1500, Matched: 1500}}
	if diff := cmp.Diff(want, info.Joins); diff != "" {
		t.Errorf("joins (-want +got):\n%s", diff)
	}
	if ds.ClassesSource != ClassesFromHuggingFace || strings.Join(ds.Classes, ",") != "0,1,2,3,4,5,6,7,8,9" {
		t.Errorf("classes = %v from %q, want 0..9 from %q", ds.Classes, ds.ClassesSource, ClassesFromHuggingFace)
	}
	wantRoles := Roles{RoleID: "id", RoleImage: "image", RoleLabel: "label", RoleSplit: "split", RoleEmbedding: "embedding", RolePred: "pred", RoleScore: "score", RoleProbs: "probs"}
	if diff := cmp.Diff(wantRoles, ds.Roles); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	// The predictions file is shuffled: after the join, each row's pred
	// must be the argmax of its own probs (the demo's README says so).
	probs := tbl.ColumnByName("probs")
	defer probs.Release()
	pred := tbl.ColumnByName("pred")
	defer pred.Release()
	ids := tbl.ColumnByName("id")
	defer ids.Release()
	row := 0
	for c, chunk := range probs.Chunks() {
		list := chunk.(*array.List)
		vals := list.ListValues().(*array.Float64)
		pc := pred.Chunk(c).(*array.Int64)
		for i := 0; i < list.Len(); i++ {
			start, end := list.ValueOffsets(i)
			best := start
			for j := start; j < end; j++ {
				if vals.Value(int(j)) > vals.Value(int(best)) {
					best = j
				}
			}
			if int64(best-start) != pc.Value(i) {
				t.Fatalf("row %d (id %v): pred %d is not the argmax %d of its probs", row, ids.Chunk(c).ValueStr(i), pc.Value(i), best-start)
			}
			row++
		}
	}
}

func TestJoinCounts(t *testing.T) {
	dir := t.TempDir()
	data := writeParquet(t, dir, "data.parquet", intKeyed, `[{"id":1,"label":"cat"},{"id":2,"label":"dog"},{"id":3,"label":"cat"}]`)
	preds := writeParquet(t, dir, "preds.parquet", intPreds, `[{"id":3,"pred":"dog","score":0.9},{"id":1,"pred":"cat","score":0.8},{"id":7,"pred":"cat","score":0.5}]`)
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ds, tbl, info, err := loadInfo(t, Options{Path: data, Preds: []PredSpec{ParsePredSpec(preds)}}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	defer tbl.Release()
	st := info.Joins[0]
	if st.Matched != 2 || st.SamplesWithoutPrediction != 1 || st.PredictionsWithoutSample != 1 || st.Name != "preds" {
		t.Errorf("join stats = %+v, want 2 matched, 1 sample without, 1 prediction without, name preds", st)
	}
	pred := tbl.ColumnByName("pred")
	defer pred.Release()
	var got []string
	for i := 0; i < pred.Chunk(0).Len(); i++ {
		got = append(got, pred.Chunk(0).ValueStr(i))
	}
	if diff := cmp.Diff([]string{"cat", "(null)", "dog"}, got); diff != "" {
		t.Errorf("joined pred (-want +got):\n%s", diff)
	}
	if len(ds.Warnings) != 1 { // sorted distinct classes
		t.Errorf("open warnings = %q, want 1", ds.Warnings)
	}
	if len(info.Warnings) != 2 { // 1 without prediction, 1 without sample
		t.Errorf("load warnings = %q, want 2", info.Warnings)
	}
	// Loading again reports the same, and leaves the dataset as it was.
	tbl2, info2, err := ds.Load(context.Background(), LoadOptions{Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	tbl2.Release()
	if diff := cmp.Diff(info, info2); diff != "" || len(ds.Warnings) != 1 {
		t.Errorf("second load differs (-first +second):\n%s\nopen warnings %q", diff, ds.Warnings)
	}
}

func TestSeveralPredictionSets(t *testing.T) {
	dir := t.TempDir()
	data := writeParquet(t, dir, "data.parquet", intKeyed, `[{"id":1,"label":"cat"},{"id":2,"label":"dog"}]`)
	a := writeParquet(t, dir, "a.parquet", intPreds, `[{"id":2,"pred":"dog","score":0.9},{"id":1,"pred":"dog","score":0.6}]`)
	b := writeParquet(t, dir, "b.parquet", intPreds, `[{"id":1,"pred":"cat","score":0.7},{"id":2,"pred":"cat","score":0.5}]`)
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ds, tbl, err := load(t, Options{Path: data, Preds: []PredSpec{{"resnet", a}, {"vit", b}}}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	defer tbl.Release()
	var names []string
	for _, f := range tbl.Schema().Fields() {
		names = append(names, f.Name)
	}
	want := []string{"id", "label", "resnet.pred", "resnet.score", "vit.pred", "vit.score"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	wantSets := []PredictionSet{
		{Name: "resnet", Roles: Roles{RolePred: "resnet.pred", RoleScore: "resnet.score"}},
		{Name: "vit", Roles: Roles{RolePred: "vit.pred", RoleScore: "vit.score"}},
	}
	if diff := cmp.Diff(wantSets, ds.PredictionSets()); diff != "" {
		t.Errorf("prediction sets (-want +got):\n%s", diff)
	}
	if ds.Roles[RolePred] != "resnet.pred" {
		t.Errorf("bare pred role = %q, want the first set's resnet.pred", ds.Roles[RolePred])
	}
}

func TestPositionalJoin(t *testing.T) {
	dir := t.TempDir()
	noKey := arrow.NewSchema([]arrow.Field{{Name: "label", Type: arrow.BinaryTypes.String}}, nil)
	noKeyPreds := arrow.NewSchema([]arrow.Field{{Name: "pred", Type: arrow.BinaryTypes.String}}, nil)
	data := writeParquet(t, dir, "data.parquet", noKey, `[{"label":"a"},{"label":"b"}]`)
	preds := writeParquet(t, dir, "preds.parquet", noKeyPreds, `[{"pred":"a"},{"pred":"a"}]`)
	ds, tbl, info, err := loadInfo(t, Options{Path: data, Preds: []PredSpec{ParsePredSpec(preds)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	defer tbl.Release()
	if !info.Joins[0].Positional || !strings.Contains(strings.Join(info.Warnings, "\n"), "by position") {
		t.Errorf("positional join not reported: %+v %q", info.Joins, info.Warnings)
	}
	short := writeParquet(t, dir, "short.parquet", noKeyPreds, `[{"pred":"a"}]`)
	_, _, err = load(t, Options{Path: data, Preds: []PredSpec{ParsePredSpec(short)}}, nil)
	wantErr(t, err, short, "row counts differ")
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	data := writeParquet(t, dir, "data.parquet", intKeyed, `[{"id":1,"label":"cat"},{"id":2,"label":"dog"}]`)
	dupPreds := writeParquet(t, dir, "dup.parquet", intPreds, `[{"id":1,"pred":"cat"},{"id":2,"pred":"dog"},{"id":1,"pred":"dog"}]`)
	dupData := writeParquet(t, dir, "dupdata.parquet", intKeyed, `[{"id":5,"label":"cat"},{"id":5,"label":"dog"}]`)
	strPreds := writeParquet(t, dir, "str.parquet", stringPreds, `[{"id":"1","pred":"cat"}]`)
	noKeyPreds := writeParquet(t, dir, "nokey.parquet", arrow.NewSchema([]arrow.Field{{Name: "pred", Type: arrow.BinaryTypes.String}}, nil), `[{"pred":"cat"}]`)
	okPreds := writeParquet(t, dir, "ok.parquet", intPreds, `[{"id":1,"pred":"cat"}]`)

	empty := writeFile(t, dir, "empty.parquet", "")
	whole, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	truncated := writeFile(t, dir, "truncated.parquet", string(whole[:len(whole)/2]))
	ragged := writeFile(t, dir, "ragged.csv", "id,label\n1,cat\n2,dog,extra\n3,cat\n")
	badJSON := writeFile(t, dir, "bad.jsonl", "{\"id\":1}\n{\"id\":2,\n")
	mixedJSON := writeFile(t, dir, "mixed.jsonl", "{\"id\":1,\"x\":\"a\"}\n{\"id\":2,\"x\":3}\n")
	emptyDir := t.TempDir()
	writeFile(t, emptyDir, "notes.txt", "not data")
	shards := t.TempDir()
	writeParquet(t, shards, "part-0.parquet", intKeyed, `[{"id":1,"label":"cat"}]`)
	writeParquet(t, shards, "part-1.parquet", intPreds, `[{"id":2,"pred":"cat","score":1}]`)

	tests := []struct {
		name  string
		opts  Options
		parts []string
	}{
		{"missing file", Options{Path: filepath.Join(dir, "nope.parquet")}, []string{"nope.parquet", "no such file"}},
		{"directory without data", Options{Path: emptyDir}, []string{emptyDir, "no data files"}},
		{"glob matching nothing", Options{Path: filepath.Join(dir, "*.arrow")}, []string{"no data files match"}},
		{"mixed schemas across shards", Options{Path: shards}, []string{"part-1.parquet", "shards differ"}},
		{"empty file", Options{Path: empty}, []string{empty, "empty file"}},
		{"truncated file", Options{Path: truncated}, []string{truncated}},
		{"ragged csv row", Options{Path: ragged}, []string{ragged, "line 3", "wrong number of fields"}},
		{"bad json line", Options{Path: badJSON}, []string{badJSON, "line 2"}},
		{"json value types mixed", Options{Path: mixedJSON}, []string{mixedJSON, "line 2", `"x"`}},
		{"duplicate prediction keys", Options{Path: data, Preds: []PredSpec{{"p", dupPreds}}}, []string{dupPreds, "duplicate key 1"}},
		{"duplicate dataset keys", Options{Path: dupData, Preds: []PredSpec{{"p", okPreds}}}, []string{"duplicate key 5"}},
		{"key types differ", Options{Path: data, Preds: []PredSpec{{"p", strPreds}}}, []string{strPreds, "is string", "integer", "cannot match"}},
		{"key missing from predictions", Options{Path: data, Preds: []PredSpec{{"p", noKeyPreds}}}, []string{noKeyPreds, `no key column "id"`}},
		{"key missing from dataset", Options{Path: data, Key: "image_id", Preds: []PredSpec{{"p", okPreds}}}, []string{data, `no key column "image_id"`}},
		{"role override missing", Options{Path: data, Roles: map[Role]string{RoleLabel: "target"}}, []string{`no column "target"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, tbl, err := load(t, tt.opts, nil)
			if err == nil {
				tbl.Release()
				ds.Close()
			}
			wantErr(t, err, tt.parts...)
		})
	}
}

func TestTextFormats(t *testing.T) {
	dir := t.TempDir()
	csvPath := writeFile(t, dir, "data.csv", "id,label,score,ok,note\n1,cat,0.5,true,\n2,dog,1,false,x\n3,cat,NA,true,y\n")
	jsonPath := writeFile(t, dir, "data.jsonl", `{"id":1,"label":"cat","boxes":[{"bbox":[1,2,3,4]}],"score":1}`+"\n\n"+`{"id":2,"label":null,"boxes":[],"score":0.5}`+"\n")
	tests := []struct {
		path string
		want string // schema fields
		rows int64
	}{
		{csvPath, "id:int64 label:utf8 score:float64 ok:bool note:utf8", 3},
		{jsonPath, "id:int64 label:utf8 boxes:list<item: struct<bbox: list<item: int64, nullable> nullable>, nullable> score:float64", 2},
	}
	for _, tt := range tests {
		t.Run(filepath.Ext(tt.path), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			src, err := OpenFile(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			var got []string
			for _, f := range src.Schema().Fields() {
				got = append(got, f.Name+":"+f.Type.String())
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("schema = %s\nwant       %s", strings.Join(got, " "), tt.want)
			}
			batches, err := src.Read(context.Background(), ReadOptions{Columns: []string{"label", "id"}, Mem: mem})
			if err != nil {
				t.Fatal(err)
			}
			defer releaseAll(batches)
			var rows int64
			for _, b := range batches {
				rows += b.NumRows()
				if b.NumCols() != 2 || b.Schema().Field(0).Name != "label" {
					t.Errorf("projected batch schema = %v, want label, id", b.Schema())
				}
			}
			if rows != tt.rows {
				t.Errorf("rows = %d, want %d", rows, tt.rows)
			}
		})
	}
}

func TestHuggingFaceClassNames(t *testing.T) {
	tests := []struct {
		name, meta, label string
		want              []string
	}{
		{"info", `{"info":{"features":{"label":{"names":["a","b"],"_type":"ClassLabel"}}}}`, "label", []string{"a", "b"}},
		{"dataset_info", `{"dataset_info":{"features":{"label":{"names":["x"],"_type":"ClassLabel"}}}}`, "label", []string{"x"}},
		{"sequence of class labels", `{"info":{"features":{"labels":{"feature":{"names":["p","q"],"_type":"ClassLabel"},"_type":"Sequence"}}}}`, "labels", []string{"p", "q"}},
		{"list of class labels", `{"info":{"features":{"labels":{"feature":{"names":["p"],"_type":"ClassLabel"},"_type":"List"}}}}`, "labels", []string{"p"}},
		{"detection objects", `{"info":{"features":{"objects":{"feature":{"bbox":{"feature":{"dtype":"float32","_type":"Value"},"_type":"Sequence"},"category":{"names":["car","bus"],"_type":"ClassLabel"}},"_type":"Sequence"}}}}`, "", []string{"car", "bus"}},
		{"no class label", `{"info":{"features":{"label":{"dtype":"int64","_type":"Value"}}}}`, "label", nil},
	}
	for _, tt := range tests {
		got, err := huggingFaceClassNames(tt.meta, tt.label)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestSniff(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content string
		want          Format
	}{
		{"x.bin", "PAR1....", FormatParquet},
		{"x.dat", "ARROW1\x00\x00", FormatArrowFile},
		{"x.dat", "\xff\xff\xff\xff\x10\x00\x00\x00", FormatArrowStream},
		{"x.parquet.csv", "a,b\n1,2\n", FormatCSV},
		{"x.jsonl", "{\"a\":1}\n", FormatJSONL},
	}
	for _, tt := range tests {
		p := writeFile(t, dir, tt.name, tt.content)
		got, err := Sniff(p)
		if err != nil || got != tt.want {
			t.Errorf("Sniff(%q) = %v, %v; want %v", tt.content, got, err, tt.want)
		}
	}
	if _, err := Sniff(writeFile(t, dir, "x.txt", "hello")); err == nil {
		t.Error("Sniff of a text file: no error")
	}
}
