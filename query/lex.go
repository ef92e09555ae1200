package query

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The lexer follows text/template/parse: a state function returns the next
// state, and next runs states until one emits a token. It runs in the
// caller's goroutine; there is no channel.

type stateFn func(l *lexer) stateFn

type lexer struct {
	src   string
	start int // start of the token being scanned
	pos   int // current position
	tok   Token
	ready bool // tok holds an emitted token
	errs  ErrorList
}

func newLexer(src string) *lexer { return &lexer{src: src} }

// next returns the next token. At the end of input it returns EOF forever.
func (l *lexer) next() Token {
	l.ready = false
	for state := lexAny; !l.ready; {
		state = state(l)
	}
	return l.tok
}

func (l *lexer) emit(k Kind) stateFn {
	l.tok = Token{Kind: k, Pos: l.start, End: l.pos, Text: l.src[l.start:l.pos]}
	l.ready = true
	l.start = l.pos
	return nil
}

func (l *lexer) errorf(pos, end int, format string, args ...any) {
	if len(l.errs) >= maxErrors {
		return
	}
	l.errs = append(l.errs, &Error{Pos: pos, End: end, Msg: fmt.Sprintf(format, args...)})
}

func (l *lexer) peekRune() (rune, int) {
	if l.pos >= len(l.src) {
		return -1, 0
	}
	return utf8.DecodeRuneInString(l.src[l.pos:])
}

func lexAny(l *lexer) stateFn {
	for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
		l.pos++
	}
	l.start = l.pos
	r, w := l.peekRune()
	switch {
	case r < 0:
		return l.emit(EOF)
	case r == '"':
		return lexString
	case r == '`':
		return lexQuoted
	case r >= '0' && r <= '9':
		return lexNumber
	case r == '_' || unicode.IsLetter(r):
		return lexIdent
	}
	l.pos += w
	switch r {
	case '=':
		if l.accept('=') {
			return l.emit(Eq)
		}
		l.errorf(l.start, l.pos, `unexpected "=", expected "=="`)
		return l.emit(Illegal)
	case '!':
		if l.accept('=') {
			return l.emit(Ne)
		}
		l.errorf(l.start, l.pos, `unexpected "!", expected "!=" or "not"`)
		return l.emit(Illegal)
	case '<':
		if l.accept('=') {
			return l.emit(Le)
		}
		return l.emit(Lt)
	case '>':
		if l.accept('=') {
			return l.emit(Ge)
		}
		return l.emit(Gt)
	}
	if k, ok := punct[r]; ok {
		return l.emit(k)
	}
	if r == utf8.RuneError && w == 1 {
		l.errorf(l.start, l.pos, "invalid UTF-8 byte 0x%02x", l.src[l.start])
	} else {
		l.errorf(l.start, l.pos, "unexpected character %q", r)
	}
	return l.emit(Illegal)
}

var punct = map[rune]Kind{
	'~': Match, '+': Add, '-': Sub, '*': Mul, '/': Quo,
	'(': LParen, ')': RParen, '[': LBrack, ']': RBrack,
	',': Comma, '.': Dot, '|': Pipe,
}

func (l *lexer) accept(b byte) bool {
	if l.pos < len(l.src) && l.src[l.pos] == b {
		l.pos++
		return true
	}
	return false
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func isIdentRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func lexIdent(l *lexer) stateFn {
	for {
		r, w := l.peekRune()
		if r < 0 || !isIdentRune(r) {
			break
		}
		l.pos += w
	}
	if k, ok := keywords[l.src[l.start:l.pos]]; ok {
		return l.emit(k)
	}
	return l.emit(Name)
}

func lexNumber(l *lexer) stateFn {
	digits := func() {
		for l.pos < len(l.src) && (l.src[l.pos] >= '0' && l.src[l.pos] <= '9') {
			l.pos++
		}
	}
	digits()
	if l.pos+1 < len(l.src) && l.src[l.pos] == '.' && l.src[l.pos+1] >= '0' && l.src[l.pos+1] <= '9' {
		l.pos++
		digits()
	}
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		save := l.pos
		l.pos++
		if l.pos < len(l.src) && (l.src[l.pos] == '+' || l.src[l.pos] == '-') {
			l.pos++
		}
		if l.pos < len(l.src) && l.src[l.pos] >= '0' && l.src[l.pos] <= '9' {
			digits()
		} else {
			l.pos = save
		}
	}
	// A number running into letters (3abc) is one bad token, not two.
	if r, _ := l.peekRune(); r >= 0 && isIdentRune(r) {
		for {
			r, w := l.peekRune()
			if r < 0 || !isIdentRune(r) {
				break
			}
			l.pos += w
		}
		l.errorf(l.start, l.pos, "bad number %q", l.src[l.start:l.pos])
		return l.emit(Illegal)
	}
	return l.emit(Number)
}

func lexString(l *lexer) stateFn {
	l.pos++ // opening quote
	for l.pos < len(l.src) {
		switch l.src[l.pos] {
		case '\\':
			l.pos += 2
			continue
		case '"':
			l.pos++
			if _, err := unquote(l.src[l.start:l.pos]); err != "" {
				l.errorf(l.start, l.pos, "%s", err)
				return l.emit(Illegal)
			}
			return l.emit(String)
		}
		l.pos++
	}
	l.pos = len(l.src)
	l.errorf(l.start, l.pos, "unclosed string started at %s", lineCol(l.src, l.start))
	return l.emit(Illegal)
}

func lexQuoted(l *lexer) stateFn {
	l.pos++
	i := strings.IndexByte(l.src[l.pos:], '`')
	if i < 0 {
		l.pos = len(l.src)
		l.errorf(l.start, l.pos, "unclosed \"`\" started at %s", lineCol(l.src, l.start))
		return l.emit(Illegal)
	}
	l.pos += i + 1
	if l.pos-l.start == 2 {
		l.errorf(l.start, l.pos, "empty quoted name")
		return l.emit(Illegal)
	}
	return l.emit(QuotedName)
}

// unquote decodes a double-quoted string literal with the escapes \" \\ \n
// \t \r \uXXXX. It returns a message instead of an error so the lexer can
// place it.
func unquote(s string) (string, string) {
	s = s[1 : len(s)-1]
	if !strings.Contains(s, `\`) {
		return s, ""
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", `unfinished escape "\"`
		}
		switch s[i] {
		case '"', '\\', '/':
			b.WriteByte(s[i])
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'x':
			if i+3 > len(s) {
				return "", `bad escape "\x", expected 2 hex digits`
			}
			hi, lo := unhex(s[i+1]), unhex(s[i+2])
			if hi < 0 || lo < 0 {
				return "", `bad escape "\x", expected 2 hex digits`
			}
			b.WriteByte(byte(hi<<4 | lo))
			i += 2
		case 'u':
			if i+5 > len(s) {
				return "", `bad escape "\u", expected 4 hex digits`
			}
			var r rune
			for _, h := range s[i+1 : i+5] {
				d := strings.IndexRune("0123456789abcdef", unicode.ToLower(h))
				if d < 0 {
					return "", `bad escape "\u", expected 4 hex digits`
				}
				r = r<<4 | rune(d)
			}
			b.WriteRune(r)
			i += 4
		default:
			return "", fmt.Sprintf("unknown escape %q", `\`+string(s[i]))
		}
	}
	return b.String(), ""
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// quote is the inverse of unquote: it writes s so that unquote gives it back.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
			i++
			continue
		}
		i += w
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// lineCol formats a byte offset as 1-based line:column, counting columns in
// runes.
func lineCol(src string, off int) string {
	line, col := position(src, off)
	return fmt.Sprintf("%d:%d", line, col)
}

func position(src string, off int) (line, col int) {
	if off > len(src) {
		off = len(src)
	}
	line = 1 + strings.Count(src[:off], "\n")
	lineStart := strings.LastIndexByte(src[:off], '\n') + 1
	return line, 1 + utf8.RuneCountInString(src[lineStart:off])
}
