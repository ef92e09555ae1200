package tui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles are every style the program draws with, built once from the
// theme (dark or light background) and passed down. Colours are downsampled
// by the program to what the terminal can show; without colour (NO_COLOR)
// bold, faint and reverse video still mark what matters: the current row is
// reversed, the current column bold.
type Styles struct {
	Status     lipgloss.Style // the status line
	StatusKey  lipgloss.Style // the file name on it
	TabActive  lipgloss.Style
	Tab        lipgloss.Style
	Crumb      lipgloss.Style // the breadcrumb's current sheet
	CrumbTrail lipgloss.Style // its earlier sheets
	Header     lipgloss.Style // table headers
	HeaderCur  lipgloss.Style // the current column's header
	Title      lipgloss.Style // section titles
	Faint      lipgloss.Style
	Error      lipgloss.Style
	Warn       lipgloss.Style
	Good       lipgloss.Style
	Bad        lipgloss.Style
	Key        lipgloss.Style // a key in running text ("enter opens")
	Metric     lipgloss.Style // headline numbers

	// Spans: open/close strings around a text, precomputed so that hot
	// paths (table rows) style text without building styles.
	RowCur  span // the current row
	RowMark span // a selected row
	CellBad span // false in a correct column, true in suspect
	Caret   span // the error caret under a query

	BarFull, BarEmpty lipgloss.Style // progress bar

	Help help.Styles
	Dark bool
}

// span is a style as the escape sequences that open and close it.
type span struct{ open, close string }

func spanOf(s lipgloss.Style) span {
	out := s.Render("\x00")
	open, close, _ := strings.Cut(out, "\x00")
	return span{open, close}
}

func (s span) wrap(text string) string { return s.open + text + s.close }

// NewStyles builds the styles for a dark or a light background.
func NewStyles(dark bool) Styles {
	ld := lipgloss.LightDark(dark)
	fg := lipgloss.NewStyle().Foreground
	accent := ld(lipgloss.Color("#005FAF"), lipgloss.Color("#5FAFFF"))
	muted := ld(lipgloss.Color("#6C6C6C"), lipgloss.Color("#8A8A8A"))
	red := ld(lipgloss.Color("#AF0000"), lipgloss.Color("#FF5F5F"))
	green := ld(lipgloss.Color("#008700"), lipgloss.Color("#5FD75F"))
	yellow := ld(lipgloss.Color("#AF5F00"), lipgloss.Color("#FFD75F"))
	barBg := ld(lipgloss.Color("#D0D0D0"), lipgloss.Color("#3A3A3A"))
	statusBg := ld(lipgloss.Color("#E4E4E4"), lipgloss.Color("#262626"))

	s := Styles{
		Status:     lipgloss.NewStyle().Background(statusBg),
		StatusKey:  lipgloss.NewStyle().Bold(true).Background(statusBg),
		TabActive:  lipgloss.NewStyle().Bold(true).Reverse(true),
		Tab:        fg(muted),
		Crumb:      lipgloss.NewStyle().Bold(true),
		CrumbTrail: fg(muted),
		Header:     lipgloss.NewStyle().Foreground(accent),
		HeaderCur:  lipgloss.NewStyle().Foreground(accent).Bold(true).Underline(true),
		Title:      lipgloss.NewStyle().Bold(true).Foreground(accent),
		Faint:      lipgloss.NewStyle().Faint(true),
		Error:      fg(red),
		Warn:       fg(yellow),
		Good:       fg(green),
		Bad:        fg(red),
		Key:        lipgloss.NewStyle().Bold(true),
		Metric:     lipgloss.NewStyle().Bold(true),
		BarFull:    fg(accent),
		BarEmpty:   fg(barBg),
		Dark:       dark,
	}
	s.RowCur = spanOf(lipgloss.NewStyle().Reverse(true))
	s.RowMark = spanOf(lipgloss.NewStyle().Foreground(yellow).Bold(true))
	s.CellBad = spanOf(lipgloss.NewStyle().Foreground(red))
	s.Caret = spanOf(lipgloss.NewStyle().Foreground(red).Bold(true))

	s.Help = help.DefaultStyles(dark)
	return s
}
