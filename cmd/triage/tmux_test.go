package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoInTmux runs `triage` with no arguments in a real terminal (tmux),
// as a person would: the demo opens, keys scroll it, q quits. .ci/run
// installs tmux.
func TestDemoInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is needed for the terminal test (apt-get install tmux; .ci/run does it)")
	}
	bin := filepath.Join(t.TempDir(), "triage")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sock := filepath.Join(t.TempDir(), "tmux.sock")
	tmux := func(args ...string) string {
		out, err := exec.Command("tmux", append([]string{"-S", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	tmux("new-session", "-d", "-x", "120", "-y", "30", bin)
	defer exec.Command("tmux", "-S", sock, "kill-server").Run()

	screen := waitFor(t, tmux, "accuracy 0.9047")
	for _, want := range []string{"demo: handwritten digits", "confusion", "q back / quit"} {
		if !strings.Contains(screen, want) {
			t.Errorf("demo screen lacks %q:\n%s", want, screen)
		}
	}
	// the samples view shows the fields evaluation adds
	tmux("send-keys", "Tab")
	waitFor(t, tmux, "suspect")
	tmux("send-keys", "G")
	waitFor(t, tmux, "1499")
	tmux("send-keys", "q") // back to the evaluation view
	waitFor(t, tmux, "accuracy 0.9047")
	tmux("send-keys", "q")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if exec.Command("tmux", "-S", sock, "has-session").Run() != nil {
			return // the program quit and tmux closed the session
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("q did not quit:\n%s", tmux("capture-pane", "-p"))
}

// waitFor polls the screen until it shows want, for up to 20 s.
func waitFor(t *testing.T, tmux func(...string) string, want string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var screen string
	for time.Now().Before(deadline) {
		screen = tmux("capture-pane", "-p")
		if strings.Contains(screen, want) {
			return screen
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("screen never showed %q:\n%s", want, screen)
	return ""
}
