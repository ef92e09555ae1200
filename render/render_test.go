package render

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/charmbracelet/x/ansi"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"héllo 世界", "héllo 世界"},
		{"é", "é"}, // combining accent stays
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{`\x1b[31m`, `\\x1b[31m`}, // typed text, not an ESC: reads differently
		{`C:\dir`, `C:\\dir`},
		{"bell\a", `bell\a`},
		{"tab\tnew\nline\r", `tab\tnew\nline\r`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"bad \xff byte", `bad \xff byte`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"\u009b31m", `\u009b31m`},               // C1 CSI, as UTF-8
		{"\x9b31m", `\x9b31m`},                   // C1 CSI, as a raw byte
		{"\u0085next", `\u0085next`},             // C1 NEL
		{"abc\u202edcba", `abc\u202edcba`},       // right-to-left override
		{"\u2066x\u2069", `\u2066x\u2069`},       // isolates
		{"\U0010EEEE", `\U0010eeee`},             // kitty image placeholder
		{"\x1b]52;c;aGk=\a", `\x1b]52;c;aGk=\a`}, // OSC 52 clipboard write
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSanitizeEveryControl checks each C0, DEL, C1 and bidi control alone:
// the output must be printable ASCII, starting with a backslash.
func TestSanitizeEveryControl(t *testing.T) {
	var runes []rune
	for r := rune(0); r < 0x20; r++ {
		runes = append(runes, r)
	}
	for r := rune(0x7f); r <= 0x9f; r++ {
		runes = append(runes, r)
	}
	for r := rune(0x202a); r <= 0x202e; r++ {
		runes = append(runes, r)
	}
	for r := rune(0x2066); r <= 0x2069; r++ {
		runes = append(runes, r)
	}
	for _, r := range runes {
		got := Sanitize(string(r))
		if !strings.HasPrefix(got, `\`) || !isPrintableASCII(got) {
			t.Errorf("Sanitize(%q) = %q, want a printable escape", string(r), got)
		}
	}
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// FuzzSanitize checks that the output is valid, printable UTF-8 and that it
// reads back to the input as a Go string literal: the escaping loses nothing
// and no two inputs look alike.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[2J", `\x1b`, "\xff\xfe", "\u202e", "a\\b\"c", "世界\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Sanitize(in)
		if !utf8.ValidString(out) {
			t.Fatalf("Sanitize(%q) = %q, not valid UTF-8", in, out)
		}
		for _, r := range out {
			if !unicode.IsPrint(r) {
				t.Fatalf("Sanitize(%q) = %q, holds unprintable %U", in, out, r)
			}
		}
		back, err := strconv.Unquote(`"` + strings.ReplaceAll(out, `"`, `\"`) + `"`)
		if err != nil || back != in {
			t.Fatalf("Sanitize(%q) = %q, reads back as %q (%v)", in, out, back, err)
		}
	})
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
