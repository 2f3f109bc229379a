package clock

import (
	"math"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"
)

// The precomputed table covers these calendar years (in the calendar's zone).
// Outside them every method falls back to a day-by-day walk.
const (
	tableFirstYear = 1990
	tableLastYear  = 2100
)

// The first and last dates of the table years.
var (
	tableFirstDay = dayOf(tableFirstYear, time.January, 1)
	tableLastDay  = dayOf(tableLastYear, time.December, 31)
)

// usFederal lists the US federal holidays. Their Calc gives the actual and
// the observed date (Saturday → Friday, Sunday → Monday).
var usFederal = []*cal.Holiday{
	us.NewYear,
	us.MlkDay,
	us.PresidentsDay,
	us.MemorialDay,
	us.Juneteenth, // StartYear 2021
	us.IndependenceDay,
	us.LaborDay,
	us.ColumbusDay,
	us.VeteransDay,
	us.ThanksgivingDay,
	us.ChristmasDay,
}

// special is what is known about one date besides its weekday: a holiday
// observed on it or a configured closure.
type special struct {
	kind DayKind // KindHoliday or KindClosure
	name string
}

// dayNum numbers civil dates: days since 1970-01-01 (negative before).
// It is zone-free: it names a date, not an instant.
type dayNum int64

// dayOf returns the number of the civil date y-m-d (normalised like time.Date).
func dayOf(y int, m time.Month, d int) dayNum {
	// Noon UTC never straddles a day boundary, and UTC has no transitions.
	return dayNum(floorDiv(time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Unix(), 86400))
}

// localDay returns the number of t's date in loc.
func localDay(t time.Time, loc *time.Location) dayNum {
	y, m, d := t.In(loc).Date()
	return dayOf(y, m, d)
}

// date returns the civil date numbered n.
func (n dayNum) date() (int, time.Month, int) {
	return time.Unix(int64(n)*86400, 0).UTC().Date()
}

// weekday returns the day of the week of date n (1970-01-01 was a Thursday).
func (n dayNum) weekday() time.Weekday {
	return time.Weekday(floorMod(int64(n)+4, 7))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// holidaysIn returns the holidays observed on a date of year, keyed by date.
// Holidays of the neighbouring years are computed too, because New Year's Day
// of year+1 may be observed on 31 December of year.
func holidaysIn(year int) map[dayNum]special {
	out := make(map[dayNum]special, len(usFederal))
	for y := year - 1; y <= year+1; y++ {
		for _, h := range usFederal {
			act, obs := h.Calc(y)
			if obs.IsZero() {
				continue // not a holiday that year (Juneteenth before 2021)
			}
			oy, om, od := obs.Date()
			if oy != year {
				continue
			}
			name := h.Name
			if ay, am, ad := act.Date(); ay != oy || am != om || ad != od {
				name += " (observed)"
			}
			n := dayOf(oy, om, od)
			if _, dup := out[n]; !dup {
				out[n] = special{kind: KindHoliday, name: name}
			}
		}
	}
	return out
}

// wallTime returns the instant at which the wall clock in loc shows offset
// past midnight on y-m-d. Offsets of 24h and more roll into the next day, as
// in time.Date.
func wallTime(y int, m time.Month, d int, offset time.Duration, loc *time.Location) time.Time {
	h := int(offset / time.Hour)
	offset -= time.Duration(h) * time.Hour
	mi := int(offset / time.Minute)
	offset -= time.Duration(mi) * time.Minute
	s := int(offset / time.Second)
	offset -= time.Duration(s) * time.Second
	return time.Date(y, m, d, h, mi, s, int(offset), loc)
}

// walker answers "is date n closed, and when is it open" for any date. It
// caches the holidays of one year at a time, so a walk over dates outside the
// table does not recompute them daily. A walker belongs to one goroutine.
type walker struct {
	c    *Calendar
	year int                // the year hols belongs to
	hols map[dayNum]special // nil until a date outside the table is asked about
}

// closed reports whether date n is closed, and why.
func (w *walker) closed(n dayNum) (DayKind, string, bool) {
	c := w.c
	wd := n.weekday()
	if !c.workdays[wd] {
		return KindWeekend, wd.String(), true
	}
	if c.holidays && (n < tableFirstDay || n > tableLastDay) {
		y, _, _ := n.date()
		if w.hols == nil || w.year != y {
			w.year, w.hols = y, holidaysIn(y)
		}
		if s, ok := w.hols[n]; ok {
			return s.kind, s.name, true
		}
	}
	// Table-year holidays and every closure are in c.special.
	if s, ok := c.special[n]; ok {
		return s.kind, s.name, true
	}
	return 0, "", false
}

// window returns date n's open interval [open, close), or ok=false when the
// desk does not open that date. A day whose wall-clock hours map to an empty
// interval (only possible with exotic zone transitions) counts as not open.
func (w *walker) window(n dayNum) (open, close time.Time, ok bool) {
	if _, _, closed := w.closed(n); closed {
		return time.Time{}, time.Time{}, false
	}
	c := w.c
	y, m, d := n.date()
	open = wallTime(y, m, d, c.open, c.loc)
	close = wallTime(y, m, d, c.close, c.loc)
	if !close.After(open) {
		return time.Time{}, time.Time{}, false
	}
	return open, close, true
}

// buildTable fills c.tab. It must run after c.special is complete.
func (c *Calendar) buildTable() {
	w := walker{c: c}
	c.tab.iv = make([]span, 0, int(tableLastDay-tableFirstDay)+1)
	var zc zoneCursor
	for n := tableFirstDay; n <= tableLastDay; n++ {
		if _, _, closed := w.closed(n); closed {
			continue
		}
		o := zc.wallNs(n, c.open, c.loc)
		e := zc.wallNs(n, c.close, c.loc)
		if e > o { // as in walker.window
			c.tab.add(o, e)
		}
	}
	// New guarantees at least one workday, and a year has at most a dozen
	// holidays, so the table is never empty.
	c.tab.finish()
}

// zoneCursor converts wall-clock times to Unix nanoseconds quickly when the
// dates come in increasing order: it remembers the current zone period (UTC
// offset and its bounds) and uses plain arithmetic while the answer lies well
// inside that period. Near a transition it defers to time.Date, so its
// answers always equal wallTime's.
type zoneCursor struct {
	valid      bool
	offset     int64 // seconds east of UTC
	start, end int64 // Unix seconds; the period is [start, end)
}

// wallNs is wallTime(y, m, d, offset, loc).UnixNano() for date n = y-m-d.
func (z *zoneCursor) wallNs(n dayNum, offset time.Duration, loc *time.Location) int64 {
	if z.valid {
		// The wall-clock reading as if it were UTC, minus the period's offset.
		ns := int64(n)*dayNs + int64(offset) - z.offset*1e9
		const margin = 2 * 86400 // stay two days clear of transitions
		if sec := floorDiv(ns, 1e9); sec-margin >= z.start && sec+margin < z.end {
			return ns
		}
	}
	y, m, d := n.date()
	t := wallTime(y, m, d, offset, loc)
	start, end := t.ZoneBounds()
	_, off := t.Zone()
	z.valid, z.offset = true, int64(off)
	z.start, z.end = math.MinInt64, math.MaxInt64 // zero bounds mean unbounded
	if !start.IsZero() {
		z.start = start.Unix()
	}
	if !end.IsZero() {
		z.end = end.Unix()
	}
	return t.UnixNano()
}
