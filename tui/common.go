package tui

import (
	"context"
	"slices"

	"charm.land/bubbles/v2/help"

	"triage/dataset"
	"triage/evalview"
)

// common is what every view shares: the session, the size of the screen,
// styles, keys, and the operations running in the background. Views hold a
// pointer to it; only Update changes it.
type common struct {
	ctx    context.Context // the program's; operations derive theirs
	sess   *evalview.Session
	title  string // what the status line calls the dataset
	styles Styles
	help   help.Model // the key hints, styled from styles
	keys   KeyMap
	width  int
	height int

	ops    []*op // running operations, oldest first
	nextOp int

	// evaluation state, set by the root as results arrive
	evals     []*evalview.Evaluation
	evalDone  bool // evaluation finished (or failed, or there is none)
	evalErr   error
	hasDerive bool // the session has derived fields to wait for
	shown     bool // the first rows are on screen
}

// op is a slow operation running in a tea.Cmd: reading, evaluating,
// querying. ctrl+c cancels the running ones before it quits.
type op struct {
	id        int
	name      string // "evaluating", "query", ...
	cancel    context.CancelFunc
	cancelled bool
}

// startOp registers an operation and returns the context it runs under.
func (c *common) startOp(name string) (context.Context, int) {
	ctx, cancel := context.WithCancel(c.ctx)
	c.nextOp++
	c.ops = append(c.ops, &op{id: c.nextOp, name: name, cancel: cancel})
	return ctx, c.nextOp
}

// endOp forgets a finished operation.
func (c *common) endOp(id int) {
	c.ops = slices.DeleteFunc(c.ops, func(o *op) bool {
		if o.id == id {
			o.cancel()
			return true
		}
		return false
	})
}

// cancelOp cancels one operation, if it still runs.
func (c *common) cancelOp(id int) {
	for _, o := range c.ops {
		if o.id == id && !o.cancelled {
			o.cancel()
			o.cancelled = true
		}
	}
}

// cancelOps cancels the running operations and says which they were;
// nil when none was running.
func (c *common) cancelOps() []string {
	var names []string
	for _, o := range c.ops {
		if !o.cancelled {
			o.cancel()
			o.cancelled = true
			names = append(names, o.name)
		}
	}
	return names
}

// busy returns the newest operation still running, or nil.
func (c *common) busy() *op {
	for i := len(c.ops) - 1; i >= 0; i-- {
		if !c.ops[i].cancelled {
			return c.ops[i]
		}
	}
	return nil
}

func (c *common) ds() *dataset.Dataset { return c.sess.Dataset() }

// role names the column playing role, "" when none does.
func (c *common) role(r dataset.Role) string { return c.ds().Roles[r] }

// detection reports whether the dataset is a detection dataset.
func (c *common) detection() bool { return c.ds().Task == dataset.TaskDetection }

// setStyles switches the theme.
func (c *common) setStyles(st Styles) {
	c.styles = st
	c.help = help.New()
	c.help.Styles = st.Help
}

// fetchKinds is what windows read now: free text once the first rows are
// on screen, nested columns once evaluation has ended, derived fields once
// it succeeded.
func (c *common) fetchKinds() fetchKinds {
	if !c.hasDerive {
		return fetchKinds{derived: true, nested: c.shown, text: c.shown}
	}
	return fetchKinds{derived: c.evalDone && c.evalErr == nil, nested: c.evalDone, text: c.shown}
}
