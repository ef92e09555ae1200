package dataset

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// OpenPath opens a file, a directory of shards or a glob. Shards must share
// one schema (the columns, their types and order); the first shard's
// key-value metadata stands for all of them.
func OpenPath(path string) (Source, error) {
	files, err := expand(path)
	if err != nil {
		return nil, err
	}
	if len(files) == 1 {
		return OpenFile(files[0])
	}
	shards := make([]Source, 0, len(files))
	for _, f := range files {
		s, err := OpenFile(f)
		if err != nil {
			closeAll(shards)
			return nil, err
		}
		if len(shards) > 0 {
			if err := sameColumns(shards[0], s); err != nil {
				s.Close()
				closeAll(shards)
				return nil, err
			}
		}
		shards = append(shards, s)
	}
	return &shardSource{path: path, shards: shards}, nil
}

// expand resolves path into the data files it names.
func expand(path string) ([]string, error) {
	if strings.ContainsAny(path, "*?[") {
		if _, err := os.Stat(path); err != nil { // a real name with [ in it wins
			files, err := filepath.Glob(path)
			if err != nil {
				return nil, fmt.Errorf("%s: bad pattern: %v", path, err)
			}
			files = dataFiles(files)
			if len(files) == 0 {
				return nil, fmt.Errorf("%s: no data files match", path)
			}
			return files, nil
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%s: no such file or directory", path)
		}
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != path && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir // .triage/ queues, .git, ...
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	files = dataFiles(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: directory holds no data files (.parquet, .arrow, .feather, .ipc, .csv, .jsonl)", path)
	}
	return files, nil
}

// dataFiles keeps the files whose extension names a data format, sorted.
func dataFiles(files []string) []string {
	var out []string
	for _, f := range files {
		switch strings.ToLower(filepath.Ext(f)) {
		case ".parquet", ".pq", ".arrow", ".feather", ".ipc", ".arrows", ".csv", ".tsv", ".jsonl", ".ndjson":
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

func sameColumns(a, b Source) error {
	sa, sb := a.Schema(), b.Schema()
	for i, f := range sa.Fields() {
		if i >= sb.NumFields() {
			return fmt.Errorf("%s: shards differ: column %q is missing (present in %s)", b.Path(), f.Name, a.Path())
		}
		g := sb.Field(i)
		if f.Name != g.Name || !arrow.TypeEqual(f.Type, g.Type) {
			return fmt.Errorf("%s: shards differ: column %d is %s %s here but %s %s in %s", b.Path(), i+1, g.Name, g.Type, f.Name, f.Type, a.Path())
		}
	}
	if sb.NumFields() > sa.NumFields() {
		return fmt.Errorf("%s: shards differ: extra column %q not in %s", b.Path(), sb.Field(sa.NumFields()).Name, a.Path())
	}
	return nil
}

func closeAll(ss []Source) {
	for _, s := range ss {
		s.Close()
	}
}

// shardSource reads several files with one schema as one table.
type shardSource struct {
	path   string
	shards []Source
}

func (s *shardSource) Path() string          { return s.path }
func (s *shardSource) Format() Format        { return s.shards[0].Format() }
func (s *shardSource) Schema() *arrow.Schema { return s.shards[0].Schema() }

func (s *shardSource) NumRows() int64 {
	var n int64
	for _, sh := range s.shards {
		if sh.NumRows() < 0 {
			return -1
		}
		n += sh.NumRows()
	}
	return n
}

func (s *shardSource) Notes() []string {
	var out []string
	for _, sh := range s.shards {
		out = append(out, notesOf(sh)...)
	}
	return out
}

func (s *shardSource) Close() error {
	closeAll(s.shards)
	return nil
}

// Parts are the shards' own parts, one after another; a shard that reads
// only whole is one part. It returns nil when a shard's row count is
// unknown before reading.
func (s *shardSource) Parts() []int64 {
	var parts []int64
	for _, sh := range s.shards {
		p := SourceParts(sh)
		if p == nil {
			if sh.NumRows() < 0 {
				return nil
			}
			p = []int64{sh.NumRows()}
		}
		parts = append(parts, p...)
	}
	return parts
}

func (s *shardSource) Read(ctx context.Context, opts ReadOptions) ([]arrow.RecordBatch, error) {
	if opts.Parts != nil {
		return s.readParts(ctx, opts)
	}
	var all []arrow.RecordBatch
	var done Progress
	inner := opts
	for _, sh := range s.shards {
		if opts.Progress != nil {
			base := done
			inner.Progress = func(p Progress) {
				opts.Progress(Progress{Rows: base.Rows + p.Rows, TotalRows: s.NumRows(), Bytes: -1, TotalBytes: -1})
				done.Rows = base.Rows + p.Rows
			}
		}
		batches, err := sh.Read(ctx, inner)
		if err != nil {
			releaseAll(all)
			return nil, err
		}
		all = append(all, batches...)
	}
	return all, nil
}

// readParts reads the parts opts names, each from its shard.
func (s *shardSource) readParts(ctx context.Context, opts ReadOptions) ([]arrow.RecordBatch, error) {
	type loc struct {
		shard Source
		part  int // -1: the whole shard
	}
	var locs []loc
	for _, sh := range s.shards {
		if p := SourceParts(sh); p != nil {
			for i := range p {
				locs = append(locs, loc{sh, i})
			}
		} else {
			locs = append(locs, loc{sh, -1})
		}
	}
	var all []arrow.RecordBatch
	for _, p := range opts.Parts {
		if p < 0 || p >= len(locs) {
			releaseAll(all)
			return nil, fmt.Errorf("%s: no part %d", s.path, p)
		}
		inner := opts
		inner.Parts = nil
		if locs[p].part >= 0 {
			inner.Parts = []int{locs[p].part}
		}
		batches, err := locs[p].shard.Read(ctx, inner)
		if err != nil {
			releaseAll(all)
			return nil, err
		}
		all = append(all, batches...)
	}
	return all, nil
}
