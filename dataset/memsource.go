package dataset

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset/coco"
)

// memSource is a table already in memory, such as one built from COCO JSON.
type memSource struct {
	path   string
	format Format
	schema *arrow.Schema
	batch  arrow.RecordBatch
}

func (s *memSource) Path() string          { return s.path }
func (s *memSource) Format() Format        { return s.format }
func (s *memSource) Schema() *arrow.Schema { return s.schema }
func (s *memSource) NumRows() int64        { return s.batch.NumRows() }
func (s *memSource) Close() error {
	s.batch.Release()
	return nil
}

func (s *memSource) Read(ctx context.Context, opts ReadOptions) ([]arrow.RecordBatch, error) {
	cols, err := columnIndices(s.path, s.schema, opts.Columns)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return deliver(emptyBatches(s.batch.NumRows()), opts)
	}
	b, err := project(s.schema, s.batch, cols)
	if err != nil {
		return nil, err
	}
	return deliver([]arrow.RecordBatch{b}, opts)
}

// isCOCO reports whether path is a COCO annotation file: a .json file
// holding one object with an "images" or "annotations" key near its start.
func isCOCO(path string) bool {
	if !strings.EqualFold(filepath.Ext(path), ".json") {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	head = bytes.TrimSpace(head[:n])
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.Token() // {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case "images", "annotations", "categories":
			return true
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}

// openCOCO reads a COCO annotation file and, if one of preds is a COCO
// results file (a .json file), those detections too. It returns the source
// and the predictions it did not consume.
func openCOCO(path string, preds []PredSpec) (Source, []PredSpec, error) {
	var results string
	var rest []PredSpec
	for _, p := range preds {
		if results == "" && strings.EqualFold(filepath.Ext(p.Path), ".json") {
			results = p.Path
			continue
		}
		rest = append(rest, p)
	}
	b, classes, err := coco.Read(path, results, memory.DefaultAllocator)
	if err != nil {
		return nil, nil, err
	}
	js, _ := json.Marshal(classes)
	md := arrow.NewMetadata([]string{"triage.classes"}, []string{string(js)})
	schema := arrow.NewSchema(b.Schema().Fields(), &md)
	return &memSource{path: path, format: FormatCOCO, schema: schema, batch: b}, rest, nil
}
