package clock

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Options describe a desk's opening hours. They are plain values so that the
// config package can build them and tests can write them inline.
type Options struct {
	// Location is the time zone whose wall clock Open and Close are read in.
	Location *time.Location
	// Open and Close are offsets from local midnight (09:00 → 9h).
	Open, Close time.Duration
	// Workdays is indexed by time.Weekday.
	Workdays [7]bool
	// Holidays names the holiday rules: HolidaysUSFederal or HolidaysNone.
	Holidays string
	// Closures are extra closed dates (executive orders, snow days).
	Closures []Closure
}

// Holiday rule sets understood by New.
const (
	HolidaysUSFederal = "us-federal"
	HolidaysNone      = "none"
)

// Closure is one extra closed calendar date in the calendar's zone.
type Closure struct {
	Year  int
	Month time.Month
	Day   int
	Name  string // shown by `calendar` and --explain; "Closure" when empty
}

// displayName is the closure's name as shown: "Closure" when it has none.
func (cl Closure) displayName() string {
	if cl.Name == "" {
		return "Closure"
	}
	return cl.Name
}

// CheckClosures reports the first closure that is not a real date, or that
// repeats an earlier one's date under another name (which name would the
// desk show?). The same date listed twice with the same name is harmless and
// allowed. New refuses what CheckClosures refuses; the error, without a
// package prefix, is meant to follow a config key.
func CheckClosures(closures []Closure) error {
	seen := make(map[dayNum]Closure, len(closures))
	for _, cl := range closures {
		t := time.Date(cl.Year, cl.Month, cl.Day, 12, 0, 0, 0, time.UTC)
		if y, m, d := t.Date(); y != cl.Year || m != cl.Month || d != cl.Day {
			return fmt.Errorf("closure %04d-%02d-%02d is not a real date", cl.Year, int(cl.Month), cl.Day)
		}
		n := dayOf(cl.Year, cl.Month, cl.Day)
		if prev, dup := seen[n]; dup && prev.Name != cl.Name {
			return fmt.Errorf("closure %04d-%02d-%02d is listed twice with different names, %q and %q; list each date once",
				cl.Year, int(cl.Month), cl.Day, prev.displayName(), cl.displayName())
		}
		seen[n] = cl
	}
	return nil
}

// DefaultOptions is the published desk: America/New_York, Mon–Fri 09:00–17:00,
// closed on US federal holidays as observed.
func DefaultOptions() Options {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic("clock: tz database lacks America/New_York: " + err.Error())
	}
	return Options{
		Location: loc,
		Open:     9 * time.Hour,
		Close:    17 * time.Hour,
		Workdays: [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true},
		Holidays: HolidaysUSFederal,
	}
}

// ParseTimeOfDay reads "HH:MM" (24-hour) as an offset from midnight.
func ParseTimeOfDay(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day (want HH:MM, 24-hour, e.g. \"09:00\")", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// ParseWeekday reads an English weekday abbreviation or name ("Mon", "monday").
func ParseWeekday(s string) (time.Weekday, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if k == name || k == name[:3] {
			return d, nil
		}
	}
	return 0, fmt.Errorf("%q is not a weekday (want Mon, Tue, Wed, Thu, Fri, Sat or Sun)", s)
}

// ParseDate reads "YYYY-MM-DD" into a Closure (without a name).
func ParseDate(s string) (Closure, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return Closure{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD, e.g. \"2025-12-24\")", s)
	}
	return Closure{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
}

// Target is a response objective in business time: N hours, N days or N minutes.
type Target struct {
	Amount int
	Unit   byte // 'h', 'd' or 'm'
}

// ParseTarget reads "3h", "2d" or "90m".
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("%q is not a business-time target (want a whole number followed by h for business hours or d for business days, e.g. \"3h\", \"2d\")", s)
	if len(s) < 2 {
		return Target{}, bad
	}
	unit := s[len(s)-1]
	if unit != 'h' && unit != 'd' && unit != 'm' {
		return Target{}, bad
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return Target{}, bad
	}
	return Target{Amount: n, Unit: unit}, nil
}

// String gives the target back in its configuration form.
func (t Target) String() string { return strconv.Itoa(t.Amount) + string(t.Unit) }

// Duration converts the target to open time: days are businessDay long.
// Targets that pass CheckTarget convert without overflow.
func (t Target) Duration(businessDay time.Duration) time.Duration {
	return time.Duration(t.Amount) * t.unit(businessDay)
}

// unit is the open time of one of the target's units.
func (t Target) unit(businessDay time.Duration) time.Duration {
	switch t.Unit {
	case 'd':
		return businessDay
	case 'm':
		return time.Minute
	default:
		return time.Hour
	}
}

// Bounds on targets. Slatrack takes receipts from 1990 up to now, which lies
// in the clock's table years (up to 2100), and keeps deadlines as instants
// that Go's nanosecond clock (UnixNano, up to April 2262) must still reach,
// for the reports' arithmetic among others. So a target may hold no more
// open time than the calendar is sure to have in the 160 years 2101–2260.
const (
	maxTargetYears = 160
	// Of the 52 weeks' workdays in every year, at most 12 are federal
	// holidays (11, plus New Year's Day of the next year observed on 31
	// December) and at most 12 lose hours to DST changes (no zone changes
	// its clock more than six times a year; each change touches at most two
	// dates). Closures are counted against the bound as well.
	lostDaysPerYear = 12 + 12
)

// MaxTarget is the most open time a target may ask for on a calendar with
// these options: a lower bound on the open time in 2101–2260, so that a
// ticket received by the end of 2100 with such a target is due before 2262.
// Due itself answers any target exactly; the bound keeps deadlines where
// the rest of slatrack can hold them and refuses typos like "100000d" (a
// deadline centuries away, or an overflowing Duration that came out as the
// receipt itself).
func MaxTarget(opts Options) time.Duration {
	workdays := 0
	for _, w := range opts.Workdays {
		if w {
			workdays++
		}
	}
	days := maxTargetYears*(52*workdays-lostDaysPerYear) - len(opts.Closures)
	if days <= 0 || opts.Close <= opts.Open {
		return 0
	}
	return time.Duration(days) * (opts.Close - opts.Open)
}

// CheckTarget reports whether t asks for more open time than MaxTarget(opts).
// The error, without a package prefix, is meant to follow a config key:
// "100000d is more open time than the calendar can count (at most 37760d)".
func CheckTarget(t Target, opts Options) error {
	unit := t.unit(opts.Close - opts.Open)
	if unit <= 0 {
		return nil // the hours are invalid, and New says so
	}
	if most := int64(MaxTarget(opts) / unit); int64(t.Amount) > most {
		return fmt.Errorf("%s is more open time than the calendar can count (at most %d%c)", t, most, t.Unit)
	}
	return nil
}

// Words describes the target for people: "3 business hours", "2 business days".
func (t Target) Words() string {
	unit := map[byte]string{'h': "business hour", 'd': "business day", 'm': "business minute"}[t.Unit]
	if t.Amount != 1 {
		unit += "s"
	}
	return strconv.Itoa(t.Amount) + " " + unit
}
