package detect

import (
	"math"
	"slices"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// slowCOCOEval is a line-by-line port of pycocotools' evaluateImg and
// accumulate (per image and category dictionaries, full rc/pr arrays,
// binary-search searchsorted), kept to check the flat implementation. It
// reads the boxes Evaluate parsed into r.gt and r.dt.
func slowCOCOEval(r *Report) (precision, recall []float64) {
	k := len(r.Classes)
	type evalImg struct {
		dtScores  []float64
		dtm, dtIg [detT][]bool
		gtIg      []bool
	}
	// evalImgs[c][a][image position in id order]; nil when the image has
	// neither gt nor dt of the category.
	evalImgs := make([][detA][]*evalImg, k)
	for c := range k {
		for a := range detA {
			evalImgs[c][a] = make([]*evalImg, len(r.order))
		}
	}
	for pos, row := range r.order {
		for c := range k {
			var gts, dts []int
			for g := r.gt.lo[row]; g < r.gt.hi[row]; g++ {
				if int(r.gt.cls[g]) == c {
					gts = append(gts, int(g))
				}
			}
			for d := r.dt.lo[row]; d < r.dt.hi[row]; d++ {
				if int(r.dt.cls[d]) == c {
					dts = append(dts, int(d))
				}
			}
			if len(gts) == 0 && len(dts) == 0 {
				continue
			}
			sort.SliceStable(dts, func(i, j int) bool { return -r.dt.score[dts[i]] < -r.dt.score[dts[j]] })
			if len(dts) > 100 {
				dts = dts[:100]
			}
			for a := range detA {
				lo, hi := detAreaRng[a][0], detAreaRng[a][1]
				ignore := func(g int) bool {
					return r.gt.crowd[g] || r.gt.area[g] < lo || r.gt.area[g] > hi
				}
				sg := slices.Clone(gts)
				sort.SliceStable(sg, func(i, j int) bool { return !ignore(sg[i]) && ignore(sg[j]) })
				e := &evalImg{gtIg: make([]bool, len(sg))}
				for i, g := range sg {
					e.gtIg[i] = ignore(g)
				}
				for _, d := range dts {
					e.dtScores = append(e.dtScores, r.dt.score[d])
				}
				for t, thr := range detIoUThrs {
					gtm := make([]bool, len(sg))
					e.dtm[t] = make([]bool, len(dts))
					e.dtIg[t] = make([]bool, len(dts))
					for di, d := range dts {
						iou := math.Min(thr, 1-1e-10)
						m := -1
						for gi, g := range sg {
							if gtm[gi] && !r.gt.crowd[g] {
								continue
							}
							if m > -1 && !e.gtIg[m] && e.gtIg[gi] {
								break
							}
							v := detBBIoU(r.dt.box[4*d:4*d+4], r.gt.box[4*g:4*g+4], r.gt.crowd[g])
							if v < iou {
								continue
							}
							iou, m = v, gi
						}
						if m == -1 {
							continue
						}
						e.dtIg[t][di] = e.gtIg[m]
						e.dtm[t][di] = true
						gtm[m] = true
					}
					for di, d := range dts {
						ar := r.dt.box[4*d+2] * r.dt.box[4*d+3]
						if !e.dtm[t][di] && (ar < lo || ar > hi) {
							e.dtIg[t][di] = true
						}
					}
				}
				evalImgs[c][a][pos] = e
			}
		}
	}
	precision = make([]float64, detT*detR*k*detA*detM)
	recall = make([]float64, detT*k*detA*detM)
	for i := range precision {
		precision[i] = -1
	}
	for i := range recall {
		recall[i] = -1
	}
	for c := range k {
		for a := range detA {
			for m, maxDet := range detMaxDets {
				var E []*evalImg
				for _, e := range evalImgs[c][a] {
					if e != nil {
						E = append(E, e)
					}
				}
				if len(E) == 0 {
					continue
				}
				var scores []float64
				var dtm, dtIg [detT][]bool
				npig := 0
				for _, e := range E {
					n := min(maxDet, len(e.dtScores))
					scores = append(scores, e.dtScores[:n]...)
					for t := range detT {
						dtm[t] = append(dtm[t], e.dtm[t][:n]...)
						dtIg[t] = append(dtIg[t], e.dtIg[t][:n]...)
					}
					for _, ig := range e.gtIg {
						if !ig {
							npig++
						}
					}
				}
				if npig == 0 {
					continue
				}
				inds := make([]int, len(scores))
				for i := range inds {
					inds[i] = i
				}
				sort.SliceStable(inds, func(i, j int) bool { return -scores[inds[i]] < -scores[inds[j]] })
				for t := range detT {
					nd := len(inds)
					rc, pr := make([]float64, nd), make([]float64, nd)
					var tp, fp float64
					for i, j := range inds {
						if dtm[t][j] && !dtIg[t][j] {
							tp++
						}
						if !dtm[t][j] && !dtIg[t][j] {
							fp++
						}
						rc[i] = tp / float64(npig)
						pr[i] = tp / (fp + tp + detEps)
					}
					ri := ((t*k+c)*detA+a)*detM + m
					if nd > 0 {
						recall[ri] = rc[nd-1]
					} else {
						recall[ri] = 0
					}
					for i := nd - 1; i > 0; i-- {
						if pr[i] > pr[i-1] {
							pr[i-1] = pr[i]
						}
					}
					for q, thr := range detRecThrs {
						pi := sort.Search(nd, func(i int) bool { return rc[i] >= thr })
						v := 0.0
						if pi < nd {
							v = pr[pi]
						}
						precision[(((t*detR+q)*k+c)*detA+a)*detM+m] = v
					}
				}
			}
		}
	}
	return precision, recall
}

func TestDetMatchesSlowPort(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	for _, tc := range []struct {
		n, k int
	}{{1, 1}, {50, 3}, {400, 7}} {
		classes, ids, gt, dt := synthDetections(mem, tc.n, tc.k)
		// Coarse scores make ties across images and within them, so the
		// stable order matters; reversed ids make row order differ from
		// id order.
		slices.Reverse(ids)
		r, _, err := Evaluate(&Input{Classes: classes, ImageIDs: ids, GT: gt, Dets: dt})
		if err != nil {
			t.Fatal(err)
		}
		for i := range r.dt.score {
			r.dt.score[i] = math.Round(r.dt.score[i]*20) / 20
		}
		r2 := newReport(r.Classes, r.IoU, r.N, r.gt, r.dt, r.order)
		r2.evaluate()
		r2.accumulate()
		wantP, wantR := slowCOCOEval(r2)
		// The flat implementation keeps precision at maxDets 100 only.
		var want100 []float64
		for i := 2; i < len(wantP); i += detM {
			want100 = append(want100, wantP[i])
		}
		if len(want100) != len(r2.precision) {
			t.Fatalf("precision has %d entries, want %d", len(r2.precision), len(want100))
		}
		n := 0
		for i := range want100 {
			if want100[i] != r2.precision[i] && n < 5 {
				t.Errorf("n=%d k=%d: precision[%d] = %v, want %v", tc.n, tc.k, i, r2.precision[i], want100[i])
				n++
			}
		}
		if !slices.Equal(wantR, r2.recall) {
			t.Errorf("n=%d k=%d: recall differs from the slow port", tc.n, tc.k)
		}
		gt.Release()
		dt.Release()
	}
}
