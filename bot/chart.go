package bot

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/feedbackbot/feedbackbot"
)

var (
	colNegative = color.RGBA{R: 207, G: 34, B: 46, A: 255}
	colVolume   = color.RGBA{R: 84, G: 110, B: 122, A: 255}
	colTheme    = color.RGBA{R: 31, G: 111, B: 235, A: 255}
)

// DigestChart draws the digest as a PNG: the daily sentiment index, daily customer
// volume (negative messages highlighted), and the top themes as bars.
func DigestChart(d feedbackbot.Digest) ([]byte, error) {
	labels := make([]string, len(d.Series))
	step := max(1, len(d.Series)/10)
	for i, p := range d.Series {
		if i%step == 0 {
			labels[i] = p.Start.Format("Jan 2")
		}
	}

	sent := plot.New()
	sent.Title.Text = "Customer sentiment index per day (−1 … +1)"
	sent.Y.Min, sent.Y.Max = -1, 1
	sent.Add(plotter.NewGrid())
	zero, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: 0}, {X: float64(len(d.Series)) - 0.5, Y: 0}})
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	zero.Color = color.Gray{Y: 120}
	zero.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
	sent.Add(zero)
	var pts plotter.XYs
	for i, p := range d.Series {
		if p.Index != nil {
			pts = append(pts, plotter.XY{X: float64(i), Y: *p.Index})
		}
	}
	if len(pts) > 0 {
		line, scatter, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		line.Color, line.Width = colTheme, vg.Points(2)
		scatter.Color = colTheme
		sent.Add(line, scatter)
		sent.Legend.Add("daily", line)
	}
	var trend plotter.XYs
	for i, p := range d.Series {
		if p.Trend != nil {
			trend = append(trend, plotter.XY{X: float64(i), Y: *p.Trend})
		}
	}
	if len(trend) > 1 {
		tl, err := plotter.NewLine(trend)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		tl.Color, tl.Width, tl.Dashes = colNegative, vg.Points(1.5), []vg.Length{vg.Points(5), vg.Points(3)}
		sent.Add(tl)
		sent.Legend.Add("trend (EMA)", tl)
		sent.Legend.Top = true
	}
	if len(labels) > 0 {
		sent.NominalX(labels...)
	}

	vol := plot.New()
	vol.Title.Text = "Customer messages per day (red: negative)"
	vol.Add(plotter.NewGrid())
	all, neg := make(plotter.Values, len(d.Series)), make(plotter.Values, len(d.Series))
	for i, p := range d.Series {
		all[i], neg[i] = float64(p.Customer), float64(p.Negative)
	}
	if len(all) > 0 {
		w := vg.Points(math.Max(4, 360/float64(len(all))))
		bAll, err := plotter.NewBarChart(all, w)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		bAll.Color, bAll.LineStyle.Width = colVolume, 0
		bNeg, err := plotter.NewBarChart(neg, w)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		bNeg.Color, bNeg.LineStyle.Width = colNegative, 0
		vol.Add(bAll, bNeg)
	}
	vol.Y.Min = 0
	if len(labels) > 0 {
		vol.NominalX(labels...)
		// The same day columns as the sentiment chart above, with room for the first bar.
		vol.X.Min, vol.X.Max = -0.5, float64(len(labels))-0.5
	}
	if top := floats.Max(append([]float64{1}, all...)); top > 0 {
		vol.Y.Max = math.Ceil(top * 1.1)
	}

	th := plot.New()
	th.Title.Text = "Top themes (customer messages)"
	var tv plotter.Values
	var tl []string
	for i, t := range d.Themes {
		if i == TopThemes || t.Count == 0 {
			break
		}
		tv = append(tv, float64(t.Count))
		tl = append(tl, themeLabel(t.Name))
	}
	if len(tv) > 0 {
		bars, err := plotter.NewBarChart(tv, vg.Points(24))
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		bars.Color, bars.LineStyle.Width = colTheme, 0
		th.Add(bars)
		th.NominalX(tl...)
		th.X.Min, th.X.Max = -0.5, float64(len(tv))-0.5
		th.Y.Max = math.Ceil(floats.Max(tv) * 1.1)
	} else {
		th.HideAxes()
		th.Title.Text = "Top themes: none in this period"
	}
	th.Y.Min = 0

	const w, h = 10 * vg.Inch, 10 * vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 3, Cols: 1, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 6,
		PadTop: vg.Millimeter * 4, PadBottom: vg.Millimeter * 4, PadLeft: vg.Millimeter * 4, PadRight: vg.Millimeter * 6}
	plots := [][]*plot.Plot{{sent}, {vol}, {th}}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}
