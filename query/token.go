package query

import "strconv"

// Kind is the kind of a lexical token.
//
// The names are written out by hand in kindNames rather than by
// `go generate` with stringer, so the package builds without tools.
type Kind int

// Token kinds.
const (
	EOF        Kind = iota
	Illegal         // a character or sequence the lexer cannot use
	Name            // label, score, detections
	QuotedName      // `odd name`
	Number          // 3, 0.25, 1e-3
	String          // "cat"

	Eq     // ==
	Ne     // !=
	Lt     // <
	Le     // <=
	Gt     // >
	Ge     // >=
	Match  // ~
	Add    // +
	Sub    // -
	Mul    // *
	Quo    // /
	LParen // (
	RParen // )
	LBrack // [
	RBrack // ]
	Comma  // ,
	Dot    // .
	Pipe   // |

	keywordBeg
	And
	Or
	Not
	In
	True
	False
	Null
	Where
	Sort
	Limit
	Select
	Asc
	Desc
	keywordEnd
)

var kindNames = [...]string{
	EOF:        "end of query",
	Illegal:    "illegal",
	Name:       "identifier",
	QuotedName: "quoted identifier",
	Number:     "number",
	String:     "string",
	Eq:         "==",
	Ne:         "!=",
	Lt:         "<",
	Le:         "<=",
	Gt:         ">",
	Ge:         ">=",
	Match:      "~",
	Add:        "+",
	Sub:        "-",
	Mul:        "*",
	Quo:        "/",
	LParen:     "(",
	RParen:     ")",
	LBrack:     "[",
	RBrack:     "]",
	Comma:      ",",
	Dot:        ".",
	Pipe:       "|",
	And:        "and",
	Or:         "or",
	Not:        "not",
	In:         "in",
	True:       "true",
	False:      "false",
	Null:       "null",
	Where:      "where",
	Sort:       "sort",
	Limit:      "limit",
	Select:     "select",
	Asc:        "asc",
	Desc:       "desc",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "token(" + strconv.Itoa(int(k)) + ")"
}

// IsKeyword reports whether k is a reserved word.
func (k Kind) IsKeyword() bool { return k > keywordBeg && k < keywordEnd }

var keywords = func() map[string]Kind {
	m := make(map[string]Kind)
	for k := keywordBeg + 1; k < keywordEnd; k++ {
		m[kindNames[k]] = k
	}
	return m
}()

// Token is one lexical token. Pos and End are byte offsets into the query;
// Text is the token's source text (for strings, with the quotes).
type Token struct {
	Kind     Kind
	Pos, End int
	Text     string
}
