package render

import (
	"bytes"
	"image"
	_ "image/gif" // image.DecodeConfig learns GIF headers
	_ "image/jpeg"
	_ "image/png"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Summary formats row i of arr for one cell of a table: scalars as Value
// shows them, nested values summarized so that a cell stays short:
//
//	list of numbers            [16 × f32]
//	list of boxes (with eval)  [3 boxes: 2 tp, 1 fp]
//	image struct               png 8×8
//	other structs              {a: 1, b: x}
//
// The result is sanitized.
func Summary(arr arrow.Array, i int, classes []string) string {
	if arr.IsNull(i) {
		return "null"
	}
	switch a := arr.(type) {
	case *array.List:
		start, end := a.ValueOffsets(i)
		return listSummary(a.ListValues(), start, end)
	case *array.LargeList:
		start, end := a.ValueOffsets(i)
		return listSummary(a.ListValues(), start, end)
	case *array.FixedSizeList:
		start, end := a.ValueOffsets(i)
		return listSummary(a.ListValues(), start, end)
	case *array.Struct:
		if s, ok := ImageSummary(a, i); ok {
			return s
		}
		return structSummary(a, i)
	case *array.Binary:
		return bytesSummary(a.Value(i))
	case *array.LargeBinary:
		return bytesSummary(a.Value(i))
	}
	return Value(arr, i, classes)
}

func listSummary(values arrow.Array, start, end int64) string {
	n := int(end - start)
	if st, ok := values.(*array.Struct); ok && isBoxType(st.DataType().(*arrow.StructType)) {
		return boxesSummary(st, int(start), int(end))
	}
	return "[" + strconv.Itoa(n) + " × " + shortType(values.DataType()) + "]"
}

// isBoxType reports whether a struct looks like a detection box (SPEC §2.2).
func isBoxType(st *arrow.StructType) bool {
	_, ok := st.FieldIdx("bbox")
	return ok
}

// boxesSummary counts boxes and, when evaluation marked them, each kind:
// "[3 boxes: 2 tp, 1 fp]".
func boxesSummary(st *array.Struct, start, end int) string {
	n := end - start
	noun := " boxes"
	if n == 1 {
		noun = " box"
	}
	s := "[" + strconv.Itoa(n) + noun
	idx, ok := st.DataType().(*arrow.StructType).FieldIdx("eval")
	if !ok || n == 0 {
		return s + "]"
	}
	ev, ok := st.Field(idx).(*array.String)
	if !ok {
		return s + "]"
	}
	kinds := []string{"tp", "fp", "fn", "ignored"}
	counts := make([]int, len(kinds))
	for j := start; j < end; j++ {
		if ev.IsNull(j) {
			continue
		}
		for k, name := range kinds {
			if ev.Value(j) == name {
				counts[k]++
			}
		}
	}
	sep := ": "
	for k, c := range counts {
		if c > 0 {
			s += sep + strconv.Itoa(c) + " " + kinds[k]
			sep = ", "
		}
	}
	return s + "]"
}

// shortType names an element type compactly: f32, i64, str, struct.
func shortType(dt arrow.DataType) string {
	switch dt.ID() {
	case arrow.FLOAT16:
		return "f16"
	case arrow.FLOAT32:
		return "f32"
	case arrow.FLOAT64:
		return "f64"
	case arrow.INT8:
		return "i8"
	case arrow.INT16:
		return "i16"
	case arrow.INT32:
		return "i32"
	case arrow.INT64:
		return "i64"
	case arrow.UINT8:
		return "u8"
	case arrow.UINT16:
		return "u16"
	case arrow.UINT32:
		return "u32"
	case arrow.UINT64:
		return "u64"
	case arrow.BOOL:
		return "bool"
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return "str"
	case arrow.BINARY, arrow.LARGE_BINARY:
		return "bytes"
	case arrow.STRUCT:
		return "struct"
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST:
		return "list"
	case arrow.DICTIONARY:
		return shortType(dt.(*arrow.DictionaryType).ValueType)
	}
	return Sanitize(dt.String())
}

// ImageSummary describes an image struct (struct<bytes, path>, the Hugging
// Face layout) from its header alone: "png 8×8". ok is false when a is not
// such a struct.
func ImageSummary(a *array.Struct, i int) (s string, ok bool) {
	st := a.DataType().(*arrow.StructType)
	bi, ok := st.FieldIdx("bytes")
	if !ok {
		return "", false
	}
	b, ok := a.Field(bi).(*array.Binary)
	if !ok {
		return "", false
	}
	if b.IsValid(i) && len(b.Value(i)) > 0 {
		return bytesSummary(b.Value(i)), true
	}
	if pi, ok := st.FieldIdx("path"); ok {
		if p, ok := a.Field(pi).(*array.String); ok && p.IsValid(i) {
			return "file " + Sanitize(p.Value(i)), true
		}
	}
	return "null", true
}

// bytesSummary names an image's format and size, or counts the bytes.
func bytesSummary(b []byte) string {
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(b)); err == nil {
		return format + " " + strconv.Itoa(cfg.Width) + "×" + strconv.Itoa(cfg.Height)
	}
	return "<" + strconv.Itoa(len(b)) + " bytes>"
}

// structSummary shows a struct's fields as {name: value, ...}, each
// summarized.
func structSummary(a *array.Struct, i int) string {
	st := a.DataType().(*arrow.StructType)
	var b strings.Builder
	b.WriteByte('{')
	for f := range st.NumFields() {
		if f > 0 {
			b.WriteString(", ")
		}
		b.WriteString(Sanitize(st.Field(f).Name))
		b.WriteString(": ")
		b.WriteString(Summary(a.Field(f), i, nil))
	}
	b.WriteByte('}')
	return b.String()
}

// IsNumeric reports whether a column of this type holds numbers, which a
// table aligns to the right.
func IsNumeric(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DECIMAL256:
		return true
	}
	return false
}
