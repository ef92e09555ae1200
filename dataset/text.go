package dataset

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	arrowcsv "github.com/apache/arrow-go/v18/arrow/csv"
)

// CSV and JSON Lines carry no schema, so opening one reads it through once
// to infer each column's type from every value (not only the first row) and
// to count rows; a ragged or malformed line fails here, with its number.

// csvNulls are the cell values read as null.
var csvNulls = []string{"", "NA", "N/A", "null", "NULL", "None"}

type csvSource struct {
	path   string
	comma  rune
	schema *arrow.Schema
	rows   int64
	size   int64
}

func openCSV(path string) (Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := &csvSource{path: path, comma: ','}
	if strings.EqualFold(filepath.Ext(path), ".tsv") {
		s.comma = '\t'
	}
	if st, err := f.Stat(); err == nil {
		s.size = st.Size()
	}
	r := csv.NewReader(bufio.NewReader(f))
	r.Comma = s.comma
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, csvError(path, err)
	}
	names := append([]string(nil), header...)
	if err := checkNames(path, names); err != nil {
		return nil, err
	}
	kinds := make([]cellKind, len(names))
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(path, err)
		}
		s.rows++
		for i, v := range rec {
			kinds[i] = kinds[i].widen(v)
		}
	}
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		fields[i] = arrow.Field{Name: n, Type: kinds[i].arrowType(), Nullable: true}
	}
	s.schema = arrow.NewSchema(fields, nil)
	return s, nil
}

func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return fmt.Errorf("%s: line %d: wrong number of fields (a ragged row)", path, pe.Line)
		}
		return fmt.Errorf("%s: line %d: %v", path, pe.Line, pe.Err)
	}
	if err == io.EOF {
		return fmt.Errorf("%s: empty file (no header line)", path)
	}
	return fmt.Errorf("%s: %w", path, err)
}

func checkNames(path string, names []string) error {
	seen := map[string]bool{}
	for i, n := range names {
		if n == "" {
			return fmt.Errorf("%s: column %d has no name", path, i+1)
		}
		if seen[n] {
			return fmt.Errorf("%s: duplicate column name %q", path, n)
		}
		seen[n] = true
	}
	return nil
}

// cellKind is the narrowest type that holds every value seen so far.
type cellKind int

const (
	kindNull cellKind = iota
	kindBool
	kindInt
	kindFloat
	kindString
)

func (k cellKind) widen(v string) cellKind {
	for _, n := range csvNulls {
		if v == n {
			return k
		}
	}
	var seen cellKind
	switch {
	case parsesInt(v):
		seen = kindInt
	case parsesFloat(v):
		seen = kindFloat
	case parsesBool(v):
		seen = kindBool
	default:
		seen = kindString
	}
	switch {
	case k == kindNull || k == seen:
		return seen
	case (k == kindInt && seen == kindFloat) || (k == kindFloat && seen == kindInt):
		return kindFloat
	}
	return kindString
}

func parsesInt(v string) bool   { _, err := strconv.ParseInt(v, 10, 64); return err == nil }
func parsesFloat(v string) bool { _, err := strconv.ParseFloat(v, 64); return err == nil }
func parsesBool(v string) bool {
	switch strings.ToLower(v) {
	case "true", "false":
		return true
	}
	return false
}

func (k cellKind) arrowType() arrow.DataType {
	switch k {
	case kindBool:
		return arrow.FixedWidthTypes.Boolean
	case kindInt:
		return arrow.PrimitiveTypes.Int64
	case kindFloat:
		return arrow.PrimitiveTypes.Float64
	}
	return arrow.BinaryTypes.String
}

func (s *csvSource) Path() string          { return s.path }
func (s *csvSource) Format() Format        { return FormatCSV }
func (s *csvSource) Schema() *arrow.Schema { return s.schema }
func (s *csvSource) NumRows() int64        { return s.rows }
func (s *csvSource) Close() error          { return nil }

func (s *csvSource) Read(ctx context.Context, opts ReadOptions) ([]arrow.RecordBatch, error) {
	cols, err := columnIndices(s.path, s.schema, opts.Columns)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return deliver(emptyBatches(s.rows), opts)
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	types := map[string]arrow.DataType{}
	var names []string
	for _, c := range cols {
		fld := s.schema.Field(c)
		types[fld.Name] = fld.Type
		names = append(names, fld.Name)
	}
	var batches []arrow.RecordBatch
	err = guard(s.path, func() error {
		r := arrowcsv.NewInferringReader(f,
			arrowcsv.WithHeader(true), arrowcsv.WithComma(s.comma),
			arrowcsv.WithColumnTypes(types), arrowcsv.WithIncludeColumns(names),
			arrowcsv.WithNullReader(true, csvNulls...),
			arrowcsv.WithChunk(batchSize), arrowcsv.WithAllocator(allocator(opts.Mem)))
		defer r.Release()
		var rows int64
		for r.Next() {
			b := r.RecordBatch()
			b.Retain() // released by the caller of Read
			batches = append(batches, b)
			rows += b.NumRows()
			if opts.Progress != nil {
				opts.Progress(Progress{Rows: rows, TotalRows: s.rows, Bytes: -1, TotalBytes: s.size})
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return r.Err()
	})
	if err != nil {
		releaseAll(batches)
		return nil, fmt.Errorf("%s: %v", s.path, trimPath(err.Error(), s.path))
	}
	return deliver(batches, opts)
}

// jsonlSource reads JSON Lines: one object per line.
type jsonlSource struct {
	path   string
	schema *arrow.Schema
	rows   int64
	size   int64
}

func openJSONL(path string) (Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := &jsonlSource{path: path}
	if st, err := f.Stat(); err == nil {
		s.size = st.Size()
	}
	inf := newJSONInference()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			return nil, fmt.Errorf("%s: line %d: not a JSON object: %v", path, line, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%s: line %d: more than one JSON value on the line", path, line)
		}
		if err := inf.add(obj, topLevelKeys(b)); err != nil {
			return nil, fmt.Errorf("%s: line %d: %v", path, line, err)
		}
		s.rows++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: line %d: %v", path, line+1, err)
	}
	if s.rows == 0 {
		return nil, fmt.Errorf("%s: no JSON objects in the file", path)
	}
	s.schema = inf.schema()
	return s, nil
}

func (s *jsonlSource) Path() string          { return s.path }
func (s *jsonlSource) Format() Format        { return FormatJSONL }
func (s *jsonlSource) Schema() *arrow.Schema { return s.schema }
func (s *jsonlSource) NumRows() int64        { return s.rows }
func (s *jsonlSource) Close() error          { return nil }

func (s *jsonlSource) Read(ctx context.Context, opts ReadOptions) ([]arrow.RecordBatch, error) {
	cols, err := columnIndices(s.path, s.schema, opts.Columns)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return deliver(emptyBatches(s.rows), opts)
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var batches []arrow.RecordBatch
	err = guard(s.path, func() error {
		r := array.NewJSONReader(f, s.schema, array.WithChunk(batchSize), array.WithAllocator(allocator(opts.Mem)))
		defer r.Release()
		var rows int64
		for r.Next() {
			p, err := project(s.schema, r.RecordBatch(), cols)
			if err != nil {
				return err
			}
			batches = append(batches, p)
			rows += p.NumRows()
			if opts.Progress != nil {
				opts.Progress(Progress{Rows: rows, TotalRows: s.rows, Bytes: -1, TotalBytes: s.size})
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return r.Err()
	})
	if err != nil {
		releaseAll(batches)
		return nil, fmt.Errorf("%s: %v", s.path, trimPath(err.Error(), s.path))
	}
	return deliver(batches, opts)
}

// jsonInference merges the types of every value seen per key. Keys keep the
// order in which they first appear.
type jsonInference struct {
	order []string
	types map[string]*jsonType
}

// jsonType is an inferred JSON type: a scalar kind, a list of elem, or an
// object with fields.
type jsonType struct {
	kind   cellKind // for scalars; kindNull until a non-null value is seen
	list   *jsonType
	object *jsonInference
}

func newJSONInference() *jsonInference { return &jsonInference{types: map[string]*jsonType{}} }

// add merges one object. keys is the order the keys appear in the line, so
// columns come out in the file's order; nil means sorted order.
func (in *jsonInference) add(obj map[string]any, keys []string) error {
	if keys == nil {
		keys = make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys) // map order is random
	}
	for _, k := range keys {
		t, ok := in.types[k]
		if !ok {
			t = &jsonType{}
			in.types[k] = t
			in.order = append(in.order, k)
		}
		if err := t.add(obj[k]); err != nil {
			return fmt.Errorf("key %q: %v", k, err)
		}
	}
	return nil
}

func (t *jsonType) add(v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case bool:
		return t.scalar(kindBool)
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return t.scalar(kindInt)
		}
		return t.scalar(kindFloat)
	case string:
		return t.scalar(kindString)
	case []any:
		if t.kind != kindNull || t.object != nil {
			return errors.New("mixes lists with other values")
		}
		if t.list == nil {
			t.list = &jsonType{}
		}
		for _, e := range v {
			if err := t.list.add(e); err != nil {
				return err
			}
		}
	case map[string]any:
		if t.kind != kindNull || t.list != nil {
			return errors.New("mixes objects with other values")
		}
		if t.object == nil {
			t.object = newJSONInference()
		}
		return t.object.add(v, nil)
	}
	return nil
}

func (t *jsonType) scalar(k cellKind) error {
	if t.list != nil || t.object != nil {
		return errors.New("mixes scalars with lists or objects")
	}
	switch {
	case t.kind == kindNull || t.kind == k:
		t.kind = k
	case (t.kind == kindInt && k == kindFloat) || (t.kind == kindFloat && k == kindInt):
		t.kind = kindFloat
	default:
		return fmt.Errorf("mixes %s and %s values", t.kind.arrowType(), k.arrowType())
	}
	return nil
}

func (t *jsonType) arrowType() arrow.DataType {
	switch {
	case t.list != nil:
		return arrow.ListOf(t.list.arrowType())
	case t.object != nil:
		return arrow.StructOf(t.object.schema().Fields()...)
	case t.kind == kindNull:
		return arrow.BinaryTypes.String // only nulls seen: any type holds them
	}
	return t.kind.arrowType()
}

func (in *jsonInference) schema() *arrow.Schema {
	fields := make([]arrow.Field, len(in.order))
	for i, k := range in.order {
		fields[i] = arrow.Field{Name: k, Type: in.types[k].arrowType(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// topLevelKeys lists the keys of a JSON object in the order they appear.
func topLevelKeys(b []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		k, _ := tok.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	return keys
}
