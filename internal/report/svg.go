package report

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// The charts are inline SVG drawn here: no script, no external asset, legible printed
// and offline. Every mark carries a <title> (a tooltip on hover) and every chart has a
// table of its numbers beside it, so nothing is only in a picture.

// series is one coloured part of a chart.
type series struct {
	Name  string
	Color string
}

// bar is one row of a horizontal bar chart: a value per series, stacked.
type bar struct {
	Label  string
	Values []float64
	Note   string // written after the bar; empty = the total
}

func (b bar) total() float64 {
	var t float64
	for _, v := range b.Values {
		t += v
	}
	return t
}

// barChart is a horizontal, optionally stacked bar chart.
type barChart struct {
	ID     string // unique on the page; names the chart's title element
	Title  string // for screen readers
	Unit   string // what the values count, for the axis
	Wide   bool   // drawn across the page rather than in a column
	Series []series
	Bars   []bar
}

// marks counts the bars drawn with a value above zero.
func (c barChart) marks() int {
	n := 0
	for _, b := range c.Bars {
		for _, v := range b.Values {
			if v > 0 {
				n++
			}
		}
	}
	return n
}

// The charts are drawn at the width they are shown at on a desktop screen, so that their
// text has the page's sizes; a narrower screen scales them down to a minimum width and
// then scrolls the figure sideways.
const (
	columnWidth = 520.0  // a chart in one of the page's two columns
	wideWidth   = 1080.0 // a chart across the page
	charPx      = 7.5    // average width of a character of the 13 px labels (a little more, to be safe)
)

// SVG draws the chart.
func (c barChart) SVG() template.HTML {
	var hi float64
	labelChars, noteChars := 0, 0
	for _, b := range c.Bars {
		hi = math.Max(hi, b.total())
		labelChars = max(labelChars, len([]rune(b.Label)))
		noteChars = max(noteChars, len([]rune(c.note(b))))
	}
	step, top := ticks(hi)
	width := columnWidth
	if c.Wide {
		width = wideWidth
	}
	const rowH, barH, padTop, axisH = 28.0, 18.0, 6.0, 44.0
	x0 := math.Min(math.Max(float64(labelChars)*charPx+16, 60), 240)
	x1 := width - math.Max(float64(noteChars)*charPx+12, 40)
	h := padTop + rowH*float64(len(c.Bars)) + axisH
	scale := func(v float64) float64 { return (x1 - x0) * v / top }

	var s strings.Builder
	class := "chart"
	if c.Wide {
		class = "chart wide"
	}
	fmt.Fprintf(&s, `<svg width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="%s-t" data-marks="%d" class="%s">`,
		width, h, width, h, c.ID, c.marks(), class)
	fmt.Fprintf(&s, `<title id="%s-t">%s</title>`, c.ID, esc(c.Title))
	// grid and axis
	for v := 0.0; v <= top+step/2; v += step {
		x := x0 + scale(v)
		fmt.Fprintf(&s, `<line class="grid" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, x, padTop, x, h-axisH+4)
		fmt.Fprintf(&s, `<text class="tick" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x, h-axisH+18, num(v))
	}
	if c.Unit != "" {
		fmt.Fprintf(&s, `<text class="unit" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, (x0+x1)/2, h-6, esc(c.Unit))
	}
	for i, b := range c.Bars {
		y := padTop + rowH*float64(i)
		fmt.Fprintf(&s, `<text class="label" x="%.1f" y="%.1f" text-anchor="end">%s</text>`, x0-8, y+rowH/2+4.5, esc(b.Label))
		x := x0
		for j, v := range b.Values {
			if v <= 0 {
				continue
			}
			w := math.Max(scale(v), 1.5)
			name := ""
			if j < len(c.Series) {
				name = c.Series[j].Name + ": "
			}
			fmt.Fprintf(&s, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s — %s%s</title></rect>`,
				x, y+(rowH-barH)/2, w, barH, c.color(j), esc(b.Label), esc(name), num(v))
			x += w
		}
		fmt.Fprintf(&s, `<text class="value" x="%.1f" y="%.1f">%s</text>`, x+6, y+rowH/2+4.5, esc(c.note(b)))
	}
	fmt.Fprintf(&s, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, x0, padTop, x0, h-axisH+4)
	s.WriteString(`</svg>`)
	return template.HTML(s.String())
}

func (c barChart) note(b bar) string {
	if b.Note != "" {
		return b.Note
	}
	return num(b.total())
}

func (c barChart) color(i int) string {
	if i < len(c.Series) && c.Series[i].Color != "" {
		return c.Series[i].Color
	}
	return "#0072B2"
}

// lineChart is a line per series over a sequence of points (runs).
type lineChart struct {
	ID     string
	Title  string
	X      []string    // the points' labels (business dates)
	Series []series    //
	Y      [][]float64 // per series, a value per point
}

func (c lineChart) marks() int {
	n := 0
	for _, ys := range c.Y {
		n += len(ys)
	}
	return n
}

// SVG draws the chart.
func (c lineChart) SVG() template.HTML {
	var hi float64
	for _, ys := range c.Y {
		for _, v := range ys {
			hi = math.Max(hi, v)
		}
	}
	step, top := ticks(hi)
	const h, left, right, padTop, bottom = 280.0, 52.0, 40.0, 12.0, 40.0
	width := columnWidth
	x0, x1, y0, y1 := left, width-right, h-bottom, padTop
	n := len(c.X)
	xAt := func(i int) float64 {
		if n <= 1 {
			return (x0 + x1) / 2
		}
		return x0 + (x1-x0)*float64(i)/float64(n-1)
	}
	yAt := func(v float64) float64 { return y0 - (y0-y1)*v/top }

	var s strings.Builder
	fmt.Fprintf(&s, `<svg width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="%s-t" data-marks="%d" class="chart">`,
		width, h, width, h, c.ID, c.marks())
	fmt.Fprintf(&s, `<title id="%s-t">%s</title>`, c.ID, esc(c.Title))
	for v := 0.0; v <= top+step/2; v += step {
		y := yAt(v)
		fmt.Fprintf(&s, `<line class="grid" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, x0, y, x1, y)
		fmt.Fprintf(&s, `<text class="tick" x="%.1f" y="%.1f" text-anchor="end">%s</text>`, x0-8, y+4, num(v))
	}
	// at most 8 date labels, the last always
	every := int(math.Ceil(float64(n) / 8))
	for i, lbl := range c.X {
		if i%every != 0 && i != n-1 {
			continue
		}
		if i != n-1 && n-1-i < every {
			continue
		}
		fmt.Fprintf(&s, `<text class="tick" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, xAt(i), y0+20, esc(lbl))
	}
	fmt.Fprintf(&s, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, x0, y0, x1, y0)
	for j, ys := range c.Y {
		color := "#0072B2"
		name := ""
		if j < len(c.Series) {
			color, name = c.Series[j].Color, c.Series[j].Name
		}
		if len(ys) > 1 {
			var pts []string
			for i, v := range ys {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", xAt(i), yAt(v)))
			}
			fmt.Fprintf(&s, `<polyline class="line" points="%s" stroke="%s"/>`, strings.Join(pts, " "), color)
		}
		for i, v := range ys {
			fmt.Fprintf(&s, `<circle class="point" cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s — %s: %s</title></circle>`,
				xAt(i), yAt(v), color, esc(c.X[i]), esc(name), num(v))
		}
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String())
}

// ticks returns a round step for about four gridlines up to max, and the axis' end.
func ticks(hi float64) (step, top float64) {
	if hi <= 0 {
		return 1, 4
	}
	raw := hi / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if step = m * mag; step >= raw {
			break
		}
	}
	if step < 1 {
		step = 1
	}
	top = math.Ceil(hi/step) * step
	return step, top
}

func esc(s string) string { return html.EscapeString(s) }

// num writes a number the Norwegian way: a narrow no-break space between thousands.
func num(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	if v != math.Trunc(v) {
		s = fmt.Sprintf("%.1f", v)
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(r)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}
