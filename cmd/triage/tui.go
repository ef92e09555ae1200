package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"

	tea "charm.land/bubbletea/v2"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	"triage/dataset/curate"
	"triage/evalview"
	"triage/render"
	"triage/render/termimg"
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

  --queue PATH         the action journal (default DATASET.triage/queue.jsonl;
                       the demo's actions are held in memory)
  --pool PATH          mine similar samples from this file (default: the
                       dataset's unlabeled rows); --pool-pred PATH its predictions
  --images MODE        how pictures are drawn: auto (ask the terminal), kitty,
                       sixel, iterm, blocks, blocks256 or off
  --debug              show the image protocol chosen and why, and the memory
                       the columns hold and the process uses

` + openFlagsHelp,
	run: runTUI,
}

func runTUI(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("triage", flag.ContinueOnError)
	var qf queueFlags
	qf.register(fs)
	of := &qf.open
	debugFlag := fs.Bool("debug", false, "show memory use on the status line")
	pool := fs.String("pool", "", "the pool to mine")
	poolPred := fs.String("pool-pred", "", "the pool's prediction file")
	var images termimg.Protocol
	fs.Var(&images, "images", "auto, kitty, sixel, iterm, blocks, blocks256 or off")
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
	demo := len(pos) == 0
	if !demo {
		path, title = pos[0], pos[0]
	} else {
		if path, err = of.demoDir(); err != nil {
			return err
		}
		defer os.RemoveAll(filepath.Dir(path))
		title = "demo: handwritten digits"
	}
	feed := tui.NewProgressFeed()
	mem := &meteredAllocator{Allocator: memory.DefaultAllocator}
	s, err := of.openSessionWith(path, evalview.Config{Interactive: true, Progress: feed.Report, Mem: mem})
	if err != nil {
		return err
	}
	defer s.Close()
	opts := tui.Options{
		Title:       title,
		Progress:    feed,
		HistoryPath: tui.HistoryPath(),
		SyncOutput:  os.Getenv("SSH_TTY") != "",
		Images:      images,
		Tmux:        os.Getenv("TMUX") != "",
		// The columns stay in memory for the whole session: once the
		// first screen is up (it reads little, and fast with Go's
		// default), a lower GC target keeps the heap near what they take.
		FirstScreen: func() { debug.SetGCPercent(tuiGCPercent) },
		Dark:        true,
	}
	if *debugFlag {
		opts.Stats = func() string { return memoryStats(mem) }
	}
	if !demo && s.Dataset().Key != "" {
		mine := func(ctx context.Context, chosen curate.Selection, k int) (curate.Entry, error) {
			return mineEntry(ctx, e, s, qf, path, chosen, k, *pool, *poolPred)
		}
		q, warnings, err := tui.OpenJournal(qf.journal(path), s.Dataset().Key, s.Dataset().Classes, mine)
		for _, w := range warnings {
			fmt.Fprintf(e.stderr, "triage: warning: %s\n", render.Sanitize(w))
		}
		if err != nil {
			return err
		}
		opts.Queue = q
	}
	// The Placer passes the output through, drawing sixel and iTerm2
	// pictures where the view marks them.
	opts.Placer = termimg.NewPlacer(e.stdout)
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(e.stdin), tea.WithOutput(opts.Placer)}
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

// tuiGCPercent is the GC target while the terminal program runs: the heap
// may grow a tenth over what is live, not Go's default of all of it, since
// what is live is mostly columns kept for the whole session. Their buffers
// hold no pointers, so the extra collections cost little.
const tuiGCPercent = 10

// meteredAllocator counts the bytes of Arrow memory held.
type meteredAllocator struct {
	memory.Allocator
	held atomic.Int64
}

func (a *meteredAllocator) Allocate(size int) []byte {
	b := a.Allocator.Allocate(size)
	a.held.Add(int64(len(b)))
	return b
}

func (a *meteredAllocator) Reallocate(size int, b []byte) []byte {
	old := len(b)
	b = a.Allocator.Reallocate(size, b)
	a.held.Add(int64(len(b) - old))
	return b
}

func (a *meteredAllocator) Free(b []byte) {
	a.held.Add(-int64(len(b)))
	a.Allocator.Free(b)
}

// memoryStats is the --debug line: Arrow memory held, the process's
// resident memory now and at its peak.
func memoryStats(a *meteredAllocator) string {
	rss, peak := procMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return fmt.Sprintf("arrow %s · heap %s · rss %s · peak rss %s", mib(a.held.Load()), mib(int64(ms.HeapAlloc)), mib(rss), mib(peak))
}

func mib(b int64) string {
	if b < 0 {
		return "?"
	}
	return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB"
}

// procMemory reads VmRSS and VmHWM from /proc/self/status; -1 where
// there is no such file.
func procMemory() (rss, peak int64) {
	rss, peak = -1, -1
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	return
}
