package query

import (
	"fmt"
	"strconv"
	"strings"
)

// Binding powers, loosest first. The binary operators' powers are data in
// binaryPrec; the parser reads them instead of having one function per
// level.
const (
	precLowest = iota
	precOr
	precAnd
	precNot
	precCompare
	precAdd
	precMul
	precUnary
	precPostfix
)

var binaryPrec = map[Kind]int{
	Or:  precOr,
	And: precAnd,
	Eq:  precCompare, Ne: precCompare, Lt: precCompare, Le: precCompare,
	Gt: precCompare, Ge: precCompare, Match: precCompare,
	Add: precAdd, Sub: precAdd,
	Mul: precMul, Quo: precMul,
}

// Parse parses a query without looking at any data. The error, if any, is
// an ErrorList with every syntax error found.
func Parse(src string) (q *Query, err error) {
	p := &parser{lex: newLexer(src), src: src}
	defer func() {
		if r := recover(); r != nil {
			// A bug in the parser must not take the program down with it.
			q = nil
			err = ErrorList{{Pos: 0, End: len(src), Msg: fmt.Sprintf("%s: %v", internalMsg, r)}}
		}
	}()
	if testHook != nil {
		testHook()
	}
	p.advance()
	p.advance()
	q = p.query()
	errs := p.errors()
	if len(errs) > 0 {
		return q, errs
	}
	return q, nil
}

// internalMsg and internalCheckMsg start the message of an error that is
// a bug in this package. Tests fail when they see one.
const (
	internalMsg      = "internal error in query parser"
	internalCheckMsg = "internal error in query checker"
	internalRunMsg   = "query: internal error evaluating the query"
)

// testHook, when set by a test, runs inside Parse and Compile, so tests
// can make them panic and see the panic turned into an error.
var testHook func()

type parser struct {
	lex   *lexer
	src   string
	tok   Token // current token
	peek  Token // the one after
	errs  ErrorList
	depth int // nesting of expressions, bounded by maxDepth
}

// maxErrors is how many errors a query reports at most; past that they are
// more noise than help.
const maxErrors = 10

// maxDepth bounds how deeply expressions nest, so a pathological query
// cannot exhaust the stack.
const maxDepth = 500

// bailout unwinds the parse of one stage after an error.
type bailout struct{}

func (p *parser) advance() {
	p.tok = p.peek
	p.peek = p.lex.next()
}

func (p *parser) errors() ErrorList {
	all := append(ErrorList{}, p.lex.errs...)
	all = append(all, p.errs...)
	all.Sort()
	if len(all) > maxErrors {
		all = all[:maxErrors]
	}
	return all
}

// errorf records an error at the current token and abandons the stage. At
// an illegal token the lexer has already said what is wrong.
func (p *parser) errorf(format string, args ...any) {
	if p.tok.Kind != Illegal && len(p.errs) < maxErrors {
		p.errs = append(p.errs, &Error{Pos: p.tok.Pos, End: p.tok.End, Msg: fmt.Sprintf(format, args...)})
	}
	panic(bailout{})
}

// unexpected reports the current token, with what was wanted instead.
func (p *parser) unexpected(context, expected string) {
	msg := "unexpected " + describe(p.tok)
	if context != "" {
		msg += " " + context
	}
	if expected != "" {
		msg += ", expected " + expected
	}
	p.errorf("%s", msg)
}

func describe(t Token) string {
	switch t.Kind {
	case EOF:
		return "end of query"
	case Name:
		return fmt.Sprintf("identifier %q", t.Text)
	case QuotedName:
		return fmt.Sprintf("name %s", t.Text)
	case Number:
		return "number " + t.Text
	case String:
		return "string " + t.Text
	}
	return fmt.Sprintf("%q", t.Text)
}

func (p *parser) expect(k Kind, context string) Token {
	t := p.tok
	if t.Kind != k {
		p.unexpected(context, fmt.Sprintf("%q", k.String()))
	}
	p.advance()
	return t
}

// closing expects the token that closes open (a "(" or "[" at openPos).
func (p *parser) closing(k Kind, open Token, context string) int {
	if p.tok.Kind == EOF {
		p.errorf("unclosed %q started at %s", open.Text, lineCol(p.src, open.Pos))
	}
	return p.expect(k, context).Pos
}

func (p *parser) query() *Query {
	q := &Query{}
	if p.tok.Kind == EOF {
		return q
	}
	for {
		if s := p.stage(len(q.Stages) == 0); s != nil {
			q.Stages = append(q.Stages, s)
		}
		if p.tok.Kind == EOF {
			return q
		}
		p.advance() // "|"
	}
}

// stage parses one stage. After an error it skips to the next "|".
func (p *parser) stage(first bool) (s Stage) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
			s = nil
			for p.tok.Kind != EOF && p.tok.Kind != Pipe {
				p.advance()
			}
		}
	}()
	s = p.stageBody()
	if p.tok.Kind != EOF && p.tok.Kind != Pipe {
		switch {
		case p.tok.Kind == RParen:
			p.errorf(`unexpected ")" with no matching "("`)
		case p.tok.Kind == RBrack:
			p.errorf(`unexpected "]" with no matching "["`)
		case first:
			p.unexpected("", `operator or "|"`)
		default:
			p.unexpected("", `"|"`)
		}
	}
	return s
}

func (p *parser) stageBody() Stage {
	kw := p.tok
	switch kw.Kind {
	case Where:
		p.advance()
		return &WhereStage{Keyword: kw.Pos, Expr: p.expr(precLowest)}
	case Sort:
		p.advance()
		s := &SortStage{Keyword: kw.Pos}
		for {
			k := SortKey{Expr: p.expr(precLowest)}
			k.DirEnd = k.Expr.End()
			if p.tok.Kind == Asc || p.tok.Kind == Desc {
				k.Desc = p.tok.Kind == Desc
				k.DirEnd = p.tok.End
				p.advance()
			}
			s.Keys = append(s.Keys, k)
			if p.tok.Kind != Comma {
				return s
			}
			p.advance()
		}
	case Limit:
		p.advance()
		t := p.tok
		if t.Kind != Number {
			p.unexpected("after limit", "a whole number")
		}
		n, err := strconv.ParseInt(t.Text, 10, 64)
		if err != nil {
			p.errorf("limit wants a whole number, found %s", t.Text)
		}
		p.advance()
		return &LimitStage{Keyword: kw.Pos, N: n, NEnd: t.End}
	case Select:
		p.advance()
		s := &SelectStage{Keyword: kw.Pos}
		for {
			s.Fields = append(s.Fields, p.expr(precLowest))
			if p.tok.Kind != Comma {
				return s
			}
			p.advance()
		}
	case Pipe, EOF:
		p.unexpected("", "a stage (where, sort, limit, select) or an expression")
	}
	return &WhereStage{Keyword: -1, Expr: p.expr(precLowest)}
}

// expr parses an expression whose operators bind at least as tightly as
// min (Pratt's "right binding power").
func (p *parser) expr(min int) Expr {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		p.errorf("expression nests more than %d deep", maxDepth)
	}
	x := p.unary()
	for {
		op := p.tok
		prec := binaryPrec[op.Kind]
		isIn := op.Kind == In || op.Kind == Not && p.peek.Kind == In
		if isIn {
			prec = precCompare
		}
		if prec == 0 || prec < min {
			return x
		}
		p.advance()
		if isIn {
			x = p.in(x, op.Kind == Not)
			continue
		}
		y := p.expr(prec + 1)
		x = &BinaryExpr{X: x, OpPos: op.Pos, Op: op.Kind, Y: y}
	}
}

func (p *parser) in(x Expr, not bool) Expr {
	if not {
		p.advance() // "in"
	}
	open := p.expect(LParen, `after "in"`)
	e := &InExpr{X: x, Not: not}
	for p.tok.Kind != RParen {
		e.List = append(e.List, p.expr(precLowest))
		if p.tok.Kind != Comma {
			break
		}
		p.advance()
	}
	if len(e.List) == 0 {
		p.unexpected(`in "in" list`, "at least one value")
	}
	if p.tok.Kind != RParen && p.tok.Kind != EOF {
		p.unexpected(`in "in" list`, `"," or ")"`)
	}
	e.Rparen = p.closing(RParen, open, `in "in" list`)
	return e
}

func (p *parser) unary() Expr {
	switch t := p.tok; t.Kind {
	case Not:
		p.advance()
		return &UnaryExpr{OpPos: t.Pos, Op: Not, X: p.expr(precNot)}
	case Sub:
		p.advance()
		return &UnaryExpr{OpPos: t.Pos, Op: Sub, X: p.expr(precUnary)}
	}
	return p.postfix(p.primary())
}

func (p *parser) primary() Expr {
	t := p.tok
	switch t.Kind {
	case Name, QuotedName:
		id := p.ident()
		if t.Kind == Name && p.tok.Kind == LParen {
			return p.call(id)
		}
		return id
	case Number:
		p.advance()
		return numberLit(t)
	case String:
		p.advance()
		v, _ := unquote(t.Text)
		return &StringLit{ValuePos: t.Pos, EndPos: t.End, Value: v}
	case True, False:
		p.advance()
		return &BoolLit{ValuePos: t.Pos, Value: t.Kind == True}
	case Null:
		p.advance()
		return &NullLit{ValuePos: t.Pos}
	case LParen:
		p.advance()
		x := p.expr(precLowest)
		if p.tok.Kind != RParen && p.tok.Kind != EOF {
			p.unexpected("", `operator or ")"`)
		}
		p.closing(RParen, t, "")
		return x
	}
	p.unexpected("", "expression")
	return nil
}

func (p *parser) ident() *Ident {
	t := p.tok
	p.advance()
	if t.Kind == QuotedName {
		return &Ident{NamePos: t.Pos, Name: t.Text[1 : len(t.Text)-1], Quoted: true, EndPos: t.End}
	}
	return &Ident{NamePos: t.Pos, Name: t.Text, EndPos: t.End}
}

func (p *parser) call(fun *Ident) Expr {
	open := p.tok
	p.advance()
	c := &CallExpr{Fun: fun}
	ctx := "in call to " + fun.Name
	for p.tok.Kind != RParen && p.tok.Kind != EOF {
		c.Args = append(c.Args, p.expr(precLowest))
		if p.tok.Kind == Comma {
			p.advance()
			if p.tok.Kind == RParen {
				p.unexpected(ctx, "expression")
			}
			continue
		}
		if p.tok.Kind != RParen && p.tok.Kind != EOF {
			p.unexpected(ctx, `"," or ")"`)
		}
	}
	c.Rparen = p.closing(RParen, open, ctx)
	return c
}

func (p *parser) postfix(x Expr) Expr {
	for {
		switch t := p.tok; t.Kind {
		case Dot:
			p.advance()
			switch {
			case p.tok.Kind == Name || p.tok.Kind == QuotedName:
				x = &SelectorExpr{X: x, Sel: p.ident()}
			case p.tok.Kind.IsKeyword():
				// Keywords are fine as field names after a dot.
				k := p.tok
				p.advance()
				x = &SelectorExpr{X: x, Sel: &Ident{NamePos: k.Pos, Name: k.Text, EndPos: k.End}}
			default:
				p.unexpected(`after "."`, "field name")
			}
		case LBrack:
			p.advance()
			pred := p.expr(precLowest)
			if p.tok.Kind != RBrack && p.tok.Kind != EOF {
				p.unexpected("in list filter", `operator or "]"`)
			}
			x = &IndexExpr{X: x, Pred: pred, Rbrack: p.closing(RBrack, t, "in list filter")}
		default:
			return x
		}
	}
}

func numberLit(t Token) *NumberLit {
	n := &NumberLit{ValuePos: t.Pos, Raw: t.Text}
	if !strings.ContainsAny(t.Text, ".eE") {
		if i, err := strconv.ParseInt(t.Text, 10, 64); err == nil {
			n.IsInt, n.Int, n.Value = true, i, float64(i)
			return n
		}
	}
	n.Value, _ = strconv.ParseFloat(t.Text, 64)
	return n
}
