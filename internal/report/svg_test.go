package report_test

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/report"
)

// svgElement is an element met while walking an SVG document.
type svgElement struct {
	name  string
	attrs map[string]string
	text  string // character data directly inside it
	all   string // character data anywhere inside it (a <title> child's)
}

// walkSVG decodes doc with encoding/xml, failing on any error, and returns
// its elements in document order and the root's attributes.
func walkSVG(t *testing.T, doc string) []*svgElement {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(doc))
	dec.Strict = true
	var (
		els   []*svgElement
		stack []*svgElement
	)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			e := &svgElement{name: tk.Name.Local, attrs: map[string]string{}}
			if len(els) == 0 && tk.Name.Space != "http://www.w3.org/2000/svg" {
				t.Errorf("root namespace %q", tk.Name.Space)
			}
			for _, a := range tk.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			els = append(els, e)
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tk)
			}
			for _, e := range stack {
				e.all += string(tk)
			}
		}
	}
	if len(stack) != 0 || len(els) == 0 || els[0].name != "svg" {
		t.Fatalf("unbalanced or not an svg document")
	}
	return els
}

// chartReport is a report with known numbers and a hostile class name.
func chartReport(t *testing.T) *report.Compliance {
	t.Helper()
	var rows []report.ResponseRow
	add := func(class string, received, due, answered time.Time, open bool) {
		rows = append(rows, report.ResponseRow{Class: class, ReceivedAt: received, DueAt: due, FirstResponseAt: answered, Open: open})
	}
	mon := et(2026, 11, 2, 9, 0)
	for i := 0; i < 3; i++ { // availability: 3 met, 1 late in week 1; 1 met in week 3
		add("availability", mon, mon.Add(3*h), mon.Add(h), false)
	}
	add("availability", mon, mon.Add(3*h), mon.Add(4*h), false)
	add("availability", mon.AddDate(0, 0, 14), mon.AddDate(0, 0, 14).Add(3*h), mon.AddDate(0, 0, 14).Add(h), false)
	add("provisioning", mon, mon.AddDate(0, 0, 2), time.Time{}, true) // open overdue at the end
	add(`<script>alert("x")</script> & co`, mon, mon.Add(h), mon.Add(30*m), false)
	c, err := report.BuildCompliance(context.Background(), &fakeSource{rows: rows}, testPolicy(t), et(2026, 11, 2, 0, 0), et(2026, 11, 23, 0, 0), et(2026, 11, 23, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBarsSVG(t *testing.T) {
	c := chartReport(t)
	doc := report.BarsSVG(c)
	if doc != report.BarsSVG(c) {
		t.Error("output is not deterministic")
	}
	els := walkSVG(t, doc)
	root := els[0]
	if root.attrs["viewBox"] != "0 0 640 360" || root.attrs["width"] != "100%" || root.attrs["role"] != "img" ||
		!strings.Contains(root.attrs["aria-label"], "met and breached by class") {
		t.Errorf("root %v", root.attrs)
	}
	if els[1].name != "title" || !strings.Contains(els[1].text, "Nov 2, 2026 – Nov 22, 2026") {
		t.Errorf("first child %s %q, want the <title>", els[1].name, els[1].text)
	}
	hostile := `<script>alert("x")</script> & co`
	bars := map[string]map[string]int{} // class → kind → count
	heights := map[string]string{}
	var texts, titles []string
	for _, e := range els {
		switch e.name {
		case "script", "foreignObject", "image", "use":
			t.Errorf("unexpected <%s> element", e.name)
		case "text":
			texts = append(texts, e.text)
		case "rect":
			if cls := e.attrs["class"]; strings.HasPrefix(cls, "bar ") {
				kind := strings.TrimPrefix(cls, "bar ")
				if bars[e.attrs["data-class"]] == nil {
					bars[e.attrs["data-class"]] = map[string]int{}
				}
				bars[e.attrs["data-class"]][kind]++
				heights[e.attrs["data-class"]+" "+kind] = e.attrs["height"]
				titles = append(titles, e.all)
			}
		}
	}
	// One met bar and one breached bar per class, the hostile one included
	// (its name arrives intact after unescaping, so it was escaped).
	for _, class := range []string{"availability", "provisioning", "other", hostile} {
		if bars[class]["met"] != 1 || bars[class]["breached"] != 1 {
			t.Errorf("class %q: bars %v, want one met and one breached", class, bars[class])
		}
	}
	if len(bars) != 4 {
		t.Errorf("bars for %d classes: %v", len(bars), bars)
	}
	// Counts: availability 4 met, 1 breached; the axis tops out at 4, so
	// the met bar is the full plot height (214) and the breached a quarter.
	if heights["availability met"] != "214" || heights["availability breached"] != "53.5" || heights["other met"] != "0" {
		t.Errorf("bar heights %v", heights)
	}
	all := strings.Join(texts, "|")
	for _, want := range []string{"Tickets", "Class", "80.0% met", "0.0% met", "no decided tickets", `<script>alert("x"…`, "Met (answered by the deadline)", "Breached (late or open overdue)"} {
		if !strings.Contains(all, want) {
			t.Errorf("no text %q in %q", want, all)
		}
	}
	if tt := strings.Join(titles, "|"); !strings.Contains(tt, "availability: 4 met") || !strings.Contains(tt, hostile+": 1 met") {
		t.Errorf("bar tooltips %q", tt)
	}
	if strings.Contains(doc, "<script>") || !strings.Contains(doc, "&lt;script&gt;") {
		t.Error("class name not escaped")
	}
	if dir := os.Getenv("SLATRACK_WRITE_SVG"); dir != "" { // for eyeballing
		_ = os.WriteFile(filepath.Join(dir, "bars.svg"), []byte(doc), 0o644)
	}
}

func TestTrendSVG(t *testing.T) {
	c := chartReport(t)
	doc := report.TrendSVG(c)
	if doc != report.TrendSVG(c) {
		t.Error("output is not deterministic")
	}
	els := walkSVG(t, doc)
	if els[0].attrs["viewBox"] != "0 0 640 340" || els[1].name != "title" {
		t.Errorf("root %v, first child %s", els[0].attrs, els[1].name)
	}
	points := map[string][]string{}
	lines := map[string]int{}
	var texts []string
	for _, e := range els {
		switch e.name {
		case "circle":
			points[e.attrs["data-class"]] = append(points[e.attrs["data-class"]], e.all)
		case "polyline":
			lines[e.attrs["stroke"]]++
		case "text":
			texts = append(texts, e.text)
		}
	}
	// Weeks 11-02, 11-09, 11-16: availability has a value in weeks 1 (3/4 =
	// 75%) and 3 (100%) but not 2, so its line breaks: two points, no
	// polyline segment of two or more points.
	if got := points["availability"]; len(got) != 2 || !strings.Contains(got[0], "week of Nov 2, 2026: 75.0% met (3 of 4)") ||
		!strings.Contains(got[1], "week of Nov 16, 2026: 100.0% met (1 of 1)") {
		t.Errorf("availability points %q", got)
	}
	if len(lines) != 0 {
		t.Errorf("polylines %v: no class has two consecutive weeks", lines)
	}
	if got := points["provisioning"]; len(got) != 1 || !strings.Contains(got[0], "0.0% met (0 of 1)") {
		t.Errorf("provisioning points %q", got)
	}
	all := strings.Join(texts, "|")
	for _, want := range []string{"Percent met", "Week starting (Monday)", "Nov 2", "Nov 9", "Nov 16", "0%", "100%", `<script>alert("x")</script> & co`[:23] + "…"} {
		if !strings.Contains(all, want) {
			t.Errorf("no text %q in %q", want, all)
		}
	}
	if dir := os.Getenv("SLATRACK_WRITE_SVG"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "trend.svg"), []byte(doc), 0o644)
	}
}

func TestTrendSVG_ConnectedLineAndEmpty(t *testing.T) {
	var rows []report.ResponseRow
	for w := 0; w < 4; w++ {
		rec := et(2026, 11, 2, 9, 0).AddDate(0, 0, 7*w)
		rows = append(rows, report.ResponseRow{Class: "availability", ReceivedAt: rec, DueAt: rec.Add(3 * h), FirstResponseAt: rec.Add(h)})
	}
	c, err := report.BuildCompliance(context.Background(), &fakeSource{rows: rows}, testPolicy(t), et(2026, 11, 2, 0, 0), et(2026, 11, 30, 0, 0), et(2026, 12, 1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	els := walkSVG(t, report.TrendSVG(c))
	n := 0
	for _, e := range els {
		if e.name == "polyline" {
			n++
			if strings.Count(e.attrs["points"], ",") != 4 {
				t.Errorf("points %q, want 4", e.attrs["points"])
			}
		}
	}
	if n != 1 {
		t.Errorf("%d polylines, want 1", n)
	}
	empty, err := report.BuildCompliance(context.Background(), &fakeSource{}, testPolicy(t), et(2026, 11, 2, 0, 0), et(2026, 11, 2, 0, 0), et(2026, 12, 1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	walkSVG(t, report.TrendSVG(empty))
	walkSVG(t, report.BarsSVG(empty))
}
