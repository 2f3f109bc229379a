package clock_test

import (
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"

	"github.com/slatrack/slatrack/internal/clock"
)

// refCal is a deliberately simple reference for the business clock: it asks,
// minute by minute, "is the desk open during this minute?" using nothing but
// the wall clock in the zone, rickar/cal's own (uncached) holiday lookup and
// a set of closure dates. It knows nothing of the package's tables.
//
// It is exact for whole-minute instants and targets when Open and Close are
// whole minutes and the zone's offsets are whole minutes, because then every
// minute is either entirely open or entirely closed.
type refCal struct {
	loc         *time.Location
	open, close time.Duration
	workdays    [7]bool
	hol         *cal.Calendar // nil: no holidays
	closures    map[[3]int]bool
	closedMemo  map[[3]int]bool // date → closed all day (just a speed-up)
}

func newRef(o clock.Options) *refCal {
	r := &refCal{
		loc: o.Location, open: o.Open, close: o.Close, workdays: o.Workdays,
		closures: map[[3]int]bool{}, closedMemo: map[[3]int]bool{},
	}
	if o.Holidays == clock.HolidaysUSFederal {
		r.hol = &cal.Calendar{}
		r.hol.AddHoliday(us.NewYear, us.MlkDay, us.PresidentsDay, us.MemorialDay, us.Juneteenth,
			us.IndependenceDay, us.LaborDay, us.ColumbusDay, us.VeteransDay, us.ThanksgivingDay, us.ChristmasDay)
	}
	for _, c := range o.Closures {
		r.closures[[3]int{c.Year, int(c.Month), c.Day}] = true
	}
	return r
}

// closedDate reports whether the local date of l is closed all day.
func (r *refCal) closedDate(l time.Time) bool {
	y, m, d := l.Date()
	k := [3]int{y, int(m), d}
	if v, ok := r.closedMemo[k]; ok {
		return v
	}
	closed := !r.workdays[l.Weekday()] || r.closures[k]
	if !closed && r.hol != nil {
		_, observed, _ := r.hol.IsHoliday(l)
		closed = observed
	}
	r.closedMemo[k] = closed
	return closed
}

// openAt reports whether the desk is open during the minute starting at t.
func (r *refCal) openAt(t time.Time) bool {
	l := t.In(r.loc)
	if r.closedDate(l) {
		return false
	}
	wall := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute + time.Duration(l.Second())*time.Second
	return wall >= r.open && wall < r.close
}

// paused reports whether t lies in one of the pauses (zero End: never ends).
func paused(t time.Time, pauses []clock.Interval) bool {
	for _, p := range pauses {
		if !t.Before(p.Start) && (p.End.IsZero() || t.Before(p.End)) {
			return true
		}
	}
	return false
}

// due walks minute by minute until target minutes of open, unpaused time have
// passed. It gives up (zero Time) after limit minutes.
func (r *refCal) due(start time.Time, target time.Duration, pauses []clock.Interval, limit int) time.Time {
	need := int(target / time.Minute)
	if need <= 0 {
		return start
	}
	t := start
	for i := 0; i < limit; i++ {
		if r.openAt(t) && !paused(t, pauses) {
			need--
			if need == 0 {
				return t.Add(time.Minute)
			}
		}
		t = t.Add(time.Minute)
	}
	return time.Time{}
}

// elapsed counts the open, unpaused minutes in [from, to).
func (r *refCal) elapsed(from, to time.Time, pauses []clock.Interval) time.Duration {
	var n time.Duration
	for t := from; t.Before(to); t = t.Add(time.Minute) {
		if r.openAt(t) && !paused(t, pauses) {
			n += time.Minute
		}
	}
	return n
}
