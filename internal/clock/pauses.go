package clock

import (
	"slices"
	"time"
)

// Interval is a span of time [Start, End). In pauses, a zero End means the
// pause has not ended yet.
type Interval struct{ Start, End time.Time }

// DueWithPauses is Due with the clock also stopped during pauses (for
// example while waiting on the customer). Pauses may overlap and come in any
// order; a pause with End before Start is ignored. If a pause with a zero
// End (still paused) begins before the target is used up, the ticket is
// never due and the zero Time is returned.
func (c *Calendar) DueWithPauses(start time.Time, target time.Duration, pauses []Interval) time.Time {
	if target <= 0 {
		return start.In(c.loc)
	}
	cur := start
	for _, p := range mergePauses(pauses) {
		if !p.End.IsZero() && !p.End.After(cur) {
			continue // over before the clock got here
		}
		if p.Start.After(cur) {
			e := c.Elapsed(cur, p.Start)
			if e >= target {
				return c.Due(cur, target)
			}
			target -= e
		}
		if p.End.IsZero() {
			return time.Time{}
		}
		cur = p.End
	}
	return c.Due(cur, target)
}

// ElapsedWithPauses is Elapsed less the open time covered by pauses.
func (c *Calendar) ElapsedWithPauses(from, to time.Time, pauses []Interval) time.Duration {
	sum := c.Elapsed(from, to)
	if sum == 0 {
		return 0
	}
	for _, p := range mergePauses(pauses) {
		s, e := p.Start, p.End
		if e.IsZero() || e.After(to) {
			e = to
		}
		if s.Before(from) {
			s = from
		}
		sum -= c.Elapsed(s, e)
	}
	return sum
}

// mergePauses returns the valid pauses sorted by start, with overlapping or
// touching ones merged, so that they are disjoint. A zero End stands for
// "not ended" and swallows every later pause.
func mergePauses(pauses []Interval) []Interval {
	ps := make([]Interval, 0, len(pauses))
	for _, p := range pauses {
		if p.End.IsZero() || p.End.After(p.Start) {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	out := ps[:0]
	for _, p := range ps {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if last.End.IsZero() {
				break // still paused: nothing after matters
			}
			if !p.Start.After(last.End) {
				if p.End.IsZero() || p.End.After(last.End) {
					last.End = p.End
				}
				continue
			}
		}
		out = append(out, p)
	}
	return out
}
