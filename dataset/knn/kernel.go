package knn

// kernel computes score tiles and finds scores over a threshold.
type kernel struct {
	name string
	// tile sets c[i*ldc+j] = Σ_p a[p*mr+i]·b[p*nr+j] for i < mr, j < nr:
	// one mr×nr tile of query·pool products over packed panels of depth d.
	tile func(d int, a, b, c []float32, ldc int)
	// firstAtLeast returns the index of the first x[i] >= thr, or len(x).
	firstAtLeast func(x []float32, thr float32) int
}

var goKernel = kernel{name: "go", tile: tileGo, firstAtLeast: firstAtLeastGo}

func tileGo(d int, a, b, c []float32, ldc int) {
	var acc [mr][nr]float32
	a, b = a[:d*mr], b[:d*nr]
	for p := range d {
		ap := a[p*mr : p*mr+mr]
		bp := (*[nr]float32)(b[p*nr : p*nr+nr])
		for i, ai := range ap {
			row := &acc[i]
			for j, bj := range bp {
				row[j] += ai * bj
			}
		}
	}
	for i := range mr {
		copy(c[i*ldc:i*ldc+nr], acc[i][:])
	}
}

func firstAtLeastGo(x []float32, thr float32) int {
	for i, v := range x {
		if v >= thr {
			return i
		}
	}
	return len(x)
}
