package query

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// mustSchema builds a schema from "name:type,..." with the types string,
// large_string, dict, int64, int32, float64, float32, bool.
func mustSchema(spec string) *arrow.Schema {
	var fields []arrow.Field
	for _, part := range strings.Split(spec, ",") {
		name, typ, _ := strings.Cut(part, ":")
		var dt arrow.DataType
		switch typ {
		case "string":
			dt = arrow.BinaryTypes.String
		case "large_string":
			dt = arrow.BinaryTypes.LargeString
		case "dict":
			dt = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
		case "int64":
			dt = arrow.PrimitiveTypes.Int64
		case "int32":
			dt = arrow.PrimitiveTypes.Int32
		case "float64":
			dt = arrow.PrimitiveTypes.Float64
		case "float32":
			dt = arrow.PrimitiveTypes.Float32
		case "bool":
			dt = arrow.FixedWidthTypes.Boolean
		default:
			panic("mustSchema: type " + typ)
		}
		fields = append(fields, arrow.Field{Name: name, Type: dt, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}
