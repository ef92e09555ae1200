package query

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestRegexpReduction checks what each kind of pattern is reduced to.
func TestRegexpReduction(t *testing.T) {
	tests := []struct {
		pattern string
		kind    matchKind
		lit     string
		lits    []string
	}{
		{"777", mContains, "777", nil},
		{"^images/", mPrefix, "images/", nil},
		{`\.jpg$`, mSuffix, ".jpg", nil},
		{`^cat\z`, mEqual, "cat", nil},
		{"(cat)", mContains, "cat", nil},
		{"", mContains, "", nil},
		{"^$", mEqual, "", nil},
		{"ünï", mContains, "ünï", nil},
		{"7[0-9]7.jpg$", mClasses, "", nil},
		{`^\d\d`, mClasses, "", nil},
		{"(?i)cat", mClasses, "", nil},
		{"c.t", mClasses, "", nil},
		{"night|rain", mAnyOf, "", []string{"night", "rain"}},
		{"(night|rain)", mAnyOf, "", []string{"night", "rain"}},
		{"cat|car", mClasses, "", nil}, // factored into ca[rt]
		{"^(night|rain)", mRegexp, "", []string{"night", "rain"}},
		{"(123|456)7", mRegexp, "", []string{"123", "456"}},
		{"night|r.in", mRegexp, "", nil},
		{"cat.*dogs", mRegexp, "", []string{"dogs"}},
		{"(?m)^cat", mRegexp, "", []string{"cat"}},
		{"\ufffd", mRegexp, "", nil},
		{"é.", mRegexp, "", []string{"é"}},
		{`\bcat`, mRegexp, "", []string{"cat"}},
	}
	for _, tc := range tests {
		m := regexpMatcher(regexp.MustCompile(tc.pattern))
		if m.kind != tc.kind || m.lit != tc.lit || fmt.Sprint(m.lits) != fmt.Sprint(tc.lits) {
			t.Errorf("regexpMatcher(%q) = kind %d lit %q lits %q, want kind %d lit %q lits %q", tc.pattern, m.kind, m.lit, m.lits, tc.kind, tc.lit, tc.lits)
		}
	}
}

// matchPatterns cover each reduction and the regexp fallback.
var matchPatterns = []string{
	"", "^$", "a", "^a", "a$", "^a$", "777", "^images/", `\.jpg$`, "7[0-9]7.jpg$", `^\d\d`, `\d{3}`,
	"(?i)cat", "(?i)k", "(?i)s$", "c.t", "^.$", "^..$", "..$", "(?s)a.b", "a.b", "[^a]$", "^[^a-z]", "[é]",
	"ü", "^ü", "ü$", "é.", ".é", "night|rain", "cat.*dog", "(?m)^b", `\bcat`, "a+b", "\ufffd", `\x00`,
	"(cat)(dog)", "^(a)$", `^\s`, `[[:alpha:]]{2}$`, "(?i)ünï", "x*", "[\n]", "(?i)[k-m]x$",
	"night|rain", "(123|456)7", "^(cat|dog)", "(cat|dog)$", "ü|a", "cat|", "(?i)cat|dog", "x(a|b)*y",
}

// matchInputs include empty strings, newlines, non-ASCII letters, letters
// whose case folds outside ASCII (K, ſ), and bytes that are not UTF-8.
var matchInputs = []string{
	"", "a", "b", "ab", "ba", "aab", "cat", "CAT", "Cat", "ca", "cut", "c\nt", "a\nb", "dog", "cat dog",
	"images/00000777.jpg", "images/00000797.jpg", "images/00001777.png", "images/7a7.jpg", "7é7.jpg", "797xjpg",
	"12", "1", "123", " x", "\tx", "ü", "üx", "xü", "é", "éa", "aé", "ab\xff", "\xffab", "\xff", "\xe2\x82",
	"\u212a", "k", "K", "s", "ſ", "x\u017f", "night", "rain", "bcat", "b cat", "a\x00b", "\n", "kx", "Mx", "ünï", "ÜNÏ",
	"abcdefghijklmnopqrstuvwxyz0123456789", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz777zzzzzzzz",
}

// TestMatcher checks every matcher against package regexp and package
// strings, one string at a time and over whole columns (plain and large
// offsets, with an offset into the data).
func TestMatcher(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, pattern := range matchPatterns {
		re := regexp.MustCompile(pattern)
		m := regexpMatcher(re)
		for _, in := range matchInputs {
			if got, want := m.matchString(in), re.MatchString(in); got != want {
				t.Errorf("%q ~ %q = %v, want %v (kind %d)", in, pattern, got, want, m.kind)
			}
		}
		checkColumn(t, "~ "+pattern, m, re.MatchString, r)
	}
	for _, lit := range []string{"", "a", "777", "ü", "\xff", "cat dog", "jpg", "images/00000777.jpg"} {
		for fn, want := range map[string]func(s, t string) bool{"contains": strings.Contains, "startswith": strings.HasPrefix, "endswith": strings.HasSuffix} {
			m := literalMatcher(fn, lit)
			f := func(s string) bool { return want(s, lit) }
			for _, in := range matchInputs {
				if got := m.matchString(in); got != f(in) {
					t.Errorf("%s(%q, %q) = %v, want %v", fn, in, lit, got, f(in))
				}
			}
			checkColumn(t, fn+" "+lit, m, f, r)
		}
	}
}

// checkColumn runs matchColumn over random columns of matchInputs.
func checkColumn(t *testing.T, what string, m *matcher, want func(string) bool, r *rand.Rand) {
	t.Helper()
	for trial := 0; trial < 20; trial++ {
		n := r.IntN(150)
		rows := make([]string, n)
		var data []byte
		pad := r.IntN(3)
		data = append(data, strings.Repeat("7", pad)...) // bytes before the first row
		off32 := []int32{int32(len(data))}
		for i := range rows {
			rows[i] = matchInputs[r.IntN(len(matchInputs))]
			if trial%2 == 0 { // an all-ASCII column takes other paths
				rows[i] = strings.Map(func(c rune) rune {
					if c >= utf8.RuneSelf || c == utf8.RuneError {
						return -1
					}
					return c
				}, rows[i])
			}
			data = append(data, rows[i]...)
			off32 = append(off32, int32(len(data)))
		}
		data = append(data, "777"...) // bytes after the last row
		off64 := make([]int64, len(off32))
		for i, o := range off32 {
			off64[i] = int64(o)
		}
		out32, out64 := make([]uint64, words(n)), make([]uint64, words(n))
		matchColumn(m, off32, data, out32)
		matchColumn(m, off64, data, out64)
		for i, s := range rows {
			if w := want(s); bit(out32, i) != w || bit(out64, i) != w {
				t.Errorf("%s: column row %d %q = %v/%v, want %v", what, i, s, bit(out32, i), bit(out64, i), w)
			}
		}
		if n%64 != 0 && n > 0 && (out32[len(out32)-1]>>(n%64) != 0) {
			t.Errorf("%s: bits set past the last row", what)
		}
	}
}

// FuzzMatcher checks a reduced matcher against package regexp on any
// pattern and input.
func FuzzMatcher(f *testing.F) {
	for i, p := range matchPatterns {
		f.Add(p, matchInputs[i%len(matchInputs)])
	}
	f.Fuzz(func(t *testing.T, pattern, in string) {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		m := regexpMatcher(re)
		if got, want := m.matchString(in), re.MatchString(in); got != want {
			t.Errorf("%q ~ %q = %v, want %v (kind %d)", in, pattern, got, want, m.kind)
		}
		out := make([]uint64, 1)
		matchColumn(m, []int32{0, int32(len(in))}, []byte(in), out)
		if got, want := out[0] == 1, re.MatchString(in); got != want {
			t.Errorf("column: %q ~ %q = %v, want %v (kind %d)", in, pattern, got, want, m.kind)
		}
	})
}

// TestStringMatchAllocs checks string predicates on a plain string column
// allocate per batch, not per row: a batch of 64 times the rows makes no
// more allocations.
func TestStringMatchAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own; counted without -race")
	}
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "filepath", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	batch := func(n int) arrow.RecordBatch {
		b := array.NewStringBuilder(mem)
		defer b.Release()
		for i := 0; i < n; i++ {
			b.Append(fmt.Sprintf("images/%08d.jpg", i*7919%100_000_000))
		}
		col := b.NewArray()
		defer col.Release()
		return array.NewRecordBatch(schema, []arrow.Array{col}, int64(n))
	}
	small, large := batch(1000), batch(64_000)
	defer small.Release()
	defer large.Release()
	for _, q := range []string{`contains(filepath, "777")`, `startswith(filepath, "images/0")`, `endswith(filepath, "7.jpg")`,
		`filepath ~ "7[0-9]7.jpg$"`, `filepath ~ "^images/.*77"`, `filepath ~ "(1|2)3.jpg"`, `filepath ~ "0{3}"`} {
		prog, err := Compile(q, Env{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		allocs := func(b arrow.RecordBatch) float64 {
			return testing.AllocsPerRun(20, func() {
				if _, err := prog.Count(context.Background(), []arrow.RecordBatch{b}); err != nil {
					t.Fatal(err)
				}
			})
		}
		if s, l := allocs(small), allocs(large); l > s+1 {
			t.Errorf("%s: %.0f allocations for 1,000 rows, %.0f for 64,000", q, s, l)
		}
	}
}

// BenchmarkStringMatch compares, on a million file paths, each way a
// string predicate can run: the matcher's reduction (column) against the
// same test row by row and against Go's regexp on every row.
//
//	go test ./query -run '^$' -bench StringMatch -benchtime 10x
func BenchmarkStringMatch(b *testing.B) {
	const n = 1 << 20
	off := make([]int32, 0, n+1)
	var data []byte
	off = append(off, 0)
	for i := 0; i < n; i++ {
		data = fmt.Appendf(data, "images/%08d.jpg", i*7919%10_000_000)
		off = append(off, int32(len(data)))
	}
	out := make([]uint64, words(n))
	for _, tc := range []struct{ name, pattern string }{
		{"contains", "777"}, {"suffix_classes", "7[0-9]7.jpg$"}, {"prefix_literal", "^images/0"}, {"alternation", "(123|456)7"},
	} {
		re := regexp.MustCompile(tc.pattern)
		ways := map[string]*matcher{"column": regexpMatcher(re), "regexp": {kind: mRegexp, re: re}}
		for _, way := range []string{"column", "rows", "regexp"} {
			m := ways[way]
			if m == nil {
				m = ways["column"]
			}
			b.Run(tc.name+"/"+way, func(b *testing.B) {
				for b.Loop() {
					clear(out)
					if way == "rows" {
						for i := 0; i < n; i++ {
							out[i>>6] |= b2u(m.match(data[off[i]:off[i+1]])) << (i & 63)
						}
						continue
					}
					matchColumn(m, off, data, out)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
			})
		}
	}
}
