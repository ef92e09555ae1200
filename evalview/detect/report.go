package detect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// Report is a detection evaluation: COCO's summary numbers, per-class
// AP, totals at the per-sample IoU, the class-agnostic confusion matrix and
// the per-sample and per-box fields (see Fields). Undefined numbers are NaN
// and marshal to JSON null.
type Report struct {
	Classes []string
	IoU     float64 // the per-sample matching threshold
	N       int     // rows

	Stats    Stats
	PerClass []ClassMetrics

	// Totals at IoU (area "all", 100 detections per image and class).
	TP, FP, FN  int64
	IgnoredDets int64 // detections matched to crowd regions
	IgnoredGTs  int64 // crowd regions

	// Confusion is the class-agnostic confusion matrix at IoU, rows the
	// ground truth, columns the predictions; the last row and column are
	// "(none)". Nil with more than 1000 classes.
	Confusion [][]int64

	gt, dt *detBoxes
	order  []int32 // rows in ascending image id order

	gtPerm, dtPerm []int32
	dtRank         []int16  // per dtPerm slot: rank within (image, class), -1 if not evaluated
	bits           []uint32 // per dtPerm slot and area: matched bits 0-9, ignored bits 16-25
	npig           []int64  // [class*detA + area]

	precision []float64 // [T][R][K][A] at maxDets 100 (pycocotools also fills maxDets 1 and 10, which nothing reads); -1 undefined
	recall    []float64 // [T][K][A][M]

	gtEval, dtEval     []uint8
	gtIoU, dtIoU       []float64 // NaN: no match
	gtMatch, dtMatch   []int32   // global index of the matched box, -1
	gtMist, gtMistLoc  []float64 // NaN: not matched
	gtSpurious         []bool
	dtMissing          []bool
	rowTP, rowFP       []int64
	rowFN              []int64
	rowIgnDT, rowIgnGT []int64
	rowMissing         []int64
	rowSpurious        []int64
	rowMaxMist         []float64
}

// Stats are COCOeval.stats, in its order.
type Stats struct {
	AP, AP50, AP75, APs, APm, APl float64
	AR1, AR10, AR100              float64
	ARs, ARm, ARl                 float64
}

// ClassMetrics are one class's COCO numbers (area "all", 100
// detections unless the name says otherwise).
type ClassMetrics struct {
	Name           string
	AP, AP50, AP75 float64
	APs, APm, APl  float64
	AR100          float64
	Recall50       float64 // recall at IoU .5
	GT             int64   // non-crowd ground-truth boxes
}

func newReport(classes []string, iou float64, n int, gt, dt *detBoxes, order []int32) *Report {
	r := &Report{Classes: classes, IoU: iou, N: n, gt: gt, dt: dt, order: order}
	r.gtPerm = make([]int32, gt.n)
	r.dtPerm = make([]int32, dt.n)
	r.dtRank = make([]int16, dt.n)
	for i := range r.dtRank {
		r.dtRank[i] = -1
	}
	r.bits = make([]uint32, dt.n*detA)
	r.gtEval = make([]uint8, gt.n)
	r.dtEval = make([]uint8, dt.n)
	r.gtIoU = detNaNs(gt.n)
	r.dtIoU = detNaNs(dt.n)
	r.gtMatch = detMinusOnes(gt.n)
	r.dtMatch = detMinusOnes(dt.n)
	r.gtMist = detNaNs(gt.n)
	r.gtMistLoc = detNaNs(gt.n)
	r.gtSpurious = make([]bool, gt.n)
	r.dtMissing = make([]bool, dt.n)
	r.rowTP = make([]int64, n)
	r.rowFP = make([]int64, n)
	r.rowFN = make([]int64, n)
	r.rowIgnDT = make([]int64, n)
	r.rowIgnGT = make([]int64, n)
	r.rowMissing = make([]int64, n)
	r.rowSpurious = make([]int64, n)
	r.rowMaxMist = detNaNs(n)
	return r
}

func detNaNs(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

func detMinusOnes(n int) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = -1
	}
	return s
}

// PRCurve returns the precision at COCO's 101 recall points for class at
// IoU threshold iou (one of .50, .55, ..., .95), area "all", 100
// detections: precision[i] belongs to recall[i] = i/100. It returns nil
// slices for an unknown class or threshold, and for a class without ground
// truth.
func (r *Report) PRCurve(class string, iou float64) (recall, precision []float64) {
	c := -1
	for i, name := range r.Classes {
		if name == class {
			c = i
		}
	}
	t := -1
	for i, thr := range detIoUThrs {
		if math.Abs(thr-iou) < 1e-9 {
			t = i
		}
	}
	if c < 0 || t < 0 {
		return nil, nil
	}
	p := r.precisionSlice([]int{t}, []int{c}, 0)
	if p[0] == -1 {
		return nil, nil
	}
	return append([]float64(nil), detRecThrs...), p
}

// detNum writes a float as JSON, NaN as null.
func detNum(b *bytes.Buffer, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		b.WriteString("null")
		return
	}
	b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
}

func detStr(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s)
	b.Write(q)
}

// statList pairs the JSON names with the values, in COCOeval order.
func (s Stats) statList() ([12]string, [12]float64) {
	return [12]string{"AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"},
		[12]float64{s.AP, s.AP50, s.AP75, s.APs, s.APm, s.APl, s.AR1, s.AR10, s.AR100, s.ARs, s.ARm, s.ARl}
}

// MarshalJSON writes the SPEC §4 detection keys: "coco" (the 12 stats),
// "per_class" (class -> AP, AP50, AP75, APs, APm, APl, AR100), "tp", "fp",
// "fn" at "iou", and extras: "ignored_dets", "ignored_gts",
// "confusion_matrix" ({classes, matrix}, rows the ground truth, "(none)"
// last) and "pr_curves" (class -> precision at the 101 recall points, IoU
// .5). Undefined values are null; classes keep their order.
func (r *Report) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"task":"detection","iou":`)
	detNum(&b, r.IoU)
	b.WriteString(`,"coco":{`)
	names, vals := r.Stats.statList()
	for i := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:", names[i])
		detNum(&b, vals[i])
	}
	b.WriteString(`},"per_class":{`)
	for i, pc := range r.PerClass {
		if i > 0 {
			b.WriteByte(',')
		}
		detStr(&b, pc.Name)
		b.WriteString(`:{"AP":`)
		detNum(&b, pc.AP)
		for _, kv := range []struct {
			k string
			v float64
		}{{"AP50", pc.AP50}, {"AP75", pc.AP75}, {"APs", pc.APs}, {"APm", pc.APm}, {"APl", pc.APl}, {"AR100", pc.AR100}} {
			fmt.Fprintf(&b, ",%q:", kv.k)
			detNum(&b, kv.v)
		}
		fmt.Fprintf(&b, `,"support":%d}`, pc.GT)
	}
	fmt.Fprintf(&b, `},"tp":%d,"fp":%d,"fn":%d,"ignored_dets":%d,"ignored_gts":%d`, r.TP, r.FP, r.FN, r.IgnoredDets, r.IgnoredGTs)
	if r.Confusion != nil {
		b.WriteString(`,"confusion_matrix":{"classes":[`)
		for i, c := range append(append([]string(nil), r.Classes...), "(none)") {
			if i > 0 {
				b.WriteByte(',')
			}
			detStr(&b, c)
		}
		b.WriteString(`],"matrix":`)
		m, err := json.Marshal(r.Confusion)
		if err != nil {
			return nil, err
		}
		b.Write(m)
		b.WriteByte('}')
	}
	b.WriteString(`,"pr_curves":{"iou":0.5,"recall":`)
	rc, _ := json.Marshal(detRecThrs)
	b.Write(rc)
	b.WriteString(`,"precision":{`)
	for i, c := range r.Classes {
		if i > 0 {
			b.WriteByte(',')
		}
		detStr(&b, c)
		b.WriteByte(':')
		_, p := r.PRCurve(c, 0.5)
		if p == nil {
			b.WriteString("null")
			continue
		}
		b.WriteByte('[')
		for j, v := range p {
			if j > 0 {
				b.WriteByte(',')
			}
			detNum(&b, v)
		}
		b.WriteByte(']')
	}
	b.WriteString("}}}")
	return b.Bytes(), nil
}

// WriteText writes COCOeval.summarize's twelve lines (with "n/a" where
// pycocotools prints -1), the per-class table and the totals at IoU.
func (r *Report) WriteText(w io.Writer) error {
	var b bytes.Buffer
	_, vals := r.Stats.statList()
	lines := [12]struct {
		ap   bool
		iou  string
		area string
		md   int
	}{
		{true, "0.50:0.95", "all", 100}, {true, "0.50     ", "all", 100}, {true, "0.75     ", "all", 100},
		{true, "0.50:0.95", "small", 100}, {true, "0.50:0.95", "medium", 100}, {true, "0.50:0.95", "large", 100},
		{false, "0.50:0.95", "all", 1}, {false, "0.50:0.95", "all", 10}, {false, "0.50:0.95", "all", 100},
		{false, "0.50:0.95", "small", 100}, {false, "0.50:0.95", "medium", 100}, {false, "0.50:0.95", "large", 100},
	}
	for i, l := range lines {
		title, short := "Average Precision", "(AP)"
		if !l.ap {
			title, short = "Average Recall", "(AR)"
		}
		v := "n/a"
		if !math.IsNaN(vals[i]) {
			v = fmt.Sprintf("%.3f", vals[i])
		}
		fmt.Fprintf(&b, " %-18s %s @[ IoU=%s | area=%6s | maxDets=%3d ] = %s\n", title, short, l.iou, l.area, l.md, v)
	}
	b.WriteByte('\n')
	f := func(v float64) string {
		if math.IsNaN(v) {
			return "n/a"
		}
		return fmt.Sprintf("%.3f", v)
	}
	names := make([]string, len(r.PerClass))
	width := len("class")
	for i, pc := range r.PerClass {
		q := strconv.Quote(pc.Name) // never send a name's control bytes to a terminal
		names[i] = q[1 : len(q)-1]
		width = max(width, utf8.RuneCountInString(names[i]))
	}
	fmt.Fprintf(&b, "%-*s %6s %6s %6s %6s %7s\n", width, "class", "AP", "AP50", "AP75", "AR100", "gt")
	for i, pc := range r.PerClass {
		fmt.Fprintf(&b, "%-*s %6s %6s %6s %6s %7d\n", width, names[i], f(pc.AP), f(pc.AP50), f(pc.AP75), f(pc.AR100), pc.GT)
	}
	fmt.Fprintf(&b, "\nat IoU %g: %d TP, %d FP, %d FN (%d detections on crowd regions ignored)\n", r.IoU, r.TP, r.FP, r.FN, r.IgnoredDets)
	_, err := w.Write(b.Bytes())
	return err
}
