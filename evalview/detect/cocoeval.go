package detect

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"triage/evalview/internal/numpy"
)

// This file ports pycocotools' COCOeval (iouType "bbox", cocoapi commit
// 8c9bcc3, default Params) to flat arrays.
//
// evaluate (per image i and category c, for each area range a):
//
//	gts of (i, c) in list order; _ignore = iscrowd or area outside a;
//	gts re-sorted stably with ignored ones last
//	dts of (i, c) sorted by -score with a stable sort, first 100 kept
//	ious[d][g] = bbIou (crowd: intersection / detection area)
//	for each IoU threshold t, for each dt d in score order:
//	    best = min(t, 1-1e-10), m = none
//	    for each gt g in sorted order:
//	        skip g if already matched and not crowd
//	        stop if m is a regular gt and g is ignored
//	        skip g if ious[d][g] < best
//	        best, m = ious[d][g], g
//	    if m: dt matched; dtIgnore = gtIgnore[m]; gt matched
//	unmatched dts with area (w*h) outside a are ignored too
//
// accumulate (per category c, area a, maxDet M in 1/10/100):
//
//	the first M dts of every (i, c), images in ascending id order, sorted
//	together by -score with a stable sort; npig = non-ignored gts
//	tp/fp running counts (ignored dts count as neither); rc = tp/npig,
//	pr = tp/(tp+fp+eps); pr made non-increasing from the right;
//	precision[r] = pr[first index with rc >= recThr[r]] or 0 past the end;
//	recall = last rc. A category-area without non-ignored gts has -1.
//
// summarize averages the entries > -1 with numpy's pairwise sum.
//
// Image and category loops run on flat arrays: each row's boxes are sorted
// once by (class, -score) into a permutation, so every (image, category) is
// a contiguous range; per-detection results are bit sets (one uint32 per
// area range: matched bits 0-9, ignored bits 16-25). Area ranges whose gt
// ignore flags agree share one matching. accumulate keeps only what
// decides rc and pr (see accumulateClass) and precision only at maxDets
// 100, the one summarize reads. TestDetMatchesSlowPort checks all of this
// against a line-by-line port.

const (
	detT      = 10  // IoU thresholds
	detR      = 101 // recall thresholds
	detA      = 4   // area ranges: all, small, medium, large
	detM      = 3   // maxDets: 1, 10, 100
	detMaxDet = 100
	detEps    = 2.220446049250313e-16 // np.spacing(1)
)

var (
	detMaxDets = [detM]int{1, 10, 100}
	// [0**2, 1e5**2], [0**2, 32**2], [32**2, 96**2], [96**2, 1e5**2]
	detAreaRng = [detA][2]float64{{0, 1e10}, {0, 1024}, {1024, 9216}, {9216, 1e10}}
	detIoUThrs = detLinspace(0.5, 0.95, detT)
	detRecThrs = detLinspace(0, 1, detR)
)

// detLinspace reproduces numpy.linspace(start, stop, num) bit for bit:
// step = (stop-start)/(num-1); y[i] = i*step + start; y[num-1] = stop.
// (So the 9th IoU threshold is 0.8999999999999999, as in pycocotools.)
func detLinspace(start, stop float64, num int) []float64 {
	y := make([]float64, num)
	step := (stop - start) / float64(num-1)
	for i := range y {
		// Explicit conversions keep the multiply and the add separately
		// rounded, as numpy does (no fused multiply-add).
		y[i] = float64(float64(i)*step) + start
	}
	y[num-1] = stop
	return y
}

// detBBIoU is maskApi.c bbIou for one pair: d a detection, g a ground
// truth box, both [x, y, w, h].
func detBBIoU(d, g []float64, crowd bool) float64 {
	// Boxes are finite (checked on input), so plain min and max agree with
	// C's fmin and fmax.
	w := min(d[2]+d[0], g[2]+g[0]) - max(d[0], g[0])
	if w <= 0 {
		return 0
	}
	h := min(d[3]+d[1], g[3]+g[1]) - max(d[1], g[1])
	if h <= 0 {
		return 0
	}
	da := float64(d[2] * d[3])
	i := float64(w * h)
	if crowd {
		return i / da
	}
	ga := float64(g[2] * g[3])
	return i / (float64(da+ga) - i)
}

// detScratch is one worker's reusable memory.
type detScratch struct {
	ious  []float64
	ign   []bool
	crowd []bool
	ignA  [detA][]bool
	mbA   [detA][]uint32 // per det: matched bits, ignored-by-match bits << 16
	ord   []int32
	gtm   []int32
	dtm   []int32
	dtIg  []bool
	dtOut []float64 // det area outside the range
	npig  []int64   // [class*detA + a]
	conf  []int64   // confusion matrix (K+1)^2, nil if too many classes
	agGT  []int32
	agDT  []int32
	tot   [5]int64 // tp, fp, fn, ignored dets, ignored gts
}

func grownI32(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

func grownU32(s []uint32, n int) []uint32 {
	if cap(s) < n {
		return make([]uint32, n)
	}
	return s[:n]
}

func grownF64(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

func grownBool(s []bool, n int) []bool {
	if cap(s) < n {
		return make([]bool, n)
	}
	return s[:n]
}

// detMatch is the matching loop of evaluateImg for one threshold. ious is
// D x G in (score order, list order); ord lists gt positions with ignored
// ones last. dtm[d] gets the matched gt position or -1; gtm[g] the last
// matching det or -1. It returns the smallest IoU of a match (+Inf when
// nothing matched).
func detMatch(thr float64, D, G int, ious []float64, ord []int32, ign, crowd []bool, gtm, dtm []int32, dtIg []bool) float64 {
	for g := range G {
		gtm[g] = -1
	}
	best0 := math.Min(thr, 1-1e-10)
	least := math.Inf(1)
	for d := range D {
		dtm[d] = -1
		dtIg[d] = false
		best := best0
		m := int32(-1)
		row := ious[d*G : d*G+G]
		for _, g := range ord {
			if gtm[g] >= 0 && !crowd[g] {
				continue
			}
			if m > -1 && !ign[m] && ign[g] {
				break
			}
			if row[g] < best {
				continue
			}
			best = row[g]
			m = g
		}
		if m == -1 {
			continue
		}
		dtIg[d] = ign[m]
		dtm[d] = m
		gtm[m] = int32(d)
		least = min(least, best)
	}
	return least
}

// evaluate runs evaluateImg for every row, category and area range, and
// the per-box matching at r.IoU.
func (r *Report) evaluate() {
	n := len(r.order)
	k := len(r.Classes)
	workers := max(1, runtime.GOMAXPROCS(0))
	var next atomic.Int64
	const block = 256
	scratch := make([]*detScratch, workers)
	var wg sync.WaitGroup
	for w := range workers {
		s := &detScratch{npig: make([]int64, k*detA)}
		if k <= detMaxConfusionClasses {
			s.conf = make([]int64, (k+1)*(k+1))
		}
		scratch[w] = s
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(block)) - block
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+block, n); i++ {
					r.evalRow(i, s)
					r.agnosticRow(i, s)
				}
			}
		}()
	}
	wg.Wait()
	r.npig = make([]int64, k*detA)
	if k <= detMaxConfusionClasses {
		r.Confusion = make([][]int64, k+1)
		for i := range r.Confusion {
			r.Confusion[i] = make([]int64, k+1)
		}
	}
	for _, s := range scratch {
		for i, v := range s.npig {
			r.npig[i] += v
		}
		r.TP += s.tot[0]
		r.FP += s.tot[1]
		r.FN += s.tot[2]
		r.IgnoredDets += s.tot[3]
		r.IgnoredGTs += s.tot[4]
		for i, v := range s.conf {
			r.Confusion[i/(k+1)][i%(k+1)] += v
		}
	}
}

// evalRow evaluates row i: every category present, every area range.
func (r *Report) evalRow(i int, s *detScratch) {
	gt, dt := r.gt, r.dt
	glo, ghi := gt.lo[i], gt.hi[i]
	dlo, dhi := dt.lo[i], dt.hi[i]
	gperm := r.gtPerm[glo:ghi]
	dperm := r.dtPerm[dlo:dhi]
	nG := detSortRow(gperm, glo, gt.cls, nil)
	nD := detSortRow(dperm, dlo, dt.cls, dt.score)
	for p := nD; p < len(dperm); p++ {
		r.dtRank[int(dlo)+p] = -1
	}
	gi, di := 0, 0
	for gi < nG || di < nD {
		c := int32(math.MaxInt32)
		if gi < nG {
			c = gt.cls[gperm[gi]]
		}
		if di < nD {
			c = min(c, dt.cls[dperm[di]])
		}
		g0 := gi
		for gi < nG && gt.cls[gperm[gi]] == c {
			gi++
		}
		d0 := di
		for di < nD && dt.cls[dperm[di]] == c {
			di++
		}
		r.evalGroup(i, c, gperm[g0:gi], int(dlo)+d0, dperm[d0:di], s)
	}
	s.tot[0] += r.rowTP[i]
	s.tot[1] += r.rowFP[i]
	s.tot[2] += r.rowFN[i]
	s.tot[3] += r.rowIgnDT[i]
	s.tot[4] += r.rowIgnGT[i]
}

// evalGroup is evaluateImg for one (image, category) across area ranges,
// plus the per-box verdicts at r.IoU. slot0 is the position of dts[0] in
// r.dtPerm.
func (r *Report) evalGroup(row int, c int32, gts []int32, slot0 int, dts []int32, s *detScratch) {
	gt, dt := r.gt, r.dt
	for p := range dts {
		if p < detMaxDet {
			r.dtRank[slot0+p] = int16(p)
		} else {
			r.dtRank[slot0+p] = -1
			r.dtEval[dts[p]] = detEvalIgnored
		}
	}
	if len(dts) > detMaxDet {
		dts = dts[:detMaxDet]
	}
	G, D := len(gts), len(dts)
	s.ious = grownF64(s.ious, D*G)
	s.ord = grownI32(s.ord, G)
	s.gtm = grownI32(s.gtm, G)
	s.dtm = grownI32(s.dtm, D)
	s.dtIg = grownBool(s.dtIg, D)
	s.dtOut = grownF64(s.dtOut, D)
	crowd := s.groupCrowd(gts, gt.crowd)
	for d, dg := range dts {
		db := dt.box[4*dg : 4*dg+4]
		s.dtOut[d] = float64(db[2] * db[3])
		for g, gg := range gts {
			s.ious[d*G+g] = detBBIoU(db, gt.box[4*gg:4*gg+4], crowd[g])
		}
	}
	// Matching depends on the area range only through the gts' ignore
	// flags; ranges with the same flags (often "all" and the one range all
	// the group's boxes fall in) share the matching.
	for a := range detA {
		s.ignA[a] = grownBool(s.ignA[a], G)
		s.mbA[a] = grownU32(s.mbA[a], D)
	}
	for a := range detA {
		lo, hi := detAreaRng[a][0], detAreaRng[a][1]
		ign := s.ignA[a]
		nOrd := 0
		for g, gg := range gts {
			ar := gt.area[gg]
			ign[g] = crowd[g] || ar < lo || ar > hi
			if !ign[g] {
				s.ord[nOrd] = int32(g)
				nOrd++
			}
		}
		s.npig[int(c)*detA+a] += int64(nOrd)
		for g := range gts {
			if ign[g] {
				s.ord[nOrd] = int32(g)
				nOrd++
			}
		}
		mb := s.mbA[a]
		same := -1
		for a2 := range a {
			if slices.Equal(s.ignA[a2], ign) {
				same = a2
				break
			}
		}
		switch {
		case same >= 0:
			copy(mb, s.mbA[same])
		case G == 0 || D == 0:
			clear(mb)
		default:
			// A matching stays the same at a higher threshold as long as
			// every match clears it: each det's pick is still the best of
			// a smaller candidate set, and unmatched dets stay unmatched.
			clear(mb)
			least := -1.0
			for t := range detT {
				if math.Min(detIoUThrs[t], 1-1e-10) > least {
					least = detMatch(detIoUThrs[t], D, G, s.ious, s.ord, ign, crowd, s.gtm, s.dtm, s.dtIg)
				}
				for d := range D {
					if s.dtm[d] >= 0 {
						mb[d] |= 1 << t
						if s.dtIg[d] {
							mb[d] |= 1 << (16 + t)
						}
					}
				}
			}
		}
		for d := range D {
			b := mb[d]
			if s.dtOut[d] < lo || s.dtOut[d] > hi {
				// unmatched detections outside the range are ignored
				b |= (^b & 0x3ff) << 16
			}
			r.bits[(slot0+d)*detA+a] = b
		}
		if a == 0 {
			s.ign = ign
			r.verdicts(row, gts, dts, s, crowd)
		}
	}
}

// groupCrowd returns the crowd flags of gts, in a reused buffer.
func (s *detScratch) groupCrowd(gts []int32, crowd []bool) []bool {
	s.crowd = grownBool(s.crowd, len(gts))
	for g, gg := range gts {
		s.crowd[g] = crowd[gg]
	}
	return s.crowd
}

// verdicts records the per-box results at r.IoU (area "all", 100 dets),
// following the reference's per-image definition: TP = matched and not
// ignored, FP = unmatched and not ignored, FN = unmatched non-ignored gt.
// s.ign and s.ord hold area "all".
func (r *Report) verdicts(row int, gts, dts []int32, s *detScratch, crowd []bool) {
	G, D := len(gts), len(dts)
	detMatch(r.IoU, D, G, s.ious, s.ord, s.ign, crowd, s.gtm, s.dtm, s.dtIg)
	lo, hi := detAreaRng[0][0], detAreaRng[0][1]
	for d, dg := range dts {
		m := s.dtm[d]
		switch {
		case m >= 0:
			r.dtMatch[dg] = gts[m]
			r.dtIoU[dg] = s.ious[d*G+int(m)]
			if s.dtIg[d] {
				r.dtEval[dg] = detEvalIgnored
				r.rowIgnDT[row]++
			} else {
				r.dtEval[dg] = detEvalTP
				r.rowTP[row]++
			}
		case s.dtOut[d] < lo || s.dtOut[d] > hi:
			r.dtEval[dg] = detEvalIgnored
			r.rowIgnDT[row]++
		default:
			r.dtEval[dg] = detEvalFP
			r.rowFP[row]++
		}
	}
	for g, gg := range gts {
		switch {
		case s.ign[g]:
			r.gtEval[gg] = detEvalIgnored
			r.rowIgnGT[row]++
		case s.gtm[g] >= 0:
			d := s.gtm[g]
			r.gtEval[gg] = detEvalTP
			r.gtMatch[gg] = dts[d]
			r.gtIoU[gg] = s.ious[int(d)*G+g]
		default:
			r.gtEval[gg] = detEvalFN
			r.rowFN[row]++
		}
	}
}

// detAccItem is one detection in a category's accumulate list.
type detAccItem struct {
	score float64
	seq   int32 // position in image-ordered concatenation: the stable tie rule
	slot  int32 // position in r.dtPerm
}

// accumulate fills r.precision and r.recall.
func (r *Report) accumulate() {
	k := len(r.Classes)
	r.precision = make([]float64, detT*detR*k*detA)
	r.recall = make([]float64, detT*k*detA*detM)
	for i := range r.precision {
		r.precision[i] = -1
	}
	for i := range r.recall {
		r.recall[i] = -1
	}
	// Bucket the evaluated detections by class, images in id order.
	count := make([]int, k+1)
	for _, row := range r.order {
		for p := r.dt.lo[row]; p < r.dt.hi[row]; p++ {
			if r.dtRank[p] >= 0 {
				count[r.dt.cls[r.dtPerm[p]]+1]++
			}
		}
	}
	for c := range k {
		count[c+1] += count[c]
	}
	items := make([]detAccItem, count[k])
	fill := slices.Clone(count[:k])
	for _, row := range r.order {
		for p := r.dt.lo[row]; p < r.dt.hi[row]; p++ {
			if r.dtRank[p] >= 0 {
				g := r.dtPerm[p]
				c := r.dt.cls[g]
				items[fill[c]] = detAccItem{score: r.dt.score[g], seq: int32(fill[c] - count[c]), slot: p}
				fill[c]++
			}
		}
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf detAccBuf
			for {
				c := int(next.Add(1)) - 1
				if c >= k {
					return
				}
				list := items[count[c]:count[c+1]]
				slices.SortFunc(list, func(a, b detAccItem) int {
					if a.score > b.score {
						return -1
					}
					if a.score < b.score {
						return 1
					}
					return int(a.seq - b.seq)
				})
				r.accumulateClass(c, list, &buf)
			}
		}()
	}
	wg.Wait()
}

// detAccBuf is one accumulate worker's memory.
type detAccBuf struct {
	rank []int16
	bits []uint32
	pr   []float64 // [t][k]: precision at the k-th true positive
}

// accumulateClass computes precision and recall of class c from its
// detections in pycocotools' order.
//
// It does not build pycocotools' rc and pr arrays, one entry per
// detection; it keeps what determines them. rc[i] = tp_i/npig only grows
// when a true positive arrives, so np.searchsorted(rc, thr, "left") lands
// on the entry where tp first reaches T = min{T : T/npig >= thr} (compared
// as the same float division), or on entry 0 when T = 0, or past the end.
// Between true positives pr only falls (fp grows), so pr interpolated from
// the right at a true positive is the running maximum over the later true
// positives, and at entry 0 the maximum over all of them (entry 0 is a true
// positive or has pr = 0). pr at the k-th true positive is computed exactly
// as pycocotools does: k / (k + fp + eps) with fp counted up to it.
func (r *Report) accumulateClass(c int, list []detAccItem, buf *detAccBuf) {
	k := len(r.Classes)
	n := len(list)
	if cap(buf.rank) < n {
		buf.rank = make([]int16, n)
		buf.bits = make([]uint32, n*detA)
	}
	rank, bits := buf.rank[:n], buf.bits[:n*detA]
	for i, it := range list {
		rank[i] = r.dtRank[it.slot]
		copy(bits[i*detA:i*detA+detA], r.bits[int(it.slot)*detA:int(it.slot)*detA+detA])
	}
	for a := range detA {
		npig := r.npig[c*detA+a]
		if npig == 0 {
			continue
		}
		fnpig := float64(npig)
		// At most npig true positives per threshold.
		stride := int(min(npig, int64(n))) + 1
		buf.pr = grownF64(buf.pr, detT*stride)
		for m := range detM {
			md := int16(detMaxDets[m])
			var tp, fp [detT]int64
			nd := 0
			for i := range n {
				if rank[i] >= md {
					continue
				}
				nd++
				b := bits[i*detA+a]
				for t := range detT {
					if b>>(16+t)&1 != 0 {
						continue
					}
					if b>>t&1 != 0 {
						tp[t]++
						buf.pr[t*stride+int(tp[t])] = float64(tp[t]) / (float64(fp[t]+tp[t]) + detEps)
					} else {
						fp[t]++
					}
				}
			}
			for t := range detT {
				ntp := int(tp[t])
				pr := buf.pr[t*stride : t*stride+ntp+1]
				ri := ((t*k+c)*detA+a)*detM + m
				if nd > 0 {
					r.recall[ri] = float64(ntp) / fnpig
				} else {
					r.recall[ri] = 0
				}
				if m != detM-1 {
					continue // no summary number reads precision at maxDets 1 or 10
				}
				for j := ntp; j > 1; j-- {
					if pr[j] > pr[j-1] {
						pr[j-1] = pr[j]
					}
				}
				T := 0
				for q, thr := range detRecThrs {
					for T <= ntp && float64(T)/fnpig < thr {
						T++
					}
					v := 0.0
					switch {
					case nd == 0 || T > ntp:
						// past the end: pycocotools leaves 0
					case T == 0:
						if ntp > 0 {
							v = pr[1]
						}
					default:
						v = pr[T]
					}
					r.precision[((t*detR+q)*k+c)*detA+a] = v
				}
			}
		}
	}
}

// detMeanDefined is np.mean(s[s > -1]), NaN when nothing is defined.
func detMeanDefined(vals []float64) float64 {
	keep := vals[:0:0]
	for _, v := range vals {
		if v > -1 {
			keep = append(keep, v)
		}
	}
	if len(keep) == 0 {
		return math.NaN()
	}
	return numpy.Mean(keep)
}

// precisionSlice gathers precision[t, r, classes, a, maxDets=100] for the
// given thresholds, in numpy's C order (t, then r, then class).
func (r *Report) precisionSlice(ts []int, classes []int, a int) []float64 {
	k := len(r.Classes)
	out := make([]float64, 0, len(ts)*detR*len(classes))
	for _, t := range ts {
		for q := range detR {
			for _, c := range classes {
				out = append(out, r.precision[((t*detR+q)*k+c)*detA+a])
			}
		}
	}
	return out
}

func (r *Report) recallSlice(ts []int, classes []int, a, m int) []float64 {
	k := len(r.Classes)
	out := make([]float64, 0, len(ts)*len(classes))
	for _, t := range ts {
		for _, c := range classes {
			out = append(out, r.recall[((t*k+c)*detA+a)*detM+m])
		}
	}
	return out
}

var (
	detAllT = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	detT50  = []int{0}
	detT75  = []int{5}
)

// summarize computes COCOeval.summarize's 12 stats and the per-class
// numbers.
func (r *Report) summarize() {
	k := len(r.Classes)
	all := make([]int, k)
	for i := range all {
		all[i] = i
	}
	ap := func(ts []int, cls []int, a int) float64 {
		return detMeanDefined(r.precisionSlice(ts, cls, a))
	}
	ar := func(cls []int, a, m int) float64 {
		return detMeanDefined(r.recallSlice(detAllT, cls, a, m))
	}
	r.Stats = Stats{
		AP: ap(detAllT, all, 0), AP50: ap(detT50, all, 0), AP75: ap(detT75, all, 0),
		APs: ap(detAllT, all, 1), APm: ap(detAllT, all, 2), APl: ap(detAllT, all, 3),
		AR1: ar(all, 0, 0), AR10: ar(all, 0, 1), AR100: ar(all, 0, 2),
		ARs: ar(all, 1, 2), ARm: ar(all, 2, 2), ARl: ar(all, 3, 2),
	}
	r.PerClass = make([]ClassMetrics, k)
	for c := range k {
		one := []int{c}
		r.PerClass[c] = ClassMetrics{
			Name: r.Classes[c],
			AP:   ap(detAllT, one, 0), AP50: ap(detT50, one, 0), AP75: ap(detT75, one, 0),
			APs: ap(detAllT, one, 1), APm: ap(detAllT, one, 2), APl: ap(detAllT, one, 3),
			AR100:    ar(one, 0, 2),
			Recall50: detMeanDefined(r.recallSlice(detT50, one, 0, 2)),
			GT:       r.npig[c*detA],
		}
	}
}
