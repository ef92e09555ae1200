package query

import (
	"slices"
	"sort"
	"strings"
)

// Candidate is one completion. Text replaces the name (or the class name
// inside a string) that ends at the cursor; Kind is "column", "field",
// "function", "class" or "keyword".
type Candidate struct {
	Text, Kind string
}

// Complete suggests what may be typed at byte offset cursor of src:
// columns and functions where an expression may start, struct fields after
// "a.", element fields inside "list[", class names inside a string, stage
// keywords after "|". Candidates start with what is already typed (case
// folded) and come sorted by kind, then text.
func Complete(src string, cursor int, env Env) []Candidate {
	cursor = clamp(cursor, len(src))
	toks := tokensBefore(src[:cursor])
	prefix := ""
	if n := len(toks); n > 0 && toks[n-1].End == cursor {
		last := toks[n-1]
		switch {
		case last.Kind == Name || last.Kind.IsKeyword():
			prefix = last.Text
			toks = toks[:n-1]
		case last.Kind == Illegal && strings.HasPrefix(last.Text, "`"):
			prefix = last.Text
			toks = toks[:n-1]
		case last.Kind == Illegal && strings.HasPrefix(last.Text, `"`):
			return filter(classCandidates(env), strings.TrimPrefix(last.Text, `"`))
		case last.Kind == String || last.Kind == Number || last.Kind == RParen || last.Kind == RBrack:
			return nil
		}
	}
	scope := topFields(env)
	kind := "column"
	// Find the innermost open "[": its list's element fields are in scope.
	depth := 0
	for i := len(toks) - 1; i >= 0; i-- {
		switch toks[i].Kind {
		case RBrack:
			depth++
		case LBrack:
			if depth > 0 {
				depth--
				continue
			}
			if t := pathType(toks[:i], env); t != nil && t.Kind == TList {
				scope, kind = []Field{{Name: elemName, Type: t.Elem}}, "field"
				if t.Elem.Kind == TStruct {
					scope = t.Elem.Fields
				}
			}
			i = 0
		}
	}
	var prev Token
	if n := len(toks); n > 0 {
		prev = toks[n-1]
	} else {
		prev = Token{Kind: Pipe}
	}
	var out []Candidate
	switch prev.Kind {
	case Dot:
		// Columns literally named "a.b" complete after "a.".
		if path := pathText(toks[:len(toks)-1]); path != "" && kind == "column" {
			for _, f := range scope {
				if rest, ok := strings.CutPrefix(f.Name, path+"."); ok && rest != "" {
					out = append(out, Candidate{quoteName(rest), "column"})
				}
			}
		}
		t := pathType(toks[:len(toks)-1], env)
		if t != nil && t.Kind == TList {
			t = t.Elem
		}
		if t != nil && t.Kind == TStruct {
			for _, f := range t.Fields {
				out = append(out, Candidate{quoteName(f.Name), "field"})
			}
		}
		return filter(out, prefix)
	case Pipe:
		for _, k := range []Kind{Where, Sort, Limit, Select} {
			out = append(out, Candidate{k.String(), "keyword"})
		}
		if len(toks) > 0 {
			return filter(out, prefix)
		}
	case Name, QuotedName, Number, String, RParen, RBrack, True, False, Null:
		// After a complete operand come operators and stage words.
		for _, k := range []Kind{And, Or, Not, In, Asc, Desc} {
			out = append(out, Candidate{k.String(), "keyword"})
		}
		return filter(out, prefix)
	case Limit:
		return nil
	}
	for _, f := range scope {
		out = append(out, Candidate{quoteName(f.Name), kind})
	}
	if kind == "column" {
		for _, name := range funcNames() {
			out = append(out, Candidate{name, "function"})
		}
	}
	for _, k := range []Kind{Not, True, False, Null} {
		out = append(out, Candidate{k.String(), "keyword"})
	}
	return filter(out, prefix)
}

func quoteName(name string) string {
	if needsQuote(name) {
		return "`" + name + "`"
	}
	return name
}

func tokensBefore(src string) []Token {
	l := newLexer(src)
	var toks []Token
	for {
		t := l.next()
		if t.Kind == EOF {
			return toks
		}
		toks = append(toks, t)
	}
}

func topFields(env Env) []Field {
	if env.Schema == nil {
		return nil
	}
	var out []Field
	for _, f := range env.Schema.Fields() {
		out = append(out, Field{Name: f.Name, Type: typeOf(f.Type)})
	}
	return out
}

// pathType is the type of the name path (a.b.c, possibly with [..]
// filters) that toks end with, or nil.
func pathType(toks []Token, env Env) *Type {
	// Walk back over a[..].b.c to find where the path starts.
	i := len(toks)
	for i > 0 {
		t := toks[i-1]
		switch t.Kind {
		case Name, QuotedName:
			i--
			if i > 0 && toks[i-1].Kind == Dot {
				i--
				continue
			}
		case RBrack:
			depth := 0
			for i > 0 {
				i--
				if toks[i].Kind == RBrack {
					depth++
				} else if toks[i].Kind == LBrack {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			continue
		}
		break
	}
	var names []string
	for _, t := range toks[i:] {
		switch t.Kind {
		case Name:
			names = append(names, t.Text)
		case QuotedName:
			names = append(names, t.Text[1:len(t.Text)-1])
		}
	}
	if len(names) == 0 {
		return nil
	}
	fields := topFields(env)
	// A column literally named "a.b" wins, as in the checker.
	for k := len(names); k >= 1; k-- {
		if t := findField(fields, strings.Join(names[:k], ".")); t != nil {
			for _, n := range names[k:] {
				if t.Kind == TList {
					t = t.Elem
				}
				if t.Kind != TStruct {
					return nil
				}
				if _, t = t.field(n); t == nil {
					return nil
				}
			}
			return t
		}
	}
	return nil
}

// pathText is the dotted name a.b that toks end with, or "".
func pathText(toks []Token) string {
	var names []string
	for i := len(toks) - 1; i >= 0; i-- {
		t := toks[i]
		switch {
		case t.Kind == Name:
			names = append(names, t.Text)
		case t.Kind == QuotedName:
			names = append(names, t.Text[1:len(t.Text)-1])
		default:
			i = -1
			continue
		}
		if i == 0 || toks[i-1].Kind != Dot {
			break
		}
		i--
	}
	slices.Reverse(names)
	return strings.Join(names, ".")
}

func findField(fields []Field, name string) *Type {
	for _, f := range fields {
		if f.Name == name {
			return f.Type
		}
	}
	return nil
}

func classCandidates(env Env) []Candidate {
	out := make([]Candidate, len(env.Classes))
	for i, c := range env.Classes {
		out[i] = Candidate{c, "class"}
	}
	return out
}

var kindOrder = map[string]int{"field": 0, "column": 1, "class": 2, "function": 3, "keyword": 4}

func filter(cands []Candidate, prefix string) []Candidate {
	var out []Candidate
	p := strings.ToLower(strings.TrimPrefix(prefix, "`"))
	for _, c := range cands {
		if strings.HasPrefix(strings.ToLower(strings.TrimPrefix(c.Text, "`")), p) {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if kindOrder[out[i].Kind] != kindOrder[out[j].Kind] {
			return kindOrder[out[i].Kind] < kindOrder[out[j].Kind]
		}
		return out[i].Text < out[j].Text
	})
	return out
}
