package main

import "testing"

// TestDemoInTmux runs `triage` with no arguments in a real terminal (tmux),
// as a person would: the demo opens on its evaluation, the samples view
// shows the fields evaluation adds, q goes back, q quits. Each step waits
// for the whole screen it expects (see pane in tui_test.go).
func TestDemoInTmux(t *testing.T) {
	p := startPane(t, 120, 30, nil, triageBinary(t))
	// Every part of the first frame, from the title to the key help: tmux
	// shows a frame as its bytes arrive, so a check made as soon as one
	// line appears can see half a frame.
	p.waitFor("demo: handwritten digits", "accuracy 0.9047", "confusion", "q back / quit")
	p.keys("Tab") // the samples, with the derived fields
	p.waitFor("suspect")
	p.keys("G")
	p.waitFor("1499")
	p.keys("q") // back to the evaluation view
	p.waitFor("accuracy 0.9047")
	p.keys("q")
	p.waitExit()
}
