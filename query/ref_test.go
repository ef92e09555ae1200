package query

import (
	"cmp"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// This file holds a slow evaluator that works a row at a time, straight
// from the syntax tree and Arrow's per-row accessors, sharing no code with
// the vectorized one. The differential tests check the two agree.

// rv is one value of the reference evaluator.
type rv struct {
	null   bool
	f32    bool // a float32 value: read from a float32 array, or its negation or abs
	lit    bool // a number literal, or its negation
	k      TypeKind
	b      bool
	i      int64
	f      float64
	s      string
	l      []rv
	fields map[string]rv
}

var rnull = rv{null: true}

func rbool(b bool) rv { return rv{k: TBool, b: b} }

// readRV reads row i of arr.
func readRV(arr arrow.Array, i int) rv {
	if arr.IsNull(i) {
		return rnull
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return rbool(a.Value(i))
	case *array.Int8:
		return rv{k: TInt, i: int64(a.Value(i))}
	case *array.Int16:
		return rv{k: TInt, i: int64(a.Value(i))}
	case *array.Int32:
		return rv{k: TInt, i: int64(a.Value(i))}
	case *array.Int64:
		return rv{k: TInt, i: a.Value(i)}
	case *array.Uint8:
		return rv{k: TInt, i: int64(a.Value(i))}
	case *array.Uint16:
		return rv{k: TInt, i: int64(a.Value(i))}
	case *array.Uint32:
		return rv{k: TInt, i: int64(a.Value(i))}
	case *array.Uint64:
		return rv{k: TInt, i: int64(a.Value(i))}
	case *array.Float32:
		return rv{k: TFloat, f: float64(a.Value(i)), f32: true}
	case *array.Float64:
		return rv{k: TFloat, f: a.Value(i)}
	case *array.String:
		return rv{k: TString, s: a.Value(i)}
	case *array.LargeString:
		return rv{k: TString, s: a.Value(i)}
	case *array.Dictionary:
		return readRV(a.Dictionary(), a.GetValueIndex(i))
	case *array.List:
		lo, hi := a.ValueOffsets(i)
		out := rv{k: TList, l: []rv{}}
		for j := lo; j < hi; j++ {
			out.l = append(out.l, readRV(a.ListValues(), int(j)))
		}
		return out
	case *array.LargeList:
		lo, hi := a.ValueOffsets(i)
		out := rv{k: TList, l: []rv{}}
		for j := lo; j < hi; j++ {
			out.l = append(out.l, readRV(a.ListValues(), int(j)))
		}
		return out
	case *array.Struct:
		out := rv{k: TStruct, fields: map[string]rv{}}
		st := a.DataType().(*arrow.StructType)
		for k, f := range st.Fields() {
			out.fields[f.Name] = readRV(a.Field(k), i)
		}
		return out
	}
	panic("readRV: " + arr.DataType().String())
}

type refCtx struct {
	get func(name string) (rv, bool)
	env Env
}

func refRun(q *Query, env Env, batches []arrow.RecordBatch) []int64 {
	type row struct {
		rec arrow.RecordBatch
		i   int
		g   int64
	}
	var rows []row
	var g int64
	for _, rec := range batches {
		for i := 0; i < int(rec.NumRows()); i++ {
			rows = append(rows, row{rec, i, g})
			g++
		}
	}
	ctxOf := func(r row) *refCtx {
		return &refCtx{env: env, get: func(name string) (rv, bool) {
			idx := r.rec.Schema().FieldIndices(name)
			if len(idx) == 0 {
				return rv{}, false
			}
			return readRV(r.rec.Column(idx[0]), r.i), true
		}}
	}
	for _, st := range q.Stages {
		switch st := st.(type) {
		case *WhereStage:
			var keep []row
			for _, r := range rows {
				if v := refExpr(st.Expr, ctxOf(r)); !v.null && v.b {
					keep = append(keep, r)
				}
			}
			rows = keep
		case *SortStage:
			keys := make([][]rv, len(rows))
			for i, r := range rows {
				for _, k := range st.Keys {
					keys[i] = append(keys[i], refExpr(k.Expr, ctxOf(r)))
				}
			}
			pos := make([]int, len(rows))
			for i := range pos {
				pos[i] = i
			}
			slices.SortStableFunc(pos, func(a, b int) int {
				for k, key := range st.Keys {
					if c := refCompareKey(keys[a][k], keys[b][k], key.Desc); c != 0 {
						return c
					}
				}
				return 0
			})
			sorted := make([]row, len(rows))
			for i, p := range pos {
				sorted[i] = rows[p]
			}
			rows = sorted
		case *LimitStage:
			if int64(len(rows)) > st.N {
				rows = rows[:st.N]
			}
		}
	}
	out := []int64{}
	for _, r := range rows {
		out = append(out, r.g)
	}
	return out
}

func refCompareKey(a, b rv, desc bool) int {
	an := a.null || a.k == TFloat && math.IsNaN(a.f)
	bn := b.null || b.k == TFloat && math.IsNaN(b.f)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	var c int
	switch {
	case a.k == TString:
		c = strings.Compare(a.s, b.s)
	case a.k == TBool:
		c = cmp.Compare(btoi(a.b), btoi(b.b))
	case a.k == TInt && b.k == TInt:
		c = cmp.Compare(a.i, b.i)
	default:
		c = cmp.Compare(a.num(), b.num())
	}
	if desc {
		c = -c
	}
	return c
}

func (v rv) num() float64 {
	if v.k == TInt {
		return float64(v.i)
	}
	return v.f
}

func refExpr(e Expr, c *refCtx) rv {
	switch e := e.(type) {
	case *Ident:
		v, _ := c.get(e.Name)
		return v
	case *NumberLit:
		if e.IsInt {
			return rv{k: TInt, i: e.Int, lit: true}
		}
		return rv{k: TFloat, f: e.Value, lit: true}
	case *StringLit:
		return rv{k: TString, s: e.Value}
	case *BoolLit:
		return rbool(e.Value)
	case *NullLit:
		return rnull
	case *SelectorExpr:
		if d := dotted(e); d != "" {
			if v, ok := c.get(d); ok {
				return v
			}
		}
		x := refExpr(e.X, c)
		if x.null {
			return rnull
		}
		if x.k == TStruct {
			return x.fields[e.Sel.Name]
		}
		out := rv{k: TList, l: []rv{}}
		for _, el := range x.l {
			if el.null {
				out.l = append(out.l, rnull)
			} else {
				out.l = append(out.l, el.fields[e.Sel.Name])
			}
		}
		return out
	case *IndexExpr:
		x := refExpr(e.X, c)
		if x.null {
			return rnull
		}
		out := rv{k: TList, l: []rv{}}
		for _, el := range x.l {
			if el.null {
				continue
			}
			inner := &refCtx{env: c.env, get: func(name string) (rv, bool) {
				if el.k != TStruct && name == "_" {
					return el, true
				}
				v, ok := el.fields[name]
				return v, ok
			}}
			if p := refExpr(e.Pred, inner); !p.null && p.b {
				out.l = append(out.l, el)
			}
		}
		return out
	case *UnaryExpr:
		x := refExpr(e.X, c)
		if x.null {
			return rnull
		}
		if e.Op == Not {
			return rbool(!x.b)
		}
		if x.k == TInt {
			return rv{k: TInt, i: -x.i, lit: x.lit}
		}
		return rv{k: TFloat, f: -x.f, lit: x.lit, f32: x.f32}
	case *BinaryExpr:
		return refBinary(e, c)
	case *InExpr:
		x := refExpr(e.X, c)
		if x.null {
			return rnull
		}
		hit, sawNull := false, false
		for _, item := range e.List {
			y := refExpr(item, c)
			if y.null {
				sawNull = true
				continue
			}
			if v := refCompare(Eq, x, y, c.env); !v.null && v.b {
				hit = true
			}
		}
		if !hit && sawNull {
			return rnull
		}
		return rbool(hit != e.Not)
	case *CallExpr:
		return refCall(e, c)
	}
	panic("refExpr: unexpected node")
}

func refBinary(e *BinaryExpr, c *refCtx) rv {
	x, y := refExpr(e.X, c), refExpr(e.Y, c)
	switch e.Op {
	case And:
		switch {
		case !x.null && !x.b || !y.null && !y.b:
			return rbool(false)
		case x.null || y.null:
			return rnull
		}
		return rbool(true)
	case Or:
		switch {
		case !x.null && x.b || !y.null && y.b:
			return rbool(true)
		case x.null || y.null:
			return rnull
		}
		return rbool(false)
	}
	if x.null || y.null {
		return rnull
	}
	switch e.Op {
	case Add, Sub, Mul, Quo:
		if x.k == TInt && y.k == TInt && e.Op != Quo {
			switch e.Op {
			case Add:
				return rv{k: TInt, i: x.i + y.i}
			case Sub:
				return rv{k: TInt, i: x.i - y.i}
			}
			return rv{k: TInt, i: x.i * y.i}
		}
		a, b := x.num(), y.num()
		switch e.Op {
		case Add:
			return rv{k: TFloat, f: a + b}
		case Sub:
			return rv{k: TFloat, f: a - b}
		case Mul:
			return rv{k: TFloat, f: a * b}
		}
		return rv{k: TFloat, f: a / b}
	case Match:
		return rbool(regexp.MustCompile(y.s).MatchString(x.s))
	}
	return refCompare(e.Op, x, y, c.env)
}

func refCompare(op Kind, x, y rv, env Env) rv {
	if x.null || y.null {
		return rnull
	}
	// A class name against an integer label column is its index.
	if x.k == TInt && y.k == TString {
		y = rv{k: TInt, i: int64(slices.Index(env.Classes, y.s))}
	}
	if y.k == TInt && x.k == TString {
		x = rv{k: TInt, i: int64(slices.Index(env.Classes, x.s))}
	}
	var c int
	nan := false
	switch {
	case x.k == TBool:
		c = cmp.Compare(btoi(x.b), btoi(y.b))
	case x.k == TString:
		c = strings.Compare(x.s, y.s)
	case x.k == TInt && y.k == TInt:
		c = cmp.Compare(x.i, y.i)
	default:
		a, b := x.num(), y.num()
		// A literal against a float32 value is a float32, as in DuckDB.
		if x.f32 && y.lit && math.Abs(b) <= math.MaxFloat32 {
			b = float64(float32(b))
		}
		if y.f32 && x.lit && math.Abs(a) <= math.MaxFloat32 {
			a = float64(float32(a))
		}
		nan = math.IsNaN(a) || math.IsNaN(b)
		c = cmp.Compare(a, b)
	}
	if nan {
		return rbool(op == Ne)
	}
	switch op {
	case Eq:
		return rbool(c == 0)
	case Ne:
		return rbool(c != 0)
	case Lt:
		return rbool(c < 0)
	case Le:
		return rbool(c <= 0)
	case Gt:
		return rbool(c > 0)
	}
	return rbool(c >= 0)
}

func refCall(e *CallExpr, c *refCtx) rv {
	name := e.Fun.Name
	if name == "fp" || name == "fn" {
		cls := refExpr(e.Args[0], c)
		label, _ := c.get(c.env.Label)
		pred, _ := c.get(c.env.Pred)
		is, isNot := pred, label
		if name == "fn" {
			is, isNot = label, pred
		}
		return refBinaryValues(And, refCompare(Eq, is, cls, c.env), refCompare(Ne, isNot, cls, c.env))
	}
	args := make([]rv, len(e.Args))
	for i, a := range e.Args {
		args[i] = refExpr(a, c)
	}
	if name == "is_null" {
		return rbool(args[0].null)
	}
	for _, a := range args {
		if a.null {
			return rnull
		}
	}
	x := args[0]
	switch name {
	case "len":
		if x.k == TString {
			return rv{k: TInt, i: int64(utf8.RuneCountInString(x.s))}
		}
		return rv{k: TInt, i: int64(len(x.l))}
	case "abs":
		if x.k == TInt {
			return rv{k: TInt, i: max(x.i, -x.i)}
		}
		return rv{k: TFloat, f: math.Abs(x.f), f32: x.f32}
	case "lower":
		return rv{k: TString, s: strings.ToLower(x.s)}
	case "upper":
		return rv{k: TString, s: strings.ToUpper(x.s)}
	case "contains":
		return rbool(strings.Contains(x.s, args[1].s))
	case "startswith":
		return rbool(strings.HasPrefix(x.s, args[1].s))
	case "endswith":
		return rbool(strings.HasSuffix(x.s, args[1].s))
	case "any", "count":
		n := int64(0)
		for _, el := range x.l {
			if el.k == TBool || el.null && refIsBoolList(e, c) {
				if !el.null && el.b {
					n++
				}
				continue
			}
			n++
		}
		if name == "any" {
			return rbool(n > 0)
		}
		return rv{k: TInt, i: n}
	case "mean", "sum", "min", "max":
		var acc float64
		k := 0
		for _, el := range x.l {
			if el.null {
				continue
			}
			v := el.num()
			switch {
			case k == 0 && (name == "min" || name == "max"):
				acc = v
			case name == "min":
				acc = math.Min(acc, v)
			case name == "max":
				acc = math.Max(acc, v)
			default:
				acc += v
			}
			k++
		}
		if k == 0 && name != "sum" {
			return rnull
		}
		if name == "mean" {
			acc /= float64(k)
		}
		return rv{k: TFloat, f: acc}
	}
	panic("refCall: " + name)
}

// refIsBoolList reports whether a call's list argument holds bools, for
// lists whose elements are all null.
func refIsBoolList(e *CallExpr, c *refCtx) bool {
	s := e.Args[0].String()
	return strings.HasSuffix(s, ".ok") || s == "flags"
}

func refBinaryValues(op Kind, x, y rv) rv {
	switch {
	case !x.null && !x.b || !y.null && !y.b:
		return rbool(false)
	case x.null || y.null:
		return rnull
	}
	return rbool(true)
}
