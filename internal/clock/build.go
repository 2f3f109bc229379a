package clock

import (
	"cmp"
	"slices"
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
// the observed date (Saturday → Friday, Sunday → Monday). A name, when set,
// replaces rickar/cal's with the one in law (5 U.S.C. 6103) and on OPM's
// holiday schedule.
var usFederal = []struct {
	rule *cal.Holiday
	name string
}{
	{rule: us.NewYear},
	{rule: us.MlkDay},
	{rule: us.PresidentsDay, name: "Washington's Birthday"}, // "Presidents' Day" in rickar/cal
	{rule: us.MemorialDay},
	{rule: us.Juneteenth}, // StartYear 2021
	{rule: us.IndependenceDay},
	{rule: us.LaborDay},
	{rule: us.ColumbusDay},
	{rule: us.VeteransDay},
	{rule: us.ThanksgivingDay},
	{rule: us.ChristmasDay},
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
			act, obs := h.rule.Calc(y)
			if obs.IsZero() {
				continue // not a holiday that year (Juneteenth before 2021)
			}
			oy, om, od := obs.Date()
			if oy != year {
				continue
			}
			name := h.name
			if name == "" {
				name = h.rule.Name
			}
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

// walker answers "is date n closed, and why" for any date. It
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

// buildTable fills c.tab with the open time of [1990-01-01, 2101-01-01)
// (those midnights read as UTC), clipped there, so that the table and the
// walk outside it (openIter) share every instant exactly once. It must run
// after c.special is complete.
func (c *Calendar) buildTable() {
	from, to := midnightUTC(tableFirstDay).UnixNano(), midnightUTC(tableLastDay+1).UnixNano()
	w := walker{c: c}
	ws := wallSpans{loc: c.loc}
	var day []Interval
	c.tab.iv = make([]span, 0, int(tableLastDay-tableFirstDay)+1)
	// A date's instants lie within zoneSlack (two days) of its midnight read
	// as UTC, so dates just outside the table years may reach into it.
	for n := tableFirstDay - 2; n <= tableLastDay+2; n++ {
		if _, _, closed := w.closed(n); closed {
			continue
		}
		day = ws.appendDay(day[:0], n, c.open, c.close)
		for _, iv := range day {
			if o, e := max(iv.Start.UnixNano(), from), min(iv.End.UnixNano(), to); e > o {
				c.tab.add(o, e)
			}
		}
	}
	// Dates come in order and so do their intervals, except where a zone
	// sets its clock back across midnight (see openIter).
	if !slices.IsSortedFunc(c.tab.iv, compareSpans) {
		slices.SortFunc(c.tab.iv, compareSpans)
	}
	// New guarantees at least one workday, and a year has at most a dozen
	// holidays, so the table is never empty.
	c.tab.finish()
}

func compareSpans(a, b span) int { return cmp.Compare(a.open, b.open) }
