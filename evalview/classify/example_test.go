package classify_test

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/evalview/classify"
)

func ExampleEvaluate() {
	mem := memory.NewGoAllocator()
	column := func(dt arrow.DataType, js string) *arrow.Chunked {
		a, _, err := array.FromJSON(mem, dt, strings.NewReader(js))
		if err != nil {
			panic(err)
		}
		defer a.Release()
		return arrow.NewChunked(dt, []arrow.Array{a})
	}
	label := column(arrow.BinaryTypes.String, `["cat", "cat", "dog", "dog", "dog", "cat"]`)
	defer label.Release()
	probs := column(arrow.ListOf(arrow.PrimitiveTypes.Float64),
		`[[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9], [0.95, 0.05], [0.6, 0.4]]`)
	defer probs.Release()

	in, warnings, err := classify.NewInput([]string{"cat", "dog"}, label, nil, nil, probs)
	if err != nil {
		panic(err)
	}
	fmt.Println("warnings:", warnings)
	if err := in.SetPositive("dog"); err != nil {
		panic(err)
	}
	r, err := classify.Evaluate(in)
	if err != nil {
		panic(err)
	}
	fmt.Printf("accuracy %.3f, TP %d FP %d FN %d TN %d\n", r.Accuracy, r.Binary.TP, r.Binary.FP, r.Binary.FN, r.Binary.TN)

	fields, arrays := r.Fields(mem)
	for i, f := range fields {
		if f.Name == "outcome" || f.Name == "suspect" {
			fmt.Println(f.Name, arrays[i])
		}
		arrays[i].Release()
	}
	// Output:
	// warnings: []
	// accuracy 0.833, TP 2 FP 0 FN 1 TN 3
	// outcome ["tn" "tn" "tp" "tp" "fn" "tn"]
	// suspect [false false false false true false]
}
