// Package dataset opens the files triage works on and holds them as Arrow
// record batches: Parquet (through pqarrow, reading only the columns asked
// for, one row group at a time), Arrow IPC files and streams, CSV and JSON
// Lines (types inferred from every value); a file, a directory of shards or
// a glob. It detects the columns' roles (label, pred, probs, image, ...),
// resolves the class list, and joins prediction files to the dataset by key.
//
// Every reader call is guarded: arrow-go panics on some malformed files, and
// a panic becomes an error that names the file.
package dataset
