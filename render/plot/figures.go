package plot

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/brewer"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"triage/evalview/curve"
	"triage/render"
)

// Figure is one plot or a grid of plots, and its size.
type Figure struct {
	Plots         [][]*plot.Plot // rows of plots; nil leaves a tile empty
	Width, Height vg.Length
}

func single(p *plot.Plot, w, h vg.Length) Figure {
	return Figure{Plots: [][]*plot.Plot{{p}}, Width: w, Height: h}
}

// Draw draws the figure on c.
func (f Figure) Draw(c draw.Canvas) {
	if len(f.Plots) == 1 && len(f.Plots[0]) == 1 {
		f.Plots[0][0].Draw(c)
		return
	}
	tiles := draw.Tiles{Rows: len(f.Plots), Cols: len(f.Plots[0]), PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(f.Plots, tiles, c)
	for i, row := range f.Plots {
		for j, p := range row {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}
}

// colors are matplotlib's tab10, which stay apart for most readers.
var colors = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff},
	{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff},
	{0xbc, 0xbd, 0x22, 0xff}, {0x17, 0xbe, 0xcf, 0xff},
}

// clean makes text from the data printable (an SVG file cannot hold
// control characters).
func clean(s string) string { return render.Sanitize(s) }

// maxCurvesTogether is the most curves one plot holds before a figure
// turns into a grid of one plot a class.
const maxCurvesTogether = 10

// PRFigure draws precision–recall curves: together with a legend, or, for
// more than ten, as a grid of small plots titled by class.
func PRFigure(title string, curves []Curve) Figure {
	return curvesFigure(title, curves, "recall", "precision", false)
}

// ROCFigure draws ROC curves with the diagonal of a random classifier.
func ROCFigure(title string, curves []Curve) Figure {
	return curvesFigure(title, curves, "false positive rate", "true positive rate", true)
}

func curvesFigure(title string, curves []Curve, xlabel, ylabel string, diagonal bool) Figure {
	if len(curves) <= maxCurvesTogether {
		p := unitPlot(title, xlabel, ylabel, diagonal)
		for i, c := range curves {
			addCurve(p, c, colors[i%len(colors)], true)
		}
		// PR curves leave the bottom left free, ROC curves the bottom right.
		p.Legend.Top, p.Legend.Left = false, !diagonal
		p.Legend.XOffs, p.Legend.YOffs = -vg.Millimeter*2, vg.Millimeter*2
		return single(p, 6*vg.Inch, 5*vg.Inch)
	}
	cols := int(math.Ceil(math.Sqrt(float64(len(curves)))))
	rows := (len(curves) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
	}
	for i, c := range curves {
		p := unitPlot(c.Name, xlabel, ylabel, diagonal)
		p.Title.TextStyle.Font.Size = vg.Points(10)
		addCurve(p, c, colors[0], false)
		grid[i/cols][i%cols] = p
	}
	// The figure's title goes on the first tile, before its class.
	grid[0][0].Title.Text = clean(title) + "\n" + grid[0][0].Title.Text
	return Figure{Plots: grid, Width: vg.Length(cols) * 3 * vg.Inch, Height: vg.Length(rows) * 2.6 * vg.Inch}
}

// unitPlot is a plot over the unit square.
func unitPlot(title, xlabel, ylabel string, diagonal bool) *plot.Plot {
	p := plot.New()
	p.Title.Text = clean(title)
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1.02
	p.Add(plotter.NewGrid())
	if diagonal {
		d, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
		d.Color = color.Gray{0x99}
		d.Dashes = []vg.Length{vg.Points(4), vg.Points(4)}
		p.Add(d)
	}
	return p
}

func addCurve(p *plot.Plot, c Curve, col color.Color, legend bool) {
	var xys plotter.XYs
	for i := range min(len(c.X), len(c.Y)) {
		if !math.IsNaN(c.X[i]) && !math.IsNaN(c.Y[i]) {
			xys = append(xys, plotter.XY{X: c.X[i], Y: c.Y[i]})
		}
	}
	if len(xys) == 0 {
		return
	}
	l, err := plotter.NewLine(xys)
	if err != nil { // only for infinite values, which curves do not hold
		return
	}
	l.Color = col
	l.Width = vg.Points(1.5)
	p.Add(l)
	if legend {
		p.Legend.Add(clean(c.Name), l)
	}
}

// confusionGrid lays a confusion matrix out for plotter.HeatMap: the first
// class at the top; each cell's value is its share of the true class.
type confusionGrid struct{ m Confusion }

func (g confusionGrid) Dims() (c, r int) { return len(g.m.Classes), len(g.m.Classes) }
func (g confusionGrid) X(c int) float64  { return float64(c) }
func (g confusionGrid) Y(r int) float64  { return float64(r) }
func (g confusionGrid) Z(c, r int) float64 {
	i := len(g.m.Classes) - 1 - r
	var total int64
	for j := range g.m.Classes {
		total += g.count(i, j)
	}
	if total == 0 {
		return 0
	}
	return float64(g.count(i, c)) / float64(total)
}

func (g confusionGrid) count(i, j int) int64 {
	if i < len(g.m.Counts) && j < len(g.m.Counts[i]) {
		return g.m.Counts[i][j]
	}
	return 0
}

// ConfusionFigure draws m as a heatmap: true classes down, predicted
// across, each cell shaded by its share of the true class and labelled
// with its count (up to 30 classes; beyond that the counts would not be
// legible).
func ConfusionFigure(title string, m Confusion) Figure {
	n := len(m.Classes)
	g := confusionGrid{m}
	pal, _ := brewer.GetPalette(brewer.TypeSequential, "Blues", 9)
	hm := plotter.NewHeatMap(g, pal)
	hm.Min, hm.Max = 0, 1
	p := plot.New()
	p.Title.Text = clean(title) + "\n(shade: share of the true class)"
	p.X.Label.Text, p.Y.Label.Text = "predicted class", "true class"
	p.Add(hm)
	names := make([]string, n)
	reversed := make([]string, n)
	for i, c := range m.Classes {
		names[i] = clean(c)
		reversed[n-1-i] = names[i]
	}
	p.NominalX(names...)
	p.NominalY(reversed...)
	if n > 6 {
		p.X.Tick.Label.Rotation = math.Pi / 2
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	}
	if n <= 30 {
		var xyl plotter.XYLabels
		for i := range n {
			for j := range n {
				xyl.XYs = append(xyl.XYs, plotter.XY{X: float64(j), Y: float64(n - 1 - i)})
				xyl.Labels = append(xyl.Labels, strconv.FormatInt(g.count(i, j), 10))
			}
		}
		labels, _ := plotter.NewLabels(xyl)
		for k := range labels.TextStyle {
			labels.TextStyle[k].XAlign, labels.TextStyle[k].YAlign = draw.XCenter, draw.YCenter
			labels.TextStyle[k].Font.Size = vg.Points(max(6, 11-float64(n)/5))
			// White on the darkest blues.
			if g.Z(int(xyl.XYs[k].X), int(xyl.XYs[k].Y)) > 0.6 {
				labels.TextStyle[k].Color = color.White
			}
		}
		p.Add(labels)
	}
	side := vg.Length(math.Max(5, 1.5+0.45*float64(n))) * vg.Inch
	return single(p, side, side)
}

// ScoresFigure draws the distributions of the scores of correct and of
// wrong predictions over [0, 1] in 20 bins, each as its share of its own
// predictions, so that the shapes compare whatever the accuracy.
func ScoresFigure(title string, correct, wrong []float64) Figure {
	const bins = 20
	p := plot.New()
	p.Title.Text = clean(title)
	p.X.Label.Text = "score (confidence of the predicted class)"
	p.Y.Label.Text = "share of the group's predictions"
	p.X.Min, p.X.Max = 0, 1
	p.Add(plotter.NewGrid())
	for _, s := range []struct {
		name   string
		values []float64
		col    color.RGBA
	}{{"correct", correct, colors[2]}, {"wrong", wrong, colors[3]}} {
		h, n := shareHistogram(s.values, bins)
		if n == 0 {
			continue
		}
		fill := s.col
		fill.A = 0x80
		h.FillColor = color.NRGBA{fill.R, fill.G, fill.B, fill.A}
		h.LineStyle.Color = s.col
		h.LineStyle.Width = vg.Points(1)
		p.Add(h)
		p.Legend.Add(fmt.Sprintf("%s (n=%d)", s.name, n), h)
	}
	p.Legend.Left, p.Legend.Top = true, true
	return single(p, 6*vg.Inch, 4*vg.Inch)
}

// shareHistogram bins values over [0, 1] (outside values in the end bins,
// NaN left out) with each bin's weight its share of the values.
func shareHistogram(values []float64, bins int) (*plotter.Histogram, int) {
	weights := make([]float64, bins)
	n := 0
	for _, v := range values {
		if math.IsNaN(v) {
			continue
		}
		weights[min(max(int(v*float64(bins)), 0), bins-1)]++
		n++
	}
	nb := float64(bins)
	h := &plotter.Histogram{Width: 1 / nb}
	for b, w := range weights {
		if n > 0 {
			w /= float64(n)
		}
		h.Bins = append(h.Bins, plotter.HistogramBin{Min: float64(b) / nb, Max: float64(b+1) / nb, Weight: w})
	}
	return h, n
}

// ReliabilityFigure draws a reliability diagram from calibration bins:
// above, each bin's accuracy as a bar against the diagonal of perfect
// calibration, with the mean confidence marked; below, how many samples
// each bin holds. The title gives the expected calibration error.
func ReliabilityFigure(title string, bins []curve.Bin, ece float64) Figure {
	top := unitPlot(fmt.Sprintf("%s (ECE %s, %d bins)", clean(title), fixed3(ece), len(bins)), "confidence", "accuracy", true)
	bottom := plot.New()
	bottom.X.Label.Text, bottom.Y.Label.Text = "confidence", "samples"
	bottom.X.Min, bottom.X.Max = 0, 1
	bottom.Add(plotter.NewGrid())
	var conf plotter.XYs
	for _, b := range bins {
		if b.Count == 0 {
			continue
		}
		bar, _ := plotter.NewPolygon(plotter.XYs{{X: b.Lo, Y: 0}, {X: b.Hi, Y: 0}, {X: b.Hi, Y: b.Accuracy}, {X: b.Lo, Y: b.Accuracy}})
		bar.Color = color.NRGBA{colors[0].R, colors[0].G, colors[0].B, 0xa0}
		bar.LineStyle.Color = colors[0]
		top.Add(bar)
		conf = append(conf, plotter.XY{X: b.Confidence, Y: b.Confidence})
		count, _ := plotter.NewPolygon(plotter.XYs{{X: b.Lo, Y: 0}, {X: b.Hi, Y: 0}, {X: b.Hi, Y: float64(b.Count)}, {X: b.Lo, Y: float64(b.Count)}})
		count.Color = color.Gray{0xaa}
		count.LineStyle.Color = color.Gray{0x66}
		bottom.Add(count)
	}
	if len(conf) > 0 {
		if s, err := plotter.NewScatter(conf); err == nil {
			s.Color = colors[3]
			s.Shape = draw.CrossGlyph{}
			s.Radius = vg.Points(4)
			top.Add(s)
			top.Legend.Add("mean confidence", s)
		}
	}
	top.Legend.Left, top.Legend.Top = true, true
	bottom.Y.Min = 0
	return Figure{Plots: [][]*plot.Plot{{top}, {bottom}}, Width: 6 * vg.Inch, Height: 7 * vg.Inch}
}
