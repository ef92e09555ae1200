package classify

import "math"

// This file holds the few numpy routines whose exact arithmetic or order
// decides cleanlab's results besides pairwise summation (package numpy):
// np.argsort's default quicksort, including how it orders ties. They follow
// numpy 1.24 (the version the reference numbers were made with), whose
// argsort has no AVX-512 path.

// npLess is numpy's float ordering: NaN sorts after everything.
func npLess(a, b float64) bool {
	return a < b || (b != b && a == a)
}

// npSmallQuicksort is numpy's SMALL_QUICKSORT: partitions of at most this
// many elements (plus one) are finished by insertion sort.
const npSmallQuicksort = 15

// npArgsort sorts idx by v[idx] exactly as numpy 1.24's
// np.argsort(kind="quicksort") (aquicksort_: median-of-three introsort with
// insertion sort below 16 elements and heapsort past the depth limit), so
// that ties come out in numpy's order. idx is usually 0..n-1 on entry; v is
// indexed by the values of idx.
func npArgsort(v []float64, idx []int32) {
	num := len(idx)
	if num < 2 {
		return
	}
	var stack [128]int
	var depth [64]int
	sp, dp := 0, 0
	pl, pr := 0, num-1
	cdepth := msb(num) * 2
	swap := func(a, b int) { idx[a], idx[b] = idx[b], idx[a] }
	for {
		if cdepth < 0 {
			npArgHeapsort(v, idx[pl:pr+1])
		} else {
			for pr-pl > npSmallQuicksort {
				pm := pl + (pr-pl)>>1
				if npLess(v[idx[pm]], v[idx[pl]]) {
					swap(pm, pl)
				}
				if npLess(v[idx[pr]], v[idx[pm]]) {
					swap(pr, pm)
				}
				if npLess(v[idx[pm]], v[idx[pl]]) {
					swap(pm, pl)
				}
				vp := v[idx[pm]]
				pi, pj := pl, pr-1
				swap(pm, pj)
				for {
					pi++
					for npLess(v[idx[pi]], vp) {
						pi++
					}
					pj--
					for npLess(vp, v[idx[pj]]) {
						pj--
					}
					if pi >= pj {
						break
					}
					swap(pi, pj)
				}
				swap(pi, pr-1)
				// Push the larger partition, continue with the smaller.
				if pi-pl < pr-pi {
					stack[sp], stack[sp+1] = pi+1, pr
					pr = pi - 1
				} else {
					stack[sp], stack[sp+1] = pl, pi-1
					pl = pi + 1
				}
				sp += 2
				cdepth--
				depth[dp] = cdepth
				dp++
			}
			// Insertion sort.
			for pi := pl + 1; pi <= pr; pi++ {
				vi := idx[pi]
				vp := v[vi]
				pj := pi
				for pj > pl && npLess(vp, v[idx[pj-1]]) {
					idx[pj] = idx[pj-1]
					pj--
				}
				idx[pj] = vi
			}
		}
		if sp == 0 {
			return
		}
		sp -= 2
		pl, pr = stack[sp], stack[sp+1]
		dp--
		cdepth = depth[dp]
	}
}

// npArgHeapsort is numpy's aheapsort_, used past the introsort depth limit.
func npArgHeapsort(v []float64, tosort []int32) {
	n := len(tosort)
	// numpy indexes the heap from 1.
	a := func(i int) *int32 { return &tosort[i-1] }
	for l := n >> 1; l > 0; l-- {
		tmp := *a(l)
		i, j := l, l<<1
		for j <= n {
			if j < n && npLess(v[*a(j)], v[*a(j + 1)]) {
				j++
			}
			if npLess(v[tmp], v[*a(j)]) {
				*a(i) = *a(j)
				i = j
				j += j
			} else {
				break
			}
		}
		*a(i) = tmp
	}
	for n > 1 {
		tmp := *a(n)
		*a(n) = *a(1)
		n--
		i, j := 1, 2
		for j <= n {
			if j < n && npLess(v[*a(j)], v[*a(j + 1)]) {
				j++
			}
			if npLess(v[tmp], v[*a(j)]) {
				*a(i) = *a(j)
				i = j
				j += j
			} else {
				break
			}
		}
		*a(i) = tmp
	}
}

// msb is numpy's npy_get_msb: the index of the highest set bit.
func msb(n int) int {
	d := 0
	for n >>= 1; n > 0; n >>= 1 {
		d++
	}
	return d
}

// npArgsortFirst sets sel[i] for the positions i that
// np.argsort(keys)[:m] returns. Without a tie across the cut that is every
// key below or equal to the m-th smallest, found by selection in O(n); with
// a tie across the cut it runs numpy's quicksort to decide which of the
// tied keys make it. scratch and perm are scratch of at least len(keys).
func npArgsortFirst(keys []float64, m int, sel []bool, scratch []float64, perm []int32) {
	n := len(keys)
	if m <= 0 || n == 0 {
		return
	}
	if m >= n {
		for i := range keys {
			sel[i] = true
		}
		return
	}
	// Keys here come from validated probs and are never NaN, so plain
	// comparisons order them as npLess does.
	var kth float64
	if m <= n/8 {
		kth = smallHeapKth(keys, m, scratch)
	} else {
		scratch = scratch[:n]
		copy(scratch, keys)
		kth = selectKth(scratch, m-1)
	}
	atMost := 0
	for _, x := range keys {
		if x <= kth {
			atMost++
		}
	}
	if atMost == m {
		for i, x := range keys {
			if x <= kth {
				sel[i] = true
			}
		}
		return
	}
	perm = perm[:n]
	for i := range perm {
		perm[i] = int32(i)
	}
	npArgsort(keys, perm)
	for _, p := range perm[:m] {
		sel[p] = true
	}
}

// smallHeapKth returns the m-th smallest key (1-based) with a max-heap of
// the m smallest seen so far, in heap (of at least m entries): one
// comparison for most keys when m is small.
func smallHeapKth(keys []float64, m int, heap []float64) float64 {
	h := heap[:m]
	copy(h, keys[:m])
	for i := m/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
	for _, x := range keys[m:] {
		if x < h[0] {
			h[0] = x
			siftDown(h, 0)
		}
	}
	return h[0]
}

// siftDown restores the max-heap property below i.
func siftDown(h []float64, i int) {
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && h[c+1] > h[c] {
			c++
		}
		if h[i] >= h[c] {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// selectKth returns the k-th smallest value of a (0-based) in numpy's
// order, reordering a.
func selectKth(a []float64, k int) float64 {
	lo, hi := 0, len(a)-1
	for hi > lo {
		if hi-lo < 16 {
			for i := lo + 1; i <= hi; i++ {
				for j := i; j > lo && npLess(a[j], a[j-1]); j-- {
					a[j], a[j-1] = a[j-1], a[j]
				}
			}
			return a[k]
		}
		// Median of three as the pivot, then a three-way partition so
		// runs of equal keys cannot make it quadratic.
		mid := lo + (hi-lo)/2
		if npLess(a[mid], a[lo]) {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if npLess(a[hi], a[mid]) {
			a[hi], a[mid] = a[mid], a[hi]
			if npLess(a[mid], a[lo]) {
				a[mid], a[lo] = a[lo], a[mid]
			}
		}
		p := a[mid]
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch {
			case npLess(a[i], p):
				a[lt], a[i] = a[i], a[lt]
				lt++
				i++
			case npLess(p, a[i]):
				a[i], a[gt] = a[gt], a[i]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return p
		}
	}
	return a[k]
}

// xlogx is scipy.special.xlogy(x, x) for x in [0, 1]: 0 at 0. It uses
// lnTable's logarithm, within a few 1e-16 of math.Log, because entropy
// takes K logarithms a row and dominates the row pass.
func xlogx(x float64) float64 {
	if x == 0 {
		return 0
	}
	return x * lnTable(x)
}

// lnTab holds ln(c) and 1/c for c = 1 + i/128, the left ends of 128
// intervals splitting [1, 2).
var lnTab = func() (t [128][2]float64) {
	for i := range t {
		c := 1 + float64(i)/128
		t[i] = [2]float64{math.Log(c), 1 / c}
	}
	return t
}()

// lnTable is the natural logarithm of a positive x: x = 2^e·m with m in
// [1, 2), m = c·(1+r) with c from the table and 0 <= r < 1/128, and
// ln x = e·ln 2 + ln c + ln(1+r), the last by its series to r^7 (the
// remainder is below 1e-17). ln 1 is exactly 0. Zero, subnormal, infinite
// and NaN inputs go to math.Log.
func lnTable(x float64) float64 {
	b := math.Float64bits(x)
	exp := int(b >> 52)
	if exp == 0 || exp >= 0x7ff {
		return math.Log(x)
	}
	i := (b >> 45) & 127
	m := math.Float64frombits(b&(1<<52-1) | 0x3ff<<52)
	r := m*lnTab[i][1] - 1
	p := r * (1 + r*(-1.0/2+r*(1.0/3+r*(-1.0/4+r*(1.0/5+r*(-1.0/6+r*(1.0/7)))))))
	return float64(exp-1023)*math.Ln2 + lnTab[i][0] + p
}
