package query

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// TypeKind is the kind of a value in the query language.
type TypeKind int

// The kinds of values. Every integer column is Int and every floating
// point column is Float; string, large_string and dictionary-of-string
// columns are String.
const (
	TNull TypeKind = iota
	TBool
	TInt
	TFloat
	TString
	TList
	TStruct
	TUnsupported
)

// Type is the type of a column or expression.
type Type struct {
	Kind   TypeKind
	Elem   *Type   // TList
	Fields []Field // TStruct
	Arrow  arrow.DataType
}

// Field is a named struct field.
type Field struct {
	Name string
	Type *Type
}

var (
	nullType   = &Type{Kind: TNull}
	boolType   = &Type{Kind: TBool}
	intType    = &Type{Kind: TInt}
	floatType  = &Type{Kind: TFloat}
	stringType = &Type{Kind: TString}
)

func (t *Type) String() string {
	switch t.Kind {
	case TNull:
		return "null"
	case TBool:
		return "bool"
	case TInt:
		return "integer"
	case TFloat:
		return "float"
	case TString:
		return "string"
	case TList:
		return "list<" + t.Elem.String() + ">"
	case TStruct:
		names := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			names[i] = f.Name
		}
		return "struct{" + strings.Join(names, ", ") + "}"
	}
	return t.Arrow.String()
}

func (t *Type) numeric() bool { return t.Kind == TInt || t.Kind == TFloat }

// isFloat32 reports whether values of t are float32s: a float32 column or
// field, or the abs or negation of one, which keep their operand's type.
func (t *Type) isFloat32() bool { return t.Arrow != nil && t.Arrow.ID() == arrow.FLOAT32 }

func (t *Type) field(name string) (int, *Type) {
	for i, f := range t.Fields {
		if f.Name == name {
			return i, f.Type
		}
	}
	return -1, nil
}

func (t *Type) fieldNames() []string {
	out := make([]string, len(t.Fields))
	for i, f := range t.Fields {
		out[i] = f.Name
	}
	return out
}

// typeOf maps an Arrow type to the query type that reads it.
func typeOf(dt arrow.DataType) *Type {
	switch dt.ID() {
	case arrow.BOOL:
		return &Type{Kind: TBool, Arrow: dt}
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return &Type{Kind: TInt, Arrow: dt}
	case arrow.FLOAT32, arrow.FLOAT64:
		return &Type{Kind: TFloat, Arrow: dt}
	case arrow.STRING, arrow.LARGE_STRING:
		return &Type{Kind: TString, Arrow: dt}
	case arrow.DICTIONARY:
		d := dt.(*arrow.DictionaryType)
		if id := d.ValueType.ID(); (id == arrow.STRING || id == arrow.LARGE_STRING) && arrow.IsInteger(d.IndexType.ID()) {
			return &Type{Kind: TString, Arrow: dt}
		}
	case arrow.LIST, arrow.LARGE_LIST:
		elem := typeOf(dt.(arrow.ListLikeType).Elem())
		if elem.Kind == TUnsupported || elem.Kind == TList {
			break
		}
		return &Type{Kind: TList, Elem: elem, Arrow: dt}
	case arrow.STRUCT:
		st := dt.(*arrow.StructType)
		t := &Type{Kind: TStruct, Arrow: dt}
		for _, f := range st.Fields() {
			t.Fields = append(t.Fields, Field{Name: f.Name, Type: typeOf(f.Type)})
		}
		return t
	}
	return &Type{Kind: TUnsupported, Arrow: dt}
}

// operand is what the checker knows about a checked expression.
type operand struct {
	typ   *Type
	node  evalNode
	desc  string    // for messages: `string column "label"`, `number 3`
	cnst  *constVal // set for literals (and negated number literals)
	class bool      // an integer label/pred column whose values index Env.Classes
	expr  Expr      // the source node
}

func (x operand) describe() string { return x.desc }

// scopeInfo is what names mean at one level: the top-level columns, or the
// fields of the elements of a list being filtered.
type scopeInfo struct {
	names []string
	types []*Type
	what  string // "column" or "field"
	used  []bool
}

func (s *scopeInfo) lookup(name string) int {
	return slices.Index(s.names, name)
}

type checker struct {
	env   Env
	scope *scopeInfo
	top   *scopeInfo
	errs  ErrorList
	types map[Expr]*Type
}

func newChecker(env Env) *checker {
	top := &scopeInfo{what: "column"}
	if env.Schema != nil {
		for _, f := range env.Schema.Fields() {
			top.names = append(top.names, f.Name)
			top.types = append(top.types, typeOf(f.Type))
		}
	}
	top.used = make([]bool, len(top.names))
	return &checker{env: env, scope: top, top: top, types: make(map[Expr]*Type)}
}

// bad is the operand of an expression that failed to check; it is
// accepted everywhere so one mistake gives one message.
var bad = operand{typ: &Type{Kind: TUnsupported}}

func (x operand) isBad() bool { return x.typ.Kind == TUnsupported && x.node == nil }

// expr checks e and compiles it. It is the one type switch of the
// checker; each node kind has its own method.
func (c *checker) expr(e Expr) operand {
	var x operand
	switch e := e.(type) {
	case *Ident:
		x = c.ident(e)
	case *NumberLit:
		x = c.number(e)
	case *StringLit:
		x = operand{typ: stringType, desc: "string " + quote(e.Value), cnst: &constVal{kind: TString, s: e.Value}}
	case *BoolLit:
		x = operand{typ: boolType, desc: fmt.Sprintf("%v", e.Value), cnst: &constVal{kind: TBool, b: e.Value}}
	case *NullLit:
		x = operand{typ: nullType, desc: "null", cnst: &constVal{kind: TNull}}
	case *UnaryExpr:
		x = c.unary(e)
	case *BinaryExpr:
		x = c.binary(e)
	case *InExpr:
		x = c.in(e)
	case *CallExpr:
		x = c.call(e)
	case *SelectorExpr:
		x = c.selector(e)
	case *IndexExpr:
		x = c.index(e)
	default:
		panic(fmt.Sprintf("query: unexpected node %T", e))
	}
	if x.isBad() {
		return bad
	}
	x.expr = e
	if x.cnst != nil && x.node == nil {
		x.node = &constNode{v: *x.cnst, kind: x.cnst.kind}
		if x.cnst.kind == TNull {
			x.node = &constNode{v: *x.cnst, kind: TBool}
		}
	}
	c.types[e] = x.typ
	return x
}

func (c *checker) number(e *NumberLit) operand {
	if e.IsInt {
		return operand{typ: intType, desc: "number " + e.Raw, cnst: &constVal{kind: TInt, i: e.Int, f: e.Value}}
	}
	return operand{typ: floatType, desc: "number " + e.Raw, cnst: &constVal{kind: TFloat, f: e.Value}}
}

func (c *checker) ident(e *Ident) operand {
	return c.column(e, e.Name)
}

// column resolves name in the current scope.
func (c *checker) column(n Expr, name string) operand {
	s := c.scope
	i := s.lookup(name)
	if i < 0 {
		switch {
		case s == c.top:
			c.unknownColumn(n, name, s.names)
		case len(s.names) == 1 && s.names[0] == elemName:
			c.unknownElemName(n, name)
		default:
			c.unknownElemField(n, name, s.names)
		}
		return bad
	}
	t := s.types[i]
	if t.Kind == TUnsupported {
		c.unreadable(n, s.what, name, t)
		return bad
	}
	s.used[i] = true
	x := operand{typ: t, node: &colNode{idx: i, typ: t}, desc: fmt.Sprintf("%s %s %q", t, s.what, name)}
	if s == c.top && t.Kind == TInt && len(c.env.Classes) > 0 && c.isClassColumn(name) {
		x.class = true
	}
	return x
}

// isClassColumn reports whether name is the label or pred column, or the
// same role of another prediction set ("NAME.pred").
func (c *checker) isClassColumn(name string) bool {
	for _, role := range []string{c.env.Label, c.env.Pred} {
		if role != "" && (name == role || strings.HasSuffix(name, "."+role)) {
			return true
		}
	}
	return false
}

// elemName is how a list filter's predicate names an element that is not
// a struct: probs[_ > 0.5].
const elemName = "_"

// dotted returns "a.b.c" for a chain of plain names, or "".
func dotted(e Expr) string {
	switch e := e.(type) {
	case *Ident:
		return e.Name
	case *SelectorExpr:
		if x := dotted(e.X); x != "" {
			return x + "." + e.Sel.Name
		}
	}
	return ""
}

// selector resolves a.b: the column "a.b" if there is one, else field b
// of a; but `a`.b, where a backquoted name is a column, means its field.
func (c *checker) selector(e *SelectorExpr) operand {
	if name := dotted(e); name != "" && c.scope.lookup(name) >= 0 && !c.quotedColumn(e) {
		return c.column(e, name)
	}
	x := c.expr(e.X)
	if x.isBad() {
		return bad
	}
	st := x.typ
	inList := st.Kind == TList
	if inList {
		st = st.Elem
	}
	if st.Kind != TStruct {
		c.notAStruct(e.X, e.X.String(), x.typ)
		return bad
	}
	i, ft := st.field(e.Sel.Name)
	if i < 0 {
		c.unknownField(e.Sel, e.X.String(), st.fieldNames())
		return bad
	}
	if ft.Kind == TUnsupported || inList && ft.Kind == TList {
		c.unreadable(e.Sel, "field", e.Sel.Name, ft)
		return bad
	}
	if inList {
		t := &Type{Kind: TList, Elem: ft}
		return operand{typ: t, node: &listFieldNode{x: x.node, idx: i}, desc: fmt.Sprintf("%s %q", t, e.String())}
	}
	return operand{typ: ft, node: &fieldNode{x: x.node, idx: i}, desc: fmt.Sprintf("%s field %q", ft, e.String())}
}

// quotedColumn reports whether the path e starts with a backquoted name
// of a column in scope: `a`.b is then field b of column a, even beside a
// column named "a.b".
func (c *checker) quotedColumn(e *SelectorExpr) bool {
	x := e.X
	for {
		sel, ok := x.(*SelectorExpr)
		if !ok {
			break
		}
		x = sel.X
	}
	id, ok := x.(*Ident)
	return ok && id.Quoted && c.scope.lookup(id.Name) >= 0
}

func (c *checker) index(e *IndexExpr) operand {
	x := c.expr(e.X)
	if x.isBad() {
		return bad
	}
	if x.typ.Kind != TList {
		c.notAList(e.X, x)
		return bad
	}
	// The predicate sees a struct element's fields, or a plain element
	// as "_".
	inner := &scopeInfo{what: "field", names: []string{elemName}, types: []*Type{x.typ.Elem}}
	if x.typ.Elem.Kind == TStruct {
		inner.names, inner.types = x.typ.Elem.fieldNames(), nil
		for _, f := range x.typ.Elem.Fields {
			inner.types = append(inner.types, f.Type)
		}
	}
	inner.used = make([]bool, len(inner.names))
	outer := c.scope
	c.scope = inner
	p := c.expr(e.Pred)
	c.scope = outer
	if p.isBad() {
		return bad
	}
	if p.typ.Kind != TBool {
		c.notBool(e.Pred, "a list filter", p)
		return bad
	}
	return operand{typ: x.typ, node: &filterNode{x: x.node, pred: p.node}, desc: fmt.Sprintf("%s %q", x.typ, e.String())}
}

func (c *checker) unary(e *UnaryExpr) operand {
	x := c.expr(e.X)
	if x.isBad() {
		return bad
	}
	if e.Op == Not {
		if x.typ.Kind != TBool && x.typ.Kind != TNull {
			c.badOperand(e, "not", x, "true or false")
			return bad
		}
		return operand{typ: boolType, node: &notNode{x: x.node}, desc: "bool expression"}
	}
	if !x.typ.numeric() {
		c.badOperand(e, "-", x, "a number")
		return bad
	}
	if x.cnst != nil {
		v := *x.cnst
		v.i, v.f = -v.i, -v.f
		return operand{typ: x.typ, desc: "number -" + strings.TrimPrefix(x.desc, "number "), cnst: &v}
	}
	return operand{typ: x.typ, node: &negNode{x: x.node, typ: x.typ}, desc: x.typ.String() + " expression"}
}

func (c *checker) binary(e *BinaryExpr) operand {
	x, y := c.expr(e.X), c.expr(e.Y)
	if x.isBad() || y.isBad() {
		return bad
	}
	switch e.Op {
	case And, Or:
		for _, o := range []operand{x, y} {
			if o.typ.Kind != TBool && o.typ.Kind != TNull {
				c.badOperand(o.expr, e.Op.String(), o, "true or false")
				return bad
			}
		}
		return operand{typ: boolType, node: &logicNode{op: e.Op, x: x.node, y: y.node}, desc: "bool expression"}
	case Add, Sub, Mul, Quo:
		for _, o := range []operand{x, y} {
			if !o.typ.numeric() && o.typ.Kind != TNull {
				c.badOperand(o.expr, e.Op.String(), o, "numbers")
				return bad
			}
		}
		t := floatType
		if x.typ.Kind == TInt && y.typ.Kind == TInt && e.Op != Quo {
			t = intType
		}
		if x.typ.Kind == TNull || y.typ.Kind == TNull {
			return operand{typ: t, node: &constNode{v: constVal{kind: TNull}, kind: t.Kind}, desc: t.String() + " expression"}
		}
		return operand{typ: t, node: &arithNode{op: e.Op, x: x.node, y: y.node, typ: t}, desc: t.String() + " expression"}
	case Match:
		return c.match(e, x, y)
	}
	return c.compare(e, e.Op, x, y)
}

func (c *checker) match(e *BinaryExpr, x, y operand) operand {
	if x.typ.Kind != TString {
		c.badOperand(e.X, "~", x, "a string on the left")
		return bad
	}
	if y.cnst == nil || y.cnst.kind != TString {
		c.regexpNotLiteral(e.Y, y)
		return bad
	}
	re, err := regexp.Compile(y.cnst.s)
	if err != nil {
		c.badRegexp(e.Y, err)
		return bad
	}
	return operand{typ: boolType, node: &strPredNode{x: x.node, m: regexpMatcher(re)}, desc: "bool expression"}
}

// compare checks X op Y for the six comparison operators.
func (c *checker) compare(e Node, op Kind, x, y operand) operand {
	ok := true
	orig := [2]operand{x, y}
	switch {
	case x.typ.Kind == TNull || y.typ.Kind == TNull:
		// Always null, hence never true; see the truth table.
		return operand{typ: boolType, node: &constNode{v: constVal{kind: TNull}, kind: TBool}, desc: "bool expression"}
	case x.class && y.cnst != nil && y.cnst.kind == TString:
		if y, ok = c.classConst(y); !ok {
			return bad
		}
		ok = op == Eq || op == Ne
	case y.class && x.cnst != nil && x.cnst.kind == TString:
		if x, ok = c.classConst(x); !ok {
			return bad
		}
		ok = op == Eq || op == Ne
	case x.typ.numeric() && y.typ.numeric():
	case x.typ.Kind == TString && y.typ.Kind == TString:
	case x.typ.Kind == TBool && y.typ.Kind == TBool:
		ok = op == Eq || op == Ne
	default:
		ok = false
	}
	if !ok {
		c.cannotCompare(e, op, orig[0], orig[1])
		return bad
	}
	x, y = float32Literal(x, y), float32Literal(y, x)
	return operand{typ: boolType, node: newCompare(op, x, y), desc: "bool expression"}
}

// float32Literal rounds a number literal compared with a float32 value (a
// float32 column or field, or its negation or abs) to the nearest float32,
// so the comparison is the one DuckDB and numpy make in the column's own
// type: a score stored as 0.99 is not > 0.99. A literal beyond float32's
// range stays as it is. Any other operand is returned unchanged.
func float32Literal(lit, other operand) operand {
	if lit.cnst == nil || (lit.cnst.kind != TInt && lit.cnst.kind != TFloat) || !other.typ.isFloat32() || math.Abs(lit.cnst.f) > math.MaxFloat32 {
		return lit
	}
	v := constVal{kind: TFloat, f: float64(float32(lit.cnst.f))}
	lit.cnst, lit.typ, lit.node = &v, floatType, &constNode{v: v, kind: TFloat}
	return lit
}

// classConst turns a class name compared with an integer label column
// into the class's index.
func (c *checker) classConst(x operand) (operand, bool) {
	i := slices.Index(c.env.Classes, x.cnst.s)
	if i < 0 {
		c.unknownClass(x.expr, x.cnst.s)
		return bad, false
	}
	return operand{typ: intType, desc: x.desc, cnst: &constVal{kind: TInt, i: int64(i), f: float64(i)}, expr: x.expr}, true
}

func (c *checker) in(e *InExpr) operand {
	x := c.expr(e.X)
	if x.isBad() {
		return bad
	}
	node := &inNode{x: x.node, not: e.Not, strs: map[string]bool{}}
	failed := false
	for _, item := range e.List {
		y := c.expr(item)
		if y.isBad() {
			failed = true
			continue
		}
		if y.cnst == nil {
			c.inNotLiteral(item, y)
			failed = true
			continue
		}
		if x.class && y.cnst.kind == TString {
			if y, _ = c.classConst(y); y.isBad() {
				failed = true
				continue
			}
		}
		switch {
		case y.cnst.kind == TNull:
			node.null = true
		case x.typ.numeric() && (y.cnst.kind == TInt || y.cnst.kind == TFloat):
			node.nums = append(node.nums, *float32Literal(y, x).cnst)
		case x.typ.Kind == TString && y.cnst.kind == TString:
			node.strs[y.cnst.s] = true
		case x.typ.Kind == TBool && y.cnst.kind == TBool:
			node.bools[btoi(y.cnst.b)] = true
		default:
			c.mixedIn(item, x, y)
			failed = true
		}
	}
	if failed {
		return bad
	}
	node.kind = x.typ.Kind
	return operand{typ: boolType, node: node, desc: "bool expression"}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (c *checker) call(e *CallExpr) operand {
	f := lookupFunc(e.Fun.Name)
	if f == nil {
		c.unknownFunction(e.Fun)
		for _, a := range e.Args {
			c.expr(a)
		}
		return bad
	}
	if f.rewrite != nil {
		return f.rewrite(c, e)
	}
	if len(e.Args) != len(f.args) {
		c.wrongArgCount(e, f)
		return bad
	}
	args := make([]operand, len(e.Args))
	failed := false
	for i, a := range e.Args {
		args[i] = c.expr(a)
		if args[i].isBad() {
			failed = true
			continue
		}
		if !f.args[i].accepts(args[i].typ) {
			c.badArg(a, f, i, args[i])
			failed = true
		}
	}
	if failed {
		return bad
	}
	t, node := f.build(args)
	return operand{typ: t, node: node, desc: t.String() + " expression"}
}

// checkQuery checks every stage and compiles the program.
func (c *checker) query(q *Query) *Program {
	prog := &Program{}
	for _, s := range q.Stages {
		switch s := s.(type) {
		case *WhereStage:
			x := c.expr(s.Expr)
			if x.isBad() {
				continue
			}
			if x.typ.Kind != TBool && x.typ.Kind != TNull {
				c.notBool(s.Expr, "a where expression", x)
				continue
			}
			prog.stages = append(prog.stages, stage{kind: Where, pred: x.node})
		case *SortStage:
			st := stage{kind: Sort}
			for _, k := range s.Keys {
				x := c.expr(k.Expr)
				if x.isBad() {
					continue
				}
				switch x.typ.Kind {
				case TBool, TInt, TFloat, TString, TNull:
				default:
					c.notSortable(k.Expr, x)
					continue
				}
				st.keys = append(st.keys, sortKey{node: x.node, kind: x.typ.Kind, desc: k.Desc})
			}
			prog.stages = append(prog.stages, st)
		case *LimitStage:
			prog.stages = append(prog.stages, stage{kind: Limit, n: s.N})
		case *SelectStage:
			for _, f := range s.Fields {
				name := dotted(f)
				if name == "" {
					c.notAField(f, "select")
					continue
				}
				if c.expr(f).isBad() {
					continue
				}
				prog.sel = append(prog.sel, name)
			}
			if prog.sel == nil {
				prog.sel = []string{}
			}
		}
	}
	for i, used := range c.top.used {
		if used {
			prog.cols = append(prog.cols, c.top.names[i])
			prog.colIdx = append(prog.colIdx, i)
		}
	}
	return prog
}

// Env is what a query can see.
type Env struct {
	// Schema has every column, including the derived fields evaluation
	// adds ("correct", "suspect", "self_confidence", "tp", or "NAME.pred"
	// for several prediction sets).
	Schema *arrow.Schema
	// Classes are the class names. When the label and pred columns are
	// integers they index Classes, and a class name compared with them
	// is turned into its index when the query is checked.
	Classes []string
	// Label and Pred name the ground-truth and predicted-class columns,
	// "" when there are none.
	Label, Pred string
}
