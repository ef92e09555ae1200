package query

import (
	"bytes"
	"math/bits"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// String predicates with a constant pattern: contains, startswith and
// endswith with a literal, and "~". A matcher decides them on the raw
// bytes of a string column, with no call per row where it can:
//
//	contains     one bytes.Index over the whole column's data, each hit mapped to its row
//	startswith   a byte comparison at each row's start
//	endswith     a byte comparison at each row's end
//	regex        reduced, when it allows, to one of the above, to a search
//	             for any of several literals ("night|rain"), or to a
//	             sequence of byte classes ("7[0-9]7.jpg$") tested at the row's
//	             start, end or every position; else Go's regexp on the row's
//	             bytes, after a search for literals every match holds one of
//
// Dictionary columns are matched once per dictionary entry, by the same
// matcher. The reductions keep the regexp package's semantics exactly,
// including on bytes that are not UTF-8: classes are only tested on ASCII
// bytes, and a row with other bytes where the classes would look goes to
// the regexp.

type matchKind uint8

const (
	mContains matchKind = iota // lit anywhere
	mPrefix                    // lit at the start
	mSuffix                    // lit at the end
	mEqual                     // lit exactly
	mAnyOf                     // any of lits anywhere
	mClasses                   // classes, anchored by begin and end
	mRegexp                    // re, on rows holding one of lits (any row when none)
)

// maxClasses bounds the sequences of classes a matcher tests itself.
const maxClasses = 64

type matcher struct {
	kind       matchKind
	lit        string
	lits       []string
	classes    []byteClass
	begin, end bool
	re         *regexp.Regexp
}

// byteClass is the set of ASCII bytes one character of a pattern matches.
type byteClass [128]bool

// literalMatcher is contains, startswith or endswith with a constant.
func literalMatcher(fn, lit string) *matcher {
	switch fn {
	case "startswith":
		return &matcher{kind: mPrefix, lit: lit}
	case "endswith":
		return &matcher{kind: mSuffix, lit: lit}
	}
	return &matcher{kind: mContains, lit: lit}
}

// regexpMatcher reduces re to the simplest matcher with the same answers.
func regexpMatcher(re *regexp.Regexp) *matcher {
	m := &matcher{kind: mRegexp, re: re}
	p, err := syntax.Parse(re.String(), syntax.Perl) // as regexp.Compile parses
	if err != nil {
		return m
	}
	items := flatten(p.Simplify(), nil)
	begin := len(items) > 0 && items[0].Op == syntax.OpBeginText
	if begin {
		items = items[1:]
	}
	end := len(items) > 0 && items[len(items)-1].Op == syntax.OpEndText
	if end {
		items = items[:len(items)-1]
	}
	if lit, ok := literal(items); ok {
		switch {
		case begin && end:
			m.kind = mEqual
		case begin:
			m.kind = mPrefix
		case end:
			m.kind = mSuffix
		default:
			m.kind = mContains
		}
		m.lit, m.re = lit, nil
		return m
	}
	if classes, ok := classesOf(items); ok {
		m.kind, m.classes, m.begin, m.end = mClasses, classes, begin, end
		return m
	}
	if lits := literalSet(items); lits != nil && len(items) == 1 && !begin && !end {
		m.kind, m.lits, m.re = mAnyOf, lits, nil
		return m
	}
	// Every match holds an item of a top-level sequence: search for the
	// literals of the item whose shortest literal is longest before
	// running the regexp.
	best := 0
	for _, it := range items {
		lits := literalSet([]*syntax.Regexp{it})
		if shortest := minLen(lits); lits != nil && shortest > best {
			m.lits, best = lits, shortest
		}
	}
	return m
}

// literalSet reports the literals items match when they are one literal
// or an alternation of literals ("night|rain"), else nil.
func literalSet(items []*syntax.Regexp) []string {
	if lit, ok := literal(items); ok {
		return []string{lit}
	}
	if len(items) != 1 || items[0].Op != syntax.OpAlternate {
		return nil
	}
	var lits []string
	for _, sub := range items[0].Sub {
		lit, ok := literal(flatten(sub, nil))
		if !ok {
			return nil
		}
		lits = append(lits, lit)
	}
	return lits
}

func minLen(lits []string) int {
	n := -1
	for _, l := range lits {
		if n < 0 || len(l) < n {
			n = len(l)
		}
	}
	return n
}

// containsAny reports whether b holds one of lits.
func containsAny(b []byte, lits []string) bool {
	for _, l := range lits {
		if bytes.Contains(b, unsafe.Slice(unsafe.StringData(l), len(l))) {
			return true
		}
	}
	return false
}

// flatten lists the items of a sequence, through captures (which do not
// change whether a string matches) and empty matches.
func flatten(p *syntax.Regexp, out []*syntax.Regexp) []*syntax.Regexp {
	switch p.Op {
	case syntax.OpCapture:
		return flatten(p.Sub[0], out)
	case syntax.OpConcat:
		for _, s := range p.Sub {
			out = flatten(s, out)
		}
		return out
	case syntax.OpEmptyMatch:
		return out
	}
	return append(out, p)
}

// literal reports whether items are case-sensitive literal text, and the
// text. U+FFFD is refused: regexp matches it against any invalid byte.
func literal(items []*syntax.Regexp) (string, bool) {
	var b strings.Builder
	for _, it := range items {
		if it.Op != syntax.OpLiteral || it.Flags&syntax.FoldCase != 0 {
			return "", false
		}
		for _, r := range it.Rune {
			if r == utf8.RuneError {
				return "", false
			}
			b.WriteRune(r)
		}
	}
	return b.String(), true
}

// classesOf turns items that each match one character (literals, classes,
// ".") into byte classes over ASCII. A non-ASCII literal character makes
// it fail; non-ASCII members of a class are left out, which is right
// because rows with non-ASCII bytes go to the regexp.
func classesOf(items []*syntax.Regexp) ([]byteClass, bool) {
	var out []byteClass
	for _, it := range items {
		switch it.Op {
		case syntax.OpLiteral:
			for _, r := range it.Rune {
				if r >= utf8.RuneSelf {
					return nil, false
				}
				var c byteClass
				c[r] = true
				if it.Flags&syntax.FoldCase != 0 {
					for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
						if f < utf8.RuneSelf {
							c[f] = true
						}
					}
				}
				out = append(out, c)
			}
		case syntax.OpCharClass:
			var c byteClass
			for i := 0; i+1 < len(it.Rune); i += 2 {
				for r := it.Rune[i]; r <= it.Rune[i+1] && r < utf8.RuneSelf; r++ {
					c[r] = true
				}
			}
			out = append(out, c)
		case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
			var c byteClass
			for r := range c {
				c[r] = it.Op == syntax.OpAnyChar || r != '\n'
			}
			out = append(out, c)
		default:
			return nil, false
		}
		if len(out) > maxClasses {
			return nil, false
		}
	}
	return out, true
}

// matchString reports whether s matches.
func (m *matcher) matchString(s string) bool {
	return m.match(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// match reports whether b matches.
func (m *matcher) match(b []byte) bool {
	switch m.kind {
	case mContains:
		return bytes.Contains(b, unsafe.Slice(unsafe.StringData(m.lit), len(m.lit)))
	case mPrefix:
		return len(b) >= len(m.lit) && string(b[:len(m.lit)]) == m.lit
	case mSuffix:
		return len(b) >= len(m.lit) && string(b[len(b)-len(m.lit):]) == m.lit
	case mEqual:
		return string(b) == m.lit
	case mAnyOf:
		return containsAny(b, m.lits)
	case mClasses:
		if ok, sure := m.classMatch(b); sure {
			return ok
		}
		return m.re.Match(b)
	}
	if m.lits != nil && !containsAny(b, m.lits) {
		return false
	}
	return m.re.Match(b)
}

// classMatch tests the classes against b; sure is false when the bytes it
// would look at are not all ASCII, and the regexp must decide.
func (m *matcher) classMatch(b []byte) (ok, sure bool) {
	k := len(m.classes)
	switch {
	case len(b) < k:
		return false, true // b has no more characters than bytes
	case m.begin || m.end:
		if m.begin && m.end && len(b) != k {
			return false, isASCII(b) // longer, but maybe k characters
		}
		at := 0
		if m.end {
			at = len(b) - k
		}
		if !isASCII(b[at : at+k]) {
			return false, false
		}
		return m.classesAt(b[at : at+k]), true
	}
	if !isASCII(b) {
		return false, false
	}
	for at := 0; at+k <= len(b); at++ {
		if m.classesAt(b[at : at+k]) {
			return true, true
		}
	}
	return false, true
}

// classesAt tests the classes against the len(m.classes) ASCII bytes of b.
func (m *matcher) classesAt(b []byte) bool {
	b = b[:len(m.classes)]
	for j, c := range m.classes {
		if !c[b[j]&0x7f] {
			return false
		}
	}
	return true
}

// isASCII reports whether b has no byte of 0x80 or above.
func isASCII(b []byte) bool {
	for len(b) >= 8 {
		w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		if w&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// matchColumn sets bit i of out when row i of a string column (offsets
// off, n+1 of them, into data) matches. out must be zero.
func matchColumn[O int32 | int64](m *matcher, off []O, data []byte, out []uint64) {
	n := len(off) - 1
	row := func(i int) []byte { return data[off[i]:off[i+1]] }
	switch m.kind {
	case mContains:
		containsColumn(off, data, m.lit, out)
		return
	case mPrefix:
		for i := 0; i < n; i++ {
			lo, hi := int(off[i]), int(off[i+1])
			out[i>>6] |= b2u(hi-lo >= len(m.lit) && string(data[lo:lo+len(m.lit)]) == m.lit) << (i & 63)
		}
		return
	case mSuffix:
		for i := 0; i < n; i++ {
			lo, hi := int(off[i]), int(off[i+1])
			out[i>>6] |= b2u(hi-lo >= len(m.lit) && string(data[hi-len(m.lit):hi]) == m.lit) << (i & 63)
		}
		return
	case mEqual:
		for i := 0; i < n; i++ {
			out[i>>6] |= b2u(string(row(i)) == m.lit) << (i & 63)
		}
		return
	case mClasses:
		if (m.begin || m.end) && isASCII(data[off[0]:off[n]]) {
			anchoredColumn(m, off, data, out)
			return
		}
	case mAnyOf:
		for _, l := range m.lits {
			containsColumn(off, data, l, out)
		}
		return
	case mRegexp:
		if m.lits != nil {
			// The literal search leaves the candidates; the regexp
			// decides each.
			for _, l := range m.lits {
				containsColumn(off, data, l, out)
			}
			for w, word := range out {
				for word != 0 {
					j := bits.TrailingZeros64(word)
					word &= word - 1
					if i := w<<6 | j; !m.re.Match(row(i)) {
						out[w] &^= 1 << j
					}
				}
			}
			return
		}
	}
	for i := 0; i < n; i++ {
		out[i>>6] |= b2u(m.match(row(i))) << (i & 63)
	}
}

// anchoredColumn tests anchored classes at each row's start or end, for a
// column whose bytes are all ASCII.
func anchoredColumn[O int32 | int64](m *matcher, off []O, data []byte, out []uint64) {
	k := len(m.classes)
	for i := 0; i+1 < len(off); i++ {
		lo, hi := int(off[i]), int(off[i+1])
		l := hi - lo
		if l < k || m.begin && m.end && l != k {
			continue
		}
		at := lo
		if m.end {
			at = hi - k
		}
		out[i>>6] |= b2u(m.classesAt(data[at:hi])) << (i & 63)
	}
}

// containsColumn sets bit i of out when row i contains lit (leaving the
// bits of other rows as they are), searching the
// column's data in one pass: each hit is mapped to its row, and the search
// goes on at the next row. A hit that runs past its row's end means no
// later hit in that row fits either.
func containsColumn[O int32 | int64](off []O, data []byte, lit string, out []uint64) {
	n := len(off) - 1
	if lit == "" {
		for i := 0; i < n; i++ {
			out[i>>6] |= 1 << (i & 63)
		}
		return
	}
	needle := unsafe.Slice(unsafe.StringData(lit), len(lit))
	pos, end := int(off[0]), int(off[n])
	row := 0
	for pos < end {
		k := bytes.Index(data[pos:end], needle)
		if k < 0 {
			return
		}
		hit := pos + k
		for int(off[row+1]) <= hit {
			row++
		}
		if hit+len(lit) <= int(off[row+1]) {
			out[row>>6] |= 1 << (row & 63)
		}
		pos = int(off[row+1])
		row++
	}
}
