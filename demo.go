// Package triage holds the built-in demo dataset, embedded so that
// `go run ./cmd/triage` works on a fresh machine with no data. The program
// itself is in cmd/triage; see README.md.
package triage

import (
	"embed"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed testdata/demo/*.parquet
var demo embed.FS

// Demo file names, inside the directory WriteDemo fills.
const (
	DemoData      = "digits.parquet"
	DemoPreds     = "digits-preds.parquet"
	DemoPool      = "digits-pool.parquet"
	DemoPoolPreds = "digits-pool-preds.parquet"
)

// WriteDemo copies the demo dataset (handwritten digits with a model's
// out-of-fold predictions; see testdata/demo/README.md) into dir.
func WriteDemo(dir string) error {
	return fs.WalkDir(demo, "testdata/demo", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := demo.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, filepath.Base(path)), b, 0o644)
	})
}
