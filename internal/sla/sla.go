// Package sla applies the desk's published first-response objectives: which
// class gets which target, when a ticket is due, and whether it is on track,
// at risk, breached or met. All durations are business time from the clock.
package sla

import (
	"fmt"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
)

// State is a ticket's standing against its first-response objective.
type State string

// The SLA states. Met and Breached are final once the first response is
// given; an unanswered ticket is OnTrack, AtRisk or Breached.
const (
	OnTrack  State = "on_track"
	AtRisk   State = "at_risk"
	Breached State = "breached"
	Met      State = "met"
)

// States lists the states in display order.
func States() []State { return []State{Breached, AtRisk, OnTrack, Met} }

// Label is the state for people.
func (s State) Label() string {
	switch s {
	case OnTrack:
		return "On track"
	case AtRisk:
		return "At risk"
	case Breached:
		return "Breached"
	case Met:
		return "Met"
	}
	return string(s)
}

// Calendar is the business-hours clock the policy counts in.
func (p *Policy) Calendar() *clock.Calendar { return p.cal }

// TargetDuration is the class's objective as open time.
func (p *Policy) TargetDuration(class string) (time.Duration, error) {
	t, err := p.Target(class)
	if err != nil {
		return 0, err
	}
	return t.Duration(p.cal.BusinessDay()), nil
}

// Due is when a ticket of class received at received needs its first response.
func (p *Policy) Due(class string, received time.Time) (time.Time, error) {
	d, err := p.TargetDuration(class)
	if err != nil {
		return time.Time{}, err
	}
	return p.cal.Due(received, d), nil
}

// Evaluate gives the state of a ticket due at due, answered at
// firstResponse (zero when unanswered), as of now, with the business time
// remaining (negative: overdue by). For an answered ticket the remaining
// time is measured at the response. An unanswered ticket's state is
// Bounds(now).State(due), the same ranges every query uses.
func (p *Policy) Evaluate(due, firstResponse, now time.Time) (State, time.Duration) {
	if !firstResponse.IsZero() {
		return AnsweredState(due, firstResponse), p.cal.Remaining(firstResponse, due)
	}
	return p.Bounds(now).State(due), p.cal.Remaining(now, due)
}

// AtRiskWindow is how much business time before the deadline a ticket
// turns at risk (for words; the states themselves come from Bounds).
func (p *Policy) AtRiskWindow() time.Duration { return p.atRisk }

// AtRiskTarget is the at-risk window as configured, for words: "1 business hour".
func (p *Policy) AtRiskTarget() clock.Target { return p.window }

// Promise is a deadline in words for requesters: "Monday, July 6, 11:00 AM ET".
func (p *Policy) Promise(due time.Time) string {
	t := due.In(p.cal.Location())
	return t.Format("Monday, January 2, 3:04 PM") + " " + ZoneName(t)
}

// ZoneName is the short, DST-neutral name people use for a zone ("ET"),
// falling back to the abbreviation in force.
func ZoneName(t time.Time) string {
	switch t.Location().String() {
	case "America/New_York", "America/Detroit", "America/Indiana/Indianapolis":
		return "ET"
	case "America/Chicago":
		return "CT"
	case "America/Denver":
		return "MT"
	case "America/Phoenix":
		return "MST"
	case "America/Los_Angeles":
		return "PT"
	case "UTC", "Etc/UTC":
		return "UTC"
	}
	name, _ := t.Zone()
	return name
}

// FormatBusiness renders a business duration for people: "2h 15m",
// "1d 3h" (d = business days), "overdue 45m" for negatives.
func FormatBusiness(d, businessDay time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	d = d.Round(time.Minute)
	days := d / businessDay
	d -= days * businessDay
	h := d / time.Hour
	m := (d - h*time.Hour) / time.Minute
	var s string
	switch {
	case days > 0:
		s = fmt.Sprintf("%dd %dh", days, h)
	case h > 0:
		s = fmt.Sprintf("%dh %02dm", h, m)
	default:
		s = fmt.Sprintf("%dm", m)
	}
	if neg {
		return "overdue " + s
	}
	return s
}
