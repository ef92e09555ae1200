package render

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/charmbracelet/x/ansi"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"héllo 世界", "héllo 世界"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"bell\a", `bell\a`},
		{"tab\tnew\nline", `tab\tnew\nline`},
		{"bad \xff byte", `bad \xff byte`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"\u009b31m", `\u009b31m`}, // C1 CSI, as UTF-8
		{"\x9b31m", `\x9b31m`},     // C1 CSI, as a raw byte
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValue(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ints, _, _ := array.FromJSON(mem, arrow.PrimitiveTypes.Int64, strings.NewReader(`[0, 2, 7, null]`))
	defer ints.Release()
	floats, _, _ := array.FromJSON(mem, arrow.PrimitiveTypes.Float32, strings.NewReader(`[0.1, 0.123456789]`))
	defer floats.Release()
	classes := []string{"cat", "dog", "bird"}
	tests := []struct {
		arr  arrow.Array
		i    int
		want string
	}{
		{ints, 0, "cat"}, {ints, 1, "bird"}, {ints, 2, "7"}, {ints, 3, "null"},
		{floats, 0, "0.1"}, {floats, 1, "0.123457"},
	}
	for _, tt := range tests {
		if got := Value(tt.arr, tt.i, classes); got != tt.want {
			t.Errorf("Value(%s, %d) = %q, want %q", tt.arr, tt.i, got, tt.want)
		}
	}
}

func TestTable(t *testing.T) {
	got := Table([]string{"id", "label"}, [][]string{{"1", "cat"}, {"22", "a very long label"}}, 0)
	want := "id  label\n1   cat\n22  a very long label\n"
	if got != want {
		t.Errorf("Table = %q, want %q", got, want)
	}
	for w := 1; w < 30; w++ {
		out := Table([]string{"id", "label"}, [][]string{{"1", "cat"}, {"22", "a very long label"}}, w)
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if ansi.StringWidth(line) > w {
				t.Errorf("width %d: line %q is wider", w, line)
			}
		}
	}
}
