// Package curate turns what a person decided about samples into a new
// version of the training set (SPEC §6).
//
// Decisions are entries of a journal: an append-only JSON Lines file,
// DATASET.triage/queue.jsonl by default, one entry per line:
//
//	{"v":1,"id":3,"time":"2026-12-01T14:00:00Z","action":"relabel",
//	 "args":{"label":"7"},"key_column":"id","keys":[17,342],"query":"suspect"}
//
// Actions are tag and untag (free-form tags), relabel (to a class of the
// class list, or a new class when asked for), drop, weight (a sample
// weight), mine (pool samples nearest the chosen ones by embedding, queued
// for addition with the model's predicted label and a needs_review mark)
// and undo (which reverts the last entry not yet undone; nothing is ever
// erased). Appends are whole lines written with one write under an
// exclusive file lock and fsync'd; a torn line left by a crash is skipped
// with a warning.
//
// Replay turns the journal into the effective state per sample; Apply
// writes the dataset with that state applied as a new Parquet file,
// atomically, never over an input; the exports write relabeling tasks for
// people (Label Studio, COCO, CSV).
package curate
