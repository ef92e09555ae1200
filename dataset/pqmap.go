package dataset

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// Presto and older Hive write maps whose keys are marked optional (they
// never hold a null: a map key cannot be null). pqarrow refuses the whole
// file ("MAP keys must be required", corpus file incorrect_map_schema.parquet,
// which DuckDB reads as MAP(VARCHAR, VARCHAR)). triage opens such a file
// with the MAP annotation taken off those top-level columns in the parsed
// schema (the levels, and so the data, are the same), which pqarrow reads
// as struct<key_value: list<struct<key, value>>>, and turns each batch's
// column back into the map it is. A null key is an error naming the row.
// The fix that belongs in arrow-go is docs/upstream/map-optional-keys.patch.

// relaxMapKeys rewrites pf's schema as above and returns, for each
// top-level column it changed, the map type the column is read as.
func relaxMapKeys(pf *file.Reader) (map[int]*arrow.MapType, error) {
	sc := pf.MetaData().Schema
	root := sc.Root()
	var fields schema.FieldList
	var changed map[int]*arrow.MapType
	for i := 0; i < root.NumFields(); i++ {
		f := root.Field(i)
		if g, ok := f.(*schema.GroupNode); ok && optionalKeyMap(g) {
			kv := g.Field(0).(*schema.GroupNode)
			plainKV, err := schema.NewGroupNode(kv.Name(), kv.RepetitionType(), schema.FieldList{kv.Field(0), kv.Field(1)}, kv.FieldID())
			if err != nil {
				return nil, err
			}
			plain, err := schema.NewGroupNode(g.Name(), g.RepetitionType(), schema.FieldList{plainKV}, g.FieldID())
			if err != nil {
				return nil, err
			}
			if changed == nil {
				changed = map[int]*arrow.MapType{}
			}
			changed[i] = nil // typed once pqarrow has read the schema
			f = plain
		}
		fields = append(fields, f)
	}
	if changed == nil {
		return nil, nil
	}
	newRoot, err := schema.NewGroupNode(root.Name(), root.RepetitionType(), fields, root.FieldID())
	if err != nil {
		return nil, err
	}
	pf.MetaData().Schema = schema.NewSchema(newRoot)
	return changed, nil
}

// optionalKeyMap reports whether g is a MAP group (by logical or converted
// type) of a repeated key-value group whose key is not required.
func optionalKeyMap(g *schema.GroupNode) bool {
	_, isMap := g.LogicalType().(schema.MapLogicalType)
	if !isMap && g.ConvertedType() != schema.ConvertedTypes.Map {
		return false
	}
	if g.NumFields() != 1 || g.RepetitionType() == parquet.Repetitions.Repeated {
		return false
	}
	kv, ok := g.Field(0).(*schema.GroupNode)
	return ok && kv.RepetitionType() == parquet.Repetitions.Repeated && kv.NumFields() == 2 &&
		kv.Field(0).RepetitionType() != parquet.Repetitions.Required
}

// mapTypeOf is the map type a relaxed column's struct<list<struct<k, v>>>
// stands for (keys not null, as Arrow requires).
func mapTypeOf(t arrow.DataType) (*arrow.MapType, error) {
	st, ok := t.(*arrow.StructType)
	if !ok || st.NumFields() != 1 {
		return nil, fmt.Errorf("map read as %s", t)
	}
	list, ok := st.Field(0).Type.(*arrow.ListType)
	if !ok {
		return nil, fmt.Errorf("map read as %s", t)
	}
	kv, ok := list.Elem().(*arrow.StructType)
	if !ok || kv.NumFields() != 2 {
		return nil, fmt.Errorf("map read as %s", t)
	}
	key := kv.Field(0)
	key.Nullable = false
	return arrow.MapOfFields(key, kv.Field(1)), nil
}

// toMap turns a column read as struct<list<struct<key, value>>> into the
// map of type mt, without copying. The caller releases the result.
func toMap(a arrow.Array, mt *arrow.MapType) (arrow.Array, error) {
	st, ok := a.(*array.Struct)
	if !ok || st.NumField() != 1 {
		return nil, fmt.Errorf("map read as %s", a.DataType())
	}
	list, ok := st.Field(0).(*array.List)
	if !ok || st.Data().Offset() != 0 || list.Data().Offset() != 0 {
		return nil, fmt.Errorf("map read as %s", a.DataType())
	}
	entries := list.ListValues().(*array.Struct)
	keys := entries.Field(0)
	if keys.NullN() > 0 {
		return nil, fmt.Errorf("a map key is null (%d of the %d keys)", keys.NullN(), keys.Len())
	}
	ed := entries.Data()
	kd := keys.Data()
	key := array.NewData(mt.KeyType(), kd.Len(), kd.Buffers(), kd.Children(), 0, kd.Offset())
	defer key.Release()
	children := []arrow.ArrayData{key, ed.Children()[1]}
	ent := array.NewData(mt.Elem(), ed.Len(), ed.Buffers(), children, ed.NullN(), ed.Offset())
	defer ent.Release()
	bufs := []*memory.Buffer{st.Data().Buffers()[0], list.Data().Buffers()[1]}
	d := array.NewData(mt, st.Len(), bufs, []arrow.ArrayData{ent}, st.NullN(), 0)
	defer d.Release()
	return array.MakeFromData(d), nil
}

// withMapTypes gives the relaxed columns (by top-level index) their map
// types, and returns them by name for withMaps.
func withMapTypes(sc *arrow.Schema, relaxed map[int]*arrow.MapType) (*arrow.Schema, map[string]*arrow.MapType, error) {
	fields := append([]arrow.Field(nil), sc.Fields()...)
	byName := map[string]*arrow.MapType{}
	for i := range relaxed {
		if i >= len(fields) {
			return nil, nil, fmt.Errorf("map column %d of %d", i, len(fields))
		}
		mt, err := mapTypeOf(fields[i].Type)
		if err != nil {
			return nil, nil, fmt.Errorf("column %q: %w", fields[i].Name, err)
		}
		fields[i].Type = mt
		byName[fields[i].Name] = mt
	}
	md := sc.Metadata()
	return arrow.NewSchema(fields, &md), byName, nil
}

// withMaps returns emit with the relaxed map columns of each batch turned
// back into maps.
func withMaps(maps map[string]*arrow.MapType, emit func(arrow.RecordBatch) error) func(arrow.RecordBatch) error {
	return func(b arrow.RecordBatch) error {
		fields := append([]arrow.Field(nil), b.Schema().Fields()...)
		cols := append([]arrow.Array(nil), b.Columns()...)
		var made []arrow.Array
		defer func() {
			for _, m := range made {
				m.Release()
			}
		}()
		for i, f := range fields {
			mt, ok := maps[f.Name]
			if !ok {
				continue
			}
			m, err := toMap(cols[i], mt)
			if err != nil {
				b.Release()
				return fmt.Errorf("column %q: %w", f.Name, err)
			}
			made = append(made, m)
			fields[i].Type, cols[i] = mt, m
		}
		md := b.Schema().Metadata()
		out := array.NewRecordBatch(arrow.NewSchema(fields, &md), cols, b.NumRows())
		b.Release()
		return emit(out)
	}
}
