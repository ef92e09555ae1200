package coco

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// num is a JSON number that also accepts the tokens Python's json module
// writes for non-finite floats (NaN, Infinity, -Infinity), so that they can
// be reported rather than failing the whole decode.
type legacyNum float64

func (n *legacyNum) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "NaN", `"NaN"`:
		*n = legacyNum(math.NaN())
	case "Infinity", `"Infinity"`:
		*n = legacyNum(math.Inf(1))
	case "-Infinity", `"-Infinity"`:
		*n = legacyNum(math.Inf(-1))
	case "true": // iscrowd written as a bool
		*n = 1
	case "false":
		*n = 0
	default:
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return fmt.Errorf("%s is not a number", b)
		}
		*n = legacyNum(f)
	}
	return nil
}

type legacyImage struct {
	ID       *int64 `json:"id"`
	FileName string `json:"file_name"`
	Width    *int64 `json:"width"`
	Height   *int64 `json:"height"`
}

type legacyCategory struct {
	ID   *int64 `json:"id"`
	Name string `json:"name"`
}

type legacyAnnotation struct {
	ImageID    *int64      `json:"image_id"`
	CategoryID *int64      `json:"category_id"`
	BBox       []legacyNum `json:"bbox"`
	Area       *legacyNum  `json:"area"`
	IsCrowd    *legacyNum  `json:"iscrowd"`
	Score      *legacyNum  `json:"score"`
}

// readLegacy is the encoding/json loader that Read replaced, kept as a
// reference for tests and benchmarks. It reads instancesPath and, unless resultsPath is empty, resultsPath.
// It returns one row per image, in the order of the instances file's
// "images", and the category names in ascending category id order (the
// class list). Annotations and results keep their file order within an
// image. An annotation's "area" is kept when present, else it is w*h.
//
// Errors name the file and the index of the offending image, annotation or
// result: an unknown image or category id, a bbox that is not 4 finite
// numbers, a negative width or height, a missing or non-finite score, a
// duplicate image or category id.
func readLegacy(instancesPath, resultsPath string, mem memory.Allocator) (arrow.RecordBatch, []string, error) {
	f, err := os.Open(instancesPath)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var images []legacyImage
	var cats []legacyCategory
	var anns []legacyAnnotation
	if err := legacyReadInstances(bufio.NewReaderSize(f, 1<<20), &images, &cats, &anns); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", instancesPath, err)
	}
	rowOf := make(map[int64]int, len(images))
	for i, im := range images {
		if im.ID == nil {
			return nil, nil, fmt.Errorf("%s: image %d: no id", instancesPath, i)
		}
		if _, dup := rowOf[*im.ID]; dup {
			return nil, nil, fmt.Errorf("%s: image %d: duplicate image id %d", instancesPath, i, *im.ID)
		}
		rowOf[*im.ID] = i
	}
	classes, catIdx, err := legacyClassList(cats)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", instancesPath, err)
	}
	gts := make([]box, len(anns))
	for i := range anns {
		b, err := legacyCheck(&anns[i], rowOf, catIdx, false)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: annotation %d: %w", instancesPath, i, err)
		}
		gts[i] = b
	}
	anns = nil
	var dets []box
	if resultsPath != "" {
		if dets, err = legacyReadResults(resultsPath, rowOf, catIdx); err != nil {
			return nil, nil, err
		}
	}
	conv := make([]image, len(images))
	for i, im := range images {
		conv[i] = image{id: *im.ID, fileName: im.FileName}
		if im.Width != nil {
			conv[i].width, conv[i].hasWidth = *im.Width, true
		}
		if im.Height != nil {
			conv[i].height, conv[i].hasHeight = *im.Height, true
		}
	}
	rec := build(mem, conv, classes, gts, dets)
	return rec, classes, nil
}

// readInstances decodes the top-level object key by key, streaming the
// three arrays it needs.
func legacyReadInstances(r io.Reader, images *[]legacyImage, cats *[]legacyCategory, anns *[]legacyAnnotation) error {
	dec := json.NewDecoder(r)
	if err := legacyExpectDelim(dec, '{'); err != nil {
		return err
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		switch key {
		case "images":
			err = legacyDecodeArray(dec, "image", images)
		case "categories":
			err = legacyDecodeArray(dec, "category", cats)
		case "annotations":
			err = legacyDecodeArray(dec, "annotation", anns)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return err
		}
		seen[key] = true
	}
	for _, k := range []string{"images", "annotations", "categories"} {
		if !seen[k] {
			return fmt.Errorf("no %q key: not a COCO instances file", k)
		}
	}
	return nil
}

func legacyExpectDelim(dec *json.Decoder, d json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t != d {
		return fmt.Errorf("found %v, want %q", t, d)
	}
	return nil
}

func legacyDecodeArray[T any](dec *json.Decoder, what string, out *[]T) error {
	if err := legacyExpectDelim(dec, '['); err != nil {
		return fmt.Errorf("%ss: %w", what, err)
	}
	for i := 0; dec.More(); i++ {
		var v T
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("%s %d: %w", what, i, err)
		}
		*out = append(*out, v)
	}
	_, err := dec.Token()
	return err
}

func legacyClassList(cats []legacyCategory) ([]string, map[int64]int32, error) {
	order := make([]int, len(cats))
	for i := range order {
		order[i] = i
		if cats[i].ID == nil {
			return nil, nil, fmt.Errorf("category %d: no id", i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(min(max(*cats[a].ID-*cats[b].ID, -1), 1)) })
	classes := make([]string, len(cats))
	idx := make(map[int64]int32, len(cats))
	names := map[string]bool{}
	for k, i := range order {
		c := cats[i]
		if _, dup := idx[*c.ID]; dup {
			return nil, nil, fmt.Errorf("category %d: duplicate category id %d", i, *c.ID)
		}
		if names[c.Name] {
			return nil, nil, fmt.Errorf("category %d: duplicate category name %q", i, c.Name)
		}
		names[c.Name] = true
		idx[*c.ID] = int32(k)
		classes[k] = c.Name
	}
	return classes, idx, nil
}

// check validates one annotation or result.
func legacyCheck(a *legacyAnnotation, rowOf map[int64]int, catIdx map[int64]int32, result bool) (box, error) {
	var b box
	if a.ImageID == nil {
		return b, errors.New("no image_id")
	}
	row, ok := rowOf[*a.ImageID]
	if !ok {
		return b, fmt.Errorf("unknown image id %d", *a.ImageID)
	}
	b.image = row
	if a.CategoryID == nil {
		return b, errors.New("no category_id")
	}
	c, ok := catIdx[*a.CategoryID]
	if !ok {
		return b, fmt.Errorf("unknown category id %d", *a.CategoryID)
	}
	b.cat = c
	if len(a.BBox) != 4 {
		return b, fmt.Errorf("bbox has %d numbers, want 4 [x, y, w, h]", len(a.BBox))
	}
	for k, v := range a.BBox {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return b, fmt.Errorf("bbox %v is not finite", a.BBox)
		}
		b.bbox[k] = f
	}
	if b.bbox[2] < 0 || b.bbox[3] < 0 {
		return b, fmt.Errorf("bbox %v has a negative width or height", b.bbox)
	}
	if result {
		if a.Score == nil {
			return b, errors.New("no score")
		}
		b.score = float64(*a.Score)
		if math.IsNaN(b.score) || math.IsInf(b.score, 0) {
			return b, fmt.Errorf("score is %v", b.score)
		}
		return b, nil
	}
	// pycocotools loadRes sets area = w*h for results; annotations keep theirs.
	b.area = b.bbox[2] * b.bbox[3]
	if a.Area != nil {
		b.area = float64(*a.Area)
		if math.IsNaN(b.area) || math.IsInf(b.area, 0) {
			return b, fmt.Errorf("area is %v", b.area)
		}
	}
	if a.IsCrowd != nil {
		b.crowd = *a.IsCrowd != 0
	}
	return b, nil
}

func legacyReadResults(path string, rowOf map[int64]int, catIdx map[int64]int32) ([]box, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// Python's json writes NaN and Infinity bare; quote them so one bad
	// score is reported with its index instead of failing the decode.
	data = legacyQuoteNonFinite(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	var out []box
	if err := legacyExpectDelim(dec, '['); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of results: %w", path, err)
	}
	for i := 0; dec.More(); i++ {
		var a legacyAnnotation
		if err := dec.Decode(&a); err != nil {
			return nil, fmt.Errorf("%s: result %d: %w", path, i, err)
		}
		b, err := legacyCheck(&a, rowOf, catIdx, true)
		if err != nil {
			return nil, fmt.Errorf("%s: result %d: %w", path, i, err)
		}
		out = append(out, b)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// quoteNonFinite rewrites the bare tokens NaN, Infinity and -Infinity
// outside strings as JSON strings. It returns data itself when there are
// none.
func legacyQuoteNonFinite(data []byte) []byte {
	if !bytes.Contains(data, []byte("NaN")) && !bytes.Contains(data, []byte("Infinity")) {
		return data
	}
	var out bytes.Buffer
	inStr, esc := false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inStr {
			out.WriteByte(c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		matched := false
		for _, tok := range []string{"NaN", "-Infinity", "Infinity"} {
			if bytes.HasPrefix(data[i:], []byte(tok)) {
				out.WriteString(`"` + tok + `"`)
				i += len(tok) - 1
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		if c == '"' {
			inStr = true
		}
		out.WriteByte(c)
	}
	return out.Bytes()
}
