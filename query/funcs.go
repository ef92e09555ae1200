package query

import (
	"slices"
	"sort"
	"strings"
)

// argSpec is one parameter of a builtin.
type argSpec struct {
	desc    string // for messages: "a string"
	accepts func(t *Type) bool
}

// funcDef is one builtin function. The checker reads this table; nothing
// else knows the builtins' signatures.
type funcDef struct {
	name string
	sig  string // for docs and completion: "len(string | list) int"
	doc  string
	args []argSpec
	// build compiles a call whose arguments have checked; it returns the
	// result type.
	build func(args []operand) (*Type, evalNode)
	// rewrite, when set, replaces the usual argument checks (fp, fn).
	rewrite func(c *checker, call *CallExpr) operand
}

var (
	anyArg    = argSpec{"any value", func(t *Type) bool { return true }}
	strArg    = argSpec{"a string", func(t *Type) bool { return t.Kind == TString }}
	numArg    = argSpec{"a number", func(t *Type) bool { return t.numeric() }}
	listArg   = argSpec{"a list", func(t *Type) bool { return t.Kind == TList }}
	numList   = argSpec{"a list of numbers", func(t *Type) bool { return t.Kind == TList && t.Elem.numeric() }}
	lenArg    = argSpec{"a string or a list", func(t *Type) bool { return t.Kind == TString || t.Kind == TList }}
	classList = argSpec{"a class name", nil}
)

var funcs = []*funcDef{
	{
		name: "len", sig: "len(string | list) int",
		doc:  "characters in a string (runes, not bytes), or elements in a list (after any [filter])",
		args: []argSpec{lenArg},
		build: func(a []operand) (*Type, evalNode) {
			if a[0].typ.Kind == TString {
				return intType, &strFuncNode{x: a[0].node, fn: "len"}
			}
			return intType, &listAggNode{x: a[0].node, fn: "count"}
		},
	},
	{
		name: "abs", sig: "abs(number) number", doc: "absolute value",
		args: []argSpec{numArg},
		build: func(a []operand) (*Type, evalNode) {
			return a[0].typ, &absNode{x: a[0].node, typ: a[0].typ}
		},
	},
	{
		name: "lower", sig: "lower(string) string", doc: "the string in lower case",
		args: []argSpec{strArg},
		build: func(a []operand) (*Type, evalNode) {
			return stringType, &strFuncNode{x: a[0].node, fn: "lower"}
		},
	},
	{
		name: "upper", sig: "upper(string) string", doc: "the string in upper case",
		args: []argSpec{strArg},
		build: func(a []operand) (*Type, evalNode) {
			return stringType, &strFuncNode{x: a[0].node, fn: "upper"}
		},
	},
	strPredFunc("contains", "whether s contains sub", "sub"),
	strPredFunc("startswith", "whether s starts with prefix", "prefix"),
	strPredFunc("endswith", "whether s ends with suffix", "suffix"),
	{
		name: "is_null", sig: "is_null(x) bool", doc: "whether x is null; never null itself",
		args: []argSpec{anyArg},
		build: func(a []operand) (*Type, evalNode) {
			return boolType, &isNullNode{x: a[0].node}
		},
	},
	{
		name: "fp", sig: `fp("class") bool`,
		doc:     `false positive for a class: pred == class and label != class`,
		args:    []argSpec{classList},
		rewrite: confusionFP,
	},
	{
		name: "fn", sig: `fn("class") bool`,
		doc:     `false negative for a class: label == class and pred != class`,
		args:    []argSpec{classList},
		rewrite: confusionFN,
	},
	{
		name: "any", sig: "any(list) bool",
		doc:  "whether the list has an element (after any [filter]); for a list of bools, whether one is true",
		args: []argSpec{listArg},
		build: func(a []operand) (*Type, evalNode) {
			return boolType, &listAggNode{x: a[0].node, fn: "any", boolElem: a[0].typ.Elem.Kind == TBool}
		},
	},
	{
		name: "count", sig: "count(list) int",
		doc:  "elements in the list (after any [filter]); for a list of bools, how many are true",
		args: []argSpec{listArg},
		build: func(a []operand) (*Type, evalNode) {
			return intType, &listAggNode{x: a[0].node, fn: "count", boolElem: a[0].typ.Elem.Kind == TBool}
		},
	},
	listNumFunc("mean", "mean of the non-null elements; null for none"),
	listNumFunc("sum", "sum of the non-null elements; 0 for none"),
	listNumFunc("min", "least non-null element; null for none"),
	listNumFunc("max", "greatest non-null element; null for none"),
}

func strPredFunc(name, doc, arg string) *funcDef {
	return &funcDef{
		name: name, sig: name + "(s, " + arg + " string) bool", doc: doc,
		args: []argSpec{strArg, strArg},
		build: func(a []operand) (*Type, evalNode) {
			if c := a[1].cnst; c != nil && c.kind == TString {
				return boolType, &strPredNode{x: a[0].node, m: literalMatcher(name, c.s)}
			}
			return boolType, &strPredNode{x: a[0].node, y: a[1].node, fn: name}
		},
	}
}

func listNumFunc(name, doc string) *funcDef {
	return &funcDef{
		name: name, sig: name + "(list of numbers) float", doc: doc,
		args: []argSpec{numList},
		build: func(a []operand) (*Type, evalNode) {
			return floatType, &listAggNode{x: a[0].node, fn: name}
		},
	}
}

var funcIndex = make(map[string]*funcDef)

func init() {
	// In init rather than the declaration: fp and fn look themselves up,
	// which would make an initialization cycle.
	for _, f := range funcs {
		funcIndex[f.name] = f
	}
}

func lookupFunc(name string) *funcDef { return funcIndex[name] }

func funcNames() []string {
	names := make([]string, 0, len(funcIndex))
	for name := range funcIndex {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func confusionFP(c *checker, call *CallExpr) operand { return c.confusion(call, true) }
func confusionFN(c *checker, call *CallExpr) operand { return c.confusion(call, false) }

// confusion checks fp("c") and fn("c") and rewrites them into the
// comparisons they stand for, so they evaluate like any other query.
func (c *checker) confusion(call *CallExpr, fp bool) operand {
	name := call.Fun.Name
	if len(call.Args) != 1 {
		c.wrongArgCount(call, &funcDef{name: name, args: []argSpec{classList}})
		return bad
	}
	lit, ok := call.Args[0].(*StringLit)
	if !ok {
		c.classNotLiteral(call.Args[0], name)
		return bad
	}
	if c.env.Label == "" || c.env.Pred == "" || c.scope != c.top {
		c.needsRoles(call, name)
		return bad
	}
	if i := c.top.lookup(c.env.Label); i >= 0 && c.top.types[i].Kind == TInt && len(c.env.Classes) > 0 && !slices.Contains(c.env.Classes, lit.Value) {
		c.unknownClass(lit, lit.Value)
		return bad
	}
	label := &Ident{NamePos: call.Pos(), Name: c.env.Label, EndPos: call.End()}
	pred := &Ident{NamePos: call.Pos(), Name: c.env.Pred, EndPos: call.End()}
	is, isNot := Expr(pred), Expr(label)
	if !fp {
		is, isNot = label, pred
	}
	rewritten := &BinaryExpr{
		X:  &BinaryExpr{X: is, OpPos: call.Pos(), Op: Eq, Y: lit},
		Op: And, OpPos: call.Pos(),
		Y: &BinaryExpr{X: isNot, OpPos: call.Pos(), Op: Ne, Y: lit},
	}
	return c.expr(rewritten)
}

func (c *checker) missingRole() string {
	var missing []string
	if c.env.Label == "" {
		missing = append(missing, "label")
	}
	if c.env.Pred == "" {
		missing = append(missing, "pred")
	}
	if len(missing) == 0 {
		return "such columns inside a list filter"
	}
	return strings.Join(missing, " or ") + " column"
}
