package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
)

// Period names accepted by ParsePeriod.
const (
	NameLast30 = "last30" // the default
	NameLast90 = "last90"
	NameWeek   = "week"
	NameMonth  = "month"
)

// PeriodNames lists the period names ParsePeriod accepts, default first.
func PeriodNames() []string { return []string{NameLast30, NameLast90, NameWeek, NameMonth} }

// ParamError is a bad report parameter; Param names it ("period", "from",
// "to", "at", "format") so a command line can say --from and a web form
// can mark the field.
type ParamError struct {
	Param   string
	Message string
}

func (e *ParamError) Error() string { return e.Param + ": " + e.Message }

func paramErr(param, format string, a ...any) error {
	return &ParamError{Param: param, Message: fmt.Sprintf(format, a...)}
}

// MaxPeriodDays is the longest period a compliance report covers: a year and
// a month, so a whole year can be compared with the one before, while the
// largest report a request can ask for stays small (see the README's
// measured figures). Longer spans are refused with a *ParamError, not cut.
const MaxPeriodDays = 400

// checkInstant refuses an instant outside the calendar's precomputed range
// (clock.Calendar.Range), where every business-time answer is a table
// lookup: beyond it the clock walks day by day, so one far-off ?at= would
// cost seconds per ticket. end is allowed only as an exclusive bound.
func checkInstant(cal *clock.Calendar, param string, t time.Time, exclusive bool) error {
	first, end := cal.Range()
	if t.Before(first) || t.After(end) || (t.Equal(end) && !exclusive) {
		last := end.AddDate(0, 0, -1)
		return paramErr(param, "%s is outside the dates reports cover, %s to %s",
			instantWords(t.In(cal.Location())), first.Format(dayWords), last.Format(dayWords))
	}
	return nil
}

// checkPeriod refuses a compliance period [from, to) judged at at that the
// reports do not cover: longer than MaxPeriodDays calendar days in the
// calendar's zone, or with bounds outside the calendar's range.
func checkPeriod(cal *clock.Calendar, from, to, at time.Time) error {
	loc := cal.Location()
	if limit := from.In(loc).AddDate(0, 0, MaxPeriodDays); to.After(limit) {
		return paramErr("to", "the period %s to %s is longer than the %d days a report covers; ask for it in parts",
			from.In(loc).Format(dayWords), to.Add(-time.Nanosecond).In(loc).Format(dayWords), MaxPeriodDays)
	}
	if err := checkInstant(cal, "at", at, false); err != nil {
		return err // first: a named period is derived from at
	}
	if err := checkInstant(cal, "from", from, false); err != nil {
		return err
	}
	return checkInstant(cal, "to", to, true)
}

// PeriodLast is the days days up to at: [at − days, at), counted in
// calendar days on at's wall clock (so across a DST change it is still
// "the same time, days days ago"). Pass at in the calendar's zone.
func PeriodLast(days int, at time.Time) (from, to time.Time) {
	return at.AddDate(0, 0, -days), at
}

// PeriodWeek is the last 7 days, PeriodLast(7, at): a rolling week, so it
// is never a near-empty "week so far" on a Monday morning.
func PeriodWeek(at time.Time) (from, to time.Time) { return PeriodLast(7, at) }

// PeriodMonth is this month so far: from the 1st at 00:00 in at's zone
// (pass at in the calendar's zone) up to at.
func PeriodMonth(at time.Time) (from, to time.Time) {
	y, m, _ := at.Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, at.Location()), at
}

// DateForm is shown whenever a period bound cannot be read.
const DateForm = "a date written YYYY-MM-DD, e.g. 2026-11-01, in the desk's time zone, or an RFC 3339 instant"

// ParsePeriod turns a report's period parameters into [from, to):
//
//   - name "" or "last30" (the default): the last 30 days up to at;
//     "last90": the last 90 days; "week": the last 7 days; "month": this
//     month so far (see PeriodLast, PeriodWeek, PeriodMonth);
//   - or explicit bounds fromS and toS, each RFC 3339 or YYYY-MM-DD in loc:
//     a date as from means that day's 00:00, a date as to means the end of
//     that day (the next day's 00:00), since to is exclusive. An empty toS
//     means up to at.
//
// Named periods and explicit bounds cannot be mixed. at is read in loc.
// Errors are *ParamError naming the parameter.
func ParsePeriod(name, fromS, toS string, at time.Time, loc *time.Location) (from, to time.Time, err error) {
	at = at.In(loc)
	name = strings.ToLower(strings.TrimSpace(name))
	fromS, toS = strings.TrimSpace(fromS), strings.TrimSpace(toS)
	if fromS != "" || toS != "" {
		if name != "" {
			return time.Time{}, time.Time{}, paramErr("period", "give either a period name (%s) or from/to dates, not both", strings.Join(PeriodNames(), ", "))
		}
		if fromS == "" {
			return time.Time{}, time.Time{}, paramErr("from", "missing: to needs a from date (%s)", DateForm)
		}
		if from, err = parseBound(fromS, "from", false, loc); err != nil {
			return time.Time{}, time.Time{}, err
		}
		to = at
		if toS != "" {
			if to, err = parseBound(toS, "to", true, loc); err != nil {
				return time.Time{}, time.Time{}, err
			}
		}
		if !to.After(from) {
			return time.Time{}, time.Time{}, paramErr("to", "the end, %s, is not after the start, %s; give an end after the start",
				boundWords(to, true), boundWords(from, false))
		}
		return from, to, nil
	}
	switch name {
	case "", NameLast30:
		from, to = PeriodLast(30, at)
	case NameLast90:
		from, to = PeriodLast(90, at)
	case NameWeek:
		from, to = PeriodWeek(at)
	case NameMonth:
		from, to = PeriodMonth(at)
	default:
		return time.Time{}, time.Time{}, paramErr("period", "unknown period %q (want %s, or from/to dates)", name, strings.Join(PeriodNames(), ", "))
	}
	return from, to, nil
}

// dayWords is how a message names a day: "Tue Jun 30, 2026".
const dayWords = "Mon Jan 2, 2006"

// instantWords is an instant for people: "Tue Jun 30, 2026 9:00 AM EDT".
func instantWords(t time.Time) string { return t.Format("Mon Jan 2, 2006 3:04 PM MST") }

// boundWords is a period bound for people: a day when it is a midnight
// (for an end, the day it closes: an end of Wed 00:00 is "Tue …"),
// else the instant.
func boundWords(t time.Time, end bool) string {
	if h, m, s := t.Clock(); h != 0 || m != 0 || s != 0 || t.Nanosecond() != 0 {
		return instantWords(t)
	}
	if end {
		t = t.AddDate(0, 0, -1)
	}
	return t.Format(dayWords)
}

// parseBound reads one period bound; a date as the end bound means the end
// of that day.
func parseBound(s, param string, end bool, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.In(loc), nil
	}
	d, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		return time.Time{}, paramErr(param, "cannot read %q (want %s)", s, DateForm)
	}
	if end {
		y, m, dd := d.Date()
		d = time.Date(y, m, dd+1, 0, 0, 0, 0, loc)
	}
	return d, nil
}
