package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	"triage/evalview"
	"triage/tui"
)

var tuiCmd = &command{
	name:    "tui",
	summary: "the interactive terminal program",
	usage: `Usage: triage [open flags] [DATASET]

Opens the dataset in the terminal program. With no DATASET, opens the
built-in demo: 1,500 handwritten digits with a model's out-of-fold
predictions and 6% injected label noise. Press ? inside for the keys.

It needs a terminal: with TERM=dumb, or output to a pipe or a file, use
triage query or triage eval instead. NO_COLOR (any value) turns colour off.
Queries typed in it are kept in $XDG_STATE_HOME/triage/history.

` + openFlagsHelp,
	run: runTUI,
}

func runTUI(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("triage", flag.ContinueOnError)
	var of openFlags
	of.register(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("want at most one DATASET, got %d arguments (see `triage help`)", len(pos))
	}
	if err := checkTerminal(e); err != nil {
		return err
	}
	var path, title string
	if len(pos) == 1 {
		path, title = pos[0], pos[0]
	} else {
		if path, err = of.demoDir(); err != nil {
			return err
		}
		defer os.RemoveAll(filepath.Dir(path))
		title = "demo: handwritten digits"
	}
	feed := tui.NewProgressFeed()
	s, err := of.openTUISession(path, feed)
	if err != nil {
		return err
	}
	defer s.Close()
	opts := tui.Options{
		Title:       title,
		Progress:    feed,
		HistoryPath: tui.HistoryPath(),
		SyncOutput:  os.Getenv("SSH_TTY") != "",
		Dark:        true,
	}
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(e.stdin), tea.WithOutput(e.stdout)}
	if os.Getenv("NO_COLOR") != "" {
		// Any value turns colour off (no-color.org); bubbletea's own
		// check only takes true-ish ones. Bold and reverse video stay.
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	p := tea.NewProgram(tui.New(ctx, s, opts), popts...)
	_, err = p.Run()
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// checkTerminal refuses to draw where nothing can show it: a dumb
// terminal, or output that is not a terminal.
func checkTerminal(e *env) error {
	const instead = "use `triage query` or `triage eval` for plain output"
	if t := os.Getenv("TERM"); t == "dumb" {
		return usagef("the terminal program needs a terminal that can draw (TERM=dumb); %s", instead)
	}
	f, ok := e.stdout.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return usagef("the terminal program needs a terminal, and standard output is not one; %s", instead)
	}
	return nil
}

// openTUISession opens the session as openSession does, interactive,
// with progress going to feed.
func (o *openFlags) openTUISession(path string, feed *tui.ProgressFeed) (*evalview.Session, error) {
	opts, err := o.options(path)
	if err != nil {
		return nil, err
	}
	s, err := evalview.Open(evalview.Config{
		Data:        opts,
		Eval:        evalview.Options{Positive: o.positive, Threshold: o.threshold, IoU: o.iou, CLFilter: o.clFilter},
		Interactive: true,
		Progress:    feed.Report,
	})
	var bad *evalview.OptionError
	if errors.As(err, &bad) {
		return nil, usagef("--%s %s", bad.Option, bad.Msg)
	}
	return s, err
}
