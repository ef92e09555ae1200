// Package coco reads COCO object-detection files, an instances
// (annotation) JSON file and an optional results JSON file, into triage's
// detection layout: one row per image.
//
// The instances file is the COCO format ("images", "annotations",
// "categories"); other keys are skipped. The results file is the COCO
// results format, a JSON array of {"image_id", "category_id", "bbox",
// "score"}. Files are mapped into memory and scanned in place with
// dataset/internal/jsonscan: only the fields triage uses are decoded, and
// the rest (segmentation polygons, URLs, dates) are stepped over, so a
// full COCO file (hundreds of MB) costs the file's pages while it is read
// and memory for its boxes after.
package coco

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/dataset/internal/filemap"
	"triage/dataset/internal/jsonscan"
)

// Schema is the layout Read produces.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "width", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "height", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "filepath", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ground_truth", Type: arrow.ListOf(arrow.StructOf(
		arrow.Field{Name: "label", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "bbox", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64)},
		arrow.Field{Name: "iscrowd", Type: arrow.FixedWidthTypes.Boolean},
		arrow.Field{Name: "area", Type: arrow.PrimitiveTypes.Float64},
	))},
	{Name: "detections", Type: arrow.ListOf(arrow.StructOf(
		arrow.Field{Name: "label", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float64},
		arrow.Field{Name: "bbox", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64)},
	))},
}, nil)

type image struct {
	id                  int64
	fileName            string
	width, height       int64
	hasWidth, hasHeight bool
}

type category struct {
	id   int64
	name string
}

// annotation is one annotation or result as read, before checking; has
// says which fields were present (and not null).
type annotation struct {
	imageID, categoryID int64
	bbox                [4]float64
	nbox                int // numbers in bbox (more than 4 are counted, not kept)
	area, crowd, score  float64
	has                 uint8
}

const (
	hasImage = 1 << iota
	hasCategory
	hasBBox
	hasArea
	hasCrowd
	hasScore
)

// annotations are kept in blocks, so that a million of them are not
// copied over and over as a slice grows.
type annotations [][]annotation

const annBlock = 8192

func (as *annotations) add(a annotation) {
	if n := len(*as); n == 0 || len((*as)[n-1]) == annBlock {
		*as = append(*as, make([]annotation, 0, annBlock))
	}
	last := &(*as)[len(*as)-1]
	*last = append(*last, a)
}

func (as annotations) len() int {
	n := 0
	for _, b := range as {
		n += len(b)
	}
	return n
}

// box is one annotation or result after checking.
type box struct {
	image int   // row
	cat   int32 // class index
	bbox  [4]float64
	area  float64
	crowd bool
	score float64
}

// Read reads instancesPath and, unless resultsPath is empty, resultsPath.
// It returns one row per image, in the order of the instances file's
// "images", and the category names in ascending category id order (the
// class list). Annotations and results keep their file order within an
// image. An annotation's "area" is kept when present, else it is w*h.
// Numbers may also be written NaN, Infinity or -Infinity (bare or quoted,
// as Python's json module writes them) and iscrowd true or false, so that
// such values are reported rather than failing the whole file.
//
// Errors name the file and the index of the offending image, annotation or
// result: an unknown image or category id, a bbox that is not 4 finite
// numbers, a negative width or height, a missing or non-finite score, a
// duplicate image or category id, or malformed JSON (with its byte offset).
func Read(instancesPath, resultsPath string, mem memory.Allocator) (arrow.RecordBatch, []string, error) {
	data, unmap, err := filemap.Map(instancesPath)
	if err != nil {
		return nil, nil, err
	}
	var r reader
	err = filemap.Guard(func() error { return r.instances(data) })
	unmap()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", instancesPath, err)
	}
	ids := make([]int64, len(r.images))
	for i, im := range r.images {
		ids[i] = im.id
	}
	rowOf, dup := newIDIndex(ids)
	if dup >= 0 {
		return nil, nil, fmt.Errorf("%s: image %d: duplicate image id %d", instancesPath, dup, ids[dup])
	}
	classes, catIdx, err := classList(r.cats)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", instancesPath, err)
	}
	gts := make([]box, 0, r.anns.len())
	for _, block := range r.anns {
		for i := range block {
			b, err := check(&block[i], rowOf, catIdx, false)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: annotation %d: %w", instancesPath, len(gts), err)
			}
			gts = append(gts, b)
		}
	}
	r.anns = nil
	var dets []box
	if resultsPath != "" {
		if dets, err = readResults(resultsPath, rowOf, catIdx); err != nil {
			return nil, nil, err
		}
	}
	rec := build(mem, r.images, classes, gts, dets)
	return rec, classes, nil
}

// reader decodes the parts of COCO files triage uses.
type reader struct {
	s       jsonscan.Scanner
	scratch []byte
	images  []image
	cats    []category
	anns    annotations
}

// key reads the next object key (unescaped only if it must be).
func (r *reader) key() []byte {
	raw, plain := r.s.Key()
	if !plain {
		r.scratch = r.s.KeyString(raw, plain, r.scratch[:0])
		return r.scratch
	}
	return raw
}

// instances decodes the top-level object of an instances file.
func (r *reader) instances(data []byte) error {
	s := &r.s
	s.Reset(data)
	if k := s.Peek(); k != jsonscan.Object {
		return expected(s, k, "{")
	}
	seen := 0
	s.Enter('{')
	for first := true; s.Next('}', first); first = false {
		var err error
		switch string(r.key()) {
		case "images":
			err = r.array("image", func(i int) error { return r.image(i) })
			seen |= 1
		case "categories":
			err = r.array("category", func(i int) error { return r.category(i) })
			seen |= 2
		case "annotations":
			err = r.annotations(data)
			seen |= 4
		default:
			s.Skip()
		}
		if err != nil {
			return err
		}
	}
	if err := s.Err(); err != nil {
		return err
	}
	for i, k := range []string{"images", "annotations", "categories"} {
		if seen&[]int{1, 4, 2}[i] == 0 {
			return fmt.Errorf("no %q key: not a COCO instances file", k)
		}
	}
	return nil
}

// expected words a top-level value of the wrong kind as encoding/json's
// token did: found {, want "[".
func expected(s *jsonscan.Scanner, k jsonscan.Kind, want string) error {
	if err := s.Err(); err != nil {
		return err
	}
	found := map[jsonscan.Kind]string{jsonscan.Null: "<nil>", jsonscan.Bool: "a bool", jsonscan.Number: "a number",
		jsonscan.String: "a string", jsonscan.Array: "[", jsonscan.Object: "{"}[k]
	return fmt.Errorf("found %s, want %q", found, want)
}

// array decodes an array of objects with elem, naming an element that
// fails by its index.
func (r *reader) array(what string, elem func(i int) error) error {
	s := &r.s
	if k := s.Peek(); k != jsonscan.Array {
		return fmt.Errorf("%ss: %w", what, expected(s, k, "["))
	}
	s.Enter('[')
	for i, first := 0, true; s.Next(']', first); i, first = i+1, false {
		if k := s.Peek(); k != jsonscan.Object {
			return fmt.Errorf("%s %d: %w", what, i, expected(s, k, "{"))
		}
		if err := elem(i); err != nil {
			return fmt.Errorf("%s %d: %w", what, i, err)
		}
		if err := s.Err(); err != nil {
			return fmt.Errorf("%s %d: %w", what, i, err)
		}
	}
	return s.Err()
}

// splitMin is the size of the rest of a file past which the annotations
// are read on two goroutines (tests make it small).
var splitMin = 1 << 20

// annotations decodes the annotations array, most of a COCO file, on two
// goroutines: the second starts at a guessed element boundary half way
// through (the bytes "},{"), and its annotations are kept only if the
// first, reading from the start, ends an element exactly there. A guess
// inside a string or a nested value is thrown away and the first reads on.
func (r *reader) annotations(data []byte) error {
	s := &r.s
	if k := s.Peek(); k != jsonscan.Array {
		return fmt.Errorf("annotations: %w", expected(s, k, "["))
	}
	start := s.Pos()
	split := -1
	if len(data)-start > splitMin && runtime.GOMAXPROCS(0) > 1 {
		mid := start + (len(data)-start)/2
		if k := bytes.Index(data[mid:], []byte("},{")); k >= 0 {
			split = mid + k + 2 // the '{' of the element after
		}
	}
	var tail struct {
		anns   annotations
		end    int
		errIdx int
		err    error
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	if split > 0 {
		wg.Go(func() {
			tail.err = filemap.Guard(func() error {
				var t reader
				t.s.ResetAt(data, split)
				for first := true; t.s.Next(']', first); first = false {
					if k := t.s.Peek(); k != jsonscan.Object {
						return expected(&t.s, k, "{")
					}
					a, err := t.annotation()
					if err == nil {
						err = t.s.Err()
					}
					if err != nil {
						return err
					}
					tail.anns.add(a)
					tail.errIdx++
				}
				tail.end = t.s.Pos()
				return t.s.Err()
			})
		})
	}
	s.Enter('[')
	for i, first := 0, true; s.Next(']', first); i, first = i+1, false {
		if k := s.Peek(); k != jsonscan.Object {
			return fmt.Errorf("annotation %d: %w", i, expected(s, k, "{"))
		}
		a, err := r.annotation()
		if err == nil {
			err = s.Err()
		}
		if err != nil {
			return fmt.Errorf("annotation %d: %w", i, err)
		}
		r.anns.add(a)
		if s.Pos() == split-1 {
			// The guess was an element boundary: the rest is the tail's.
			wg.Wait()
			if tail.err != nil {
				return fmt.Errorf("annotation %d: %w", i+1+tail.errIdx, tail.err)
			}
			r.anns = append(r.anns, tail.anns...) // the blocks, not copied
			s.ExitTo(tail.end)
			return nil
		}
	}
	return s.Err()
}

func (r *reader) image(i int) error {
	s := &r.s
	var im image
	hasID := false
	s.Enter('{')
	for first := true; s.Next('}', first); first = false {
		var err error
		switch string(r.key()) {
		case "id":
			im.id, hasID, err = r.optInt()
		case "file_name":
			im.fileName, err = r.optString()
		case "width":
			im.width, im.hasWidth, err = r.optInt()
		case "height":
			im.height, im.hasHeight, err = r.optInt()
		default:
			s.Skip()
		}
		if err != nil {
			return err
		}
	}
	if s.Err() == nil && !hasID {
		return errors.New("no id")
	}
	r.images = append(r.images, im)
	return nil
}

func (r *reader) category(i int) error {
	s := &r.s
	var c category
	hasID := false
	s.Enter('{')
	for first := true; s.Next('}', first); first = false {
		var err error
		switch string(r.key()) {
		case "id":
			c.id, hasID, err = r.optInt()
		case "name":
			c.name, err = r.optString()
		default:
			s.Skip()
		}
		if err != nil {
			return err
		}
	}
	if s.Err() == nil && !hasID {
		return errors.New("no id")
	}
	r.cats = append(r.cats, c)
	return nil
}

// annotation decodes one annotation or result object.
func (r *reader) annotation() (annotation, error) {
	s := &r.s
	var a annotation
	s.Enter('{')
	for first := true; s.Next('}', first); first = false {
		var err error
		var ok bool
		switch string(r.key()) {
		case "image_id":
			if a.imageID, ok, err = r.optInt(); ok {
				a.has |= hasImage
			}
		case "category_id":
			if a.categoryID, ok, err = r.optInt(); ok {
				a.has |= hasCategory
			}
		case "bbox":
			if err = r.bbox(&a); err == nil && a.nbox >= 0 {
				a.has |= hasBBox
			}
		case "area":
			if a.area, ok, err = r.num("area"); ok {
				a.has |= hasArea
			}
		case "iscrowd":
			if a.crowd, ok, err = r.num("iscrowd"); ok {
				a.has |= hasCrowd
			}
		case "score":
			if a.score, ok, err = r.num("score"); ok {
				a.has |= hasScore
			}
		default:
			s.Skip()
		}
		if err != nil {
			return a, err
		}
	}
	return a, nil
}

// optInt reads an integer, or null (ok false).
func (r *reader) optInt() (v int64, ok bool, err error) {
	s := &r.s
	switch k := s.Peek(); k {
	case jsonscan.Null:
		s.Null()
		return 0, false, nil
	case jsonscan.Number:
		text, integer := s.Number()
		v, ok := jsonscan.ParseInt(text)
		if !integer || !ok {
			return 0, false, fmt.Errorf("%s is not an integer", text)
		}
		return v, true, nil
	default:
		if s.Err() != nil {
			return 0, false, s.Err()
		}
		return 0, false, fmt.Errorf("want an integer, found %s", k)
	}
}

// optString reads a string or null ("").
func (r *reader) optString() (string, error) {
	s := &r.s
	switch k := s.Peek(); k {
	case jsonscan.Null:
		s.Null()
		return "", nil
	case jsonscan.String:
		r.scratch = s.Str(r.scratch[:0])
		return string(r.scratch), nil
	default:
		if s.Err() != nil {
			return "", s.Err()
		}
		return "", fmt.Errorf("want a string, found %s", k)
	}
}

var (
	tokNaN    = []byte("NaN")
	tokInf    = []byte("Infinity")
	tokNegInf = []byte("-Infinity")
)

// num reads a number, also NaN, Infinity and -Infinity (bare or quoted)
// and true or false (1, 0); ok is false for null.
func (r *reader) num(what string) (v float64, ok bool, err error) {
	s := &r.s
	s.ValueStart()
	switch {
	case s.SkipToken(tokNaN):
		return math.NaN(), true, nil
	case s.SkipToken(tokInf):
		return math.Inf(1), true, nil
	case s.SkipToken(tokNegInf):
		return math.Inf(-1), true, nil
	}
	switch k := s.Peek(); k {
	case jsonscan.Null:
		s.Null()
		return 0, false, nil
	case jsonscan.Number:
		text, _ := s.Number()
		f, ok := jsonscan.ParseFloat(text)
		if !ok {
			return 0, false, fmt.Errorf("%s: %s is out of range", what, text)
		}
		return f, true, nil
	case jsonscan.Bool:
		if s.Bool() {
			return 1, true, nil
		}
		return 0, true, nil
	case jsonscan.String:
		r.scratch = s.Str(r.scratch[:0])
		switch string(r.scratch) {
		case "NaN":
			return math.NaN(), true, nil
		case "Infinity":
			return math.Inf(1), true, nil
		case "-Infinity":
			return math.Inf(-1), true, nil
		}
		return 0, false, fmt.Errorf("%s: %q is not a number", what, r.scratch)
	default:
		if s.Err() != nil {
			return 0, false, s.Err()
		}
		return 0, false, fmt.Errorf("%s: want a number, found %s", what, k)
	}
}

// bbox reads [x, y, w, h]; a.nbox counts the numbers (-1 for null).
func (r *reader) bbox(a *annotation) error {
	s := &r.s
	a.nbox = 0
	if s.Peek() == jsonscan.Null {
		s.Null()
		a.nbox = -1
		return nil
	}
	if k := s.Peek(); k != jsonscan.Array {
		if s.Err() != nil {
			return s.Err()
		}
		return fmt.Errorf("bbox: want an array, found %s", k)
	}
	s.Enter('[')
	for first := true; s.Next(']', first); first = false {
		v, ok, err := r.num("bbox")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("bbox holds a null")
		}
		if a.nbox < 4 {
			a.bbox[a.nbox] = v
		}
		a.nbox++
	}
	return nil
}

func classList(cats []category) ([]string, idIndex, error) {
	order := make([]int, len(cats))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(min(max(cats[a].id-cats[b].id, -1), 1)) })
	classes := make([]string, len(cats))
	idx := make(map[int64]int32, len(cats))
	names := map[string]bool{}
	for k, i := range order {
		c := cats[i]
		if _, dup := idx[c.id]; dup {
			return nil, idIndex{}, fmt.Errorf("category %d: duplicate category id %d", i, c.id)
		}
		if names[c.name] {
			return nil, idIndex{}, fmt.Errorf("category %d: duplicate category name %q", i, c.name)
		}
		names[c.name] = true
		idx[c.id] = int32(k)
		classes[k] = c.name
	}
	ids := make([]int64, len(classes))
	for id, k := range idx {
		ids[k] = id
	}
	index, _ := newIDIndex(ids)
	return classes, index, nil
}

// idIndex maps ids (of images, of categories) to their positions: a dense
// table when the ids are not much sparser than their number (COCO's are),
// else a map.
type idIndex struct {
	dense []int32 // position+1 by id; 0: no such id
	m     map[int64]int32
}

// newIDIndex indexes ids by position; dup is the position of the first
// repeated id, or -1.
func newIDIndex(ids []int64) (ix idIndex, dup int) {
	hi := int64(-1)
	for _, id := range ids {
		if id < 0 {
			hi = math.MaxInt64
			break
		}
		hi = max(hi, id)
	}
	if hi < int64(8*len(ids)+1024) {
		ix.dense = make([]int32, hi+1)
		for i, id := range ids {
			if ix.dense[id] != 0 {
				return ix, i
			}
			ix.dense[id] = int32(i + 1)
		}
		return ix, -1
	}
	ix.m = make(map[int64]int32, len(ids))
	for i, id := range ids {
		if _, ok := ix.m[id]; ok {
			return ix, i
		}
		ix.m[id] = int32(i)
	}
	return ix, -1
}

func (ix idIndex) get(id int64) (int32, bool) {
	if ix.m != nil {
		p, ok := ix.m[id]
		return p, ok
	}
	if id < 0 || id >= int64(len(ix.dense)) || ix.dense[id] == 0 {
		return 0, false
	}
	return ix.dense[id] - 1, true
}

// check validates one annotation or result.
func check(a *annotation, rowOf, catIdx idIndex, result bool) (box, error) {
	var b box
	if a.has&hasImage == 0 {
		return b, errors.New("no image_id")
	}
	row, ok := rowOf.get(a.imageID)
	if !ok {
		return b, fmt.Errorf("unknown image id %d", a.imageID)
	}
	b.image = int(row)
	if a.has&hasCategory == 0 {
		return b, errors.New("no category_id")
	}
	c, ok := catIdx.get(a.categoryID)
	if !ok {
		return b, fmt.Errorf("unknown category id %d", a.categoryID)
	}
	b.cat = c
	if a.nbox != 4 || a.has&hasBBox == 0 {
		return b, fmt.Errorf("bbox has %d numbers, want 4 [x, y, w, h]", max(a.nbox, 0))
	}
	for k, f := range a.bbox {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return b, fmt.Errorf("bbox %v is not finite", a.bbox)
		}
		b.bbox[k] = f
	}
	if b.bbox[2] < 0 || b.bbox[3] < 0 {
		return b, fmt.Errorf("bbox %v has a negative width or height", b.bbox)
	}
	if result {
		if a.has&hasScore == 0 {
			return b, errors.New("no score")
		}
		b.score = a.score
		if math.IsNaN(b.score) || math.IsInf(b.score, 0) {
			return b, fmt.Errorf("score is %v", b.score)
		}
		return b, nil
	}
	// pycocotools loadRes sets area = w*h for results; annotations keep theirs.
	b.area = b.bbox[2] * b.bbox[3]
	if a.has&hasArea != 0 {
		b.area = a.area
		if math.IsNaN(b.area) || math.IsInf(b.area, 0) {
			return b, fmt.Errorf("area is %v", b.area)
		}
	}
	if a.has&hasCrowd != 0 {
		b.crowd = a.crowd != 0
	}
	return b, nil
}

// readResults reads a results file: a JSON array of results.
func readResults(path string, rowOf, catIdx idIndex) ([]box, error) {
	data, unmap, err := filemap.Map(path)
	if err != nil {
		return nil, err
	}
	defer unmap()
	var out []box
	err = filemap.Guard(func() error {
		var r reader
		s := &r.s
		s.Reset(data)
		if k := s.Peek(); k != jsonscan.Array {
			return fmt.Errorf("want a JSON array of results: %w", expected(s, k, "["))
		}
		s.Enter('[')
		for i, first := 0, true; s.Next(']', first); i, first = i+1, false {
			if k := s.Peek(); k != jsonscan.Object {
				return fmt.Errorf("result %d: %w", i, expected(s, k, "{"))
			}
			a, err := r.annotation()
			if err == nil {
				err = s.Err()
			}
			if err != nil {
				return fmt.Errorf("result %d: %w", i, err)
			}
			b, err := check(&a, rowOf, catIdx, true)
			if err != nil {
				return fmt.Errorf("result %d: %w", i, err)
			}
			out = append(out, b)
		}
		return s.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// build assembles the record batch; boxes are grouped by image keeping
// their file order.
func build(mem memory.Allocator, images []image, classes []string, gts, dets []box) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, Schema)
	defer b.Release()
	n := len(images)
	ids := b.Field(0).(*array.Int64Builder)
	ws := b.Field(1).(*array.Int64Builder)
	hs := b.Field(2).(*array.Int64Builder)
	fp := b.Field(3).(*array.StringBuilder)
	for _, im := range images {
		ids.Append(im.id)
		appendOptInt(ws, im.width, im.hasWidth)
		appendOptInt(hs, im.height, im.hasHeight)
		fp.Append(im.fileName)
	}
	gtList := b.Field(4).(*array.ListBuilder)
	gtSt := gtList.ValueBuilder().(*array.StructBuilder)
	gtLabel := gtSt.FieldBuilder(0).(*array.StringBuilder)
	gtBBox := gtSt.FieldBuilder(1).(*array.ListBuilder)
	gtCrowd := gtSt.FieldBuilder(2).(*array.BooleanBuilder)
	gtArea := gtSt.FieldBuilder(3).(*array.Float64Builder)
	reserveBoxes(gtList, gtLabel, gtBBox, gts, classes)
	gtCrowd.Reserve(len(gts))
	gtArea.Reserve(len(gts))
	for _, idx := range byImage(n, gts) {
		gtList.Append(true)
		for _, k := range idx {
			g := &gts[k]
			gtSt.Append(true)
			gtLabel.Append(classes[g.cat])
			appendBBox(gtBBox, &g.bbox)
			gtCrowd.Append(g.crowd)
			gtArea.Append(g.area)
		}
	}
	dtList := b.Field(5).(*array.ListBuilder)
	dtSt := dtList.ValueBuilder().(*array.StructBuilder)
	dtLabel := dtSt.FieldBuilder(0).(*array.StringBuilder)
	dtScore := dtSt.FieldBuilder(1).(*array.Float64Builder)
	dtBBox := dtSt.FieldBuilder(2).(*array.ListBuilder)
	reserveBoxes(dtList, dtLabel, dtBBox, dets, classes)
	dtScore.Reserve(len(dets))
	for _, idx := range byImage(n, dets) {
		dtList.Append(true)
		for _, k := range idx {
			d := &dets[k]
			dtSt.Append(true)
			dtLabel.Append(classes[d.cat])
			dtScore.Append(d.score)
			appendBBox(dtBBox, &d.bbox)
		}
	}
	return b.NewRecordBatch()
}

// reserveBoxes sizes the builders of a list of boxes over images once,
// instead of growing them by doubling.
func reserveBoxes(list *array.ListBuilder, label *array.StringBuilder, bbox *array.ListBuilder, boxes []box, classes []string) {
	n, bytes := len(boxes), 0
	for i := range boxes {
		bytes += len(classes[boxes[i].cat])
	}
	list.ValueBuilder().Reserve(n)
	label.Reserve(n)
	label.ReserveData(bytes)
	bbox.Reserve(n)
	bbox.ValueBuilder().Reserve(4 * n)
}

func appendOptInt(b *array.Int64Builder, v int64, ok bool) {
	if ok {
		b.Append(v)
	} else {
		b.AppendNull()
	}
}

func appendBBox(b *array.ListBuilder, bb *[4]float64) {
	b.Append(true)
	b.ValueBuilder().(*array.Float64Builder).AppendValues(bb[:], nil)
}

// byImage groups box indexes by image row, stable.
func byImage(n int, boxes []box) [][]int32 {
	count := make([]int32, n+1)
	for i := range boxes {
		count[boxes[i].image+1]++
	}
	for i := range n {
		count[i+1] += count[i]
	}
	flat := make([]int32, len(boxes))
	fill := slices.Clone(count[:n])
	for i := range boxes {
		r := boxes[i].image
		flat[fill[r]] = int32(i)
		fill[r]++
	}
	out := make([][]int32, n)
	for i := range n {
		out[i] = flat[count[i]:count[i+1]]
	}
	return out
}
