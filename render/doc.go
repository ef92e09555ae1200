// Package render draws what the other packages produce as plain text for a
// terminal: cell values, aligned tables. Renderers are pure functions (data
// and a size in, a string out) and never let a control character from the
// data reach the terminal: every string is escaped first.
package render
