package chart_test

import (
	"fmt"
	"strings"

	"triage/render/chart"
)

func ExampleSparkline() {
	fmt.Println(chart.Sparkline([]float64{1, 2, 3, 5, 8, 13, 8, 5, 3, 2, 1}, 20))
	// Output:
	// ▁▂▂▃▅█▅▃▂▂▁
}

func ExampleConfusionHeatmap() {
	m := chart.Matrix{
		Classes: []string{"cat", "dog", "bird"},
		Counts:  [][]int64{{97, 2, 0}, {3, 60, 21}, {0, 12, 30}},
	}
	h := chart.ConfusionHeatmap(m, 40, 6, chart.HeatmapOptions{Selected: &chart.Cell{Row: 2, Col: 2}})
	for _, line := range strings.Split(h.Text, "\n") {
		fmt.Println("|" + line)
	}
	x, y, _, _ := h.CellRect(chart.Cell{Row: 1, Col: 2})
	fmt.Println(h.CellAt(x, y))
	// Output:
	// |      cat  dog bird
	// |cat  ██97 ░░░2    ·
	// |dog  ░░░3 ██60 ▒▒21
	// |bird    · ▒▒12[██30]
	// |rows true, columns predicted; ░ ≤10% ▒ …
	// {1 2} true
}
