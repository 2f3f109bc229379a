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
func (t Target) Duration(businessDay time.Duration) time.Duration {
	switch t.Unit {
	case 'd':
		return time.Duration(t.Amount) * businessDay
	case 'm':
		return time.Duration(t.Amount) * time.Minute
	default:
		return time.Duration(t.Amount) * time.Hour
	}
}

// Words describes the target for people: "3 business hours", "2 business days".
func (t Target) Words() string {
	unit := map[byte]string{'h': "business hour", 'd': "business day", 'm': "business minute"}[t.Unit]
	if t.Amount != 1 {
		unit += "s"
	}
	return strconv.Itoa(t.Amount) + " " + unit
}
