package detect

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
)

// Input is the detection view of a dataset, one row per sample (image).
//
// GT and Dets are list<struct<...>> columns, one list per row. Struct fields
// are found by name:
//
//	label    string, large_string, string_view, dictionary<int, string>, or
//	         an integer that indexes Classes
//	bbox     [x, y, w, h] in pixels: list, large_list or fixed_size_list of
//	         float64 or float32
//	iscrowd  bool or integer (GT only, optional; absent means 0)
//	area     float or integer (GT only, optional; absent or null means w*h,
//	         the COCO JSON "area" field when present)
//	score    float64 or float32 (Dets only)
//
// A box that cannot be evaluated (null element, label outside Classes, bbox
// that is not 4 finite numbers, negative width or height, NaN or null
// score) is left out of the evaluation with a warning; its per-box fields
// are null and the rest of its image is evaluated as if it were absent.
type Input struct {
	Classes  []string
	ImageIDs []int64 // one per row; COCO accumulates images in ascending id order
	GT       *arrow.Chunked
	Dets     *arrow.Chunked // nil: no detections at all
	IoU      float64        // per-sample matching threshold; 0 means 0.5
}

// detMaxClasses bounds the class list: COCO's precision table holds
// 10*101*4 numbers per class (LVIS, the largest common set, has 1203).
const detMaxClasses = 5000

// Per-box verdicts, stored as one byte per box.
const (
	detEvalNone    = 0 // not evaluated: null
	detEvalTP      = 1
	detEvalFP      = 2
	detEvalFN      = 3
	detEvalIgnored = 4
)

var detEvalNames = [...]string{"", "tp", "fp", "fn", "ignored"}

// detBoxes holds one side (ground truth or detections) of the input as flat
// arrays indexed by a global element number: chunk base + position in the
// chunk's struct array. Rows point into that space with [lo, hi) ranges, so
// per-box results can be attached to the original struct arrays as new
// children without reordering anything.
type detBoxes struct {
	lo, hi []int32   // per row: global element range of its list
	n      int       // number of global elements
	cls    []int32   // class index, -1: not evaluated
	box    []float64 // 4 per element
	area   []float64 // GT: area for the area ranges
	crowd  []bool    // GT
	score  []float64 // Dets
	chunks []detChunk

	rowIndex []int32 // per element: its row, -1 if in no list
}

type detChunk struct {
	list arrow.Array // list-like array of structs (the column's chunk)
	base int         // global number of the chunk's first struct element
}

// detWarnings counts each kind of bad box once and remembers the first.
type detWarnings struct {
	order []string
	count map[string]int
	first map[string]string
}

// detWhere locates a box for a warning; it is formatted only when used.
type detWhere struct {
	row  int
	side string
	box  int
}

func (w detWhere) String() string { return fmt.Sprintf("row %d, %s[%d]", w.row, w.side, w.box) }

func (w detWhere) label(name string) fmt.Stringer { return detLabelWhere{w, name} }

type detLabelWhere struct {
	detWhere
	name string
}

func (w detLabelWhere) String() string { return fmt.Sprintf("%s label %q", w.detWhere, w.name) }

func (w *detWarnings) add(kind string, where fmt.Stringer) {
	if w.count == nil {
		w.count = map[string]int{}
		w.first = map[string]string{}
	}
	if w.count[kind] == 0 {
		w.order = append(w.order, kind)
		w.first[kind] = where.String()
	}
	w.count[kind]++
}

func (w *detWarnings) list() []string {
	var out []string
	for _, k := range w.order {
		n := w.count[k]
		s := "box"
		if n != 1 {
			s = "boxes"
		}
		out = append(out, fmt.Sprintf("%s: %d %s not evaluated (first: %s)", k, n, s, w.first[k]))
	}
	return out
}

// readDetBoxes flattens one list<struct> column. side names it in messages.
func readDetBoxes(side string, col *arrow.Chunked, rows int, classIdx map[string]int32, nClasses int, isGT bool, warn *detWarnings) (*detBoxes, error) {
	b := &detBoxes{lo: make([]int32, rows), hi: make([]int32, rows)}
	if col == nil {
		return b, nil
	}
	if col.Len() != rows {
		return nil, fmt.Errorf("%s: %d rows, want %d", side, col.Len(), rows)
	}
	row := 0
	for _, ch := range col.Chunks() {
		elems, l, err := detListParts(side, ch)
		if err != nil {
			return nil, err
		}
		base := b.n
		if int64(base)+int64(elems.Len()) > math.MaxInt32 {
			return nil, fmt.Errorf("%s: more than %d boxes", side, math.MaxInt32)
		}
		b.chunks = append(b.chunks, detChunk{list: ch, base: base})
		b.n += elems.Len()
		// Rows own disjoint ranges (evaluation writes per box from
		// several goroutines), so offsets must not go back.
		prevEnd := int64(0)
		for i := 0; i < ch.Len(); i++ {
			if ch.IsValid(i) {
				start, end := l.ValueOffsets(i)
				if start < prevEnd || end < start || end > int64(elems.Len()) {
					return nil, fmt.Errorf("%s: row %d: list offsets [%d, %d) overlap or leave its %d values", side, row, start, end, elems.Len())
				}
				prevEnd = end
				b.lo[row] = int32(base + int(start))
				b.hi[row] = int32(base + int(end))
			} else {
				b.lo[row], b.hi[row] = int32(base), int32(base)
			}
			row++
		}
	}
	b.cls = make([]int32, b.n)
	b.box = make([]float64, 4*b.n)
	if isGT {
		b.area = make([]float64, b.n)
		b.crowd = make([]bool, b.n)
	} else {
		b.score = make([]float64, b.n)
	}
	for i := range b.cls {
		b.cls[i] = -1
	}
	row = 0
	for ci, ch := range col.Chunks() {
		if err := b.readChunk(side, ci, ch, &row, classIdx, nClasses, isGT, warn); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (b *detBoxes) readChunk(side string, ci int, ch arrow.Array, row *int, classIdx map[string]int32, nClasses int, isGT bool, warn *detWarnings) error {
	st, _, _ := detListParts(side, ch)
	base := b.chunks[ci].base
	label, err := detLabelReader(side, st, classIdx, nClasses)
	if err != nil {
		return err
	}
	bbox, err := detBBoxReader(side, st)
	if err != nil {
		return err
	}
	var score, area func(int) (float64, bool)
	var crowd func(int) bool
	if isGT {
		if crowd, err = detCrowdReader(side, st); err != nil {
			return err
		}
		if area, err = detFloatReader(side, st, "area", true); err != nil {
			return err
		}
	} else if score, err = detFloatReader(side, st, "score", false); err != nil {
		return err
	}
	for i := 0; i < ch.Len(); i++ {
		r := *row
		*row++
		lo, hi := int(b.lo[r]), int(b.hi[r])
		for g := lo; g < hi; g++ {
			j := g - base
			where := detWhere{r, side, g - lo}
			if !st.IsValid(j) {
				warn.add(side+": null box", where)
				continue
			}
			c, name := label(j)
			if c < 0 {
				if name == "" {
					warn.add(side+": null label", where)
				} else {
					warn.add(side+": label outside the class list", where.label(name))
				}
				continue
			}
			bx := b.box[4*g : 4*g+4]
			if msg := bbox(j, bx); msg != "" {
				warn.add(side+": "+msg, where)
				continue
			}
			if isGT {
				b.crowd[g] = crowd(j)
				a, ok := area(j)
				if !ok {
					a = bx[2] * bx[3]
				}
				if math.IsNaN(a) {
					warn.add(side+": NaN area", where)
					continue
				}
				b.area[g] = a
			} else {
				s, ok := score(j)
				if !ok {
					warn.add(side+": null score", where)
					continue
				}
				if math.IsNaN(s) {
					warn.add(side+": NaN score", where)
					continue
				}
				b.score[g] = s
			}
			b.cls[g] = c
		}
	}
	return nil
}

// Evaluate runs COCO bbox evaluation (pycocotools COCOeval with
// default parameters: IoU thresholds .50:.05:.95, 101 recall points, areas
// all/small/medium/large, maxDets 1/10/100), the per-box matching at in.IoU
// and FiftyOne's detection mistakenness. See detect_cocoeval.go for the
// exact rules.
//
// Classes define the categories: a class without ground truth has undefined
// AP (NaN, JSON null) and is left out of the means, as COCO does. Rows with
// an empty GT list and no detections count as images that contribute
// nothing. Bad boxes are skipped with a warning (see Input). It returns
// an error for input it cannot read at all: mismatched lengths, columns of
// an unsupported type, no classes.
func Evaluate(in *Input) (*Report, []string, error) {
	if in == nil {
		return nil, nil, errors.New("detection: no input")
	}
	if len(in.Classes) == 0 {
		return nil, nil, errors.New("detection: no classes")
	}
	if len(in.Classes) > detMaxClasses {
		return nil, nil, fmt.Errorf("detection: %d classes, at most %d supported", len(in.Classes), detMaxClasses)
	}
	n := len(in.ImageIDs)
	iou := in.IoU
	if iou == 0 {
		iou = 0.5
	}
	if math.IsNaN(iou) || iou < 0 || iou > 1 {
		return nil, nil, fmt.Errorf("detection: IoU threshold %v outside [0, 1]", in.IoU)
	}
	classIdx := make(map[string]int32, len(in.Classes))
	for i, c := range in.Classes {
		if _, dup := classIdx[c]; dup {
			return nil, nil, fmt.Errorf("detection: class %q listed twice", c)
		}
		classIdx[c] = int32(i)
	}
	var warn detWarnings
	if in.GT == nil {
		return nil, nil, errors.New("detection: no ground_truth column")
	}
	gt, err := readDetBoxes("ground_truth", in.GT, n, classIdx, len(in.Classes), true, &warn)
	if err != nil {
		return nil, nil, fmt.Errorf("detection: %w", err)
	}
	dt, err := readDetBoxes("detections", in.Dets, n, classIdx, len(in.Classes), false, &warn)
	if err != nil {
		return nil, nil, fmt.Errorf("detection: %w", err)
	}
	warnings := warn.list()
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	ids := in.ImageIDs
	sort.SliceStable(order, func(a, b int) bool { return ids[order[a]] < ids[order[b]] })
	dups := 0
	for i := 1; i < n; i++ {
		if ids[order[i]] == ids[order[i-1]] {
			dups++
		}
	}
	if dups > 0 {
		warnings = append(warnings, fmt.Sprintf("detection: %d rows repeat an image id; each row is evaluated as its own image", dups))
	}
	if in.Dets == nil {
		warnings = append(warnings, "detection: no detections column; every ground-truth box is a false negative")
	}
	r := newReport(in.Classes, iou, n, gt, dt, order)
	r.evaluate()
	r.accumulate()
	r.summarize()
	gt.indexRows()
	dt.indexRows()
	return r, warnings, nil
}

// detSortRow orders a row's valid boxes by class and, for detections, by
// descending score; ties keep list order (pycocotools sorts with a stable
// mergesort on -score). Invalid boxes go last. It returns the number of
// valid boxes.
func detSortRow(perm []int32, lo int32, cls []int32, score []float64) int {
	for i := range perm {
		perm[i] = lo + int32(i)
	}
	slices.SortStableFunc(perm, func(a, b int32) int {
		ca, cb := cls[a], cls[b]
		if ca < 0 {
			ca = math.MaxInt32
		}
		if cb < 0 {
			cb = math.MaxInt32
		}
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
		if score != nil && ca != math.MaxInt32 {
			sa, sb := score[a], score[b]
			if sa > sb {
				return -1
			}
			if sa < sb {
				return 1
			}
		}
		return 0
	})
	valid := 0
	for _, g := range perm {
		if cls[g] >= 0 {
			valid++
		}
	}
	return valid
}

// indexRows fills b.rowIndex.
func (b *detBoxes) indexRows() {
	b.rowIndex = make([]int32, b.n)
	for i := range b.rowIndex {
		b.rowIndex[i] = -1
	}
	for i := range b.lo {
		for g := b.lo[i]; g < b.hi[i]; g++ {
			b.rowIndex[g] = int32(i)
		}
	}
}
