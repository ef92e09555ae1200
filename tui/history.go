package tui

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// The query history lives in the XDG state directory
// ($XDG_STATE_HOME/triage/history, by default ~/.local/state/triage/history),
// one query per line, Go-quoted when it holds a line break or a quote at
// its start, oldest first. It keeps the last historyMax queries.

const historyMax = 1000

// HistoryPath is where the query history is kept, "" when there is no
// home directory to put it in.
func HistoryPath() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" || !filepath.IsAbs(dir) { // the spec says to ignore a relative one
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "triage", "history")
}

// readHistory reads the history file; a missing file is an empty history.
func readHistory(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, `"`) {
			if s, err := strconv.Unquote(line); err == nil {
				line = s
			}
		}
		if line != "" {
			out = append(out, line)
		}
	}
	if len(out) > historyMax {
		out = out[len(out)-historyMax:]
	}
	return out, sc.Err()
}

// appendHistory adds one query to the history file, creating it (and its
// directory) when needed. The file is rewritten short when it grows past
// twice historyMax.
func appendHistory(path, q string) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save history: %w", err)
	}
	line := q
	if strings.ContainsAny(q, "\n\r") || strings.HasPrefix(q, `"`) {
		line = strconv.Quote(q)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("save history: %w", err)
	}
	_, err = f.WriteString(line + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("save history: %w", err)
	}
	return trimHistory(path)
}

// trimHistory keeps the last historyMax lines once the file holds twice
// as many, writing a new file and renaming it into place.
func trimHistory(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("save history: %w", err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) <= 2*historyMax {
		return nil
	}
	keep := strings.Join(lines[len(lines)-historyMax-1:], "")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(keep), 0o600); err != nil {
		return fmt.Errorf("save history: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save history: %w", err)
	}
	return nil
}

// historyMsg carries the history read at start.
type historyMsg struct {
	entries []string
	err     error
}

func loadHistory(path string) tea.Cmd {
	return func() tea.Msg {
		h, err := readHistory(path)
		return historyMsg{entries: h, err: err}
	}
}

// saveHistory appends a query in the background; a failure is a notice.
func saveHistory(path, q string) tea.Cmd {
	return func() tea.Msg {
		if err := appendHistory(path, q); err != nil {
			return noticeMsg{text: err.Error(), err: true}
		}
		return nil
	}
}
