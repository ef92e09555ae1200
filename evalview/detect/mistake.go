package detect

import (
	"math"
	"slices"
)

// Detection mistakenness, after FiftyOne Brain's compute_mistakenness for
// Detections with use_logits=False (fiftyone/brain/internal/core/
// mistakenness.py, DetectionMistakenness.process_image), which first runs
// FiftyOne's COCO matching with classwise=False at IoU 0.5
// (fiftyone/utils/eval/coco.py, _compute_matches):
//
//   - Ground-truth boxes of an image are taken in list order with crowds
//     last; predictions by descending confidence (stable). Each prediction
//     takes the unmatched non-crowd box, or a crowd box of the same label,
//     with the highest IoU >= 0.5 (a later box wins a tie); once it has a
//     non-crowd candidate it stops at the first crowd. Labels need not
//     agree. A crowd box records its first (most confident) match.
//   - IoU is FiftyOne's: intersection / union clipped to 1, union = the
//     prediction's area for crowds. FiftyOne works in relative coordinates
//     and finds candidates with an R-tree; here boxes are in pixels and
//     every box is a candidate, so IoUs can differ in the last bits.
//   - On a matched ground-truth box, with c the matched prediction's
//     confidence: mistakenness = (m*c + 1)/2, m = -1 when the labels agree
//     and +1 when they differ; mistakenness_loc = (c*(2i - 1) + 1)/2 with
//     i = (1 - IoU)/(1 - 0.5).
//   - possible_spurious: a ground-truth box no prediction matched
//     (crowds included, as in FiftyOne). possible_missing: an unmatched
//     prediction with confidence > 0.95.
//   - Per sample: the two counts, and max_mistakenness, the largest
//     mistakenness of the image's matched boxes, null when there is none
//     (FiftyOne writes -1).
//
// The same class-agnostic matching at the evaluation IoU fills the
// confusion matrix, FiftyOne style: matched pairs (ground truth, prediction),
// unmatched predictions in the "(none)" row, unmatched ground truth in the
// "(none)" column.

const (
	detMistakeIoU          = 0.5
	detMissedConfidence    = 0.95
	detMaxConfusionClasses = 1000
)

// detFOIoU is FiftyOne's compute_bbox_iou for pixel boxes.
func detFOIoU(p, g []float64, crowd bool) float64 {
	w := math.Min(p[0]+p[2], g[0]+g[2]) - math.Max(p[0], g[0])
	if w <= 0 {
		return 0
	}
	h := math.Min(p[1]+p[3], g[1]+g[3]) - math.Max(p[1], g[1])
	if h <= 0 {
		return 0
	}
	pa := float64(p[3] * p[2])
	inter := float64(h * w)
	union := pa
	if !crowd {
		union = float64(pa+float64(g[3]*g[2])) - inter
	}
	if union == 0 {
		return 0
	}
	return math.Min(inter/union, 1)
}

// agnosticRow computes the mistakenness fields and the confusion matrix
// contributions of row i.
func (r *Report) agnosticRow(i int, s *detScratch) {
	gt, dt := r.gt, r.dt
	s.agGT = s.agGT[:0]
	for g := gt.lo[i]; g < gt.hi[i]; g++ {
		if gt.cls[g] >= 0 && !gt.crowd[g] {
			s.agGT = append(s.agGT, g)
		}
	}
	for g := gt.lo[i]; g < gt.hi[i]; g++ {
		if gt.cls[g] >= 0 && gt.crowd[g] {
			s.agGT = append(s.agGT, g)
		}
	}
	s.agDT = s.agDT[:0]
	for d := dt.lo[i]; d < dt.hi[i]; d++ {
		if dt.cls[d] >= 0 {
			s.agDT = append(s.agDT, d)
		}
	}
	slices.SortStableFunc(s.agDT, func(a, b int32) int {
		sa, sb := dt.score[a], dt.score[b]
		if sa > sb {
			return -1
		}
		if sa < sb {
			return 1
		}
		return 0
	})
	G, D := len(s.agGT), len(s.agDT)
	s.gtm = grownI32(s.gtm, G)
	s.dtm = grownI32(s.dtm, D)
	s.ious = grownF64(s.ious, G)
	detAgnosticMatch(detMistakeIoU, gt, dt, s.agGT, s.agDT, s.gtm, s.dtm, s.ious)

	maxM := math.NaN()
	for g, gg := range s.agGT {
		m := s.gtm[g]
		if m < 0 {
			r.gtSpurious[gg] = true
			r.rowSpurious[i]++
			continue
		}
		d := s.agDT[m]
		conf := dt.score[d]
		sign := 1.0
		if gt.cls[gg] == dt.cls[d] {
			sign = -1
		}
		mc := (float64(sign*conf) + 1) / 2
		loc := (1.0 / (1.0 - detMistakeIoU)) * (1.0 - s.ious[g])
		ml := (float64(conf*(float64(2.0*loc)-1)) + 1) / 2
		r.gtMist[gg] = mc
		r.gtMistLoc[gg] = ml
		if math.IsNaN(maxM) || mc > maxM {
			maxM = mc
		}
	}
	r.rowMaxMist[i] = maxM
	for d, dg := range s.agDT {
		if s.dtm[d] < 0 && dt.score[dg] > detMissedConfidence {
			r.dtMissing[dg] = true
			r.rowMissing[i]++
		}
	}
	if s.conf == nil {
		return
	}
	if r.IoU != detMistakeIoU {
		detAgnosticMatch(r.IoU, gt, dt, s.agGT, s.agDT, s.gtm, s.dtm, s.ious)
	}
	k := len(r.Classes)
	for d, dg := range s.agDT {
		row := k
		if m := s.dtm[d]; m >= 0 {
			row = int(gt.cls[s.agGT[m]])
		}
		s.conf[row*(k+1)+int(dt.cls[dg])]++
	}
	for g, gg := range s.agGT {
		if s.gtm[g] < 0 {
			s.conf[int(gt.cls[gg])*(k+1)+k]++
		}
	}
}

// detAgnosticMatch is FiftyOne's _compute_matches for one class-agnostic
// group. gts are in crowd-last order, dts in confidence order.
func detAgnosticMatch(thr float64, gt, dt *detBoxes, gts, dts []int32, gtm, dtm []int32, gtIoU []float64) {
	for g := range gts {
		gtm[g] = -1
		gtIoU[g] = 0
	}
	thr = math.Min(thr, 1-1e-10)
	for d, dg := range dts {
		dtm[d] = -1
		pb := dt.box[4*dg : 4*dg+4]
		best := int32(-1)
		bestIoU := thr
		for g, gg := range gts {
			crowd := gt.crowd[gg]
			if gtm[g] >= 0 && !crowd {
				continue
			}
			if crowd && gt.cls[gg] != dt.cls[dg] {
				continue
			}
			if best >= 0 && !gt.crowd[gts[best]] && crowd {
				break
			}
			gb := gt.box[4*gg : 4*gg+4]
			// FiftyOne only looks at boxes whose extents intersect.
			if pb[0] > gb[0]+gb[2] || gb[0] > pb[0]+pb[2] || pb[1] > gb[1]+gb[3] || gb[1] > pb[1]+pb[3] {
				continue
			}
			iou := detFOIoU(pb, gb, crowd)
			if iou < bestIoU {
				continue
			}
			bestIoU = iou
			best = int32(g)
		}
		if best < 0 {
			continue
		}
		if gtm[best] < 0 {
			gtm[best] = int32(d)
			gtIoU[best] = bestIoU
		}
		dtm[d] = best
	}
}
