package tui

import (
	"math"
	"strconv"
	"strings"

	"triage/query"
)

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }

// formatMetric prints a metric with 4 decimals, "—" when undefined.
func formatMetric(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

// formatPct prints a share as a percentage with one decimal.
func formatPct(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(100*v, 'f', 1, 64) + "%"
}

// quoteName writes a column name as the query language reads it.
func quoteName(name string) string { return (&query.Ident{Name: name}).String() }

// quoteString writes a string literal as the query language reads it.
func quoteString(s string) string { return (&query.StringLit{Value: s}).String() }

// refine adds a stage to a query: the rows of src that also match frag.
func refine(src, frag string) string {
	src, frag = strings.TrimSpace(src), strings.TrimSpace(frag)
	if src == "" {
		return frag
	}
	return src + " | " + frag
}

// withSort sorts a query's rows by col: it replaces a final sort stage, or
// adds one.
func withSort(src, col string, desc bool) string {
	dir := " asc"
	if desc {
		dir = " desc"
	}
	stage := "sort " + quoteName(col) + dir
	if q, err := query.Parse(src); err == nil && len(q.Stages) > 0 {
		if last, ok := q.Stages[len(q.Stages)-1].(*query.SortStage); ok {
			cut := strings.LastIndexByte(src[:last.Pos()], '|')
			if cut < 0 {
				return stage
			}
			src = src[:cut]
		}
	}
	return refine(src, stage)
}

// sortOf returns the column and direction of a query's final sort stage.
func sortOf(src string) (col string, desc, ok bool) {
	q, err := query.Parse(src)
	if err != nil || len(q.Stages) == 0 {
		return "", false, false
	}
	last, ok := q.Stages[len(q.Stages)-1].(*query.SortStage)
	if !ok || len(last.Keys) == 0 {
		return "", false, false
	}
	id, ok := last.Keys[0].Expr.(*query.Ident)
	if !ok {
		return "", false, false
	}
	return id.Name, last.Keys[0].Desc, true
}
