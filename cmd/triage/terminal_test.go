package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQueryOutputOnATerminal: query output written to a terminal shows
// control characters from the data escaped in every format (the pane
// keeps its title and its content), while the same output to a file keeps
// CSV byte-exact.
func TestQueryOutputOnATerminal(t *testing.T) {
	bin := triageBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "evil.csv")
	// An OSC title change, a screen clear, a bell, an OSC 52 clipboard
	// write and a literal backslash-x text that must stay apart from a
	// real ESC.
	csv := "id,label\n1,\"\x1b]0;pwned\x07\"\n2,\"\x1b[2J\"\n3,ring\a\n4,\"\x1b]52;c;aGVsbG8=\x07\"\n5,\\x1b\n"
	if err := os.WriteFile(data, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"csv", "table", "jsonl"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+format)
			p := startPane(t, 100, 20, nil, "sh", "-c", "echo; echo; "+bin+" query "+data+" true --format "+format+" --columns id,label; printf 'done\\n'; "+bin+" query "+data+" true --format "+format+" --columns id,label > "+out)
			title := p.tmux("display-message", "-p", "#{pane_title}")
			s := p.waitFor("done")
			// (tmux may lose the pane's very first line while it sizes
			// the pane: the shell prints two empty ones first.)
			if !strings.Contains(s, "ring") || !strings.Contains(s, "aGVsbG8=") {
				t.Errorf("the screen was cleared:\n%s", s)
			}
			if got := p.tmux("display-message", "-p", "#{pane_title}"); got != title || strings.Contains(got, "pwned") {
				t.Errorf("the pane title went from %q to %q", title, got)
			}
			for _, want := range []string{`]0;pwned`, `[2J`, `ring`, `]52;c;aGVsbG8=`} {
				if !strings.Contains(s, want) {
					t.Errorf("%q not shown:\n%s", want, s)
				}
			}
			if format != "jsonl" && (!strings.Contains(s, `\x1b]0;pwned\a`) || !strings.Contains(s, `\\x1b`)) {
				t.Errorf("escapes not shown as \\x1b, literal backslashes not doubled:\n%s", s)
			}
			p.waitExit()
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			// The values as they are, quoted only where RFC 4180 needs it.
			raw := "id,label\n1,\x1b]0;pwned\x07\n2,\x1b[2J\n3,ring\a\n4,\x1b]52;c;aGVsbG8=\x07\n5,\\x1b\n"
			if format == "csv" && string(b) != raw {
				t.Errorf("CSV to a file is not the data byte for byte:\n%q\nwant\n%q", b, raw)
			}
		})
	}
}
