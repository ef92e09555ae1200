package query

import (
	"encoding/binary"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
)

// Bitmaps of 64-bit words, and the comparison kernels that fill them.

// loadBits copies n bits of an Arrow bitmap starting at bit off into words.
func loadBits(buf []byte, off, n int) []uint64 {
	out := make([]uint64, words(n))
	if off&7 == 0 {
		b := buf[off>>3:]
		for w := range out {
			if len(b) >= 8*w+8 {
				out[w] = binary.LittleEndian.Uint64(b[8*w:])
				continue
			}
			var x uint64
			for k := 0; k < 8; k++ {
				if i := w*8 + k; i < len(b) {
					x |= uint64(b[i]) << (8 * k)
				}
			}
			out[w] = x
		}
	} else {
		for i := 0; i < n; i++ {
			j := off + i
			if j>>3 < len(buf) && buf[j>>3]&(1<<(j&7)) != 0 {
				out[i>>6] |= 1 << (i & 63)
			}
		}
	}
	clearTail(out, n)
	return out
}

func clearTail(b []uint64, n int) {
	if r := n & 63; r != 0 && len(b) > 0 {
		b[len(b)-1] &= 1<<r - 1
	}
}

// nullBits is arr's validity as words, or nil when it has no nulls.
func nullBits(arr arrow.Array) []uint64 {
	if arr.NullN() == 0 {
		return nil
	}
	if arr.DataType().ID() == arrow.NULL {
		return make([]uint64, words(arr.Len()))
	}
	return loadBits(arr.NullBitmapBytes(), arr.Data().Offset(), arr.Len())
}

// andValid intersects two validity bitmaps, either of which may be nil.
func andValid(a, b []uint64) []uint64 {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	out := make([]uint64, len(a))
	for i := range out {
		out[i] = a[i] & b[i]
	}
	return out
}

func maskBits(b, valid []uint64) {
	if valid == nil {
		return
	}
	for i := range b {
		b[i] &= valid[i]
	}
}

func ones(n int) []uint64 {
	b := make([]uint64, words(n))
	for i := range b {
		b[i] = ^uint64(0)
	}
	clearTail(b, n)
	return b
}

func popcount(b []uint64) int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// countRange counts the set bits of b in [lo, hi).
func countRange(b []uint64, lo, hi int64) int64 {
	if lo >= hi {
		return 0
	}
	var n int64
	for i := lo; i < hi; {
		w := i >> 6
		sh := uint(i & 63)
		word := b[w] >> sh
		take := min(64-int64(sh), hi-i)
		if take < 64 {
			word &= 1<<uint(take) - 1
		}
		n += int64(bits.OnesCount64(word))
		i += take
	}
	return n
}

func bit(b []uint64, i int) bool { return b[i>>6]&(1<<(i&63)) != 0 }

func isValid(valid []uint64, i int) bool { return valid == nil || bit(valid, i) }

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// ---- comparison kernels
//
// One loop per operator, so the operator is not a branch or a call inside
// the loop. Each word of 64 results is built in a register, eight
// comparisons at a time with constant shifts, and stored once; the
// comparisons compile to SETcc, not branches.

// cmpScalar sets bit i of out when U(vals[i]) op c.
func cmpScalar[T number, U int64 | float32 | float64](vals []T, c U, op Kind, out []uint64) {
	n := len(vals)
	switch op {
	case Eq:
		for w := range out {
			base := w << 6
			if base+64 <= n {
				var word uint64
				for k := 0; k < 64; k += 8 {
					u := vals[base+k : base+k+8 : base+k+8]
					x := b2u(U(u[0]) == c)
					x |= b2u(U(u[1]) == c) << 1
					x |= b2u(U(u[2]) == c) << 2
					x |= b2u(U(u[3]) == c) << 3
					x |= b2u(U(u[4]) == c) << 4
					x |= b2u(U(u[5]) == c) << 5
					x |= b2u(U(u[6]) == c) << 6
					x |= b2u(U(u[7]) == c) << 7
					word |= x << (k & 63)
				}
				out[w] = word
				continue
			}
			var word uint64
			for j := base; j < n; j++ {
				word |= b2u(U(vals[j]) == c) << ((j - base) & 63)
			}
			out[w] = word
		}
	case Ne:
		for w := range out {
			base := w << 6
			if base+64 <= n {
				var word uint64
				for k := 0; k < 64; k += 8 {
					u := vals[base+k : base+k+8 : base+k+8]
					x := b2u(U(u[0]) != c)
					x |= b2u(U(u[1]) != c) << 1
					x |= b2u(U(u[2]) != c) << 2
					x |= b2u(U(u[3]) != c) << 3
					x |= b2u(U(u[4]) != c) << 4
					x |= b2u(U(u[5]) != c) << 5
					x |= b2u(U(u[6]) != c) << 6
					x |= b2u(U(u[7]) != c) << 7
					word |= x << (k & 63)
				}
				out[w] = word
				continue
			}
			var word uint64
			for j := base; j < n; j++ {
				word |= b2u(U(vals[j]) != c) << ((j - base) & 63)
			}
			out[w] = word
		}
	case Lt:
		for w := range out {
			base := w << 6
			if base+64 <= n {
				var word uint64
				for k := 0; k < 64; k += 8 {
					u := vals[base+k : base+k+8 : base+k+8]
					x := b2u(U(u[0]) < c)
					x |= b2u(U(u[1]) < c) << 1
					x |= b2u(U(u[2]) < c) << 2
					x |= b2u(U(u[3]) < c) << 3
					x |= b2u(U(u[4]) < c) << 4
					x |= b2u(U(u[5]) < c) << 5
					x |= b2u(U(u[6]) < c) << 6
					x |= b2u(U(u[7]) < c) << 7
					word |= x << (k & 63)
				}
				out[w] = word
				continue
			}
			var word uint64
			for j := base; j < n; j++ {
				word |= b2u(U(vals[j]) < c) << ((j - base) & 63)
			}
			out[w] = word
		}
	case Le:
		for w := range out {
			base := w << 6
			if base+64 <= n {
				var word uint64
				for k := 0; k < 64; k += 8 {
					u := vals[base+k : base+k+8 : base+k+8]
					x := b2u(U(u[0]) <= c)
					x |= b2u(U(u[1]) <= c) << 1
					x |= b2u(U(u[2]) <= c) << 2
					x |= b2u(U(u[3]) <= c) << 3
					x |= b2u(U(u[4]) <= c) << 4
					x |= b2u(U(u[5]) <= c) << 5
					x |= b2u(U(u[6]) <= c) << 6
					x |= b2u(U(u[7]) <= c) << 7
					word |= x << (k & 63)
				}
				out[w] = word
				continue
			}
			var word uint64
			for j := base; j < n; j++ {
				word |= b2u(U(vals[j]) <= c) << ((j - base) & 63)
			}
			out[w] = word
		}
	case Gt:
		for w := range out {
			base := w << 6
			if base+64 <= n {
				var word uint64
				for k := 0; k < 64; k += 8 {
					u := vals[base+k : base+k+8 : base+k+8]
					x := b2u(U(u[0]) > c)
					x |= b2u(U(u[1]) > c) << 1
					x |= b2u(U(u[2]) > c) << 2
					x |= b2u(U(u[3]) > c) << 3
					x |= b2u(U(u[4]) > c) << 4
					x |= b2u(U(u[5]) > c) << 5
					x |= b2u(U(u[6]) > c) << 6
					x |= b2u(U(u[7]) > c) << 7
					word |= x << (k & 63)
				}
				out[w] = word
				continue
			}
			var word uint64
			for j := base; j < n; j++ {
				word |= b2u(U(vals[j]) > c) << ((j - base) & 63)
			}
			out[w] = word
		}
	case Ge:
		for w := range out {
			base := w << 6
			if base+64 <= n {
				var word uint64
				for k := 0; k < 64; k += 8 {
					u := vals[base+k : base+k+8 : base+k+8]
					x := b2u(U(u[0]) >= c)
					x |= b2u(U(u[1]) >= c) << 1
					x |= b2u(U(u[2]) >= c) << 2
					x |= b2u(U(u[3]) >= c) << 3
					x |= b2u(U(u[4]) >= c) << 4
					x |= b2u(U(u[5]) >= c) << 5
					x |= b2u(U(u[6]) >= c) << 6
					x |= b2u(U(u[7]) >= c) << 7
					word |= x << (k & 63)
				}
				out[w] = word
				continue
			}
			var word uint64
			for j := base; j < n; j++ {
				word |= b2u(U(vals[j]) >= c) << ((j - base) & 63)
			}
			out[w] = word
		}
	default:
		panic("query: bad comparison " + op.String())
	}
}

// cmpSlices sets bit i of out when a[i] op b[i].
func cmpSlices[T int32 | int64 | float64](a, b []T, op Kind, out []uint64) {
	n := len(a)
	b = b[:n]
	switch op {
	case Eq:
		for w := range out {
			base := w << 6
			if base+64 <= n {
				var word uint64
				for k := 0; k < 64; k += 8 {
					u, v := a[base+k:base+k+8:base+k+8], b[base+k:base+k+8:base+k+8]
					x := b2u(u[0] == v[0])
					x |= b2u(u[1] == v[1]) << 1
					x |= b2u(u[2] == v[2]) << 2
					x |= b2u(u[3] == v[3]) << 3
					x |= b2u(u[4] == v[4]) << 4
					x |= b2u(u[5] == v[5]) << 5
					x |= b2u(u[6] == v[6]) << 6
					x |= b2u(u[7] == v[7]) << 7
					word |= x << (k & 63)
				}
				out[w] = word
				continue
			}
			var word uint64
			for j := base; j < n; j++ {
				word |= b2u(a[j] == b[j]) << ((j - base) & 63)
			}
			out[w] = word
		}
	case Ne:
		for w := range out {
			base := w << 6
			if base+64 <= n {
				var word uint64
				for k := 0; k < 64; k += 8 {
					u, v := a[base+k:base+k+8:base+k+8], b[base+k:base+k+8:base+k+8]
					x := b2u(u[0] != v[0])
					x |= b2u(u[1] != v[1]) << 1
					x |= b2u(u[2] != v[2]) << 2
					x |= b2u(u[3] != v[3]) << 3
					x |= b2u(u[4] != v[4]) << 4
					x |= b2u(u[5] != v[5]) << 5
					x |= b2u(u[6] != v[6]) << 6
					x |= b2u(u[7] != v[7]) << 7
					word |= x << (k & 63)
				}
				out[w] = word
				continue
			}
			var word uint64
			for j := base; j < n; j++ {
				word |= b2u(a[j] != b[j]) << ((j - base) & 63)
			}
			out[w] = word
		}
	case Lt:
		for w := range out {
			base := w << 6
			if base+64 <= n {
				var word uint64
				for k := 0; k < 64; k += 8 {
					u, v := a[base+k:base+k+8:base+k+8], b[base+k:base+k+8:base+k+8]
					x := b2u(u[0] < v[0])
					x |= b2u(u[1] < v[1]) << 1
					x |= b2u(u[2] < v[2]) << 2
					x |= b2u(u[3] < v[3]) << 3
					x |= b2u(u[4] < v[4]) << 4
					x |= b2u(u[5] < v[5]) << 5
					x |= b2u(u[6] < v[6]) << 6
					x |= b2u(u[7] < v[7]) << 7
					word |= x << (k & 63)
				}
				out[w] = word
				continue
			}
			var word uint64
			for j := base; j < n; j++ {
				word |= b2u(a[j] < b[j]) << ((j - base) & 63)
			}
			out[w] = word
		}
	case Le:
		for w := range out {
			base := w << 6
			if base+64 <= n {
				var word uint64
				for k := 0; k < 64; k += 8 {
					u, v := a[base+k:base+k+8:base+k+8], b[base+k:base+k+8:base+k+8]
					x := b2u(u[0] <= v[0])
					x |= b2u(u[1] <= v[1]) << 1
					x |= b2u(u[2] <= v[2]) << 2
					x |= b2u(u[3] <= v[3]) << 3
					x |= b2u(u[4] <= v[4]) << 4
					x |= b2u(u[5] <= v[5]) << 5
					x |= b2u(u[6] <= v[6]) << 6
					x |= b2u(u[7] <= v[7]) << 7
					word |= x << (k & 63)
				}
				out[w] = word
				continue
			}
			var word uint64
			for j := base; j < n; j++ {
				word |= b2u(a[j] <= b[j]) << ((j - base) & 63)
			}
			out[w] = word
		}
	case Gt:
		for w := range out {
			base := w << 6
			if base+64 <= n {
				var word uint64
				for k := 0; k < 64; k += 8 {
					u, v := a[base+k:base+k+8:base+k+8], b[base+k:base+k+8:base+k+8]
					x := b2u(u[0] > v[0])
					x |= b2u(u[1] > v[1]) << 1
					x |= b2u(u[2] > v[2]) << 2
					x |= b2u(u[3] > v[3]) << 3
					x |= b2u(u[4] > v[4]) << 4
					x |= b2u(u[5] > v[5]) << 5
					x |= b2u(u[6] > v[6]) << 6
					x |= b2u(u[7] > v[7]) << 7
					word |= x << (k & 63)
				}
				out[w] = word
				continue
			}
			var word uint64
			for j := base; j < n; j++ {
				word |= b2u(a[j] > b[j]) << ((j - base) & 63)
			}
			out[w] = word
		}
	case Ge:
		for w := range out {
			base := w << 6
			if base+64 <= n {
				var word uint64
				for k := 0; k < 64; k += 8 {
					u, v := a[base+k:base+k+8:base+k+8], b[base+k:base+k+8:base+k+8]
					x := b2u(u[0] >= v[0])
					x |= b2u(u[1] >= v[1]) << 1
					x |= b2u(u[2] >= v[2]) << 2
					x |= b2u(u[3] >= v[3]) << 3
					x |= b2u(u[4] >= v[4]) << 4
					x |= b2u(u[5] >= v[5]) << 5
					x |= b2u(u[6] >= v[6]) << 6
					x |= b2u(u[7] >= v[7]) << 7
					word |= x << (k & 63)
				}
				out[w] = word
				continue
			}
			var word uint64
			for j := base; j < n; j++ {
				word |= b2u(a[j] >= b[j]) << ((j - base) & 63)
			}
			out[w] = word
		}
	default:
		panic("query: bad comparison " + op.String())
	}
}

// lookup256 sets bit i when t[uint8(idx[i])] is set: a dictionary of at
// most 256 entries, with t padded to 256 so the lookup needs no bounds
// check. Indices past the dictionary (allowed only under nulls, which the
// caller masks) read the padding.
func lookup256(idx []int32, t *[256]bool, out []uint64) {
	n := len(idx)
	for w := range out {
		base := w << 6
		if base+64 <= n {
			var word uint64
			for k := 0; k < 64; k += 8 {
				u := idx[base+k : base+k+8 : base+k+8]
				x := b2u(t[uint8(u[0])])
				x |= b2u(t[uint8(u[1])]) << 1
				x |= b2u(t[uint8(u[2])]) << 2
				x |= b2u(t[uint8(u[3])]) << 3
				x |= b2u(t[uint8(u[4])]) << 4
				x |= b2u(t[uint8(u[5])]) << 5
				x |= b2u(t[uint8(u[6])]) << 6
				x |= b2u(t[uint8(u[7])]) << 7
				word |= x << (k & 63)
			}
			out[w] = word
			continue
		}
		var word uint64
		for j := base; j < n; j++ {
			word |= b2u(t[uint8(idx[j])]) << ((j - base) & 63)
		}
		out[w] = word
	}
}

// eqMapped256 sets bit i when (a[i] == m[uint8(b[i])]) != ne: one
// dictionary column against another whose indices m maps onto the
// first's.
func eqMapped256(a, b []int32, m *[256]int32, ne bool, out []uint64) {
	n := len(a)
	b = b[:n]
	var flip uint64
	if ne {
		flip = ^uint64(0)
	}
	for w := range out {
		base := w << 6
		if base+64 <= n {
			var word uint64
			for k := 0; k < 64; k += 8 {
				u, v := a[base+k:base+k+8:base+k+8], b[base+k:base+k+8:base+k+8]
				x := b2u(u[0] == m[uint8(v[0])])
				x |= b2u(u[1] == m[uint8(v[1])]) << 1
				x |= b2u(u[2] == m[uint8(v[2])]) << 2
				x |= b2u(u[3] == m[uint8(v[3])]) << 3
				x |= b2u(u[4] == m[uint8(v[4])]) << 4
				x |= b2u(u[5] == m[uint8(v[5])]) << 5
				x |= b2u(u[6] == m[uint8(v[6])]) << 6
				x |= b2u(u[7] == m[uint8(v[7])]) << 7
				word |= x << (k & 63)
			}
			out[w] = word ^ flip
			continue
		}
		var word uint64
		for j := base; j < n; j++ {
			word |= b2u(a[j] == m[uint8(b[j])]) << ((j - base) & 63)
		}
		out[w] = word ^ flip
	}
	clearTail(out, n)
}
