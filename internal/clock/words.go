package clock

import (
	"strings"
	"time"
)

// HoursInWords describes the opening hours for people, from the calendar
// itself: "Monday to Friday, 9:00 AM to 5:00 PM Eastern time, except US
// federal holidays".
func (c *Calendar) HoursInWords() string {
	var days []time.Weekday
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		if c.workdays[d] {
			days = append(days, d)
		}
	}
	var b strings.Builder
	switch {
	case len(days) == 7:
		b.WriteString("Every day")
	case contiguous(days):
		b.WriteString(days[0].String() + " to " + days[len(days)-1].String())
	default:
		names := make([]string, len(days))
		for i, d := range days {
			names[i] = d.String()
		}
		b.WriteString(strings.Join(names, ", "))
	}
	clock := func(d time.Duration) string {
		return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(d).Format("3:04 PM")
	}
	b.WriteString(", " + clock(c.open) + " to " + clock(c.close) + " " + zoneWords(c.loc))
	if c.holidays {
		b.WriteString(", except US federal holidays")
	}
	return b.String()
}

func contiguous(days []time.Weekday) bool {
	if len(days) < 2 {
		return false
	}
	for i := 1; i < len(days); i++ {
		if (days[i-1]+1)%7 != days[i] {
			return false
		}
	}
	return true
}

// zoneWords names a zone for people.
func zoneWords(loc *time.Location) string {
	switch loc.String() {
	case "America/New_York", "America/Detroit":
		return "Eastern time"
	case "America/Chicago":
		return "Central time"
	case "America/Denver":
		return "Mountain time"
	case "America/Los_Angeles":
		return "Pacific time"
	}
	return "(" + loc.String() + ")"
}
