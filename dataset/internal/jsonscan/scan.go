// Package jsonscan is a JSON scanner over bytes already in memory, made for
// reading JSON Lines and COCO files straight into Arrow builders: it hands
// out one value at a time (numbers and keys as slices of the input, strings
// unescaped into a caller's buffer), skips values it is not asked for
// without decoding them, and allocates nothing.
//
// The first error sticks: every method after it returns a zero value, loops
// over Next end, and Err reports the error with its byte offset.
package jsonscan

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// Kind is the kind of the next JSON value.
type Kind uint8

const (
	Invalid Kind = iota
	Null
	Bool
	Number
	String
	Array
	Object
)

func (k Kind) String() string {
	return [...]string{"invalid", "null", "bool", "number", "string", "array", "object"}[k]
}

// Error is a syntax error at a byte offset of the input.
type Error struct {
	Offset int
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("%s at byte %d", e.Msg, e.Offset+1) }

// Scanner reads JSON values from a byte slice.
type Scanner struct {
	buf   []byte
	pos   int
	depth int
	err   *Error
}

// maxDepth bounds nesting, so that a hostile file cannot exhaust the stack.
const maxDepth = 1000

// Reset makes s scan b from its start.
func (s *Scanner) Reset(b []byte) {
	s.buf, s.pos, s.depth, s.err = b, 0, 0, nil
}

// ResetAt makes s scan b from offset pos, as if a container had just been
// entered there (for a reader that splits one large array between
// goroutines).
func (s *Scanner) ResetAt(b []byte, pos int) {
	s.Reset(b)
	s.pos = pos
}

// ExitTo continues after the container entered last, which another scanner
// read to its end at pos (just past its closing byte).
func (s *Scanner) ExitTo(pos int) {
	if s.err == nil {
		s.pos = pos
		s.depth--
	}
}

// Err returns the first error, or nil.
func (s *Scanner) Err() error {
	if s.err == nil {
		return nil
	}
	return s.err
}

// Pos is the offset of the next unread byte.
func (s *Scanner) Pos() int { return s.pos }

// NextByte skips white space and returns the byte the next value starts
// with, or 0 at the end.
func (s *Scanner) NextByte() byte {
	s.skipSpace()
	if s.pos < len(s.buf) {
		return s.buf[s.pos]
	}
	return 0
}

// SkipToken consumes tok if the input continues with exactly those bytes
// (no white space is skipped), and reports whether it did. Readers of files
// whose lines repeat the same keys check for `"key":` this way before
// decoding a key.
func (s *Scanner) SkipToken(tok []byte) bool {
	if len(s.buf)-s.pos >= len(tok) && string(s.buf[s.pos:s.pos+len(tok)]) == string(tok) {
		s.pos += len(tok)
		return true
	}
	return false
}

// KeyToken is the bytes `"key":` of a key that needs no escaping, or nil.
func KeyToken(key string) []byte {
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return nil
		}
	}
	return []byte(`"` + key + `":`)
}

// ValueStart skips white space and returns the offset where the next value
// starts.
func (s *Scanner) ValueStart() int {
	s.skipSpace()
	return s.pos
}

// Fail records an error at the current position (a caller's own check, such
// as a value of the wrong kind), unless an error is already recorded.
func (s *Scanner) Fail(format string, args ...any) {
	s.failAt(s.pos, fmt.Sprintf(format, args...))
}

func (s *Scanner) failAt(pos int, msg string) {
	if s.err == nil {
		s.err = &Error{Offset: pos, Msg: msg}
		s.pos = len(s.buf) // stop every loop
	}
}

// unexpected reports the byte at pos (or the end) as unexpected.
func (s *Scanner) unexpected(what string) {
	if s.pos >= len(s.buf) {
		s.failAt(s.pos, "unexpected end of input, expected "+what)
		return
	}
	s.failAt(s.pos, fmt.Sprintf("unexpected %q, expected %s", s.buf[s.pos], what))
}

func (s *Scanner) skipSpace() {
	if s.pos < len(s.buf) && s.buf[s.pos] > ' ' {
		return // the common case: compact JSON
	}
	for s.pos < len(s.buf) {
		switch s.buf[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// AtEnd reports whether only white space is left.
func (s *Scanner) AtEnd() bool {
	s.skipSpace()
	return s.pos >= len(s.buf)
}

// Peek returns the kind of the next value without consuming it; Invalid
// (and an error) when no value starts there.
func (s *Scanner) Peek() Kind {
	s.skipSpace()
	if s.pos >= len(s.buf) {
		s.unexpected("a value")
		return Invalid
	}
	switch c := s.buf[s.pos]; c {
	case 'n':
		return Null
	case 't', 'f':
		return Bool
	case '"':
		return String
	case '[':
		return Array
	case '{':
		return Object
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return Number
		}
	}
	s.unexpected("a value")
	return Invalid
}

func (s *Scanner) literal(word string) bool {
	if len(s.buf)-s.pos >= len(word) && string(s.buf[s.pos:s.pos+len(word)]) == word {
		s.pos += len(word)
		return true
	}
	s.failAt(s.pos, "invalid literal, expected "+strconv.Quote(word))
	return false
}

// Null consumes null.
func (s *Scanner) Null() { s.skipSpace(); s.literal("null") }

// Bool consumes true or false.
func (s *Scanner) Bool() bool {
	s.skipSpace()
	if s.pos < len(s.buf) && s.buf[s.pos] == 't' {
		return s.literal("true")
	}
	s.literal("false")
	return false
}

// Number consumes a number and returns its text and whether it is written
// as an integer (no fraction, no exponent).
func (s *Scanner) Number() (text []byte, integer bool) {
	s.skipSpace()
	start := s.pos
	b := s.buf
	i := s.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		s.pos = i
		s.unexpected("a digit")
		return nil, false
	}
	integer = true
	if i < len(b) && b[i] == '.' {
		integer = false
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			s.pos = i
			s.unexpected("a digit after '.'")
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integer = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			s.pos = i
			s.unexpected("a digit in the exponent")
			return nil, false
		}
	}
	s.pos = i
	return b[start:i], integer
}

// ParseInt converts an integer's text from Number; ok is false when it
// does not fit in an int64 (the value is then a float).
func ParseInt(text []byte) (v int64, ok bool) {
	neg := len(text) > 0 && text[0] == '-'
	if neg {
		text = text[1:]
	}
	if len(text) == 0 || len(text) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range text {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// ParseFloat converts a number's text from Number (or any text
// strconv.ParseFloat takes), correctly rounded as strconv.ParseFloat does;
// ok is false past the float64 range or for text it does not take.
func ParseFloat(text []byte) (f float64, ok bool) {
	if len(text) == 0 {
		return 0, false
	}
	if f, ok := parseDecimalFast(text); ok {
		return f, true
	}
	f, err := strconv.ParseFloat(unsafe.String(&text[0], len(text)), 64)
	return f, err == nil
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseDecimalFast parses [+-]digits[.digits] when the digits make an
// integer below 2^53 and there are at most 22 after the point: then the
// integer and the power of ten are exact float64s and one division rounds
// correctly (Clinger's fast path). ok is false for anything else.
func parseDecimalFast(b []byte) (float64, bool) {
	i, neg := 0, false
	switch b[0] {
	case '-':
		i, neg = 1, true
	case '+':
		i = 1
	}
	var m uint64
	sig, exp, digits := 0, 0, 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		m, digits = m*10+uint64(b[i]-'0'), digits+1
		if m != 0 {
			sig++
		}
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			m, digits, exp = m*10+uint64(b[i]-'0'), digits+1, exp-1
			if m != 0 {
				sig++
			}
		}
	}
	if i != len(b) || digits == 0 || sig > 16 || m >= 1<<53 || exp < -22 {
		return 0, false
	}
	f := float64(m) / pow10[-exp]
	if neg {
		f = -f
	}
	return f, true
}

// stringEnd marks the bytes that end the fast path of a string: the quote,
// a backslash, control characters (invalid in JSON strings) and non-ASCII
// bytes (checked as UTF-8).
var stringEnd = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// specialBytes has the high bit set in (at least) the lowest byte of x
// that is '"', '\\', below 0x20 or above 0x7f: the classic SWAR tests for a
// zero byte and a byte less than n, which are exact for the lowest byte
// they flag.
func specialBytes(x uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := x ^ (lo * '"')
	bs := x ^ (lo * '\\')
	return ((q-lo) & ^q | (bs-lo) & ^bs | (x-lo*0x20) & ^x | x) & hi
}

// RawString consumes a string and returns its bytes between the quotes,
// still escaped, and whether it holds an escape or a byte that Str would
// change. Keys are compared this way without copying.
func (s *Scanner) RawString() (raw []byte, plain bool) {
	s.skipSpace()
	if s.pos >= len(s.buf) || s.buf[s.pos] != '"' {
		s.unexpected("a string")
		return nil, false
	}
	start := s.pos + 1
	i := start
	b := s.buf
	// Eight bytes at a time while none of them ends the fast path.
	for i+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[i:])
		if m := specialBytes(x); m != 0 {
			i += bits.TrailingZeros64(m) / 8
			break
		}
		i += 8
	}
	for i < len(b) && !stringEnd[b[i]] {
		i++
	}
	if i < len(b) && b[i] == '"' {
		s.pos = i + 1
		return b[start:i], true
	}
	// Slow path: escapes, UTF-8, or an error.
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return b[start:i], false
		case c == '\\':
			i += 2
		case c < 0x20:
			s.pos = i
			s.failAt(i, "control character in string")
			return nil, false
		default:
			i++
		}
	}
	s.pos = len(b)
	s.failAt(len(b), "unexpected end of input in string")
	return nil, false
}

// Str consumes a string and appends its unescaped value to dst. Invalid
// UTF-8 becomes U+FFFD, as encoding/json does.
func (s *Scanner) Str(dst []byte) []byte {
	start := s.pos
	raw, plain := s.RawString()
	if plain {
		return append(dst, raw...)
	}
	if s.err != nil {
		return dst
	}
	out, err := unescape(dst, raw)
	if err != "" {
		s.failAt(start, err)
		return dst
	}
	return out
}

// unescape appends the value of the escaped string body raw to dst.
func unescape(dst, raw []byte) ([]byte, string) {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\':
			if i+1 >= len(raw) {
				return dst, "bad escape in string"
			}
			e := raw[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				dst = append(dst, e)
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r, ok := hex4(raw[i:])
				if !ok {
					return dst, `bad \u escape in string`
				}
				i += 4
				if utf16IsSurrogate(r) {
					r2 := rune(-1)
					if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
						r2, ok = hex4(raw[i+2:])
						if !ok {
							return dst, `bad \u escape in string`
						}
					}
					if d := decodeSurrogates(r, r2); d != utf8.RuneError {
						i += 6
						r = d
					} else {
						r = utf8.RuneError
					}
				}
				dst = utf8.AppendRune(dst, r)
			default:
				return dst, fmt.Sprintf("bad escape %q in string", "\\"+string(e))
			}
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			} else {
				dst = append(dst, raw[i:i+size]...)
			}
			i += size
		}
	}
	return dst, ""
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func utf16IsSurrogate(r rune) bool { return r >= 0xd800 && r < 0xe000 }

func decodeSurrogates(r1, r2 rune) rune {
	if r1 >= 0xd800 && r1 < 0xdc00 && r2 >= 0xdc00 && r2 < 0xe000 {
		return (r1-0xd800)<<10 | (r2 - 0xdc00) + 0x10000
	}
	return utf8.RuneError
}

// Enter consumes the '{' or '[' that opens a container.
func (s *Scanner) Enter(open byte) {
	s.skipSpace()
	if s.pos >= len(s.buf) || s.buf[s.pos] != open {
		s.unexpected(strconv.QuoteRune(rune(open)))
		return
	}
	s.depth++
	if s.depth > maxDepth {
		s.failAt(s.pos, "nested too deeply")
		return
	}
	s.pos++
}

// Next reports whether the container entered last has another element,
// consuming the ',' before it, or the closing ']' or '}' after the last
// one. first says whether this is the call for the first element. Inside an
// object, read the element with Key and then its value.
func (s *Scanner) Next(close byte, first bool) bool {
	s.skipSpace()
	if s.pos >= len(s.buf) {
		if s.err == nil {
			s.unexpected(fmt.Sprintf("',' or %q", close))
		}
		return false
	}
	c := s.buf[s.pos]
	if c == close {
		s.pos++
		s.depth--
		return false
	}
	if !first {
		if c != ',' {
			s.unexpected(fmt.Sprintf("',' or %q", close))
			return false
		}
		s.pos++
	}
	return true
}

// Key consumes an object key and the ':' after it and returns the key's raw
// bytes (see RawString).
func (s *Scanner) Key() (raw []byte, plain bool) {
	raw, plain = s.RawString()
	s.skipSpace()
	if s.pos >= len(s.buf) || s.buf[s.pos] != ':' {
		s.unexpected("':' after object key")
		return nil, false
	}
	s.pos++
	return raw, plain
}

// KeyString returns an object key's value; it copies only when the key
// holds escapes.
func (s *Scanner) KeyString(raw []byte, plain bool, scratch []byte) []byte {
	if plain {
		return raw
	}
	out, err := unescape(scratch[:0], raw)
	if err != "" {
		s.Fail("%s", err)
	}
	return out
}

// Skip consumes one value of any kind without decoding it.
func (s *Scanner) Skip() {
	switch s.Peek() {
	case Null:
		s.Null()
	case Bool:
		s.Bool()
	case Number:
		s.Number()
	case String:
		s.RawString()
	case Array:
		s.Enter('[')
		for first := true; s.Next(']', first); first = false {
			if c := s.buf[s.pos]; c == '-' || (c >= '0' && c <= '9') {
				s.Number() // the common element: a polygon's coordinates
				continue
			}
			s.Skip()
		}
	case Object:
		s.Enter('{')
		for first := true; s.Next('}', first); first = false {
			s.Key()
			s.Skip()
		}
	}
}
