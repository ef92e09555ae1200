package query

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

var fuzzSeeds = []string{
	``,
	`label != pred and score > 0.9`,
	`fp("cat") and split == "val" | sort score desc | limit 200`,
	`suspect | sort mistakenness desc`,
	`len(detections[eval == "fp" and score > 0.8]) > 0`,
	`filepath ~ "night|rain" and not correct`,
	`label in ("cat", "dog") and normalized_margin < 0.25 | select id, label, pred, score`,
	"`odd name` > -1e3 or a.b not in (1, null)",
	`mean(dets[ok].score) >= 0.5 | sort lower(s) desc, id | limit 3 | where b`,
	`"unclosed`,
	`f(a, (b`,
	`s ~ "\u00e9\x80"`,
}

// FuzzParse checks that Parse never panics, that every position it
// reports is inside the input, and that the canonical form parses back to
// itself.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		// Completion reads the same text, cut anywhere: it must not panic.
		Complete(src, len(src)/2, testEnv)
		Complete(src, len(src), testEnv)
		q, err := Parse(src)
		if err != nil {
			list, ok := err.(ErrorList)
			if !ok || len(list) == 0 {
				t.Fatalf("Parse(%q) error %T %v, want a non-empty ErrorList", src, err, err)
			}
			for _, e := range list {
				if strings.Contains(e.Msg, internalMsg) || strings.Contains(e.Msg, internalCheckMsg) {
					t.Fatalf("Parse(%q): %s", src, e.Msg)
				}
				if e.Pos < 0 || e.End > len(src) || e.Pos > e.End {
					t.Fatalf("Parse(%q): error %q at [%d, %d) outside the input", src, e.Msg, e.Pos, e.End)
				}
			}
			FormatError(src, err)
			return
		}
		checkPositions(t, src, q)
		canon := q.String()
		q2, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q, which does not parse: %v", src, canon, err)
		}
		if got := q2.String(); got != canon {
			t.Fatalf("Parse(%q): canonical form %q prints back as %q", src, canon, got)
		}
	})
}

// checkPositions walks the tree: every node lies inside the input and
// inside its parent.
func checkPositions(t *testing.T, src string, q *Query) {
	var walk func(n Node, lo, hi int)
	walk = func(n Node, lo, hi int) {
		if n.Pos() < lo || n.End() > hi || n.Pos() > n.End() {
			t.Fatalf("Parse(%q): node %s at [%d, %d) outside [%d, %d)", src, n, n.Pos(), n.End(), lo, hi)
		}
		for _, c := range children(n) {
			walk(c, n.Pos(), n.End())
		}
	}
	for _, s := range q.Stages {
		walk(s, 0, len(src))
	}
}

func children(n Node) []Node {
	var out []Node
	add := func(es ...Expr) {
		for _, e := range es {
			out = append(out, e)
		}
	}
	switch n := n.(type) {
	case *WhereStage:
		add(n.Expr)
	case *SortStage:
		for _, k := range n.Keys {
			add(k.Expr)
		}
	case *SelectStage:
		add(n.Fields...)
	case *UnaryExpr:
		add(n.X)
	case *BinaryExpr:
		add(n.X, n.Y)
	case *InExpr:
		add(n.X)
		add(n.List...)
	case *CallExpr:
		out = append(out, n.Fun)
		add(n.Args...)
	case *SelectorExpr:
		add(n.X)
		out = append(out, n.Sel)
	case *IndexExpr:
		add(n.X, n.Pred)
	}
	return out
}

// FuzzEval compiles arbitrary text against the test schema; whatever
// compiles must run without error on a random table and agree with the
// reference evaluator.
func FuzzEval(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, uint64(1))
	}
	g := &queryGen{rand.New(rand.NewPCG(3, 4))}
	for range 40 {
		f.Add(g.query(), uint64(2))
	}
	f.Fuzz(func(t *testing.T, src string, seed uint64) {
		prog, err := Compile(src, testEnv)
		if err != nil {
			if _, ok := err.(ErrorList); !ok {
				t.Fatalf("Compile(%q) error %T, want ErrorList", src, err)
			}
			if strings.Contains(err.Error(), internalMsg) || strings.Contains(err.Error(), internalCheckMsg) {
				t.Fatalf("Compile(%q): %v", src, err)
			}
			return
		}
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		defer mem.AssertSize(t, 0)
		batches := randomBatches(t, mem, rand.New(rand.NewPCG(seed, 5)))
		defer releaseAll(batches)
		got, err := prog.Run(context.Background(), batches, mem)
		if err != nil {
			t.Fatalf("Run(%q): %v", src, err)
		}
		q, _ := Parse(src)
		want := refRun(q, testEnv, batches)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Run(%q) differs from the reference (-want +got):\n%s\ntable:\n%s", src, diff, dumpBatches(batches))
		}
	})
}
