package clock

import "time"

// Explanation shows how a due instant was reached, for `--explain` output.
type Explanation struct {
	// Start is the receipt instant and Due the deadline, both in the
	// calendar's zone.
	Start, Due time.Time
	// Segments are the open periods consumed between Start and Due, in
	// order: the first begins at Start or at the next opening, the last ends
	// at Due, and their lengths add up to the target exactly.
	Segments []Interval
	// Skipped are the closed dates (weekends included) from Start's date to
	// Due's date, in order.
	Skipped []ClosedDay
}

// Explain computes Due(start, target) and shows the open segments it
// consumed and the closed days it skipped. A target ≤ 0 consumes nothing and
// skips nothing.
func (c *Calendar) Explain(start time.Time, target time.Duration) Explanation {
	ex := Explanation{Start: start.In(c.loc), Due: c.Due(start, target)}
	if target <= 0 {
		return ex
	}
	// The segments come from the same open intervals as Due's table, so they
	// end at Due; a test holds the two to that.
	it := c.openFrom(start)
	for left := target; left > 0; {
		iv := it.next()
		o, e := iv.Start, iv.End
		if o.Before(start) {
			o = start
		}
		if !e.After(o) {
			continue
		}
		if e.Sub(o) > left {
			e = o.Add(left)
		}
		left -= e.Sub(o)
		ex.Segments = append(ex.Segments, Interval{Start: o.In(c.loc), End: e.In(c.loc)})
	}
	w := walker{c: c}
	for n, last := localDay(start, c.loc), localDay(ex.Due, c.loc); n <= last; n++ {
		if kind, name, closed := w.closed(n); closed {
			ex.Skipped = append(ex.Skipped, c.closedDay(n, kind, name))
		}
	}
	return ex
}
