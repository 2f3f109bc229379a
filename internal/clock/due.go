package clock

import "time"

// Due returns the earliest instant, in the calendar's zone, at which target
// of open time has elapsed since start. The clock starts at start, or at the
// next opening if the desk is closed then; a target used up exactly at
// closing is due at closing. A target ≤ 0 is due at start.
//
// Within the precomputed years Due neither allocates nor locks.
func (c *Calendar) Due(start time.Time, target time.Duration) time.Time {
	if target <= 0 {
		return start.In(c.loc)
	}
	t := &c.tab
	if start.Before(t.lo) {
		due, left := c.walkDue(start, target, t.lo)
		if left == 0 {
			return due
		}
		start, target = t.lo, left
	}
	if start.Before(t.hi) {
		due, left := t.due(start.UnixNano(), int64(target))
		if left == 0 {
			return time.Unix(0, due).In(c.loc)
		}
		start, target = t.hi, time.Duration(left)
	}
	due, _ := c.walkDue(start, target, time.Time{})
	return due
}

// Elapsed returns the open time in [from, to); 0 if to is not after from.
func (c *Calendar) Elapsed(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	t := &c.tab
	var sum time.Duration
	if from.Before(t.lo) {
		if !to.After(t.lo) {
			return c.walkElapsed(from, to)
		}
		sum += c.walkElapsed(from, t.lo)
		from = t.lo
	}
	if to.After(t.hi) {
		if !from.Before(t.hi) {
			return sum + c.walkElapsed(from, to)
		}
		sum += c.walkElapsed(t.hi, to)
		to = t.hi
	}
	return sum + time.Duration(t.cumAt(to.UnixNano())-t.cumAt(from.UnixNano()))
}

// Remaining returns the open time left from now until due, or, when due is
// past, minus the open time since due (how long the ticket is overdue).
func (c *Calendar) Remaining(now, due time.Time) time.Duration {
	if now.Before(due) {
		return c.Elapsed(now, due)
	}
	return -c.Elapsed(due, now)
}

// walkDue is Due by walking the open intervals one at a time. It consumes
// open time from start, but only before limit (unless limit is zero, meaning
// no limit). It returns the due instant and 0, or, when limit is reached
// first, the zero Time and the target left over.
func (c *Calendar) walkDue(start time.Time, target time.Duration, limit time.Time) (time.Time, time.Duration) {
	it := c.openFrom(start)
	for {
		iv := it.next()
		o, e := iv.Start, iv.End
		if !limit.IsZero() {
			if !o.Before(limit) {
				return time.Time{}, target
			}
			if e.After(limit) {
				e = limit
			}
		}
		if o.Before(start) {
			o = start
		}
		if !e.After(o) {
			continue
		}
		d := e.Sub(o)
		if d >= target {
			return o.Add(target).In(c.loc), 0
		}
		target -= d
	}
}

// walkElapsed is Elapsed by walking the open intervals one at a time.
func (c *Calendar) walkElapsed(from, to time.Time) time.Duration {
	it := c.openFrom(from)
	var sum time.Duration
	for {
		iv := it.next()
		if !iv.Start.Before(to) {
			return sum
		}
		o, e := iv.Start, iv.End
		if o.Before(from) {
			o = from
		}
		if e.After(to) {
			e = to
		}
		if e.After(o) {
			sum += e.Sub(o)
		}
	}
}
