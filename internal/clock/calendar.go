package clock

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Calendar is a desk's business-hours calendar. It is immutable after New and
// safe for concurrent use by any number of goroutines.
type Calendar struct {
	loc         *time.Location
	open, close time.Duration // wall-clock offsets from local midnight
	workdays    [7]bool
	holidays    bool // US federal holidays apply

	// special holds the holidays observed in the table years and every
	// configured closure (holidays win when both fall on one date).
	special map[dayNum]special

	tab table
}

// New validates opts and builds a Calendar. The Location must be set, the
// hours must satisfy 0 ≤ Open < Close ≤ 24h, at least one weekday must be a
// workday, Holidays must be HolidaysUSFederal or HolidaysNone, and closures
// must pass CheckClosures.
func New(opts Options) (*Calendar, error) {
	if opts.Location == nil {
		return nil, errors.New("clock: no time zone: Options.Location is nil")
	}
	if opts.Open < 0 || opts.Open >= 24*time.Hour {
		return nil, fmt.Errorf("clock: opening time %s is not a time of day (want 00:00 up to before 24:00)", fmtTOD(opts.Open))
	}
	if opts.Close <= 0 || opts.Close > 24*time.Hour {
		return nil, fmt.Errorf("clock: closing time %s is not a time of day (want after 00:00 up to 24:00)", fmtTOD(opts.Close))
	}
	if opts.Close <= opts.Open {
		return nil, fmt.Errorf("clock: closing time %s is not after opening time %s", fmtTOD(opts.Close), fmtTOD(opts.Open))
	}
	someDay := false
	for _, w := range opts.Workdays {
		someDay = someDay || w
	}
	if !someDay {
		return nil, errors.New("clock: no workdays: at least one weekday must be open")
	}
	c := &Calendar{
		loc:      opts.Location,
		open:     opts.Open,
		close:    opts.Close,
		workdays: opts.Workdays,
		special:  make(map[dayNum]special, 12*(tableLastYear-tableFirstYear+1)+len(opts.Closures)),
	}
	switch opts.Holidays {
	case HolidaysUSFederal:
		c.holidays = true
		for y := tableFirstYear; y <= tableLastYear; y++ {
			for n, s := range holidaysIn(y) {
				c.special[n] = s
			}
		}
	case HolidaysNone:
	default:
		return nil, fmt.Errorf("clock: unknown holiday rules %q (want %q or %q)", opts.Holidays, HolidaysUSFederal, HolidaysNone)
	}
	if err := CheckClosures(opts.Closures); err != nil {
		return nil, fmt.Errorf("clock: %w", err)
	}
	for _, cl := range opts.Closures {
		n := dayOf(cl.Year, cl.Month, cl.Day)
		if _, taken := c.special[n]; taken {
			continue // a holiday (or the same closure listed twice) already names it
		}
		c.special[n] = special{kind: KindClosure, name: cl.displayName()}
	}
	c.buildTable()
	return c, nil
}

// Default returns the published desk's calendar, New(DefaultOptions()). It
// is built once, on first use, and then shared: a Calendar never changes, so
// every caller may use the same one. It panics if building fails (only when
// the tz database lacks America/New_York).
func Default() *Calendar { return defaultCalendar() }

var defaultCalendar = sync.OnceValue(func() *Calendar {
	c, err := New(DefaultOptions())
	if err != nil {
		panic(err)
	}
	return c
})

// fmtTOD formats a time-of-day offset as HH:MM (with seconds when present).
func fmtTOD(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	if s != 0 {
		return fmt.Sprintf("%s%02d:%02d:%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%s%02d:%02d", sign, h, m)
}

// Location returns the calendar's time zone, in which all answers are given.
func (c *Calendar) Location() *time.Location { return c.loc }

// BusinessDay returns the open time of one business day, Close − Open. A
// target of N business days is N × BusinessDay of open time.
func (c *Calendar) BusinessDay() time.Duration { return c.close - c.open }

// Range is the span [first, end) the calendar answers from its precomputed
// table: 1990-01-01 00:00 up to 2101-01-01 00:00 in the calendar's zone.
// Answers outside it are just as right but computed day by day, in time
// proportional to how far out they lie, so callers that take instants from
// strangers (the reports' ?at=, say) keep them inside it.
func (c *Calendar) Range() (first, end time.Time) {
	return time.Date(tableFirstYear, time.January, 1, 0, 0, 0, 0, c.loc),
		time.Date(tableLastYear+1, time.January, 1, 0, 0, 0, 0, c.loc)
}

// DayKind says why a day is closed.
type DayKind int

// Reasons for a closed day.
const (
	KindWeekend DayKind = iota // not a configured workday
	KindHoliday                // a holiday as observed
	KindClosure                // a configured closure
)

// String returns "weekend", "holiday" or "closure".
func (k DayKind) String() string {
	switch k {
	case KindWeekend:
		return "weekend"
	case KindHoliday:
		return "holiday"
	case KindClosure:
		return "closure"
	}
	return fmt.Sprintf("DayKind(%d)", int(k))
}

// ClosedDay is a date on which the desk does not open.
type ClosedDay struct {
	// Date is the first instant of the date, in the calendar's zone: local
	// midnight, or the end of the DST gap where midnight is skipped (so that
	// Date's own date is always the closed date).
	Date time.Time
	// Kind says why the desk is closed. A date that is not a workday is a
	// KindWeekend even if a holiday or closure also falls on it; a holiday wins
	// over a closure on the same date.
	Kind DayKind
	// Name is the weekday name for a weekend ("Saturday"), the holiday's name
	// with " (observed)" when it is observed on another date than its own
	// ("Independence Day (observed)"), or the closure's name ("Closure" when
	// it has none).
	Name string
}

// closedDay builds the ClosedDay for date n.
func (c *Calendar) closedDay(n dayNum, kind DayKind, name string) ClosedDay {
	return ClosedDay{Date: c.dayStart(n), Kind: kind, Name: name}
}

// ClosedDayInfo reports whether the desk is closed all day on the date of t
// and why. The date is t's date in the calendar's zone (so the midnight of a
// ClosedDay.Date, or any instant during the local day, names that day).
func (c *Calendar) ClosedDayInfo(t time.Time) (ClosedDay, bool) {
	w := walker{c: c}
	n := localDay(t, c.loc)
	kind, name, closed := w.closed(n)
	if !closed {
		return ClosedDay{}, false
	}
	return c.closedDay(n, kind, name), true
}

// ClosedWeekdays lists, in date order, every date of year that is a
// configured workday on which the desk is nevertheless closed: observed
// holidays and closures. Weekends are not listed.
func (c *Calendar) ClosedWeekdays(year int) []ClosedDay {
	var out []ClosedDay
	w := walker{c: c}
	for n, end := dayOf(year, time.January, 1), dayOf(year, time.December, 31); n <= end; n++ {
		if kind, name, closed := w.closed(n); closed && kind != KindWeekend {
			out = append(out, c.closedDay(n, kind, name))
		}
	}
	return out
}

// IsOpen reports whether the desk is open at instant t.
func (c *Calendar) IsOpen(t time.Time) bool {
	if c.tab.covers(t) {
		x := t.UnixNano()
		j := c.tab.find(x)
		return x >= c.tab.iv[j].open
	}
	it := c.openFrom(t)
	return !it.next().Start.After(t)
}

// NextOpen returns t itself (in the calendar's zone) if the desk is open at
// t, and otherwise the next instant at which it opens.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	if c.tab.covers(t) {
		x := t.UnixNano()
		if o := c.tab.iv[c.tab.find(x)].open; o > x {
			return time.Unix(0, o).In(c.loc)
		}
		return t.In(c.loc)
	}
	it := c.openFrom(t)
	if o := it.next().Start; o.After(t) {
		return o.In(c.loc)
	}
	return t.In(c.loc)
}
