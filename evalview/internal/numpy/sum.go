// Package numpy holds numpy's pairwise summation, shared by the metrics
// packages: np.sum and np.mean add float64 values in an order of their own,
// and the reference numbers the tests compare with were computed that way
// (numpy 1.24).
package numpy

// Sum is np.add.reduce over a contiguous float64 vector: numpy adds the
// values to the identity 0 with pairwise summation (blocks of 8
// accumulators, split in halves above 128 values).
func Sum(a []float64) float64 {
	return 0 + pairwiseSum(a)
}

// Mean is np.mean of a float64 vector: the pairwise sum divided by n.
func Mean(a []float64) float64 {
	return Sum(a) / float64(len(a))
}

const pairwiseBlock = 128

func pairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		res := 0.0
		for _, v := range a {
			res += v
		}
		return res
	case n <= pairwiseBlock:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			r[0] += a[i+0]
			r[1] += a[i+1]
			r[2] += a[i+2]
			r[3] += a[i+3]
			r[4] += a[i+4]
			r[5] += a[i+5]
			r[6] += a[i+6]
			r[7] += a[i+7]
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += a[i]
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
	}
}
