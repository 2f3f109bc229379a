package report

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The charts' palette, from the web UI's stylesheet.
const (
	colourMet      = "#1a7f37" // --ok
	colourBreached = "#b42318" // --bad
	colourInk      = "#1b1f24" // --ink
	colourMuted    = "#5b6570" // --muted
	colourGrid     = "#d8dee4" // --line
)

// trendStyle is a class's line in the trend chart, by its place in the
// report: colour and dash pattern (so the lines differ without colour too).
var trendStyles = []struct{ colour, dash string }{
	{"#245fa8", ""},    // first class: blue (--met), solid
	{"#1a7f37", "7 4"}, // second: green, dashed
	{"#8a5a00", "2 3"}, // third: amber (--warn), dotted
	{"#5b6570", "9 3 2 3"},
}

// svgDoc collects an SVG document.
type svgDoc struct{ b strings.Builder }

func (d *svgDoc) f(format string, a ...any) { fmt.Fprintf(&d.b, format, a...) }

// esc escapes text for SVG content and attribute values.
func esc(s string) string { return html.EscapeString(s) }

// num formats a coordinate with one decimal, without a trailing ".0".
func num(x float64) string {
	s := strconv.FormatFloat(math.Round(x*10)/10, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}

// open starts a standalone SVG with a fixed viewBox that scales to the
// width of its container, an accessible name and a <title>.
func (d *svgDoc) open(w, h int, label string) {
	d.f(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" preserveAspectRatio="xMidYMid meet" role="img" aria-label="%s" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12" fill="%s">`,
		w, h, esc(label), colourInk)
	d.f("<title>%s</title>", esc(label))
}

func (d *svgDoc) text(x, y float64, anchor, extra, s string) {
	d.f(`<text x="%s" y="%s" text-anchor="%s"%s>%s</text>`, num(x), num(y), anchor, extra, esc(s))
}

func (d *svgDoc) close() string {
	d.b.WriteString("</svg>\n")
	return d.b.String()
}

// textWidth estimates the width of s at font-size 12 (about 6.6 units a
// character in a sans-serif face), for laying out legends.
func textWidth(s string) float64 { return 6.6 * float64(utf8.RuneCountInString(s)) }

// clip cuts s to at most n runes, ending in "…" when cut; the full text is
// in the element's <title> or data attribute.
func clip(s string, n int) string {
	if n < 2 {
		n = 2
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// periodLabel is "Oct 26, 2026 – Dec 6, 2026" for [from, to): the last day
// shown is the one holding the last instant before to.
func periodLabel(from, to time.Time) string {
	last := to.Add(-time.Nanosecond)
	if !to.After(from) {
		last = to
	}
	return from.Format("Jan 2, 2006") + " – " + last.Format("Jan 2, 2006")
}

// niceScale is an axis maximum ≥ max and its tick step, a 1, 2 or 5 times a
// power of ten, with about four ticks.
func niceScale(max int) (top, step int) {
	if max <= 0 {
		return 1, 1
	}
	raw := float64(max) / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = int(mag)
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = int(m * mag)
			break
		}
	}
	if step < 1 {
		step = 1
	}
	top = (max + step - 1) / step * step
	return top, step
}

// BarsSVG is a grouped bar chart of the compliance report: per class, a
// green bar for the first responses met and a red one for those breached
// (late or open overdue), with the counts on the bars and the percentage
// met under each class, a count axis, axis labels and a legend. It is a
// standalone SVG document (no script, no external resources) with a fixed
// viewBox that scales to its container's width; every text is escaped and
// the output is the same for the same report.
//
// Each bar is a <rect class="bar met"> or <rect class="bar breached"> with
// data-class naming its class and a <title> tooltip.
func BarsSVG(c *Compliance) string {
	const (
		W, H           = 640, 360
		left, right    = 60.0, 16.0
		top, baseline  = 56.0, 270.0
		plotW          = W - left - right
		plotH          = baseline - top
		legendY        = 338.0
		maxBarW, gapIn = 56.0, 6.0
	)
	title := "First responses met and breached by class, tickets received " + periodLabel(c.From, c.To)
	var d svgDoc
	d.open(W, H, title)
	d.text(W/2, 22, "middle", ` font-size="15" font-weight="600"`, "First responses met and breached by class")
	d.text(W/2, 40, "middle", ` fill="`+colourMuted+`"`, "Tickets received "+periodLabel(c.From, c.To))

	maxCount := 0
	for _, s := range c.Classes {
		maxCount = max(maxCount, s.Met, s.Breached)
	}
	axisTop, step := niceScale(maxCount)
	y := func(v int) float64 { return baseline - float64(v)/float64(axisTop)*plotH }

	// Grid and count axis.
	d.f(`<g class="axis y" font-size="11" fill="%s">`, colourMuted)
	for v := 0; v <= axisTop; v += step {
		d.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(left), num(y(v)), num(W-right), num(y(v)), colourGrid)
		d.text(left-6, y(v)+4, "end", "", strconv.Itoa(v))
	}
	d.f(`</g>`)
	d.f(`<text x="16" y="%s" text-anchor="middle" transform="rotate(-90 16 %s)">Tickets</text>`, num((top+baseline)/2), num((top+baseline)/2))
	d.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(left), num(baseline), num(W-right), num(baseline), colourInk)

	n := max(len(c.Classes), 1)
	groupW := plotW / float64(n)
	barW := math.Min(maxBarW, (groupW-3*gapIn)/2)
	d.f(`<g class="bars">`)
	for i, s := range c.Classes {
		cx := left + groupW*(float64(i)+0.5)
		for j, bar := range []struct {
			kind, colour, words string
			v                   int
		}{
			{"met", colourMet, "met", s.Met},
			{"breached", colourBreached, "breached", s.Breached},
		} {
			x := cx - gapIn/2 - barW + float64(j)*(barW+gapIn)
			h := baseline - y(bar.v)
			d.f(`<rect class="bar %s" data-class="%s" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`,
				bar.kind, esc(s.Class), num(x), num(y(bar.v)), num(barW), num(h), bar.colour,
				esc(fmt.Sprintf("%s: %d %s", s.Class, bar.v, bar.words)))
			d.text(x+barW/2, y(bar.v)-4, "middle", ` font-size="11"`, strconv.Itoa(bar.v))
		}
		d.text(cx, baseline+18, "middle", ` class="class-label" font-weight="600"`, clip(s.Class, int(groupW/7.5)))
		pct := "no decided tickets"
		if p, ok := s.PercentMet(); ok {
			pct = strconv.FormatFloat(p, 'f', 1, 64) + "% met"
		}
		d.text(cx, baseline+34, "middle", ` fill="`+colourMuted+`"`, pct)
	}
	d.f(`</g>`)
	d.text(left+plotW/2, baseline+52, "middle", ` fill="`+colourMuted+`"`, "Class")

	// Legend, centred.
	items := []struct{ colour, label string }{
		{colourMet, "Met (answered by the deadline)"},
		{colourBreached, "Breached (late or open overdue)"},
	}
	width := 0.0
	for i, it := range items {
		width += 18 + textWidth(it.label)
		if i > 0 {
			width += 24
		}
	}
	d.f(`<g class="legend">`)
	lx := (W - width) / 2
	for _, it := range items {
		d.f(`<rect x="%s" y="%s" width="12" height="12" fill="%s"/>`, num(lx), num(legendY-10), it.colour)
		d.text(lx+18, legendY, "start", "", it.label)
		lx += 18 + textWidth(it.label) + 24
	}
	d.f(`</g>`)
	return d.close()
}

// TrendSVG is a line chart of the weekly percentage met (met / (met +
// breached)) per class, weeks starting Monday, on a 0–100 % axis with grid
// lines, axis labels and a legend. A week where a class had no decided
// ticket has no point, and the class's line breaks there. Each point is a
// <circle class="point" data-class=…> with a <title> tooltip. Like BarsSVG
// it is standalone, scales to its container and is deterministic.
func TrendSVG(c *Compliance) string {
	const (
		W, H          = 640, 340
		left, right   = 60.0, 20.0
		top, baseline = 56.0, 250.0
		plotW         = W - left - right
		plotH         = baseline - top
		legendY       = 322.0
	)
	title := "Weekly percentage of first responses met, by class, tickets received " + periodLabel(c.From, c.To)
	var d svgDoc
	d.open(W, H, title)
	d.text(W/2, 22, "middle", ` font-size="15" font-weight="600"`, "Weekly percentage of first responses met")
	d.text(W/2, 40, "middle", ` fill="`+colourMuted+`"`, "Tickets received "+periodLabel(c.From, c.To)+", by the week they arrived")

	y := func(p float64) float64 { return baseline - p/100*plotH }
	d.f(`<g class="axis y" font-size="11" fill="%s">`, colourMuted)
	for p := 0; p <= 100; p += 20 {
		d.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(left), num(y(float64(p))), num(W-right), num(y(float64(p))), colourGrid)
		d.text(left-6, y(float64(p))+4, "end", "", strconv.Itoa(p)+"%")
	}
	d.f(`</g>`)
	d.f(`<text x="16" y="%s" text-anchor="middle" transform="rotate(-90 16 %s)">Percent met</text>`, num((top+baseline)/2), num((top+baseline)/2))
	d.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(left), num(baseline), num(W-right), num(baseline), colourInk)

	n := len(c.Weeks)
	if n == 0 {
		d.text(left+plotW/2, (top+baseline)/2, "middle", ` fill="`+colourMuted+`"`, "No weeks in this period")
	}
	colW := plotW / float64(max(n, 1))
	x := func(i int) float64 { return left + colW*(float64(i)+0.5) }
	every := (n + 11) / 12 // at most 12 week labels
	d.f(`<g class="axis x" font-size="11" fill="%s">`, colourMuted)
	for i, wk := range c.Weeks {
		if i%max(every, 1) != 0 {
			continue
		}
		d.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(x(i)), num(baseline), num(x(i)), num(baseline+4), colourInk)
		d.text(x(i), baseline+17, "middle", "", wk.Start.Format("Jan 2"))
	}
	d.f(`</g>`)
	d.text(left+plotW/2, baseline+36, "middle", ` fill="`+colourMuted+`"`, "Week starting (Monday)")

	classes := make([]string, 0, len(c.Classes))
	for _, s := range c.Classes {
		classes = append(classes, s.Class)
	}
	for ci, class := range classes {
		st := trendStyles[min(ci, len(trendStyles)-1)]
		dash := ""
		if st.dash != "" {
			dash = ` stroke-dasharray="` + st.dash + `"`
		}
		d.f(`<g class="series" data-class="%s">`, esc(class))
		// The line, broken where a week has no value.
		var seg []string
		flush := func() {
			if len(seg) > 1 {
				d.f(`<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`, strings.Join(seg, " "), st.colour, dash)
			}
			seg = seg[:0]
		}
		for i, wk := range c.Weeks {
			if ci >= len(wk.Classes) {
				flush()
				continue
			}
			p, ok := wk.Classes[ci].PercentMet()
			if !ok {
				flush()
				continue
			}
			seg = append(seg, num(x(i))+","+num(y(p)))
		}
		flush()
		for i, wk := range c.Weeks {
			if ci >= len(wk.Classes) {
				continue
			}
			s := wk.Classes[ci]
			p, ok := s.PercentMet()
			if !ok {
				continue
			}
			d.f(`<circle class="point" data-class="%s" cx="%s" cy="%s" r="3.5" fill="%s"><title>%s</title></circle>`,
				esc(class), num(x(i)), num(y(p)), st.colour,
				esc(fmt.Sprintf("%s, week of %s: %s%% met (%d of %d)", class, wk.Start.Format("Jan 2, 2006"),
					strconv.FormatFloat(p, 'f', 1, 64), s.Met, s.Met+s.Breached)))
		}
		d.f(`</g>`)
	}

	// Legend.
	d.f(`<g class="legend">`)
	lx := left
	for ci, class := range classes {
		st := trendStyles[min(ci, len(trendStyles)-1)]
		dash := ""
		if st.dash != "" {
			dash = ` stroke-dasharray="` + st.dash + `"`
		}
		d.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2"%s/>`, num(lx), num(legendY-4), num(lx+24), num(legendY-4), st.colour, dash)
		label := clip(class, 24)
		d.text(lx+30, legendY, "start", "", label)
		lx += 30 + textWidth(label) + 24
	}
	d.f(`</g>`)
	return d.close()
}
