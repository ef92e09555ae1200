package query

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLex(t *testing.T) {
	tests := []struct {
		src  string
		want string // kinds and texts
	}{
		{``, ``},
		{`label == "cat"`, `identifier:label == string:"cat"`},
		{`a.b>=1.5e3`, `identifier:a . identifier:b >= number:1.5e3`},
		{"`odd name` != 3", "quoted identifier:`odd name` != number:3"},
		{`not x in (1,2)`, `not identifier:x in ( number:1 , number:2 )`},
		{`s ~ "a\"b" | sort x desc | limit 5`, `identifier:s ~ string:"a\"b" | sort identifier:x desc | limit number:5`},
		{`x<y<=z>w`, `identifier:x < identifier:y <= identifier:z > identifier:w`},
		{`ünï_2 - -1`, `identifier:ünï_2 - - number:1`},
		{`d[eval=="fp"]`, `identifier:d [ identifier:eval == string:"fp" ]`},
		{`a = b`, `identifier:a illegal:= identifier:b`},
		{`3abc`, `illegal:3abc`},
		{`"open`, `illegal:"open`},
	}
	for _, tc := range tests {
		l := newLexer(tc.src)
		var parts []string
		for {
			tok := l.next()
			if tok.Kind == EOF {
				break
			}
			if tok.Pos < 0 || tok.End > len(tc.src) || tok.Pos > tok.End || tc.src[tok.Pos:tok.End] != tok.Text {
				t.Errorf("lex(%q): token %+v has bad position", tc.src, tok)
			}
			switch tok.Kind {
			case Name, QuotedName, Number, String, Illegal:
				parts = append(parts, tok.Kind.String()+":"+tok.Text)
			default:
				parts = append(parts, tok.Kind.String())
			}
		}
		if got := strings.Join(parts, " "); got != tc.want {
			t.Errorf("lex(%q) = %s, want %s", tc.src, got, tc.want)
		}
	}
}

// TestParseString parses each query and prints it back in canonical form;
// the canonical form must parse to the same tree (same String again).
func TestParseString(t *testing.T) {
	tests := []struct{ src, want string }{
		{``, ``},
		{`label != pred and score > 0.9`, `label != pred and score > 0.9`},
		{`where suspect`, `suspect`},
		{`suspect | sort mistakenness desc`, `suspect | sort mistakenness desc`},
		{`a or b and c`, `a or b and c`},
		{`(a or b) and c`, `(a or b) and c`},
		{`not a and b`, `not a and b`},
		{`not (a and b)`, `not (a and b)`},
		{`not a == b`, `not a == b`},
		{`a == not b`, `a == (not b)`},
		{`a - (b - c)`, `a - (b - c)`},
		{`(a - b) - c`, `a - b - c`},
		{`a * (b + c)`, `a * (b + c)`},
		{`-a.b * 2`, `-a.b * 2`},
		{`-(a + 1)`, `-(a + 1)`},
		{`- -3`, `--3`},
		{`x not in (1, "a", null)`, `x not in (1, "a", null)`},
		{`(a == b) in (true)`, `(a == b) in (true)`},
		{`a in (1) == true`, `a in (1) == true`},
		{`len(detections[eval == "fp" and score > 0.8]) > 0`, `len(detections[eval == "fp" and score > 0.8]) > 0`},
		{`fp("cat") and split == "val" | sort score desc | limit 200`, `fp("cat") and split == "val" | sort score desc | limit 200`},
		{`label in ("cat", "dog") | select id, label, pred`, `label in ("cat", "dog") | select id, label, pred`},
		{"`odd name` > 1 and `and` == 2", "`odd name` > 1 and `and` == 2"},
		{"`plain`", "plain"},
		{`a.limit`, "a.`limit`"},
		{`sort a asc, b desc | where x`, `sort a, b desc | where x`},
		{`"tab\there\u00e9\x01"`, `"tab\thereé\u0001"`},
		{`"\xff"`, `"\xff"`},
		{`(d[a])[b].c`, `d[a][b].c`},
		{`f(x).y`, `f(x).y`},
		{`1e3 + 0.5`, `1e3 + 0.5`},
	}
	for _, tc := range tests {
		q, err := Parse(tc.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.src, err)
			continue
		}
		got := q.String()
		if got != tc.want {
			t.Errorf("Parse(%q).String() = %s, want %s", tc.src, got, tc.want)
		}
		q2, err := Parse(got)
		if err != nil {
			t.Errorf("Parse(%q) (canonical form of %q): %v", got, tc.src, err)
			continue
		}
		if got2 := q2.String(); got2 != got {
			t.Errorf("Parse(%q).String() = %s, not a fixed point", got, got2)
		}
	}
}

// TestParseTree pins the tree shape, not just the printing: a fully
// parenthesized rendering shows the grouping.
func TestParseTree(t *testing.T) {
	tests := []struct{ src, want string }{
		{`a or b and c`, `(a or (b and c))`},
		{`a and b or c`, `((a and b) or c)`},
		{`not a and b`, `((not a) and b)`},
		{`not a == b`, `(not (a == b))`},
		{`a + b * c - d`, `((a + (b * c)) - d)`},
		{`-a * b`, `((-a) * b)`},
		{`a < b + 1 and c ~ "x"`, `((a < (b + 1)) and (c ~ "x"))`},
		{`a not in (1) or b`, `((a not in (1)) or b)`},
		{`x.y[z > 1].w`, `x.y[(z > 1)].w`},
	}
	for _, tc := range tests {
		q, err := Parse(tc.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.src, err)
			continue
		}
		if got := fullParens(q.Stages[0].(*WhereStage).Expr); got != tc.want {
			t.Errorf("Parse(%q) = %s, want %s", tc.src, got, tc.want)
		}
	}
}

func fullParens(e Expr) string {
	switch e := e.(type) {
	case *BinaryExpr:
		return "(" + fullParens(e.X) + " " + e.Op.String() + " " + fullParens(e.Y) + ")"
	case *UnaryExpr:
		if e.Op == Not {
			return "(not " + fullParens(e.X) + ")"
		}
		return "(-" + fullParens(e.X) + ")"
	case *InExpr:
		op := " in ("
		if e.Not {
			op = " not in ("
		}
		return "(" + fullParens(e.X) + op + joinExprs(e.List) + "))"
	case *SelectorExpr:
		return fullParens(e.X) + "." + e.Sel.String()
	case *IndexExpr:
		return fullParens(e.X) + "[" + fullParens(e.Pred) + "]"
	}
	return e.String()
}

// TestParseErrors reads testdata/parse_errors.txt: each line is a query,
// " # Expect: ", and the messages (joined by " ; ") Parse must give, with
// their line:col.
func TestParseErrors(t *testing.T) {
	for _, tc := range readExpectFile(t, "testdata/parse_errors.txt") {
		_, err := Parse(tc.src)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want errors %q", tc.src, tc.want)
			continue
		}
		if got := errorSummary(tc.src, err); got != tc.want {
			t.Errorf("Parse(%q) errors:\n got  %s\n want %s", tc.src, got, tc.want)
		}
	}
}

type expectCase struct{ src, want string }

func readExpectFile(t *testing.T, path string) []expectCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []expectCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "//") {
			continue
		}
		src, want, ok := strings.Cut(line, " # Expect: ")
		if !ok {
			t.Fatalf("%s: line without # Expect: %q", path, line)
		}
		out = append(out, expectCase{src, want})
	}
	return out
}

// errorSummary is each error's message and line:col, joined by " ; ".
func errorSummary(src string, err error) string {
	list, ok := err.(ErrorList)
	if !ok {
		return "not an ErrorList: " + err.Error()
	}
	var parts []string
	for _, e := range list {
		if strings.Contains(e.Msg, internalMsg) || strings.Contains(e.Msg, internalCheckMsg) {
			return "INTERNAL: " + e.Msg
		}
		s := e.Msg + " (" + lineCol(src, e.Pos) + ")"
		if e.Suggest != "" {
			s += ` did you mean "` + e.Suggest + `"`
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ; ")
}

func TestErrorList(t *testing.T) {
	l := ErrorList{{Pos: 0, Msg: "first"}, {Pos: 3, Msg: "second"}, {Pos: 5, Msg: "third"}}
	if got, want := l.Error(), "first (and 2 more errors)"; got != want {
		t.Errorf("ErrorList.Error() = %q, want %q", got, want)
	}
	if got, want := l[:1].Error(), "first"; got != want {
		t.Errorf("ErrorList.Error() = %q, want %q", got, want)
	}
}

func TestFormatError(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{`lable == "cat"`, "unknown column \"lable\" (1:1), did you mean \"label\"?\n | lable == \"cat\"\n | ^~~~~"},
		{`label == "cat" and scroe > 1`, "unknown column \"scroe\" (1:20), did you mean \"score\"?\n | label == \"cat\" and scroe > 1\n |                    ^~~~~"},
		// Wide characters before the error move the caret by their width.
		{`label == "猫猫" and bogus`, "unknown column \"bogus\" (1:19)\n | label == \"猫猫\" and bogus\n | " + strings.Repeat(" ", 20) + "^~~~~"},
		{"label ==\n  nope", "unknown column \"nope\" (2:3)\n |   nope\n |   ^~~~"},
	}
	env := Env{Schema: mustSchema("label:string,score:float64")}
	for _, tc := range tests {
		_, err := Compile(tc.src, env)
		if got := FormatError(tc.src, err); got != tc.want {
			t.Errorf("FormatError(%q):\n%s\nwant:\n%s", tc.src, got, tc.want)
		}
	}
}

// TestFormatErrorLongLine: a 96 KB query with an error at its end shows a
// window of the line around the caret, not the whole query (twice, with
// the caret line's padding).
func TestFormatErrorLongLine(t *testing.T) {
	env := Env{Schema: mustSchema("label:string,score:float64")}
	long := strings.Repeat(`score > 0.5 or `, 96<<10/15) + "bogus"
	_, err := Compile(long, env)
	got := FormatError(long, err)
	lines := strings.Split(got, "\n")
	if len(lines) != 3 {
		t.Fatalf("FormatError gave %d lines, want 3:\n%s", len(lines), got)
	}
	wantHead := fmt.Sprintf("unknown column \"bogus\" (1:%d)", len(long)-4)
	if lines[0] != wantHead {
		t.Errorf("first line %q, want %q", lines[0], wantHead)
	}
	// The window: "…", 40 columns before the caret, the rest of the line.
	wantLine := " | …" + long[len(long)-45:]
	if lines[1] != wantLine {
		t.Errorf("query line %q, want %q", lines[1], wantLine)
	}
	wantCaret := " | " + strings.Repeat(" ", 41) + "^~~~~"
	if lines[2] != wantCaret {
		t.Errorf("caret line %q, want %q", lines[2], wantCaret)
	}
	if len(got) > 300 {
		t.Errorf("message is %d bytes, want a window of about 80 columns", len(got))
	}

	// An error at the start of a long line: the window runs to the right.
	head := "bogus and " + strings.Repeat("score > 0.5 and ", 100) + "true"
	_, err = Compile(head, env)
	lines = strings.Split(FormatError(head, err), "\n")
	if want := " | " + head[:80] + "…"; len(lines) < 3 || lines[1] != want || lines[2] != " | ^~~~~" {
		t.Errorf("long line, error at the start:\n%s\nwant line %q and caret at column 1", strings.Join(lines, "\n"), want)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"lable", "label", 1}, {"", "abc", 3}, {"score", "score", 0}, {"kitten", "sitting", 3}, {"ünï", "uni", 2}} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if diff := cmp.Diff("label", suggest("lable", []string{"id", "label", "pred"})); diff != "" {
		t.Error(diff)
	}
	if got := suggest("xyz", []string{"label"}); got != "" {
		t.Errorf("suggest(xyz) = %q, want none", got)
	}
}

// TestInternalError makes Parse and Compile panic and checks the panic
// comes back as an error, not a crash.
func TestInternalError(t *testing.T) {
	testHook = func() { panic("boom") }
	defer func() { testHook = nil }()
	if _, err := Parse("a"); err == nil || !strings.Contains(err.Error(), internalMsg+": boom") {
		t.Errorf("Parse with a panic: %v", err)
	}
	testHook = nil
	// Compile's own recover: let Parse through, then panic.
	calls := 0
	testHook = func() {
		calls++
		if calls == 2 {
			panic("bang")
		}
	}
	if _, err := Compile("b", testEnv); err == nil || !strings.Contains(err.Error(), internalCheckMsg+": bang") {
		t.Errorf("Compile with a panic: %v", err)
	}
	testHook = nil
	prog, err := Compile("b", testEnv)
	if err != nil {
		t.Fatal(err)
	}
	testHook = func() { panic("crash") }
	if _, err := prog.Run(context.Background(), nil, nil); err == nil || !strings.Contains(err.Error(), internalRunMsg+": crash") {
		t.Errorf("Run with a panic: %v", err)
	}
}
