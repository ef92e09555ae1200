package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"triage/evalview"
)

// Messages: what commands report back to Update.

// openQueryMsg asks for a new sheet showing a query (replace: instead of
// the top sheet, when only its sort changed).
type openQueryMsg struct {
	title, query string
	replace      bool
}

func openQuery(title, src string, replace bool) tea.Cmd {
	return func() tea.Msg { return openQueryMsg{title: title, query: src, replace: replace} }
}

// openDetailMsg asks for the detail view of a sheet's row.
type openDetailMsg struct {
	sheet int   // -1: not from a sheet (the box view)
	pos   int64 // position in the sheet
	row   int64 // dataset row
	box   boxRef
}

// evalDoneMsg carries the evaluation reports.
type evalDoneMsg struct {
	op    int
	evals []*evalview.Evaluation
	err   error
}

func evaluate(ctx context.Context, s *evalview.Session, op int) tea.Cmd {
	return func() tea.Msg {
		evals, err := s.Evaluations(ctx)
		return evalDoneMsg{op: op, evals: evals, err: err}
	}
}

// preloadDoneMsg says the columns the views show are in memory.
type preloadDoneMsg struct {
	op  int
	err error
}

func preload(ctx context.Context, s *evalview.Session, op int, cols []string) tea.Cmd {
	return func() tea.Msg {
		return preloadDoneMsg{op: op, err: s.Preload(ctx, cols)}
	}
}

// slicesDoneMsg carries where the model fails.
type slicesDoneMsg struct {
	op  int
	rep *evalview.SliceReport
	err error
}

func findSlices(ctx context.Context, s *evalview.Session, op int) tea.Cmd {
	return func() tea.Msg {
		rep, err := s.FailureSlices(ctx)
		return slicesDoneMsg{op: op, rep: rep, err: err}
	}
}

// progressMsg is the latest progress of reading or evaluating.
type progressMsg evalview.Progress

// noticeMsg is a line for the status line: what an action did, or an error.
type noticeMsg struct {
	text string
	err  bool
}

func notice(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return noticeMsg{text: text, err: isErr} }
}

// marksDoneMsg carries a selection computed in the background.
type marksDoneMsg struct {
	marks marks
	added int64
}
