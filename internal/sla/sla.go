// Package sla applies the desk's published first-response objectives: which
// class gets which target, when a ticket is due, and whether it is on track,
// at risk, breached or met. All durations are business time from the clock.
package sla

import (
	"fmt"
	"strings"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
)

// The ticket classes, in the order they are shown.
const (
	Availability = "availability"
	Provisioning = "provisioning"
	Other        = "other"
)

// Classes lists the valid classes.
func Classes() []string { return []string{Availability, Provisioning, Other} }

// ValidClass reports whether s names a class.
func ValidClass(s string) bool {
	return s == Availability || s == Provisioning || s == Other
}

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

// Policy is the calendar plus the targets per class. It is immutable and
// safe for concurrent use.
type Policy struct {
	cal     *clock.Calendar
	targets map[string]clock.Target
	atRisk  time.Duration
}

// New builds a policy; every class needs a target.
func New(cal *clock.Calendar, targets map[string]clock.Target, atRisk clock.Target) (*Policy, error) {
	p := &Policy{cal: cal, targets: map[string]clock.Target{}, atRisk: atRisk.Duration(cal.BusinessDay())}
	for _, c := range Classes() {
		t, ok := targets[c]
		if !ok || t.Amount <= 0 {
			return nil, fmt.Errorf("sla: no target for class %q", c)
		}
		p.targets[c] = t
	}
	return p, nil
}

// Calendar is the business-hours clock the policy counts in.
func (p *Policy) Calendar() *clock.Calendar { return p.cal }

// Target is the objective for a class.
func (p *Policy) Target(class string) (clock.Target, error) {
	t, ok := p.targets[class]
	if !ok {
		return clock.Target{}, UnknownClassError(class)
	}
	return t, nil
}

// TargetDuration is the class's objective as open time.
func (p *Policy) TargetDuration(class string) (time.Duration, error) {
	t, err := p.Target(class)
	if err != nil {
		return 0, err
	}
	return t.Duration(p.cal.BusinessDay()), nil
}

// UnknownClassError explains a class name that is not one of ours.
func UnknownClassError(class string) error {
	return fmt.Errorf("unknown class %q (valid classes: %s)", class, strings.Join(Classes(), ", "))
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
// time is measured at the response.
func (p *Policy) Evaluate(due, firstResponse, now time.Time) (State, time.Duration) {
	if !firstResponse.IsZero() {
		rem := p.cal.Remaining(firstResponse, due)
		if firstResponse.After(due) {
			return Breached, rem
		}
		return Met, rem
	}
	rem := p.cal.Remaining(now, due)
	switch {
	case now.After(due):
		return Breached, rem
	case rem <= p.atRisk:
		return AtRisk, rem
	}
	return OnTrack, rem
}

// AtRiskWindow is how much business time before the deadline a ticket turns at risk.
func (p *Policy) AtRiskWindow() time.Duration { return p.atRisk }

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
