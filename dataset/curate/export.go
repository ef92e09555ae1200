package curate

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // image sizes for box percentages
	_ "image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"triage/dataset"
)

// ExportRequest says which samples to export for people and where their
// columns are. Column names that are "" are absent.
type ExportRequest struct {
	Table *dataset.Table
	Rows  []int64 // global row indices, in order
	Key   string
	// Label and Pred are class columns (classification), Score the
	// prediction's confidence; GroundTruth and Detections are box lists
	// (detection, SPEC §2.2), Width and Height the image size.
	Label, Pred, Score      string
	GroundTruth, Detections string
	Width, Height           string
	// Image is a struct<bytes, path> column, Filepath a path column
	// resolved against Dir.
	Image, Filepath string
	Dir             string
	Classes         []string
	// State, if not nil, gives the proposed labels (queued relabels).
	State *State
	// ModelVersion names the predictions in Label Studio.
	ModelVersion string
}

// LabelStudio task JSON (see testdata/labelstudio/README.md for where the
// shape comes from).
type lsTask struct {
	Data        map[string]any `json:"data"`
	Predictions []lsPrediction `json:"predictions"`
}

type lsPrediction struct {
	ModelVersion string     `json:"model_version"`
	Score        *float64   `json:"score,omitempty"`
	Result       []lsResult `json:"result"`
}

type lsResult struct {
	ID             string         `json:"id"`
	Type           string         `json:"type"`
	FromName       string         `json:"from_name"`
	ToName         string         `json:"to_name"`
	OriginalWidth  int            `json:"original_width,omitempty"`
	OriginalHeight int            `json:"original_height,omitempty"`
	ImageRotation  *int           `json:"image_rotation,omitempty"`
	Value          map[string]any `json:"value"`
}

// WriteLabelStudio writes the rows of each part (the dataset, then the
// pools mined rows come from) as one JSON array of Label Studio tasks for
// relabeling. Each task's data holds the image (its path, or a data: URI
// of its bytes), the sample key, the current label and any proposed one,
// and for a mined sample mined_near (the chosen sample it was found near)
// and needs_review; its predictions are pre-annotations: the current
// label, the model's prediction (with its score; for a mined sample
// without a prediction column, the prediction mine recorded) and the
// queued relabel, as "choices" for classification and "rectanglelabels"
// for detection (the ground truth, the detections, and the ground truth
// with the queued box relabels), boxes in percent of the image size. The
// labeling config they fit has <Image name="image" value="$image"/> and a
// Choices or RectangleLabels control named "label".
func WriteLabelStudio(w io.Writer, parts ...ExportRequest) error {
	tasks := []lsTask{}
	for _, req := range parts {
		t, err := labelStudioTasks(req)
		if err != nil {
			return err
		}
		tasks = append(tasks, t...)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(tasks)
}

func labelStudioTasks(req ExportRequest) ([]lsTask, error) {
	r, err := newRowReader(req)
	if err != nil {
		return nil, err
	}
	defer r.release()
	tasks := make([]lsTask, 0, len(req.Rows))
	for _, row := range req.Rows {
		b, i := r.loc.Locate(row)
		key, err := keyAt(r.col(req.Key, b), i)
		if err != nil {
			return nil, fmt.Errorf("column %q row %d: %w", req.Key, row, err)
		}
		smp := req.sample(key)
		task := lsTask{Data: map[string]any{req.Key: key}, Predictions: []lsPrediction{}}
		img, err := r.image(b, i)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", row, err)
		}
		task.Data["image"] = img.ref
		if smp != nil && smp.Mined != nil {
			task.Data["mined_near"] = smp.Mined.Source
		}
		if smp != nil && smp.NeedsReview {
			task.Data["needs_review"] = "yes"
		}
		n := 0
		nextID := func() string { n++; return fmt.Sprintf("r%d-%d", row, n) }
		if req.GroundTruth != "" || req.Detections != "" {
			width, height, err := r.size(b, i, img)
			if err != nil {
				return nil, fmt.Errorf("row %d: %w", row, err)
			}
			rect := func(version string, boxes []box) lsPrediction {
				p := lsPrediction{ModelVersion: version, Result: []lsResult{}}
				for _, bx := range boxes {
					p.Result = append(p.Result, lsResult{ID: nextID(), Type: "rectanglelabels", FromName: "label", ToName: "image",
						OriginalWidth: width, OriginalHeight: height, ImageRotation: new(int),
						Value: map[string]any{
							"x": 100 * bx.bbox[0] / float64(width), "y": 100 * bx.bbox[1] / float64(height),
							"width": 100 * bx.bbox[2] / float64(width), "height": 100 * bx.bbox[3] / float64(height),
							"rotation":        0,
							"rectanglelabels": []string{bx.label},
						}})
				}
				return p
			}
			for _, src := range []struct{ col, version string }{{req.GroundTruth, "ground truth"}, {req.Detections, req.ModelVersion}} {
				if src.col == "" {
					continue
				}
				boxes, err := boxesAt(r.col(src.col, b), i)
				if err != nil {
					return nil, fmt.Errorf("column %q row %d: %w", src.col, row, err)
				}
				task.Predictions = append(task.Predictions, rect(src.version, boxes))
				if src.col == req.GroundTruth && smp != nil && len(smp.Boxes) > 0 {
					task.Predictions = append(task.Predictions, rect("triage queue", proposedBoxes(boxes, smp.Boxes)))
				}
			}
			tasks = append(tasks, task)
			continue
		}
		choice := func(version, class string, score *float64) {
			task.Predictions = append(task.Predictions, lsPrediction{ModelVersion: version, Score: score, Result: []lsResult{{
				ID: nextID(), Type: "choices", FromName: "label", ToName: "image",
				Value: map[string]any{"choices": []string{class}}}}})
		}
		if req.Label != "" {
			if cur, ok := className(r.col(req.Label, b), i, req.Classes); ok {
				task.Data["label"] = cur
				choice("current label", cur, nil)
			}
		}
		pred, hasPred := "", false
		if req.Pred != "" {
			pred, hasPred = className(r.col(req.Pred, b), i, req.Classes)
		}
		if hasPred {
			var score *float64
			if req.Score != "" {
				if s, ok := floatAt(r.col(req.Score, b), i); ok {
					score = &s
				}
			}
			choice(req.ModelVersion, pred, score)
		} else if smp != nil && smp.Mined != nil && smp.Mined.Pred != "" {
			choice(cmp.Or(req.ModelVersion, "model"), smp.Mined.Pred, nil)
		}
		if proposed := req.proposed(key); proposed != "" {
			task.Data["proposed"] = proposed
			choice("triage queue", proposed, nil)
		}
		tasks = append(tasks, task)
	}
	return tasks, nil
}

// proposedBoxes is boxes with the queued relabels applied: those whose
// box is still the one queued, as Apply does.
func proposedBoxes(boxes []box, relabels []BoxLabel) []box {
	out := slices.Clone(boxes)
	for _, rl := range relabels {
		if rl.Index < len(out) && out[rl.Index].label == rl.From && out[rl.Index].bbox == rl.BBox {
			out[rl.Index].label = rl.Label
		}
	}
	return out
}

func (req ExportRequest) sample(k Key) *Sample {
	if req.State == nil {
		return nil
	}
	return req.State.Samples[k]
}

func (req ExportRequest) proposed(k Key) string {
	if smp := req.sample(k); smp != nil && smp.Label != nil {
		return *smp.Label
	}
	return ""
}

// WriteRelabelCSV writes the rows of each part as CSV with a header naming
// the key column: key, current label and proposed label, one row per
// sample. For detection (a GroundTruth column) a box column comes second,
// and a sample gets one row per queued box relabel (box index, its label,
// the proposed one), or one row with an empty box if it has none. With a
// State, mined and needs_review columns (true or false) come last.
func WriteRelabelCSV(w io.Writer, parts ...ExportRequest) error {
	if len(parts) == 0 {
		return fmt.Errorf("nothing to export")
	}
	first := parts[0]
	detection, withState := first.GroundTruth != "", first.State != nil
	cw := csv.NewWriter(w)
	header := []string{first.Key}
	if detection {
		header = append(header, "box")
	}
	header = append(header, "label", "proposed")
	if withState {
		header = append(header, "mined", "needs_review")
	}
	cw.Write(header)
	for _, req := range parts {
		if err := relabelCSVRows(cw, req, detection, withState); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func relabelCSVRows(cw *csv.Writer, req ExportRequest, detection, withState bool) error {
	r, err := newRowReader(req)
	if err != nil {
		return err
	}
	defer r.release()
	for _, row := range req.Rows {
		b, i := r.loc.Locate(row)
		key, err := keyAt(r.col(req.Key, b), i)
		if err != nil {
			return fmt.Errorf("column %q row %d: %w", req.Key, row, err)
		}
		ks := key.Str
		if !key.IsStr {
			ks = key.String()
		}
		smp := req.sample(key)
		var cur string
		if req.Label != "" {
			cur, _ = className(r.col(req.Label, b), i, req.Classes)
		}
		tail := func(cells ...string) []string {
			out := append([]string{ks}, cells...)
			if withState {
				out = append(out, strconv.FormatBool(smp != nil && smp.Mined != nil), strconv.FormatBool(smp != nil && smp.NeedsReview))
			}
			return out
		}
		if !detection {
			cw.Write(tail(cur, req.proposed(key)))
			continue
		}
		if smp == nil || len(smp.Boxes) == 0 {
			cw.Write(tail("", cur, req.proposed(key)))
			continue
		}
		for _, bl := range smp.Boxes {
			cw.Write(tail(strconv.Itoa(bl.Index), bl.From, bl.Label))
		}
	}
	return nil
}

// COCO annotation JSON.
type cocoFile struct {
	Images      []cocoImage      `json:"images"`
	Annotations []cocoAnnotation `json:"annotations"`
	Categories  []cocoCategory   `json:"categories"`
}

type cocoImage struct {
	ID       int64  `json:"id"`
	FileName string `json:"file_name"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	// NeedsReview marks a mined image whose boxes are the model's.
	NeedsReview bool `json:"needs_review,omitempty"`
}

type cocoAnnotation struct {
	ID         int64      `json:"id"`
	ImageID    int64      `json:"image_id"`
	CategoryID int        `json:"category_id"`
	BBox       [4]float64 `json:"bbox"`
	Area       float64    `json:"area"`
	IsCrowd    int        `json:"iscrowd"`
}

type cocoCategory struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// WriteCOCO writes the ground-truth boxes of each part's rows as one COCO
// annotation file, with the queued box relabels applied. Image ids are the
// integer keys (or 1, 2, ... for string keys; an id used already gets the
// next free one), category ids 1, 2, ... in class-list order, then any new
// class a queued relabel names; a box label outside the class list is an
// error. A mined image (needs_review) without ground-truth boxes gets the
// model's detections, if its part has them, as its annotations.
func WriteCOCO(w io.Writer, parts ...ExportRequest) error {
	if len(parts) == 0 {
		return fmt.Errorf("nothing to export")
	}
	c := &cocoWriter{out: cocoFile{Images: []cocoImage{}, Annotations: []cocoAnnotation{}, Categories: []cocoCategory{}},
		catID: map[string]int{}, used: map[int64]bool{}}
	for _, name := range parts[0].Classes {
		c.category(name)
	}
	for _, req := range parts {
		if err := c.add(req); err != nil {
			return err
		}
	}
	return json.NewEncoder(w).Encode(c.out)
}

type cocoWriter struct {
	out     cocoFile
	catID   map[string]int
	used    map[int64]bool // image ids
	maxID   int64
	counter int64 // images written
}

func (c *cocoWriter) category(name string) int {
	if id, ok := c.catID[name]; ok {
		return id
	}
	id := len(c.out.Categories) + 1
	c.catID[name] = id
	c.out.Categories = append(c.out.Categories, cocoCategory{ID: id, Name: name})
	return id
}

func (c *cocoWriter) add(req ExportRequest) error {
	if req.GroundTruth == "" {
		return fmt.Errorf("COCO export needs a ground_truth column (a detection dataset)")
	}
	r, err := newRowReader(req)
	if err != nil {
		return err
	}
	defer r.release()
	for _, row := range req.Rows {
		b, i := r.loc.Locate(row)
		key, err := keyAt(r.col(req.Key, b), i)
		if err != nil {
			return fmt.Errorf("column %q row %d: %w", req.Key, row, err)
		}
		c.counter++
		id := key.Int
		if key.IsStr {
			id = c.counter
		}
		if c.used[id] {
			id = c.maxID + 1
		}
		c.used[id], c.maxID = true, max(c.maxID, id)
		img, err := r.image(b, i)
		if err != nil {
			return fmt.Errorf("row %d: %w", row, err)
		}
		width, height, err := r.size(b, i, img)
		if err != nil {
			return fmt.Errorf("row %d: %w", row, err)
		}
		name := img.path
		if name == "" {
			name = key.Str
			if !key.IsStr {
				name = key.String()
			}
		}
		smp := req.sample(key)
		needsReview := smp != nil && smp.NeedsReview
		c.out.Images = append(c.out.Images, cocoImage{ID: id, FileName: name, Width: width, Height: height, NeedsReview: needsReview})
		boxes, err := boxesAt(r.col(req.GroundTruth, b), i)
		if err != nil {
			return fmt.Errorf("column %q row %d: %w", req.GroundTruth, row, err)
		}
		for _, bx := range boxes {
			if _, ok := c.catID[bx.label]; !ok {
				return fmt.Errorf("row %d: box label %q is not in the class list %s", row, bx.label, quoteList(req.Classes))
			}
		}
		if smp != nil && len(smp.Boxes) > 0 {
			boxes = proposedBoxes(boxes, smp.Boxes)
		}
		if len(boxes) == 0 && needsReview && req.Detections != "" {
			if boxes, err = boxesAt(r.col(req.Detections, b), i); err != nil {
				return fmt.Errorf("column %q row %d: %w", req.Detections, row, err)
			}
		}
		for _, bx := range boxes {
			crowd := 0
			if bx.crowd {
				crowd = 1
			}
			c.out.Annotations = append(c.out.Annotations, cocoAnnotation{ID: int64(len(c.out.Annotations) + 1), ImageID: id, CategoryID: c.category(bx.label),
				BBox: bx.bbox, Area: bx.bbox[2] * bx.bbox[3], IsCrowd: crowd})
		}
	}
	return nil
}

// rowReader reads single values of the export's columns.
type rowReader struct {
	req  ExportRequest
	loc  *dataset.RowLocator
	cols map[string]*arrow.Chunked
}

func newRowReader(req ExportRequest) (*rowReader, error) {
	r := &rowReader{req: req, loc: dataset.NewRowLocator(req.Table), cols: map[string]*arrow.Chunked{}}
	for _, name := range []string{req.Key, req.Label, req.Pred, req.Score, req.GroundTruth, req.Detections, req.Width, req.Height, req.Image, req.Filepath} {
		if name == "" || r.cols[name] != nil {
			continue
		}
		ch := req.Table.ColumnByName(name)
		if ch == nil {
			r.release()
			return nil, fmt.Errorf("no column %q", name)
		}
		r.cols[name] = ch
	}
	if req.Key == "" {
		r.release()
		return nil, fmt.Errorf("export needs a key column")
	}
	for _, row := range req.Rows {
		if row < 0 || row >= req.Table.NumRows() {
			r.release()
			return nil, fmt.Errorf("row %d out of range", row)
		}
	}
	return r, nil
}

func (r *rowReader) release() {
	for _, c := range r.cols {
		c.Release()
	}
}

func (r *rowReader) col(name string, b int) arrow.Array { return r.cols[name].Chunk(b) }

type imageRef struct {
	ref   string // what Label Studio's data.image gets
	path  string // the file path, when there is one
	bytes []byte
}

// image finds the row's image: the bytes of an image struct (as a data:
// URI), else its path or the filepath column's, resolved against Dir.
func (r *rowReader) image(b, i int) (imageRef, error) {
	var ref imageRef
	if r.req.Image != "" {
		if st, ok := r.col(r.req.Image, b).(*array.Struct); ok && st.IsValid(i) {
			typ := st.DataType().(*arrow.StructType)
			if j, ok := typ.FieldIdx("bytes"); ok {
				if bin, ok := st.Field(j).(*array.Binary); ok && bin.IsValid(i) && len(bin.Value(i)) > 0 {
					ref.bytes = bin.Value(i)
				}
			}
			if j, ok := typ.FieldIdx("path"); ok {
				if s, ok := st.Field(j).(*array.String); ok && s.IsValid(i) {
					ref.path = s.Value(i)
				}
			}
		}
	}
	if r.req.Filepath != "" {
		if s, ok := r.col(r.req.Filepath, b).(*array.String); ok && s.IsValid(i) {
			ref.path = s.Value(i)
		}
	}
	if ref.path != "" && !filepath.IsAbs(ref.path) && r.req.Dir != "" {
		ref.path = filepath.Join(r.req.Dir, ref.path)
	}
	switch {
	case ref.bytes != nil:
		ref.ref = "data:" + http.DetectContentType(ref.bytes) + ";base64," + base64.StdEncoding.EncodeToString(ref.bytes)
	case ref.path != "":
		ref.ref = ref.path
	}
	return ref, nil
}

// size is the image's width and height: from the width and height
// columns, else from the image's header.
func (r *rowReader) size(b, i int, img imageRef) (int, int, error) {
	if r.req.Width != "" && r.req.Height != "" {
		w, ok1 := intAt(r.col(r.req.Width, b), i)
		h, ok2 := intAt(r.col(r.req.Height, b), i)
		if ok1 && ok2 && w > 0 && h > 0 && r.col(r.req.Width, b).IsValid(i) && r.col(r.req.Height, b).IsValid(i) {
			return int(w), int(h), nil
		}
	}
	data := img.bytes
	if data == nil && img.path != "" {
		f, err := os.Open(img.path)
		if err != nil {
			return 0, 0, fmt.Errorf("image size: %w", err)
		}
		defer f.Close()
		cfg, _, err := image.DecodeConfig(f)
		if err != nil {
			return 0, 0, fmt.Errorf("image size of %s: %w", img.path, err)
		}
		return cfg.Width, cfg.Height, nil
	}
	if data == nil {
		return 0, 0, fmt.Errorf("no image size: no width and height columns and no image")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, fmt.Errorf("image size: %w", err)
	}
	return cfg.Width, cfg.Height, nil
}

func floatAt(a arrow.Array, i int) (float64, bool) {
	if a.IsNull(i) {
		return 0, false
	}
	switch a := a.(type) {
	case *array.Float64:
		return a.Value(i), true
	case *array.Float32:
		return float64(a.Value(i)), true
	}
	return 0, false
}

type box struct {
	label string
	bbox  [4]float64
	score *float64
	crowd bool
}

// boxesAt reads a list<struct<label, bbox, score?, iscrowd?>> value.
func boxesAt(a arrow.Array, i int) ([]box, error) {
	l, ok := a.(*array.List)
	if !ok {
		return nil, fmt.Errorf("type %v is not a list of boxes", a.DataType())
	}
	if l.IsNull(i) {
		return nil, nil
	}
	st, ok := l.ListValues().(*array.Struct)
	if !ok {
		return nil, fmt.Errorf("type %v is not a list of box structs", a.DataType())
	}
	typ := st.DataType().(*arrow.StructType)
	field := func(name string) arrow.Array {
		if j, ok := typ.FieldIdx(name); ok {
			return st.Field(j)
		}
		return nil
	}
	labels, _ := field("label").(*array.String)
	bboxes, _ := field("bbox").(*array.List)
	if labels == nil || bboxes == nil {
		return nil, fmt.Errorf("boxes need label (string) and bbox (list of 4 floats) fields")
	}
	scores, crowds := field("score"), field("iscrowd")
	s, e := l.ValueOffsets(i)
	var out []box
	for j := int(s); j < int(e); j++ {
		bs, be := bboxes.ValueOffsets(j)
		vals, ok := bboxes.ListValues().(*array.Float64)
		if !ok || be-bs != 4 {
			return nil, fmt.Errorf("box %d: bbox is not 4 float64 values", j-int(s))
		}
		bx := box{label: labels.Value(j)}
		for k := range 4 {
			bx.bbox[k] = vals.Value(int(bs) + k)
		}
		if scores != nil {
			if v, ok := floatAt(scores, j); ok {
				bx.score = &v
			}
		}
		if c, ok := crowds.(*array.Boolean); ok && c.IsValid(j) {
			bx.crowd = c.Value(j)
		}
		out = append(out, bx)
	}
	return out, nil
}
