package query

import (
	"strconv"
	"strings"
)

// Node is any node of the syntax tree. Pos and End are byte offsets into
// the query text: the node spans src[Pos():End()].
type Node interface {
	Pos() int
	End() int
	String() string
}

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// Stage is one stage of a query pipeline.
type Stage interface {
	Node
	stageNode()
}

type (
	// Ident is a column or field name, or a function name in a call.
	// Quoted records that it was written `like this`.
	Ident struct {
		NamePos int
		Name    string
		Quoted  bool
		EndPos  int
	}

	// NumberLit is a number as written. Int is set when Raw is an integer
	// that fits in an int64.
	NumberLit struct {
		ValuePos int
		Raw      string
		Value    float64
		IsInt    bool
		Int      int64
	}

	// StringLit is a double-quoted string; Value has the escapes decoded.
	StringLit struct {
		ValuePos, EndPos int
		Value            string
	}

	// BoolLit is true or false.
	BoolLit struct {
		ValuePos int
		Value    bool
	}

	// NullLit is null.
	NullLit struct {
		ValuePos int
	}

	// UnaryExpr is "not X" or "-X".
	UnaryExpr struct {
		OpPos int
		Op    Kind
		X     Expr
	}

	// BinaryExpr is X Op Y for the arithmetic, comparison, ~, and, or
	// operators.
	BinaryExpr struct {
		X     Expr
		OpPos int
		Op    Kind
		Y     Expr
	}

	// InExpr is "X in (List...)" or "X not in (List...)".
	InExpr struct {
		X      Expr
		Not    bool
		List   []Expr
		Rparen int
	}

	// CallExpr is a call of a builtin function.
	CallExpr struct {
		Fun    *Ident
		Args   []Expr
		Rparen int
	}

	// SelectorExpr is X.Sel: a dotted column name, a struct field, or a
	// field of every element of a list of structs.
	SelectorExpr struct {
		X   Expr
		Sel *Ident
	}

	// IndexExpr is X[Pred]: the elements of list X for which Pred holds.
	IndexExpr struct {
		X      Expr
		Pred   Expr
		Rbrack int
	}
)

func (x *Ident) Pos() int        { return x.NamePos }
func (x *NumberLit) Pos() int    { return x.ValuePos }
func (x *StringLit) Pos() int    { return x.ValuePos }
func (x *BoolLit) Pos() int      { return x.ValuePos }
func (x *NullLit) Pos() int      { return x.ValuePos }
func (x *UnaryExpr) Pos() int    { return x.OpPos }
func (x *BinaryExpr) Pos() int   { return x.X.Pos() }
func (x *InExpr) Pos() int       { return x.X.Pos() }
func (x *CallExpr) Pos() int     { return x.Fun.Pos() }
func (x *SelectorExpr) Pos() int { return x.X.Pos() }
func (x *IndexExpr) Pos() int    { return x.X.Pos() }

func (x *Ident) End() int     { return x.EndPos }
func (x *NumberLit) End() int { return x.ValuePos + len(x.Raw) }
func (x *StringLit) End() int { return x.EndPos }
func (x *BoolLit) End() int {
	if x.Value {
		return x.ValuePos + 4
	}
	return x.ValuePos + 5
}
func (x *NullLit) End() int      { return x.ValuePos + 4 }
func (x *UnaryExpr) End() int    { return x.X.End() }
func (x *BinaryExpr) End() int   { return x.Y.End() }
func (x *InExpr) End() int       { return x.Rparen + 1 }
func (x *CallExpr) End() int     { return x.Rparen + 1 }
func (x *SelectorExpr) End() int { return x.Sel.End() }
func (x *IndexExpr) End() int    { return x.Rbrack + 1 }

func (*Ident) exprNode()        {}
func (*NumberLit) exprNode()    {}
func (*StringLit) exprNode()    {}
func (*BoolLit) exprNode()      {}
func (*NullLit) exprNode()      {}
func (*UnaryExpr) exprNode()    {}
func (*BinaryExpr) exprNode()   {}
func (*InExpr) exprNode()       {}
func (*CallExpr) exprNode()     {}
func (*SelectorExpr) exprNode() {}
func (*IndexExpr) exprNode()    {}

type (
	// WhereStage keeps the rows for which Expr is true. The first stage
	// may leave out the keyword; then Keyword is -1.
	WhereStage struct {
		Keyword int
		Expr    Expr
	}

	// SortStage orders the rows by Keys, first key first. Sorting is
	// stable and puts nulls (and NaN) last in either direction.
	SortStage struct {
		Keyword int
		Keys    []SortKey
	}

	// LimitStage keeps the first N rows.
	LimitStage struct {
		Keyword int
		N       int64
		NEnd    int
	}

	// SelectStage names the columns to show or export.
	SelectStage struct {
		Keyword int
		Fields  []Expr
	}
)

// SortKey is one key of a sort stage. DirEnd is the end of "asc" or
// "desc" when written, else the end of Expr.
type SortKey struct {
	Expr   Expr
	Desc   bool
	DirEnd int
}

func (s *WhereStage) Pos() int {
	if s.Keyword >= 0 {
		return s.Keyword
	}
	return s.Expr.Pos()
}
func (s *SortStage) Pos() int   { return s.Keyword }
func (s *LimitStage) Pos() int  { return s.Keyword }
func (s *SelectStage) Pos() int { return s.Keyword }

func (s *WhereStage) End() int { return s.Expr.End() }
func (s *SortStage) End() int {
	if len(s.Keys) == 0 {
		return s.Keyword + len("sort")
	}
	return s.Keys[len(s.Keys)-1].DirEnd
}
func (s *LimitStage) End() int { return s.NEnd }
func (s *SelectStage) End() int {
	if len(s.Fields) == 0 {
		return s.Keyword + len("select")
	}
	return s.Fields[len(s.Fields)-1].End()
}

func (*WhereStage) stageNode()  {}
func (*SortStage) stageNode()   {}
func (*LimitStage) stageNode()  {}
func (*SelectStage) stageNode() {}

// Query is a parsed query: a pipeline of stages.
type Query struct {
	Stages []Stage
}

// String prints the query in canonical form: a leading where loses its
// keyword, stages are joined by " | ".
func (q *Query) String() string {
	parts := make([]string, len(q.Stages))
	for i, s := range q.Stages {
		if w, ok := s.(*WhereStage); ok && i == 0 {
			parts[i] = w.Expr.String()
			continue
		}
		parts[i] = s.String()
	}
	return strings.Join(parts, " | ")
}

func (s *WhereStage) String() string { return "where " + s.Expr.String() }
func (s *SortStage) String() string {
	var b strings.Builder
	b.WriteString("sort ")
	for i, k := range s.Keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k.Expr.String())
		if k.Desc {
			b.WriteString(" desc")
		}
	}
	return b.String()
}
func (s *LimitStage) String() string { return "limit " + strconv.FormatInt(s.N, 10) }
func (s *SelectStage) String() string {
	return "select " + joinExprs(s.Fields)
}

func joinExprs(list []Expr) string {
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

func (x *Ident) String() string {
	if needsQuote(x.Name) {
		return "`" + x.Name + "`"
	}
	return x.Name
}

// needsQuote reports whether name must be written in backquotes.
func needsQuote(name string) bool {
	if name == "" {
		return true
	}
	if _, kw := keywords[name]; kw {
		return true
	}
	for i, r := range name {
		if !isIdentRune(r) || i == 0 && r >= '0' && r <= '9' {
			return true
		}
	}
	return false
}

func (x *NumberLit) String() string { return x.Raw }
func (x *StringLit) String() string { return quote(x.Value) }
func (x *BoolLit) String() string   { return strconv.FormatBool(x.Value) }
func (x *NullLit) String() string   { return "null" }
func (x *UnaryExpr) String() string {
	if x.Op == Not {
		return "not " + paren(x.X, precOf(x.X) < precNot)
	}
	return "-" + paren(x.X, precOf(x.X) < precUnary)
}
func (x *BinaryExpr) String() string {
	p := binaryPrec[x.Op]
	// Operators are left-associative: a right operand of equal
	// precedence needs parentheses.
	return paren(x.X, precOf(x.X) < p) + " " + x.Op.String() + " " + paren(x.Y, precOf(x.Y) <= p)
}
func (x *InExpr) String() string {
	op := " in ("
	if x.Not {
		op = " not in ("
	}
	return paren(x.X, precOf(x.X) <= precCompare) + op + joinExprs(x.List) + ")"
}
func (x *CallExpr) String() string { return x.Fun.String() + "(" + joinExprs(x.Args) + ")" }
func (x *SelectorExpr) String() string {
	if id, ok := x.X.(*Ident); ok && id.Quoted {
		// `a`.b keeps its quotes: it means field b of column a even
		// beside a column named "a.b", which a.b would mean.
		return "`" + id.Name + "`." + x.Sel.String()
	}
	return paren(x.X, precOf(x.X) < precPostfix) + "." + x.Sel.String()
}
func (x *IndexExpr) String() string {
	return paren(x.X, precOf(x.X) < precPostfix) + "[" + x.Pred.String() + "]"
}

func paren(e Expr, need bool) string {
	if need {
		return "(" + e.String() + ")"
	}
	return e.String()
}

// precOf is the binding power of e as printed, for deciding parentheses.
func precOf(e Expr) int {
	switch e := e.(type) {
	case *BinaryExpr:
		return binaryPrec[e.Op]
	case *InExpr:
		return precCompare
	case *UnaryExpr:
		if e.Op == Not {
			return precNot
		}
		return precUnary
	case *NumberLit:
		if strings.HasPrefix(e.Raw, "-") {
			return precUnary
		}
	}
	return precPostfix
}
