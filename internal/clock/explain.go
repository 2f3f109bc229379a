package clock

import "time"

// Explanation shows how a due instant was reached, for `--explain` output.
type Explanation struct {
	// Start is the receipt instant and Due the deadline, both in the
	// calendar's zone.
	Start, Due time.Time
	// Segments are the open periods consumed between Start and Due, in
	// order; their lengths add up to the target.
	Segments []Interval
	// Skipped are the closed dates (weekends included) from Start's date to
	// Due's date, in order.
	Skipped []ClosedDay
}

// Explain computes Due(start, target) and shows the open segments it
// consumed and the closed days it skipped. A target ≤ 0 consumes nothing and
// skips nothing.
func (c *Calendar) Explain(start time.Time, target time.Duration) Explanation {
	due := c.Due(start, target)
	ex := Explanation{Start: start.In(c.loc), Due: due}
	if target <= 0 {
		return ex
	}
	w := walker{c: c}
	for n, last := localDay(start, c.loc), localDay(due, c.loc); n <= last; n++ {
		if kind, name, closed := w.closed(n); closed {
			ex.Skipped = append(ex.Skipped, c.closedDay(n, kind, name))
			continue
		}
		o, e, ok := w.window(n)
		if !ok {
			continue
		}
		if o.Before(start) {
			o = start
		}
		if e.After(due) {
			e = due
		}
		if e.After(o) {
			ex.Segments = append(ex.Segments, Interval{Start: o.In(c.loc), End: e.In(c.loc)})
		}
	}
	return ex
}
