package query

import (
	"math"
	"math/rand/v2"
	"testing"
)

var cmpOps = []Kind{Eq, Ne, Lt, Le, Gt, Ge}

func naiveCmp(a, b float64, op Kind) bool {
	switch op {
	case Eq:
		return a == b
	case Ne:
		return a != b
	case Lt:
		return a < b
	case Le:
		return a <= b
	case Gt:
		return a > b
	}
	return a >= b
}

// TestCmpFloat32 checks the float32 shortcut (compare with a nearby
// float32 instead of widening every value) against widening.
func TestCmpFloat32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	consts := []float64{0, 0.1, 0.3, 0.5, -0.7, 1e-7, 1e-45, 3.5e38, -1e39, math.Inf(1), math.NaN(), math.MaxFloat32, float64(math.Nextafter32(0.1, 1))}
	for trial := 0; trial < 200; trial++ {
		n := r.IntN(150)
		vals := make([]float32, n)
		c := consts[r.IntN(len(consts))]
		for i := range vals {
			switch r.IntN(4) {
			case 0:
				vals[i] = float32(c)
			case 1:
				vals[i] = math.Nextafter32(float32(c), float32(r.NormFloat64()))
			default:
				vals[i] = float32(r.NormFloat64())
			}
		}
		for _, op := range cmpOps {
			out := make([]uint64, words(n))
			cmpFloat32(vals, c, op, out)
			for i, v := range vals {
				if got, want := bit(out, i), naiveCmp(float64(v), c, op); got != want {
					t.Fatalf("cmpFloat32: %v %s %v = %v, want %v", v, op, c, got, want)
				}
			}
		}
	}
}

// TestKernels checks the unrolled kernels against plain loops at every
// length around the 8- and 64-element blocks.
func TestKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for n := 0; n < 200; n++ {
		a := make([]int32, n)
		b := make([]int32, n)
		for i := range a {
			a[i], b[i] = int32(r.IntN(4)), int32(r.IntN(4))
		}
		for _, op := range cmpOps {
			out := make([]uint64, words(n))
			cmpSlices(a, b, op, out)
			out2 := make([]uint64, words(n))
			cmpScalar(a, int64(2), op, out2)
			for i := range a {
				if got, want := bit(out, i), naiveCmp(float64(a[i]), float64(b[i]), op); got != want {
					t.Fatalf("cmpSlices n=%d i=%d %s: got %v", n, i, op, got)
				}
				if got, want := bit(out2, i), naiveCmp(float64(a[i]), 2, op); got != want {
					t.Fatalf("cmpScalar n=%d i=%d %s: got %v", n, i, op, got)
				}
			}
			if words(n) > 0 && n%64 != 0 && out[len(out)-1]>>(n%64) != 0 {
				t.Fatalf("cmpSlices n=%d: bits set past the end", n)
			}
		}
		var tbl [256]bool
		tbl[1], tbl[3] = true, true
		m := [256]int32{0: 2, 1: 1, 2: 0, 3: -2}
		out := make([]uint64, words(n))
		lookup256(a, &tbl, out)
		out2 := make([]uint64, words(n))
		eqMapped256(a, b, &m, true, out2)
		for i := range a {
			if bit(out, i) != tbl[a[i]] {
				t.Fatalf("lookup256 n=%d i=%d", n, i)
			}
			if bit(out2, i) != (a[i] != m[b[i]]) {
				t.Fatalf("eqMapped256 n=%d i=%d", n, i)
			}
		}
		if words(n) > 0 && n%64 != 0 && out2[len(out2)-1]>>(n%64) != 0 {
			t.Fatalf("eqMapped256 n=%d: bits set past the end", n)
		}
	}
}

func TestCountRange(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	b := make([]uint64, 4)
	for i := range b {
		b[i] = r.Uint64()
	}
	for lo := int64(0); lo <= 256; lo += 7 {
		for hi := lo; hi <= 256; hi += 5 {
			want := int64(0)
			for i := lo; i < hi; i++ {
				if bit(b, int(i)) {
					want++
				}
			}
			if got := countRange(b, lo, hi); got != want {
				t.Fatalf("countRange(%d, %d) = %d, want %d", lo, hi, got, want)
			}
		}
	}
}

func TestLoadBits(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	buf := make([]byte, 40)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	for off := 0; off < 24; off++ {
		for n := 0; n+off <= 8*len(buf); n += 13 {
			got := loadBits(buf, off, n)
			for i := 0; i < n; i++ {
				j := off + i
				if bit(got, i) != (buf[j>>3]&(1<<(j&7)) != 0) {
					t.Fatalf("loadBits(off=%d, n=%d) bit %d wrong", off, n, i)
				}
			}
			if n%64 != 0 && len(got) > 0 && got[len(got)-1]>>(n%64) != 0 {
				t.Fatalf("loadBits(off=%d, n=%d): bits past the end", off, n)
			}
		}
	}
}

// TestEqStrings32 checks the word-at-a-time string equality against ==,
// on strings that are often prefixes of each other and of their
// neighbours in the buffer.
func TestEqStrings32(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	pool := []string{"", "c", "ca", "cat", "cats", "catsss", "sixteen bytes!!!", "sixteen bytes!!?", "seventeen bytes!!", "seventeen bytes!?", "x"}
	build := func(strs []string) *strVec {
		v := &strVec{off32: []int32{0}}
		for _, s := range strs {
			v.data = append(v.data, s...)
			v.off32 = append(v.off32, int32(len(v.data)))
		}
		return v
	}
	for trial := 0; trial < 300; trial++ {
		n := r.IntN(100)
		xs, ys := make([]string, n), make([]string, n)
		for i := range xs {
			xs[i], ys[i] = pool[r.IntN(len(pool))], pool[r.IntN(len(pool))]
		}
		x, y := build(xs), build(ys)
		for _, ne := range []bool{false, true} {
			out := make([]uint64, words(n))
			eqStrings32(x, y, ne, out, n)
			for i := range xs {
				if got, want := bit(out, i), (xs[i] == ys[i]) != ne; got != want {
					t.Fatalf("eqStrings32(%q, %q, ne=%v) = %v", xs[i], ys[i], ne, got)
				}
			}
		}
	}
}
