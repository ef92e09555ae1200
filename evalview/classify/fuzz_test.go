package classify

import (
	"encoding/json"
	"io"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// fuzzInput decodes bytes into a small Input full of the awkward
// cases: missing labels, predictions and probs rows, zeros, exact ties,
// one class, every filter.
func fuzzInput(data []byte) *Input {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	k := 1 + next()%5
	n := next() % 40
	in := &Input{
		Classes:   make([]string, k),
		Label:     make([]int32, n),
		Pred:      make([]int32, n),
		Probs:     make([]float64, n*k),
		Positive:  next()%(k+1) - 1,
		Threshold: float64(next()%5) / 4,
		CLFilter:  CLFilters[next()%len(CLFilters)],
	}
	for c := range k {
		in.Classes[c] = string(rune('a' + c))
	}
	levels := []float64{0, 0.25, 0.5, 1}
	for i := range n {
		in.Label[i] = int32(next()%(k+1) - 1)
		in.Pred[i] = int32(next()%(k+1) - 1)
		row := in.Probs[i*k : (i+1)*k]
		if next()%7 == 0 {
			for j := range row {
				row[j] = math.NaN()
			}
			continue
		}
		for j := range row {
			row[j] = levels[next()%len(levels)]
		}
	}
	if next()%2 == 0 {
		in.Pred = nil
	}
	return in
}

// FuzzClassEvaluate: evaluation never panics on consistent input, every
// field has N rows, suspect rows have a label and probs, the JSON is valid.
func FuzzClassEvaluate(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{2, 10, 1, 2, 0, 1, 1, 2, 3, 0, 1, 0, 0, 1, 1, 2, 1, 3, 0})
	f.Add([]byte{0, 5, 0, 0, 1, 1, 1, 1})
	f.Add([]byte{4, 39, 3, 4, 6, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := fuzzInput(data)
		r, err := Evaluate(in)
		if err != nil {
			t.Fatalf("Evaluate: %v", err)
		}
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		defer mem.AssertSize(t, 0)
		fields, arrays := r.Fields(mem)
		for i, a := range arrays {
			if a.Len() != len(in.Label) {
				t.Errorf("field %s has %d rows, want %d", fields[i].Name, a.Len(), len(in.Label))
			}
			a.Release()
		}
		for i, s := range r.rows.suspect {
			if s >= 0 && (in.Label[i] < 0 || hasNaN(in.Probs[i*len(in.Classes):(i+1)*len(in.Classes)])) {
				t.Errorf("row %d has suspect = %d without a label and probs", i, s)
			}
		}
		out, err := r.MarshalJSON()
		if err != nil || !json.Valid(out) {
			t.Errorf("MarshalJSON: %v\n%s", err, out)
		}
		if err := r.WriteText(io.Discard); err != nil {
			t.Error(err)
		}
	})
}
