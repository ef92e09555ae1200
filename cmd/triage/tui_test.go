package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// End-to-end tests of the terminal program: the real binary in a real
// terminal (tmux), driven with keys, checked on what the pane shows. Each
// step waits for content to appear, with a generous deadline, never for a
// fixed time. .ci/run installs tmux; elsewhere the tests skip without it.
//
// tmux runs without the user's configuration (-f /dev/null), and keeps a
// pane whose program has exited (remain-on-exit): a test that fails can
// then say whether the program was still running, or exited and with what
// status, and show its last screen. (Judging "quit" by the session going
// away could not tell a program still running from a pane a configuration
// kept, and a blank screen from a program that left its alternate screen.)

// triageBinary builds the binary into the test's temporary directory
// (removed when it ends; the build cache makes the second build a link).
func triageBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "triage")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// pane is a tmux session running one command.
type pane struct {
	t    testing.TB
	sock string
}

// startPane runs the command in a new tmux session of w × h cells, with
// env added to its environment. The session is killed when the test ends.
func startPane(t testing.TB, w, h int, env []string, args ...string) *pane {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is needed for the terminal tests (.ci/run installs it)")
		}
		t.Skip("no tmux: the terminal tests need it (.ci/run installs it)")
	}
	p := &pane{t: t, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	// The options hold from the program's first instant: set before the
	// session starts.
	cmd := []string{"-f", "/dev/null", "start-server", ";", "set-option", "-g", "remain-on-exit", "on", ";",
		"new-session", "-d", "-x", strconv.Itoa(w), "-y", strconv.Itoa(h)}
	for _, e := range append([]string{"TERM=xterm-256color"}, env...) {
		cmd = append(cmd, "-e", e)
	}
	p.tmux(append(cmd, args...)...)
	t.Cleanup(func() { exec.Command("tmux", "-S", p.sock, "kill-server").Run() })
	return p
}

func (p *pane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", p.sock}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// screen is what the pane shows, as text.
func (p *pane) screen() string { return p.tmux("capture-pane", "-p") }

// keys sends keys by tmux's names (Enter, Escape, BSpace, C-c).
func (p *pane) keys(keys ...string) { p.tmux(append([]string{"send-keys"}, keys...)...) }

// text types text literally.
func (p *pane) text(s string) { p.tmux("send-keys", "-l", s) }

// waitFor polls the pane until it shows every one of want.
func (p *pane) waitFor(want ...string) string {
	p.t.Helper()
	return p.waitUntil(strings.Join(want, " and "), func(s string) bool {
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	})
}

// paneDeadline bounds each wait: generous, for a loaded machine.
const paneDeadline = 60 * time.Second

// exited reports whether the program has exited (its terminal closed),
// and how: "0", another exit status, "signal N", or "" when tmux has not
// collected the status. tmux 3.3a here sometimes never does: the process
// stays a zombie, though tmux catches SIGCHLD.
func (p *pane) exited() (bool, string) {
	p.t.Helper()
	f := strings.Split(strings.TrimSpace(p.tmux("display-message", "-p", "#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}")), ":")
	switch {
	case len(f) != 3 || f[0] != "1":
		return false, ""
	case f[2] != "":
		return true, "signal " + f[2]
	}
	return true, f[1]
}

// waitUntil polls the pane until ok says yes, for up to a minute, and fails
// at once if the program exits first. A test that fails says what it
// waited for.
func (p *pane) waitUntil(what string, ok func(string) bool) string {
	p.t.Helper()
	start := time.Now()
	for {
		s := p.screen()
		if ok(s) {
			return s
		}
		if dead, status := p.exited(); dead {
			// It may have drawn its last screen after the capture above:
			// once it is gone, the screen no longer changes.
			if s = p.screen(); ok(s) {
				return s
			}
			p.t.Fatalf("the program exited (status %q) after %v, before the screen showed %s:\n%s", status, time.Since(start).Round(time.Millisecond), what, describeScreen(s))
		}
		if time.Since(start) > paneDeadline {
			p.t.Fatalf("after %v the screen still does not show %s (the program is running):\n%s", paneDeadline, what, describeScreen(s))
		}
		time.Sleep(20 * time.Millisecond) // a poll interval, not a wait for something
	}
}

// waitExit waits for the program to end, with status 0 (once tmux knows
// it: a second at most after the terminal closes, else the status is
// taken as unknown).
func (p *pane) waitExit() {
	p.t.Helper()
	start := time.Now()
	var closed time.Time
	for {
		dead, status := p.exited()
		switch {
		case dead && status == "0":
			return
		case dead && status != "":
			p.t.Fatalf("the program exited with status %s:\n%s", status, describeScreen(p.screen()))
		case dead && closed.IsZero():
			closed = time.Now()
		case dead && time.Since(closed) > time.Second:
			p.t.Logf("the program exited; tmux has not collected its exit status (%s)", p.process())
			return
		case !dead && time.Since(start) > paneDeadline:
			p.t.Fatalf("after %v the program is still running (%s):\n%s", paneDeadline, p.process(), describeScreen(p.screen()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// process describes the pane's process as tmux and the system see it.
func (p *pane) process() string {
	p.t.Helper()
	st := strings.TrimSpace(p.tmux("display-message", "-p", "pane_dead=#{pane_dead} status=#{pane_dead_status} signal=#{pane_dead_signal} pid=#{pane_pid}"))
	pid := st[strings.LastIndex(st, "=")+1:]
	ps, err := exec.Command("ps", "-o", "pid=,ppid=,stat=,args=", "-p", pid).CombinedOutput()
	if err != nil {
		return st + ", process gone"
	}
	return st + ", process " + strings.TrimSpace(string(ps))
}

// describeScreen shows a screen, saying so when it is blank (the program
// left its alternate screen, or never drew).
func describeScreen(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(a blank screen)"
	}
	return s
}

// TestTUIInTmux walks the demo as a person would: the evaluation, the
// confusion cell with the most errors, a misspelled query and its fix, a
// refinement, a sample's detail, a tag, the help, and out with q.
func TestTUIInTmux(t *testing.T) {
	bin := triageBinary(t)
	p := startPane(t, 120, 40, []string{"XDG_STATE_HOME=" + t.TempDir()}, bin)

	p.waitFor("accuracy 0.9047", "confusion", "label 8 → pred 1: 7")
	p.keys("Enter") // the cursor starts on the cell with the most errors
	p.waitFor("all › 8 → 1", "7 / 1,500 rows", `query label == "8" and pred == "1"`)

	p.keys("/")
	p.waitFor("enter runs")
	p.text(`lable == "3"`)
	s := p.waitFor(`did you mean "label"?`)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, `/ lable == "3"`) {
			if i+1 == len(lines) || !strings.HasPrefix(lines[i+1], `  ^~~~~ unknown column "lable"`) {
				t.Errorf("no caret under lable:\n%s", s)
			}
		}
	}
	p.keys("Tab") // takes the suggestion
	p.waitFor(`/ label == "3"`)
	p.keys("Enter")
	p.waitFor(`8 → 1 › label == "3"`, "no rows match")
	p.keys("BSpace")
	p.waitFor("7 / 1,500 rows")

	p.keys("/")
	p.waitFor("enter runs")
	p.text("not correct")
	p.keys("Enter")
	p.waitFor("all › 8 → 1 › not correct", "7 / 1,500 rows")

	p.keys("Enter")
	p.waitFor("id 100 · label 8 · pred 1 ✗", "probs")
	p.keys("t")
	p.waitFor("tag 1 sample as")
	p.text("e2e")
	p.keys("Enter")
	p.waitFor(`tagged 1 sample "e2e"`, "queue 1")

	p.keys("?")
	p.waitFor("everywhere", "query bar", "actions")
	// q closes the help, then the detail, leaves the samples view, and
	// quits from the evaluation.
	p.keys("q")
	p.waitFor("id 100 · label 8")
	p.keys("q")
	p.waitFor("all › 8 → 1 › not correct")
	p.keys("q")
	p.waitFor("accuracy 0.9047")
	p.keys("q")
	p.waitExit()
}

// TestTUIEscapes: labels holding a title change, a screen clear and a
// bell show escaped; the pane keeps its title and its content.
func TestTUIEscapes(t *testing.T) {
	bin := triageBinary(t)
	dir := t.TempDir()
	labels := []string{"\x1b]0;pwned\x07", "\x1b[2J", "ring\a", "cat"}
	var b strings.Builder
	for i := range 40 {
		l, _ := json.Marshal(labels[i%4])
		pr, _ := json.Marshal(labels[(i/4)%4])
		b.WriteString(`{"id":` + strconv.Itoa(i) + `,"label":` + string(l) + `,"pred":` + string(pr) + `,"score":0.5}` + "\n")
	}
	path := filepath.Join(dir, "escapes.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startPane(t, 120, 40, []string{"XDG_STATE_HOME=" + t.TempDir()}, bin, path)
	title := func() string { return strings.TrimSpace(p.tmux("display-message", "-p", "#{pane_title}")) }
	p.waitFor("accuracy", `\x1b]0;pwned\a`, `\x1b[2J`)
	before := title()
	p.keys("Tab")
	s := p.waitFor(`ring\a`, "all")
	if strings.Contains(title(), "pwned") {
		t.Errorf("the pane title became %q", title())
	}
	if !strings.Contains(s, "Evaluation  Samples  Queue") {
		t.Errorf("the screen was cleared or garbled:\n%s", s)
	}
	p.keys("Enter")
	p.waitFor("score 0.5")
	if got := title(); got != before || strings.Contains(got, "pwned") {
		t.Errorf("the pane title went from %q to %q", before, got)
	}
	p.keys("q") // the detail
	p.waitFor("Evaluation  Samples  Queue   all")
	p.keys("q") // the samples view
	p.waitFor("accuracy")
	p.keys("q")
	p.waitExit()
}

// TestTUINeedsATerminal: without a terminal, or with TERM=dumb, one line
// points to the plain commands.
func TestTUINeedsATerminal(t *testing.T) {
	for _, term := range []string{"xterm-256color", "dumb"} {
		t.Setenv("TERM", term)
		var out, errOut strings.Builder
		err := run(t.Context(), []string{"testdata/nothing.parquet"}, strings.NewReader(""), &out, &errOut)
		if err == nil {
			t.Fatalf("TERM=%s, output to a buffer: no error", term)
		}
		msg := errorText(err)
		if strings.Contains(msg, "\n") || !strings.Contains(msg, "triage query") || !strings.Contains(msg, "triage eval") || exitCode(err) != 2 {
			t.Errorf("TERM=%s: %q (exit %d), want one line pointing to triage query and triage eval, exit 2", term, msg, exitCode(err))
		}
		if out.Len() > 0 {
			t.Errorf("TERM=%s: wrote %q to the output", term, out.String())
		}
	}
}

var debugLine = regexp.MustCompile(`arrow ([0-9.]+) MiB · heap ([0-9.]+) MiB · rss ([0-9.]+) MiB · peak rss ([0-9.]+) MiB`)

// benchData is a file of the generated bench data (../shared/bench), or
// a skip when it has not been generated here.
func benchData(b *testing.B, name string) string {
	dir := os.Getenv("TRIAGE_BENCH_DATA")
	if dir == "" {
		dir = "/tmp/bd"
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		b.Skipf("no bench data %s (generate it with ../shared/bench, or set TRIAGE_BENCH_DATA)", path)
	}
	return path
}

// firstRow matches a data row of cls_10m on the pane: the id 0 with its
// label and prediction.
var firstRow = regexp.MustCompile(`(?m)^\s+0\s+car\s+car\s`)

// BenchmarkTUIFirstFrame times `triage cls_10m.parquet` in tmux from
// launch until a data row is on the pane, while the rest loads; and the
// same for the first million rows as CSV (cls_1m.csv, which
// docs/sidebyside-text.sh writes with DuckDB).
func BenchmarkTUIFirstFrame(b *testing.B) {
	for _, name := range []string{"cls_10m.parquet", "cls_1m.csv"} {
		b.Run(name, func(b *testing.B) { benchFirstFrame(b, name) })
	}
}

func benchFirstFrame(b *testing.B, name string) {
	path := benchData(b, name)
	bin := triageBinary(b)
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		p := startPane(b, 120, 40, []string{"XDG_STATE_HOME=" + b.TempDir()}, bin, path)
		for !firstRow.MatchString(p.screen()) {
			if time.Since(start) > 30*time.Second {
				b.Fatalf("no data row after 30 s:\n%s", p.screen())
			}
		}
		total += time.Since(start)
		exec.Command("tmux", "-S", p.sock, "kill-server").Run()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/first-frame")
}

// BenchmarkTUIMemory opens cls_10m with --debug, waits until everything
// the views show is read and evaluated, and reports the Arrow memory the
// columns hold against the process's peak resident memory.
func BenchmarkTUIMemory(b *testing.B) {
	path := benchData(b, "cls_10m.parquet")
	bin := triageBinary(b)
	for b.Loop() {
		p := startPane(b, 160, 40, []string{"XDG_STATE_HOME=" + b.TempDir()}, bin, "--debug", path)
		// The debug line shows once nothing runs (evaluated, preloaded,
		// sliced), refreshed every second; a reading taken while the last
		// step ran can show first, so wait for the Arrow figure to hold.
		var m []string
		p.waitUntil("a steady debug line", func(s string) bool {
			next := debugLine.FindStringSubmatch(s)
			if next == nil {
				return false
			}
			steady := m != nil && next[1] == m[1] && next[0] != m[0]
			m = next
			return steady
		})
		arrow, _ := strconv.ParseFloat(m[1], 64)
		peak, _ := strconv.ParseFloat(m[4], 64)
		b.ReportMetric(arrow, "MiB-arrow")
		b.ReportMetric(peak, "MiB-peak-rss")
		b.ReportMetric(peak/arrow, "peak/arrow")
		b.Logf("arrow %.1f MiB, peak RSS %.1f MiB: %.2f×", arrow, peak, peak/arrow)
		if peak > 1.5*arrow {
			b.Errorf("peak RSS %.1f MiB is more than 1.5× the %.1f MiB of Arrow columns held", peak, arrow)
		}
		exec.Command("tmux", "-S", p.sock, "kill-server").Run()
	}
}

// TestTUIJournal: a tag given in the program is in the journal that
// `triage queue list` reads.
func TestTUIJournal(t *testing.T) {
	bin := triageBinary(t)
	dir := t.TempDir()
	for _, f := range []string{"digits.parquet", "digits-preds.parquet"} {
		data, err := os.ReadFile(filepath.Join("../../testdata/demo", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "digits.parquet")
	p := startPane(t, 120, 40, []string{"XDG_STATE_HOME=" + t.TempDir()}, bin, data, "--pred", filepath.Join(dir, "digits-preds.parquet"))
	p.waitFor("accuracy 0.9047")
	p.keys("Tab")
	p.waitFor("all", "mistakenness")
	p.keys("t")
	p.waitFor("tag 1 sample as")
	p.text("first")
	p.keys("Enter")
	p.waitFor(`tagged 1 sample "first"`)
	p.keys("A")
	p.waitFor("journal "+data+".triage/queue.jsonl", `tag "first"`)
	p.keys("q")
	p.waitFor("accuracy 0.9047")
	p.keys("q")
	p.waitExit()
	var out, errOut strings.Builder
	if err := run(t.Context(), []string{"queue", "list", data}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("queue list: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "first") {
		t.Errorf("queue list does not show the tag:\n%s", out.String())
	}
}

// TestTUINoColor: NO_COLOR with any value, even "0", turns colour off;
// reverse video and bold stay. Without it the same screen has colour.
func TestTUINoColor(t *testing.T) {
	bin := triageBinary(t)
	sgr := regexp.MustCompile(`\x1b\[([0-9;]*)m`)
	hasColour := func(s string) bool {
		for _, m := range sgr.FindAllStringSubmatch(s, -1) {
			for _, p := range strings.Split(m[1], ";") {
				n, _ := strconv.Atoi(p)
				if n >= 30 && n <= 38 || n >= 40 && n <= 48 || n >= 90 && n <= 97 || n >= 100 && n <= 107 {
					return true
				}
			}
		}
		return false
	}
	for _, noColor := range []string{"", "0"} {
		env := []string{"XDG_STATE_HOME=" + t.TempDir(), "COLORTERM=truecolor"}
		if noColor != "" {
			env = append(env, "NO_COLOR="+noColor)
		}
		p := startPane(t, 100, 30, env, bin)
		p.waitFor("accuracy 0.9047")
		s := p.tmux("capture-pane", "-p", "-e")
		if got := hasColour(s); got != (noColor == "") {
			t.Errorf("NO_COLOR=%q: colour on the screen: %v", noColor, got)
		}
		if !strings.Contains(s, "\x1b[7m") && !strings.Contains(s, ";7m") {
			t.Errorf("NO_COLOR=%q: no reverse video for the cursor:\n%q", noColor, s)
		}
		p.keys("q")
		p.waitExit()
	}
}
