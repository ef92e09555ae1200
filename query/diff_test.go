package query

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

var testClasses = []string{"cat", "dog", "bird"}

// testSchema has a column of every kind the language reads.
var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "u8", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
	{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true},
	{Name: "d", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	{Name: "d8", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "label", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "pred", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "dets", Type: arrow.ListOf(arrow.StructOf(
		arrow.Field{Name: "eval", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		arrow.Field{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	)), Nullable: true},
	{Name: "probs", Type: arrow.LargeListOf(arrow.PrimitiveTypes.Float32), Nullable: true},
	{Name: "flags", Type: arrow.ListOf(arrow.FixedWidthTypes.Boolean), Nullable: true},
	{Name: "st", Type: arrow.StructOf(
		arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		arrow.Field{Name: "t", Type: arrow.BinaryTypes.String, Nullable: true},
	), Nullable: true},
	{Name: "odd name", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "a.b", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
}, nil)

var testEnv = Env{Schema: testSchema, Classes: testClasses, Label: "label", Pred: "pred"}

var testStrings = []string{"", "cat", "Cat", "dog", "night rain", "rain", "ünï", "a\"b", "zebra", "CAT dog", "a string longer than sixteen bytes", "a string longer than sixteen bytez", "sixteen bytes!!!", "sixteen bytes!!?"}

// randomRows makes n rows of testSchema as JSON, with nulls, NaN, empty
// lists and null list elements.
func randomRows(r *rand.Rand, n int) string {
	maybe := func(p float64, v any) any {
		if r.Float64() < p {
			return nil
		}
		return v
	}
	float := func() any {
		switch r.IntN(12) {
		case 0:
			return "NaN"
		case 1:
			return 0.5
		}
		return math.Round(r.NormFloat64()*100) / 100
	}
	str := func() string { return testStrings[r.IntN(len(testStrings))] }
	rows := make([]map[string]any, n)
	for i := range rows {
		var dets any
		if r.IntN(6) > 0 {
			list := []any{}
			for range r.IntN(4) {
				list = append(list, maybe(0.1, map[string]any{
					"eval":  maybe(0.1, []string{"tp", "fp", "fn"}[r.IntN(3)]),
					"score": maybe(0.1, math.Round(r.Float64()*100)/100),
					"ok":    maybe(0.2, r.IntN(2) == 0),
				}))
			}
			dets = list
		}
		var probs, flags any
		if r.IntN(6) > 0 {
			p, f := []any{}, []any{}
			for range r.IntN(4) {
				p = append(p, maybe(0.1, math.Round(r.Float64()*100)/100))
				f = append(f, maybe(0.2, r.IntN(2) == 0))
			}
			probs, flags = p, f
		}
		rows[i] = map[string]any{
			"id":       i,
			"i32":      maybe(0.2, r.IntN(21)-10),
			"u8":       maybe(0.1, r.IntN(256)),
			"f64":      maybe(0.2, float()),
			"f32":      maybe(0.2, float()),
			"s":        maybe(0.2, str()),
			"ls":       maybe(0.2, str()),
			"d":        maybe(0.2, str()),
			"d8":       maybe(0.2, str()),
			"b":        maybe(0.2, r.IntN(2) == 0),
			"label":    maybe(0.1, r.IntN(len(testClasses))),
			"pred":     maybe(0.1, r.IntN(len(testClasses))),
			"dets":     dets,
			"probs":    probs,
			"flags":    flags,
			"st":       maybe(0.2, map[string]any{"a": maybe(0.2, r.IntN(5)), "t": maybe(0.2, str())}),
			"odd name": maybe(0.2, float()),
			"a.b":      maybe(0.2, r.IntN(5)),
		}
	}
	b, err := json.Marshal(rows)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// randomBatches builds a table and cuts it into slices, so arrays have
// offsets.
func randomBatches(t testing.TB, mem memory.Allocator, r *rand.Rand) []arrow.RecordBatch {
	n := r.IntN(70)
	rec, _, err := array.RecordFromJSON(mem, testSchema, strings.NewReader(randomRows(r, n+3)))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	var out []arrow.RecordBatch
	start := int64(1 + r.IntN(3))
	end := start + int64(n)
	for start < end {
		step := min(end-start, int64(1+r.IntN(max(n, 1))))
		out = append(out, rec.NewSlice(start, start+step))
		start += step
	}
	if len(out) == 0 {
		out = append(out, rec.NewSlice(1, 1))
	}
	return out
}

func releaseAll(batches []arrow.RecordBatch) {
	for _, b := range batches {
		b.Release()
	}
}

// queryGen writes random well-typed queries over testSchema.
type queryGen struct{ r *rand.Rand }

func (g *queryGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *queryGen) cmpOp() string { return g.pick("==", "!=", "<", "<=", ">", ">=") }

func (g *queryGen) strLit() string { return quote(testStrings[g.r.IntN(len(testStrings))]) }

func (g *queryGen) num(d int) string {
	if d <= 0 {
		return g.pick("i32", "u8", "f64", "f32", "id", "`odd name`", "a.b", "st.a", "label", "1", "0.5", "-2", "3", "1e1", "0", "f32", "f32", "0.1", "0.3", "-0.7", "1e-7", "3.5e38", "-1e39")
	}
	switch g.r.IntN(8) {
	case 0:
		return fmt.Sprintf("%s %s %s", g.num(d-1), g.pick("+", "-", "*", "/"), g.num(d-1))
	case 1:
		return "abs(" + g.num(d-1) + ")"
	case 2:
		return "-" + g.num(0)
	case 3:
		return "len(" + g.str(d-1) + ")"
	case 4:
		return g.pick("count", "len") + "(" + g.list(d-1) + ")"
	case 5:
		return g.pick("mean", "sum", "min", "max") + "(" + g.pick("probs", "dets.score", g.list(d-1)+".score", "probs[_ "+g.cmpOp()+" 0.5]", "dets.score[_ > 0.3]") + ")"
	case 6:
		return "(" + g.num(d-1) + ")"
	}
	return g.num(0)
}

func (g *queryGen) str(d int) string {
	if d <= 0 || g.r.IntN(3) > 0 {
		return g.pick("s", "ls", "d", "d8", "st.t", g.strLit())
	}
	return g.pick("lower", "upper") + "(" + g.str(d-1) + ")"
}

// list is a list of structs, maybe filtered.
func (g *queryGen) list(d int) string {
	if d <= 0 || g.r.IntN(2) == 0 {
		return "dets"
	}
	return "dets[" + g.elemBool(d-1) + "]"
}

// elemBool is a predicate on the fields of a dets element.
func (g *queryGen) elemBool(d int) string {
	switch g.r.IntN(6) {
	case 0:
		return "eval " + g.pick("==", "!=") + " " + g.pick(`"tp"`, `"fp"`, `"fn"`)
	case 1:
		return "score " + g.cmpOp() + " " + g.pick("0.5", "0.25", "1")
	case 2:
		return g.pick("ok", "not ok", "is_null(score)", "is_null(eval)")
	case 3:
		if d > 0 {
			return g.elemBool(d-1) + " " + g.pick("and", "or") + " " + g.elemBool(d-1)
		}
	case 4:
		return "eval in (" + g.pick(`"tp"`, `"fp", "fn"`, `"tp", null`) + ")"
	}
	return "score " + g.cmpOp() + " " + g.pick("0.5", "0.9")
}

func (g *queryGen) bool(d int) string {
	if d <= 0 {
		return g.pick("b", "not b", "true", "false", "null", "is_null(f64)", "is_null(d)", "is_null(dets)", "is_null(st)")
	}
	switch g.r.IntN(14) {
	case 0, 1:
		return g.bool(d-1) + " " + g.pick("and", "or") + " " + g.bool(d-1)
	case 2:
		return "not " + g.pick("b", "("+g.bool(d-1)+")")
	case 3, 4:
		return g.num(d-1) + " " + g.cmpOp() + " " + g.num(d-1)
	case 5:
		return g.str(d-1) + " " + g.cmpOp() + " " + g.str(d-1)
	case 6:
		return g.pick("s", "d", "d8", "ls", "lower(d)") + g.pick(" in ", " not in ") + "(" + g.strLit() + ", " + g.pick(g.strLit(), "null") + ")"
	case 7:
		return g.pick("i32", "f64", "u8") + g.pick(" in ", " not in ") + "(1, -2, 0.5" + g.pick("", ", null") + ")"
	case 8:
		return g.str(d-1) + " ~ " + g.pick(`"^c"`, `"rain|dog"`, `"(?i)cat"`, `""`, `"a$"`)
	case 9:
		return g.pick("contains", "startswith", "endswith") + "(" + g.str(d-1) + ", " + g.str(0) + ")"
	case 10:
		arg := "(" + g.pick(g.list(d-1), "flags", "dets.ok", g.list(d-1)+".ok", "flags[not _]", "probs[_ > 0.2 or is_null(_)]") + ")"
		if g.r.IntN(2) == 0 {
			return "any" + arg
		}
		return "count" + arg + " " + g.cmpOp() + " " + g.pick("0", "1")
	case 11:
		return g.pick(`fp("cat")`, `fn("dog")`, `label == "bird"`, `pred != "cat"`, `label in ("cat", "dog")`, `label == pred`, `label != pred`)
	case 12:
		return "b " + g.pick("==", "!=") + " " + g.pick("true", "false", "(f64 > 0)")
	}
	return g.pick("s", "d") + " " + g.cmpOp() + " " + g.pick("d", "d8", "ls")
}

func (g *queryGen) query() string {
	var stages []string
	if g.r.IntN(5) > 0 {
		stages = append(stages, g.bool(3))
	}
	for range g.r.IntN(3) {
		switch g.r.IntN(4) {
		case 0:
			stages = append(stages, "where "+g.bool(2))
		case 1:
			keys := []string{}
			for range 1 + g.r.IntN(2) {
				keys = append(keys, g.pick(g.num(1), g.str(0), "b", "id")+g.pick("", " asc", " desc"))
			}
			stages = append(stages, "sort "+strings.Join(keys, ", "))
		case 2:
			stages = append(stages, fmt.Sprintf("limit %d", g.r.IntN(10)))
		case 3:
			stages = append(stages, "select id, s, st.a")
		}
	}
	return strings.Join(stages, " | ")
}

// TestDifferential checks the vectorized evaluator against the reference
// evaluator on random tables and random queries.
func TestDifferential(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(7, 11))
	n := 800
	if testing.Short() {
		n = 300
	}
	for trial := range n {
		batches := randomBatches(t, mem, r)
		g := &queryGen{r}
		for range 5 {
			src := g.query()
			checkAgainstReference(t, mem, src, batches)
		}
		releaseAll(batches)
		if t.Failed() {
			t.Fatalf("stopping after trial %d", trial)
		}
	}
}

func checkAgainstReference(t *testing.T, mem memory.Allocator, src string, batches []arrow.RecordBatch) {
	t.Helper()
	prog, err := Compile(src, testEnv)
	if err != nil {
		t.Errorf("Compile(%q): %s", src, FormatError(src, err))
		return
	}
	got, err := prog.Run(context.Background(), batches, mem)
	if err != nil {
		t.Errorf("Run(%q): %v", src, err)
		return
	}
	q, _ := Parse(src)
	want := refRun(q, testEnv, batches)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Run(%q) differs from the reference (-want +got):\n%s\ntable:\n%s", src, diff, dumpBatches(batches))
		return
	}
	n, err := prog.Count(context.Background(), batches)
	if err != nil || n != int64(len(want)) {
		t.Errorf("Count(%q) = %d, %v; want %d", src, n, err, len(want))
	}
}

func dumpBatches(batches []arrow.RecordBatch) string {
	var b strings.Builder
	for _, rec := range batches {
		js, _ := rec.MarshalJSON()
		b.Write(js)
		b.WriteByte('\n')
	}
	return b.String()
}
