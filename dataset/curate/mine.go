package curate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"triage/dataset"
	"triage/dataset/knn"
)

// MineRequest says what to mine: for each chosen sample, the K pool
// samples nearest to it by cosine similarity of their embeddings.
type MineRequest struct {
	Chosen Selection
	K      int
	// Dataset holds the key column, the embedding column and, when
	// mining its own unlabeled rows, the label and pred columns.
	Dataset         *dataset.Table
	EmbeddingColumn string // "" means "embedding"
	LabelColumn     string
	// Pool is the table to mine from, nil for the dataset's own rows whose
	// label is null. PoolPath is recorded in the entry.
	Pool          *dataset.Table
	PoolPath      string
	PoolKeyColumn string // "" means the dataset's key column
	// PredColumn is the pool's (or, for its own rows, the dataset's)
	// predicted-class column, "" when there is none.
	PredColumn string
	Classes    []string
	// State excludes samples already mined.
	State   *State
	Workers int
}

// Mine finds the nearest neighbours and returns the mine entry that
// records them. Pool samples already in the training set (their key is in
// the dataset with a label) or already mined are never found again; a
// pool sample near several chosen ones is mined once, for the one it is
// nearest to.
func Mine(ctx context.Context, req MineRequest) (Entry, error) {
	if req.K <= 0 {
		return Entry{}, fmt.Errorf("mine: K is %d, want at least 1", req.K)
	}
	if len(req.Chosen.Keys) == 0 {
		return Entry{}, errors.New("mine: no samples chosen")
	}
	embCol := cmp.Or(req.EmbeddingColumn, "embedding")
	keyCol := req.Chosen.KeyColumn
	if len(req.Dataset.Schema().FieldIndices(embCol)) == 0 {
		return Entry{}, fmt.Errorf("mine: the dataset has no %q column to find neighbours by", embCol)
	}
	dsIndex, err := keyIndex(req.Dataset, keyCol)
	if err != nil {
		return Entry{}, fmt.Errorf("mine: %w", err)
	}
	dsEmb, dsValid, err := Embeddings(req.Dataset, embCol)
	if err != nil {
		return Entry{}, fmt.Errorf("mine: %w", err)
	}
	queries := knn.Matrix{Data: make([]float32, 0, len(req.Chosen.Keys)*dsEmb.Dim), Dim: dsEmb.Dim}
	for _, k := range req.Chosen.Keys {
		r, ok := dsIndex[k]
		if !ok {
			return Entry{}, fmt.Errorf("mine: sample %s is not in the dataset", k)
		}
		if !dsValid[r] {
			return Entry{}, fmt.Errorf("mine: sample %s has no %d-value embedding in %q", k, dsEmb.Dim, embCol)
		}
		queries.Data = append(queries.Data, dsEmb.Row(int(r))...)
	}

	pool, poolKeyCol := req.Pool, cmp.Or(req.PoolKeyColumn, keyCol)
	own := pool == nil
	if own {
		pool, poolKeyCol = req.Dataset, keyCol
	}
	poolEmb, poolValid := dsEmb, dsValid
	if !own {
		if len(pool.Schema().FieldIndices(embCol)) == 0 {
			return Entry{}, fmt.Errorf("mine: the pool %s has no %q column", req.PoolPath, embCol)
		}
		if poolEmb, poolValid, err = Embeddings(pool, embCol); err != nil {
			return Entry{}, fmt.Errorf("mine: pool %s: %w", req.PoolPath, err)
		}
		if poolEmb.Dim != dsEmb.Dim {
			return Entry{}, fmt.Errorf("mine: pool %s embeddings have %d values, the dataset's %d", req.PoolPath, poolEmb.Dim, dsEmb.Dim)
		}
	}
	poolKeys, err := KeysOf(pool, poolKeyCol, allRows(pool.NumRows()))
	if err != nil {
		return Entry{}, fmt.Errorf("mine: pool: %w", err)
	}
	skip := make([]bool, len(poolKeys))
	if own {
		if req.LabelColumn == "" {
			return Entry{}, errors.New("mine: no label column to find the dataset's unlabeled rows by")
		}
		labeled, err := nonNull(req.Dataset, req.LabelColumn)
		if err != nil {
			return Entry{}, fmt.Errorf("mine: %w", err)
		}
		copy(skip, labeled)
	}
	eligible := 0
	for r, k := range poolKeys {
		_, inDataset := dsIndex[k]
		skip[r] = skip[r] || !poolValid[r] || (!own && inDataset) || (req.State != nil && req.State.IsMined(k))
		if !skip[r] {
			eligible++
		}
	}
	if eligible == 0 {
		return Entry{}, errors.New("mine: no pool sample is left to mine (all are labeled, in the training set or mined already)")
	}

	found, err := knn.Search(ctx, queries, poolEmb, req.K, knn.Options{Skip: skip, Workers: req.Workers})
	if err != nil {
		return Entry{}, fmt.Errorf("mine: %w", err)
	}
	best := map[int]Mined{}
	for q, ns := range found {
		for _, n := range ns {
			if m, seen := best[n.Row]; !seen || n.Score > m.Score {
				best[n.Row] = Mined{Key: poolKeys[n.Row], Source: req.Chosen.Keys[q], Score: n.Score}
			}
		}
	}
	rows := make([]int, 0, len(best))
	for r := range best {
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b int) int { return cmp.Or(cmp.Compare(best[b].Score, best[a].Score), cmp.Compare(a, b)) })
	preds, err := classNamesAt(pool, req.PredColumn, req.Classes, rows)
	if err != nil {
		return Entry{}, fmt.Errorf("mine: %w", err)
	}
	mined := make([]Mined, len(rows))
	for i, r := range rows {
		mined[i] = best[r]
		mined[i].Pred = preds[i]
	}
	e, err := req.Chosen.entry(ActionMine, Args{K: req.K, Pool: req.PoolPath, PoolKeyColumn: poolKeyCol, Mined: mined})
	if own {
		e.Args.Pool = ""
	}
	return e, err
}

func allRows(n int64) []int64 {
	rows := make([]int64, n)
	for i := range rows {
		rows[i] = int64(i)
	}
	return rows
}

// nonNull marks the rows whose column value is not null.
func nonNull(t *dataset.Table, column string) ([]bool, error) {
	ch := t.ColumnByName(column)
	if ch == nil {
		return nil, fmt.Errorf("no column %q", column)
	}
	defer ch.Release()
	out := make([]bool, 0, t.NumRows())
	for _, c := range ch.Chunks() {
		for i := range c.Len() {
			out = append(out, c.IsValid(i))
		}
	}
	return out, nil
}

// classNamesAt returns the class names in column at the given rows, ""
// for a null or when column is "".
func classNamesAt(t *dataset.Table, column string, classes []string, rows []int) ([]string, error) {
	names := make([]string, len(rows))
	if column == "" {
		return names, nil
	}
	ch := t.ColumnByName(column)
	if ch == nil {
		return nil, fmt.Errorf("no prediction column %q", column)
	}
	defer ch.Release()
	loc := dataset.NewRowLocator(t)
	for j, r := range rows {
		b, i := loc.Locate(int64(r))
		names[j], _ = className(ch.Chunk(b), i, classes)
	}
	return names, nil
}
