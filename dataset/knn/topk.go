package knn

import "math"

type candidate struct {
	score float32
	row   int32
}

// topK keeps one query's candidates from one worker: every row whose float32
// score was at least the threshold when it was seen. The threshold is the
// k-th best float32 score so far minus the margin (2ε), -Inf until k rows
// have been seen; it only rises, so a row dropped below it can never make
// the final top k.
type topK struct {
	k      int
	margin float32
	heap   []float32 // min-heap of the k best float32 scores
	cands  []candidate
	thr    float32
	// pruneAt is the candidate count that triggers a prune; it doubles past
	// what a prune keeps, so many rows tied within the margin (duplicate
	// vectors) cost linear time, not quadratic.
	pruneAt int
}

func (t *topK) init(k int, margin float32) {
	t.k, t.margin = k, margin
	t.heap = make([]float32, 0, min(k, 1<<16))
	t.thr = float32(math.Inf(-1))
	t.pruneAt = 4*k + 64
}

func (t *topK) add(score float32, row int32) {
	if !(score >= t.thr) {
		return
	}
	t.cands = append(t.cands, candidate{score, row})
	switch {
	case len(t.heap) < t.k:
		t.heap = append(t.heap, score)
		t.up(len(t.heap) - 1)
	case score > t.heap[0]:
		t.heap[0] = score
		t.down(0)
	}
	if len(t.heap) == t.k {
		t.thr = t.heap[0] - t.margin
		if len(t.cands) > t.pruneAt {
			t.prune()
			t.pruneAt = max(t.pruneAt, 2*len(t.cands))
		}
	}
}

// prune drops the candidates that fell below the threshold.
func (t *topK) prune() {
	kept := t.cands[:0]
	for _, c := range t.cands {
		if c.score >= t.thr {
			kept = append(kept, c)
		}
	}
	t.cands = kept
}

func (t *topK) up(i int) {
	h := t.heap
	for i > 0 {
		p := (i - 1) / 2
		if h[p] <= h[i] {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (t *topK) down(i int) {
	h := t.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r] < h[l] {
			m = r
		}
		if h[i] <= h[m] {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
