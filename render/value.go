package render

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Sanitize makes a string safe to print on a terminal. Every rune that is
// not printable is shown escaped, Go-style: C0 controls and DEL (ESC among
// them, which starts an escape sequence) as \x1b or \n, C1 controls such
// as U+009B (a one-byte CSI) as \u009b, format characters such as the bidi
// overrides U+202A–U+202E and isolates U+2066–U+2069 (which reorder what
// follows them) as \u202e, private-use runes as \U0010eeee, and each byte
// of invalid UTF-8 as \xff. A backslash is doubled, so the text \x1b typed
// literally reads \\x1b and never looks like an escaped ESC. Printable text,
// including wide and combining characters, is returned unchanged.
func Sanitize(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case r == '\\':
			b.WriteString(`\\`)
		case unicode.IsPrint(r):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

// isClean reports whether s needs no escaping: the common case, checked
// without allocating.
func isClean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		} else if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && size <= 1) || !unicode.IsPrint(r) {
				return false
			}
			i += size - 1
		}
	}
	return true
}

// Value formats row i of arr for display. Integer columns listed in
// classNamed are shown with their class name; nulls are shown as "null".
// The result is sanitized.
func Value(arr arrow.Array, i int, classes []string) string {
	if arr.IsNull(i) {
		return "null"
	}
	switch a := arr.(type) {
	case *array.Float32:
		return formatFloat(float64(a.Value(i)), 32)
	case *array.Float64:
		return formatFloat(a.Value(i), 64)
	case *array.String:
		return Sanitize(a.Value(i))
	case *array.LargeString:
		return Sanitize(a.Value(i))
	case *array.Dictionary:
		return Value(a.Dictionary(), a.GetValueIndex(i), nil)
	case *array.Binary:
		return "<" + strconv.Itoa(len(a.Value(i))) + " bytes>"
	case *array.LargeBinary:
		return "<" + strconv.Itoa(len(a.Value(i))) + " bytes>"
	case *array.Struct:
		return structValue(a, i)
	}
	if classes != nil && isIntegerArray(arr) {
		if v, err := strconv.Atoi(arr.ValueStr(i)); err == nil && v >= 0 && v < len(classes) {
			return Sanitize(classes[v])
		}
	}
	return Sanitize(arr.ValueStr(i))
}

// structValue shows an image struct compactly, others as Arrow prints them.
func structValue(a *array.Struct, i int) string {
	st := a.DataType().(*arrow.StructType)
	if idx, ok := st.FieldIdx("bytes"); ok {
		if b, ok := a.Field(idx).(*array.Binary); ok && b.IsValid(i) {
			return "<image " + strconv.Itoa(len(b.Value(i))) + " bytes>"
		}
	}
	return Sanitize(a.ValueStr(i))
}

func isIntegerArray(arr arrow.Array) bool {
	switch arr.DataType().ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

// formatFloat prints the shortest form that reads back to the same value,
// capped at 6 significant digits for display.
func formatFloat(v float64, bits int) string {
	s := strconv.FormatFloat(v, 'g', -1, bits)
	if len(s) > 8 {
		s = strconv.FormatFloat(v, 'g', 6, bits)
	}
	return s
}

// Count prints n with thousands separators: 10,000,000.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
