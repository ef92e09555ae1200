package detect

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// detListParts returns the struct elements of a list<struct> chunk.
func detListParts(side string, ch arrow.Array) (*array.Struct, array.ListLike, error) {
	var l array.ListLike
	switch a := ch.(type) {
	case *array.List:
		l = a
	case *array.LargeList:
		l = a
	default:
		return nil, nil, fmt.Errorf("%s: type %s, want list<struct<...>>", side, ch.DataType())
	}
	st, ok := l.ListValues().(*array.Struct)
	if !ok {
		return nil, nil, fmt.Errorf("%s: type %s, want list<struct<...>>", side, ch.DataType())
	}
	return st, l, nil
}

func detField(st *array.Struct, name string) arrow.Array {
	t := st.DataType().(*arrow.StructType)
	i, ok := t.FieldIdx(name)
	if !ok {
		return nil
	}
	return st.Field(i)
}

// detLabelReader returns a function giving an element's class index, or -1
// with the label text (empty for null) when it is not a class.
func detLabelReader(side string, st *array.Struct, classIdx map[string]int32, k int) (func(int) (int32, string), error) {
	a := detField(st, "label")
	if a == nil {
		return nil, fmt.Errorf("%s: no label field in %s", side, st.DataType())
	}
	byName := func(valid func(int) bool, str func(int) string) func(int) (int32, string) {
		return func(j int) (int32, string) {
			if !valid(j) {
				return -1, ""
			}
			s := str(j)
			if c, ok := classIdx[s]; ok {
				return c, s
			}
			return -1, s
		}
	}
	switch v := a.(type) {
	case *array.String:
		return byName(v.IsValid, v.Value), nil
	case *array.LargeString:
		return byName(v.IsValid, v.Value), nil
	case *array.StringView:
		return byName(v.IsValid, v.Value), nil
	case *array.Dictionary:
		dict := v.Dictionary()
		var str func(int) string
		switch d := dict.(type) {
		case *array.String:
			str = d.Value
		case *array.LargeString:
			str = d.Value
		case *array.StringView:
			str = d.Value
		default:
			return nil, fmt.Errorf("%s: label type %s, want string, dictionary of strings or integer", side, a.DataType())
		}
		codes := make([]int32, dict.Len())
		for i := range codes {
			codes[i] = -1
			if dict.IsValid(i) {
				if c, ok := classIdx[str(i)]; ok {
					codes[i] = c
				}
			}
		}
		return func(j int) (int32, string) {
			if !v.IsValid(j) {
				return -1, ""
			}
			d := v.GetValueIndex(j)
			if !dict.IsValid(d) {
				return -1, ""
			}
			if codes[d] < 0 {
				return -1, str(d)
			}
			return codes[d], ""
		}, nil
	}
	if iv, ok := detIntValues(a); ok {
		return func(j int) (int32, string) {
			if !a.IsValid(j) {
				return -1, ""
			}
			c := iv(j)
			if c < 0 || c >= int64(k) {
				return -1, fmt.Sprint(c)
			}
			return int32(c), ""
		}, nil
	}
	return nil, fmt.Errorf("%s: label type %s, want string, dictionary of strings or integer", side, a.DataType())
}

func detIntValues(a arrow.Array) (func(int) int64, bool) {
	switch v := a.(type) {
	case *array.Int8:
		return func(i int) int64 { return int64(v.Value(i)) }, true
	case *array.Int16:
		return func(i int) int64 { return int64(v.Value(i)) }, true
	case *array.Int32:
		return func(i int) int64 { return int64(v.Value(i)) }, true
	case *array.Int64:
		return v.Value, true
	case *array.Uint8:
		return func(i int) int64 { return int64(v.Value(i)) }, true
	case *array.Uint16:
		return func(i int) int64 { return int64(v.Value(i)) }, true
	case *array.Uint32:
		return func(i int) int64 { return int64(v.Value(i)) }, true
	case *array.Uint64:
		return func(i int) int64 {
			x := v.Value(i)
			if x > math.MaxInt64 {
				return -1
			}
			return int64(x)
		}, true
	}
	return nil, false
}

func detFloatValues(a arrow.Array) (func(int) float64, bool) {
	switch v := a.(type) {
	case *array.Float64:
		return v.Value, true
	case *array.Float32:
		return func(i int) float64 { return float64(v.Value(i)) }, true
	case *array.Float16:
		return func(i int) float64 { return float64(v.Value(i).Float32()) }, true
	}
	if iv, ok := detIntValues(a); ok {
		return func(i int) float64 { return float64(iv(i)) }, true
	}
	return nil, false
}

// detFloatReader reads a numeric struct field; ok is false for null. A
// missing field is an error unless optional.
func detFloatReader(side string, st *array.Struct, name string, optional bool) (func(int) (float64, bool), error) {
	a := detField(st, name)
	if a == nil {
		if optional {
			return func(int) (float64, bool) { return 0, false }, nil
		}
		return nil, fmt.Errorf("%s: no %s field in %s", side, name, st.DataType())
	}
	fv, ok := detFloatValues(a)
	if !ok {
		return nil, fmt.Errorf("%s: %s type %s, want a number", side, name, a.DataType())
	}
	return func(j int) (float64, bool) {
		if !a.IsValid(j) {
			return 0, false
		}
		return fv(j), true
	}, nil
}

func detCrowdReader(side string, st *array.Struct) (func(int) bool, error) {
	a := detField(st, "iscrowd")
	if a == nil {
		return func(int) bool { return false }, nil
	}
	if b, ok := a.(*array.Boolean); ok {
		return func(j int) bool { return b.IsValid(j) && b.Value(j) }, nil
	}
	if iv, ok := detIntValues(a); ok {
		return func(j int) bool { return a.IsValid(j) && iv(j) != 0 }, nil
	}
	return nil, fmt.Errorf("%s: iscrowd type %s, want bool or integer", side, a.DataType())
}

// detBBoxReader returns a function that copies element j's bbox into dst
// and returns "" or what is wrong with it.
func detBBoxReader(side string, st *array.Struct) (func(int, []float64) string, error) {
	a := detField(st, "bbox")
	if a == nil {
		return nil, fmt.Errorf("%s: no bbox field in %s", side, st.DataType())
	}
	var l array.ListLike
	switch v := a.(type) {
	case *array.List:
		l = v
	case *array.LargeList:
		l = v
	case *array.FixedSizeList:
		l = v
	default:
		return nil, fmt.Errorf("%s: bbox type %s, want a list of 4 numbers", side, a.DataType())
	}
	vals := l.ListValues()
	fv, ok := detFloatValues(vals)
	if !ok {
		return nil, fmt.Errorf("%s: bbox type %s, want a list of 4 numbers", side, a.DataType())
	}
	return func(j int, dst []float64) string {
		if !l.IsValid(j) {
			return "null bbox"
		}
		start, end := l.ValueOffsets(j)
		if end-start != 4 {
			return "bbox not 4 numbers"
		}
		for k := range 4 {
			p := int(start) + k
			if !vals.IsValid(p) {
				return "bbox with null numbers"
			}
			dst[k] = fv(p)
			if math.IsNaN(dst[k]) || math.IsInf(dst[k], 0) {
				return "bbox with NaN or infinite numbers"
			}
		}
		if dst[2] < 0 || dst[3] < 0 {
			return "bbox with negative width or height"
		}
		return ""
	}, nil
}
