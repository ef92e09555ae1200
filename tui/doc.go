// Package tui is triage's interactive terminal program, built on bubbletea
// v2 over the engine evalview.Session: the evaluation view (where the model
// fails), the samples view (a stack of query results, VisiData's sheets,
// read a screen at a time), a sample's detail with its picture, the query
// bar, and actions that go to the curate journal.
//
// The root Model routes messages to one model per view (evaluation.go,
// samples.go, detail.go, queue.go, boxview.go); styles (styles.go) and key
// bindings (keys.go, which also generate the help and docs/tui.md's key
// map) are built once and shared through a common struct. Anything slow —
// reading, evaluating, querying, fetching rows, decoding pictures, writing
// the journal — runs in a tea.Cmd and comes back as a message tagged with
// what it belongs to (a sheet id, an operation, a sequence number), so
// that a late result for something gone is dropped and Update never
// blocks. Every string from the data is drawn through render.Sanitize.
package tui
