/*
Package query implements triage's query language: a small, typed filter
language over Arrow record batches, compiled to vectorized kernels.

A query is an expression, optionally followed by pipeline stages:

	label != pred and score > 0.9
	fp("cat") and split == "val" | sort score desc | limit 200
	suspect | sort mistakenness desc
	len(detections[eval == "fp" and score > 0.8]) > 0
	filepath ~ "night|rain" and not correct
	label in ("cat", "dog") and normalized_margin < 0.25 | select id, label, pred, score

Parse reads the syntax; Compile also checks every name and type against an
Env and returns a Program, whose Run gives the selected rows and Count how
many there are. Nothing runs until the whole query has checked: errors
carry byte offsets (Error, ErrorList) and FormatError draws a caret under
them. Complete suggests what may be typed at a cursor.

# Grammar

	query    = [ stage { "|" stage } ] .
	stage    = [ "where" ] expr
	         | "sort" key { "," key }
	         | "limit" integer
	         | "select" path { "," path } .
	key      = expr [ "asc" | "desc" ] .
	expr     = expr binop expr | unop expr
	         | expr [ "not" ] "in" "(" value { "," value } ")"
	         | postfix .
	postfix  = primary { "." name | "[" expr "]" } .
	primary  = name | name "(" [ expr { "," expr } ] ")" | literal | "(" expr ")" .
	name     = ident | "`" any text but a backquote "`" .
	literal  = number | string | "true" | "false" | "null" .
	value    = [ "-" ] number | string | "true" | "false" | "null" .
	binop    = "or" | "and" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "~"
	         | "+" | "-" | "*" | "/" .
	unop     = "not" | "-" .

A stage that starts with an expression is a where stage; the canonical
form (Query.String) writes "where" on every such stage but the first. Identifiers are letters, digits
and underscores, not starting with a digit; keywords (and, or, not, in,
true, false, null, where, sort, limit, select, asc, desc) name columns only
in backquotes, or after a dot. Strings are double-quoted, with the escapes
\" \\ \/ \n \t \r \xHH \uHHHH. Numbers are decimal: 3, 0.25, 1e-3.

Precedence, loosest first; binary operators of one level group left to
right:

	or
	and
	not
	== != < <= > >= ~ in, not in
	+ -
	* /
	- (negation)
	.field  [filter]  call

# Names

A name is looked up among the columns of Env.Schema (or, inside a list
filter, among the fields of the list's elements). A dotted path a.b names a
column literally called "a.b" if there is one (as NAME.field columns of
several prediction sets are), else field b of struct column a. On a list
of structs, a.b is the list of every element's b.

Backquotes make a name whole. Beside a column named "a.b" and a struct
column a with a field b, a.b and `a.b` are the column "a.b", and `a`.b is
field b of column a. When there is no column a, `a`.b is the column "a.b"
again (so `my-model`.pred reaches a prediction set's column).

# Types

	bool     bool columns, comparisons, and/or/not
	integer  int8..int64 and uint8..uint64 columns, integer literals
	float    float32 and float64 columns, literals with a point or exponent
	string   string, large_string and dictionary<integer, string> columns
	list     list and large_list of bools, numbers, strings or structs
	struct   struct columns; reach their fields with "."

Integers and floats mix freely: arithmetic on two integers stays integer
(wrapping on overflow) except "/", which is always float division (so x/0
is ±Inf or NaN); anything with a float is float. Comparisons of two
integers are exact in int64 (uint64 values above 2^63-1 wrap). A float32
value (a float32 column or field, or its negation or abs) compared with a
number literal, or looked up in an in-list of them, is compared in
float32: the literal is first rounded to the nearest float32, as DuckDB
and numpy do, so "score > 0.99" does not match a score stored as 0.99,
and "score == 0.99" does. (A literal beyond float32's range, ±3.4e38, is
not rounded; arithmetic such as "score + 0" is float64.) Any other
numeric comparison is in float64, and NaN compares as IEEE 754 says: only
!= is true. Strings compare bytewise. Bools compare only with == and !=.
Other Arrow types (timestamps, binary, ...) may be in the schema but not
in a query.

When Env.Label or Env.Pred is an integer column and Env.Classes is set, a
string literal compared with it (or with the same role of another
prediction set, a column named "NAME.pred") with ==, != or in is the index of that
class name, found when the query is checked; a name not in Classes is an
error with a suggestion. So with Classes ["cat", "dog"], label == "dog"
means label == 1.

A bool column is a predicate by itself: "suspect", "not correct".

# Nulls

Any operator or function with a null operand gives null, except as below;
a where stage keeps a row only when its expression is true, so a
comparison with null never selects a row, and neither does its negation:
with score null, both "score > 0.5" and "not (score > 0.5)" drop the row.
Use is_null(x). "and", "or" and "not" follow Kleene's three-valued logic:

	x      y      x and y  x or y  not x
	true   true   true     true    false
	true   false  false    true    false
	true   null   null     true    false
	false  true   false    true    true
	false  false  false    false   true
	false  null   false    null    true
	null   true   null     true    null
	null   false  false    null    null
	null   null   null     null    null

"x in (a, b)" is true when x equals one of them; when the list holds null
a miss is null (SQL's rule), so "x not in (1, null)" is never true.
A null struct makes its fields null; a null list makes len, count, any,
mean, sum, min and max null. Sorting puts nulls (and NaN) last in both
directions.

# Functions

	len(string | list) int      characters (runes) in a string, or elements in a list
	abs(number) number          absolute value
	lower(string) string        lower case
	upper(string) string        upper case
	contains(s, sub) bool       s contains sub
	startswith(s, p) bool       s starts with p
	endswith(s, p) bool         s ends with p
	is_null(x) bool             x is null (never null itself)
	fp("c") bool                pred == "c" and label != "c" (Env.Pred, Env.Label)
	fn("c") bool                label == "c" and pred != "c"
	any(list) bool              the list has an element; for list<bool>, one is true
	count(list) int             elements; for list<bool>, how many are true
	mean(list of numbers) float mean of the non-null elements, null for none
	sum(list of numbers) float  sum of the non-null elements, 0 for none
	min(list of numbers) float  least non-null element, null for none
	max(list of numbers) float  greatest non-null element, null for none

"~" matches a string against an RE2 regular expression (package regexp),
unanchored; the pattern must be a string literal and is compiled once,
when the query is checked.

# List filters

list[pred] keeps the elements of a list for which pred is true. For a
list of structs pred sees the element's fields by name (and nothing else);
for a list of anything else the element is "_":

	len(detections[eval == "fp" and score > 0.8]) > 0
	any(detections[label == "person" and eval_iou < 0.5])
	mean(detections[eval == "tp"].score) < 0.6
	count(probs[_ > 0.1]) > 1

Filters may be chained: d[a][b] keeps the elements for which both hold.
A null element passes no filter, not even d[is_null(score)].

# Stages

where EXPR keeps rows where EXPR is true. sort KEY [asc|desc], ... orders
the rows stably by each key in turn (keys are any bool, number or string
expressions; asc is the default). limit N keeps the first N rows. select
a, b names the columns to show or export; it does not change which rows
are selected. Stages run left to right, so "sort score desc | limit 10 |
where correct" keeps the correct rows among the ten best.

# Beyond SPEC.md §5

Added: upper, endswith, any, count, mean, sum, min, max; "not in";
filters on lists of plain values ("_");
backquoted names; several sort keys; where after sort or limit; the
escapes above; \xHH for bytes that are not UTF-8.

# Evaluation

Each where expression runs a batch at a time over whole columns, making a
bitmap of 64-bit words; "and" and "or" combine words. Comparisons of a
column with a constant read Arrow's value slices in place; predicates on
dictionary columns run once per dictionary entry and are then looked up by
index; two dictionary columns compare their indices (after mapping one
dictionary onto the other when they differ). String predicates with a
literal pattern read a plain column's Arrow bytes in place: contains
searches the whole column's data at once and maps each hit to its row;
startswith, endswith and ~ with a pattern that is plain text ("^abc",
"abc$", "abc") compare bytes; an alternation of plain text ("night|rain")
searches for each; a pattern of single characters and classes
("7[0-9]7.jpg$", "^\d\d") is tested at each row's start, end or every
position; any other pattern runs Go's regexp on each row's bytes, after a
search of the column for a literal every match must hold (the "dog" of
"cat.*dog"). Other expressions work in
per-batch scratch slices (narrow integers and float32 widened to int64 and
float64); nothing allocates per row except string functions that make new
strings (lower, upper on plain string columns). Sorting gathers the keys of
the selected rows only; a sort followed by a limit keeps a bounded heap.
Count without sort or limit only counts bits.
*/
package query
