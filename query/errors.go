package query

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Error is one problem with a query, at src[Pos:End] (byte offsets).
type Error struct {
	Pos, End int
	Msg      string
	// Suggest is a replacement for src[Pos:End], when one is likely
	// ("label" for "lable"). FormatError prints it.
	Suggest string
}

func (e *Error) Error() string { return e.Msg }

// ErrorList is every error found in a query, in source order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0].Error(), len(l)-1)
}

// Sort orders the list by position.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Pos < l[j].Pos })
}

// Unwrap lets errors.As find the individual errors.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// FormatError renders err for a person: each error on its own line with
// its line:column, the query line, and a caret under the offending text,
// placed by display width so wide characters do not shift it:
//
//	unknown column "lable" (1:1), did you mean "label"?
//	 | lable == "cat"
//	 | ^~~~~
//
// Errors that are not from this package are returned as their text.
func FormatError(src string, err error) string {
	var list ErrorList
	var one *Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = ErrorList{one}
	default:
		if err == nil {
			return ""
		}
		return err.Error()
	}
	var b strings.Builder
	for i, e := range list {
		if i > 0 {
			b.WriteByte('\n')
		}
		formatOne(&b, src, e)
	}
	return b.String()
}

func formatOne(b *strings.Builder, src string, e *Error) {
	pos, end := clamp(e.Pos, len(src)), clamp(e.End, len(src))
	if end < pos {
		end = pos
	}
	fmt.Fprintf(b, "%s (%s)", e.Msg, lineCol(src, pos))
	if e.Suggest != "" {
		fmt.Fprintf(b, ", did you mean %q?", e.Suggest)
	}
	lineStart := strings.LastIndexByte(src[:pos], '\n') + 1
	lineEnd := len(src)
	if i := strings.IndexByte(src[pos:], '\n'); i >= 0 {
		lineEnd = pos + i
	}
	// A long line is cut to a window around the caret, marked with "…".
	from, to := window(src, lineStart, lineEnd, pos)
	var before, after string
	if from > lineStart {
		before = "…"
	}
	if to < lineEnd {
		after = "…"
	}
	end = min(end, to)
	pad := width(before + src[from:pos])
	underline := width(src[pos:end])
	fmt.Fprintf(b, "\n | %s%s%s\n | %s^%s", before, sanitize(src[from:to]), after, strings.Repeat(" ", pad), strings.Repeat("~", max(underline-1, 0)))
}

// errorWindow is the widest query line an error shows, in columns; longer
// lines are cut around the caret (a generated query can be 100 KB).
const (
	errorWindow = 80
	errorLead   = 40 // columns kept before the caret
)

// window returns the part [from, to) of the line src[lineStart:lineEnd]
// to show: all of it when it fits in errorWindow columns, else up to
// errorLead columns before pos and the rest after it.
func window(src string, lineStart, lineEnd, pos int) (from, to int) {
	if width(src[lineStart:lineEnd]) <= errorWindow {
		return lineStart, lineEnd
	}
	from = pos
	for w := 0; from > lineStart; {
		r, n := utf8.DecodeLastRuneInString(src[lineStart:from])
		if w += width(string(r)); w > errorLead {
			break
		}
		from -= n
	}
	to = from
	for w := 0; to < lineEnd; {
		r, n := utf8.DecodeRuneInString(src[to:lineEnd])
		if w += width(string(r)); w > errorWindow {
			break
		}
		to += n
	}
	return from, max(to, pos)
}

// width is the display width of s once sanitized, in terminal columns.
func width(s string) int { return uniseg.StringWidth(sanitize(s)) }

// sanitize replaces control characters (tabs, escapes) so the caret line
// lines up and nothing reaches the terminal raw.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

func clamp(i, n int) int { return min(max(i, 0), n) }

// suggest returns the candidate nearest to name by edit distance, or "" if
// none is near enough to be a likely typo.
func suggest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	lname := strings.ToLower(name)
	for _, c := range candidates {
		d := editDistance(lname, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(1, min(3, len([]rune(name))/3))
	if bestD > limit {
		return ""
	}
	return best
}

// editDistance is the Damerau–Levenshtein (optimal string alignment)
// distance in runes, so a swapped pair ("lable") costs 1.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// The checker's messages, one small method each, so their wording is in
// one place.

func (c *checker) errorf(n Node, format string, args ...any) *Error {
	e := &Error{Pos: n.Pos(), End: n.End(), Msg: fmt.Sprintf(format, args...)}
	c.errs = append(c.errs, e)
	return e
}

func (c *checker) unknownColumn(id Node, name string, candidates []string) {
	c.errorf(id, "unknown column %q", name).Suggest = suggest(name, candidates)
}

func (c *checker) unknownField(id *Ident, of string, candidates []string) {
	c.errorf(id, "unknown field %q in %s", id.Name, of).Suggest = suggest(id.Name, candidates)
}

func (c *checker) unknownElemField(n Node, name string, candidates []string) {
	c.errorf(n, "unknown field %q in list elements", name).Suggest = suggest(name, candidates)
}

func (c *checker) unknownElemName(n Node, name string) {
	c.errorf(n, "unknown name %q in a list filter: the elements of this list are called %q", name, elemName)
}

func (c *checker) unreadable(n Node, what, name string, t *Type) {
	c.errorf(n, "%s %q has type %s, which queries cannot read", what, name, t)
}

func (c *checker) regexpNotLiteral(n Node, y operand) {
	c.errorf(n, "the right side of \"~\" must be a string literal, found %s", y.describe())
}

func (c *checker) inNotLiteral(n Node, y operand) {
	c.errorf(n, "the list after \"in\" holds literal values, found %s", y.describe())
}

func (c *checker) classNotLiteral(arg Expr, fn string) {
	c.errorf(arg, "argument of %s must be a class name in quotes, found %s", fn, arg)
}

func (c *checker) notAStruct(n Node, what string, t *Type) {
	c.errorf(n, "%s is %s, not a struct: it has no fields", what, t)
}

func (c *checker) unknownFunction(id *Ident) {
	c.errorf(id, "unknown function %q", id.Name).Suggest = suggest(id.Name, funcNames())
}

func (c *checker) unknownClass(n Node, name string) {
	c.errorf(n, "unknown class %q", name).Suggest = suggest(name, c.env.Classes)
}

func (c *checker) cannotCompare(n Node, op Kind, x, y operand) {
	c.errorf(n, "cannot compare %s with %s using %q", x.describe(), y.describe(), op.String())
}

func (c *checker) badOperand(n Node, op string, x operand, want string) {
	c.errorf(n, "%q needs %s, found %s", op, want, x.describe())
}

func (c *checker) notBool(n Node, where string, x operand) {
	c.errorf(n, "%s must be true or false, found %s", where, x.describe())
}

func (c *checker) wrongArgCount(call *CallExpr, f *funcDef) {
	c.errorf(call, "%s takes %s, found %d", f.name, plural(len(f.args), "argument"), len(call.Args))
}

func (c *checker) badArg(arg Node, f *funcDef, i int, x operand) {
	c.errorf(arg, "argument %d of %s must be %s, found %s", i+1, f.name, f.args[i].desc, x.describe())
}

func (c *checker) needsRoles(call *CallExpr, name string) {
	c.errorf(call, "%s needs the label and pred columns, and this dataset has no %s", name, c.missingRole())
}

func (c *checker) badRegexp(n Node, err error) {
	c.errorf(n, "bad regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
}

func (c *checker) notAList(n Node, x operand) {
	c.errorf(n, "only lists can be filtered with [...], found %s", x.describe())
}

func (c *checker) notAField(n Node, what string) {
	c.errorf(n, "%s names a column or field, found %s", what, n.String())
}

func (c *checker) notSortable(n Node, x operand) {
	c.errorf(n, "cannot sort by %s", x.describe())
}

func (c *checker) mixedIn(n Node, x, y operand) {
	c.errorf(n, "cannot look for %s in a list holding %s", x.describe(), y.describe())
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
