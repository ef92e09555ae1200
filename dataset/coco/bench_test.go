package coco

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset/coco/internal/cocogen"
)

// train2017 returns a generated instances file the size of COCO
// train2017: TRIAGE_COCO_FILE if set (written there if missing, so that
// it can also be timed as a whole process), else one in a temp dir.
func train2017(b *testing.B) string {
	path := os.Getenv("TRIAGE_COCO_FILE")
	if path == "" {
		path = filepath.Join(b.TempDir(), "instances_train2017.json")
	}
	if _, err := os.Stat(path); err == nil {
		return path
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := cocogen.Write(f, cocogen.Train2017Images, cocogen.Train2017Annotations, 1); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkReadTrain2017 reads and indexes (one row per image, boxes
// grouped) a generated file the size of COCO train2017, with Read and with
// the encoding/json loader it replaced.
func BenchmarkReadTrain2017(b *testing.B) {
	path := train2017(b)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, impl := range []struct {
		name string
		read func(string, string, memory.Allocator) (any, error)
	}{
		{"jsonscan", func(i, r string, mem memory.Allocator) (any, error) {
			rec, _, err := Read(i, r, mem)
			if err == nil {
				rec.Release()
			}
			return nil, err
		}},
		{"encoding-json", func(i, r string, mem memory.Allocator) (any, error) {
			rec, _, err := readLegacy(i, r, mem)
			if err == nil {
				rec.Release()
			}
			return nil, err
		}},
	} {
		b.Run(impl.name, func(b *testing.B) {
			b.SetBytes(st.Size())
			for b.Loop() {
				if _, err := impl.read(path, "", memory.DefaultAllocator); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
