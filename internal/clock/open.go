package clock

import (
	"math"
	"slices"
	"time"
)

// This file holds the one definition of open time that the table, the day
// walk, Explain and the closed-day dates all derive from:
//
//	the desk is open at instant t exactly when the wall clock in the
//	calendar's zone, at t, reads a date on which the desk opens and a time
//	of day in [Open, Close).
//
// Open time is therefore a set of instants, and no instant is counted twice
// however the zone's clock jumps. When a DST change skips the opening (Santiago
// skips midnight), the date opens at the first instant after the gap, not at
// the instant time.Date picks (which lies inside the previous date). When the
// clock is set back inside the hours, the repeated wall-clock times are open
// both times they occur; when it is set back across the opening, the date has
// two open intervals.

// zoneSlack bounds a zone's UTC offset: an instant whose wall clock reads r
// lies less than zoneSlack from r read as UTC. The tz database's offsets stay
// within ±26h (in practice ±15h); 48h leaves room.
const zoneSlack = 48 * time.Hour

const secondsPerDay = 86400

// midnightUTC is date n's midnight read as if it were UTC: the instant at
// which a zone with offset 0 would show date n at 00:00.
func midnightUTC(n dayNum) time.Time { return time.Unix(int64(n)*secondsPerDay, 0).UTC() }

// zonePeriod is a stretch of time [start, end) during which a zone keeps one
// UTC offset; a zero start or end is unbounded.
type zonePeriod struct {
	start, end time.Time
	offset     time.Duration // east of UTC
}

// periodAt returns a zone period of loc that contains t. Far from a
// transition it may be shorter than the zone's true period (Go reports the
// periods of years served by a zone's TZ rule cut at the UTC year's bounds),
// which costs only another lookup.
func periodAt(t time.Time, loc *time.Location) zonePeriod {
	lt := t.In(loc)
	_, off := lt.Zone()
	start, end := lt.ZoneBounds()
	if !end.IsZero() && !end.After(t) {
		// golang/go#81583 (Go 1.26): in a leap year served by the TZ rule,
		// the year's last period is said to end 24 hours early, at
		// 31 December 00:00 UTC, even for instants after that. It really
		// lasts until the year's end, when the rule's next year begins.
		end = end.Add(24 * time.Hour)
	}
	return zonePeriod{start: start, end: end, offset: time.Duration(off) * time.Second}
}

// wallSpans turns wall-clock readings into instants. It remembers the zone
// period it used last, so that consecutive dates cost plain arithmetic away
// from transitions; near one it asks the zone about every period involved. A
// wallSpans belongs to one goroutine.
type wallSpans struct {
	loc *time.Location
	// The period used last, in Unix seconds: [start, end) with offset off.
	// The zero wallSpans has an empty period.
	start, end, off int64
}

// remember makes p the period of the shortcut.
func (ws *wallSpans) remember(p zonePeriod) {
	ws.start, ws.end, ws.off = math.MinInt64, math.MaxInt64, int64(p.offset/time.Second)
	if !p.start.IsZero() {
		ws.start = p.start.Unix()
	}
	if !p.end.IsZero() {
		ws.end = p.end.Unix()
	}
}

// appendDay appends to buf the instants at which the wall clock reads date n
// at a time of day in [from, to): disjoint intervals in time order, touching
// ones merged. That is one interval on almost every date, none when a DST
// change skips the whole range (or the date), and two when the clock is set
// back across from or to.
func (ws *wallSpans) appendDay(buf []Interval, n dayNum, from, to time.Duration) []Interval {
	// In a period with offset off, the clock reads r at the instant r − off
	// (r read as UTC), so the instants reading [a, b) in that period are
	// [a − off, b − off) clipped to the period.
	base := int64(n) * secondsPerDay
	if slack := int64(zoneSlack / time.Second); base+int64(from/time.Second)-slack >= ws.start &&
		base+int64(to/time.Second)+slack+1 < ws.end {
		// The shortcut: the whole range lies in the period used last.
		return append(buf, Interval{Start: time.Unix(base-ws.off, int64(from)), End: time.Unix(base-ws.off, int64(to))})
	}
	mid := midnightUTC(n)
	a, b := mid.Add(from), mid.Add(to)
	lo, hi := a.Add(-zoneSlack), b.Add(zoneSlack) // every such instant lies in between
	first := len(buf)
	// Walk [lo, hi] one period at a time. Each period is used from t, where
	// the previous one ended, not from its own start: Go may report a period
	// that overlaps the one before (see periodAt).
	for t := lo; ; {
		p := periodAt(t, ws.loc)
		s, e := a.Add(-p.offset), b.Add(-p.offset)
		if s.Before(t) {
			s = t
		}
		if !p.end.IsZero() && e.After(p.end) {
			e = p.end
		}
		if e.After(s) {
			if k := len(buf); k > first && buf[k-1].End.Equal(s) {
				buf[k-1].End = e
			} else {
				buf = append(buf, Interval{Start: s, End: e})
			}
		}
		if p.end.IsZero() || p.end.After(hi) {
			ws.remember(p)
			return buf
		}
		t = p.end
	}
}

// openIter yields the calendar's open intervals in time order, from the
// first one that ends after a given instant on. The intervals are disjoint
// and non-empty; consecutive ones may touch (open until 24:00 and again from
// 00:00). An openIter belongs to one goroutine.
//
// Dates are turned into intervals in date order, but where a zone sets its
// clock back across midnight an interval of one date can come after one of
// the next date, so intervals wait in pending until no date still to come can
// produce an earlier one.
type openIter struct {
	w       walker
	ws      wallSpans
	from    time.Time
	n       dayNum     // the next date to turn into intervals
	pending []Interval // sorted by Start, not yet yielded
	day     []Interval // scratch for one date
}

// openFrom returns an iterator over the open intervals that end after x.
func (c *Calendar) openFrom(x time.Time) openIter {
	// Date m's intervals end before midnightUTC(m+1) + zoneSlack.
	first := dayNum(floorDiv(x.Add(-zoneSlack).Unix(), secondsPerDay)) - 1
	return openIter{w: walker{c: c}, ws: wallSpans{loc: c.loc}, from: x, n: first}
}

// next returns the next open interval. A calendar always opens again (New
// requires a workday), so there always is one.
func (it *openIter) next() Interval {
	for {
		// Every instant of a date from it.n on lies after this bound.
		if len(it.pending) > 0 && !it.pending[0].Start.After(midnightUTC(it.n).Add(-zoneSlack)) {
			iv := it.pending[0]
			it.pending = append(it.pending[:0], it.pending[1:]...)
			if iv.End.After(it.from) {
				return iv
			}
			continue
		}
		n := it.n
		it.n++
		if _, _, closed := it.w.closed(n); closed {
			continue
		}
		c := it.w.c
		it.day = it.ws.appendDay(it.day[:0], n, c.open, c.close)
		for _, iv := range it.day {
			i := len(it.pending) // usually it goes last
			for i > 0 && it.pending[i-1].Start.After(iv.Start) {
				i--
			}
			it.pending = slices.Insert(it.pending, i, iv)
		}
	}
}

// dayStart returns the first instant of date n in the calendar's zone: local
// midnight, or the end of the DST gap when midnight is skipped. For a date
// the zone skips entirely it returns the instant time.Date gives.
func (c *Calendar) dayStart(n dayNum) time.Time {
	ws := wallSpans{loc: c.loc}
	var buf [2]Interval
	if day := ws.appendDay(buf[:0], n, 0, 24*time.Hour); len(day) > 0 {
		return day[0].Start.In(c.loc)
	}
	y, m, d := n.date()
	return time.Date(y, m, d, 0, 0, 0, 0, c.loc)
}
