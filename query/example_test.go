package query_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"triage/query"
)

func exampleTable(mem memory.Allocator) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "label", Type: arrow.BinaryTypes.String},
		{Name: "pred", Type: arrow.BinaryTypes.String},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[
		{"id": 10, "label": "cat", "pred": "dog", "score": 0.97},
		{"id": 11, "label": "cat", "pred": "cat", "score": 0.99},
		{"id": 12, "label": "dog", "pred": "cat", "score": 0.91},
		{"id": 13, "label": "dog", "pred": "cat", "score": 0.55}
	]`))
	if err != nil {
		panic(err)
	}
	return rec
}

func ExampleCompile() {
	mem := memory.NewGoAllocator()
	rec := exampleTable(mem)
	defer rec.Release()

	env := query.Env{Schema: rec.Schema(), Label: "label", Pred: "pred"}
	prog, err := query.Compile(`label != pred and score > 0.9 | sort score desc`, env)
	if err != nil {
		fmt.Println(err)
		return
	}
	rows, err := prog.Run(context.Background(), []arrow.RecordBatch{rec}, mem)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("rows:", rows)
	fmt.Println("reads:", prog.Columns())
	// Output:
	// rows: [0 2]
	// reads: [label pred score]
}

func ExampleProgram_Count() {
	mem := memory.NewGoAllocator()
	rec := exampleTable(mem)
	defer rec.Release()

	prog, _ := query.Compile(`fp("cat")`, query.Env{Schema: rec.Schema(), Label: "label", Pred: "pred"})
	n, _ := prog.Count(context.Background(), []arrow.RecordBatch{rec})
	fmt.Println(n)
	// Output: 2
}

func ExampleFormatError() {
	schema := arrow.NewSchema([]arrow.Field{{Name: "label", Type: arrow.BinaryTypes.String}}, nil)
	src := `lable == "cat"`
	_, err := query.Compile(src, query.Env{Schema: schema})
	fmt.Println(query.FormatError(src, err))
	// Output:
	// unknown column "lable" (1:1), did you mean "label"?
	//  | lable == "cat"
	//  | ^~~~~
}

func ExampleComplete() {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "label", Type: arrow.BinaryTypes.String},
		{Name: "loss", Type: arrow.PrimitiveTypes.Float64},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	env := query.Env{Schema: schema, Classes: []string{"cat", "dog"}}
	for _, c := range query.Complete(`score > 0.5 and lo`, 18, env) {
		fmt.Println(c.Kind, c.Text)
	}
	for _, c := range query.Complete(`label == "d`, 11, env) {
		fmt.Println(c.Kind, c.Text)
	}
	// Output:
	// column loss
	// function lower
	// class dog
}
