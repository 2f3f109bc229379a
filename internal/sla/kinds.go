package sla

import (
	"fmt"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
)

// The kinds of promise a ticket carries.
const (
	// FirstResponse: from receipt to the first public staff reply.
	FirstResponse = "first_response"
	// NextResponse: from a customer message that arrives while no response
	// is owed to the next public staff reply.
	NextResponse = "next_response"
	// Resolution: from receipt to resolved, paused while waiting on the
	// customer (for classes that set a resolution target).
	Resolution = "resolution"
)

// Kinds are the promise kinds in the order they are shown.
func Kinds() []string { return []string{FirstResponse, NextResponse, Resolution} }

// ValidKind reports whether kind is a promise kind.
func ValidKind(kind string) bool {
	return kind == FirstResponse || kind == NextResponse || kind == Resolution
}

// IsResponse reports whether kind is kept by a public staff reply.
func IsResponse(kind string) bool { return kind == FirstResponse || kind == NextResponse }

// KindLabel is a kind for people: "first response", "next response",
// "resolution".
func KindLabel(kind string) string {
	switch kind {
	case FirstResponse:
		return "first response"
	case NextResponse:
		return "next response"
	case Resolution:
		return "resolution"
	}
	return kind
}

// TargetFor is the class's target for a promise kind; false when the class
// makes no promise of that kind (resolution is optional) or is unknown.
// The next-response target defaults to the first-response one.
func (p *Policy) TargetFor(class, kind string) (clock.Target, bool) {
	c, ok := p.Class(class)
	if !ok {
		return clock.Target{}, false
	}
	switch kind {
	case FirstResponse:
		return c.FirstResponse, true
	case NextResponse:
		if c.NextResponse.Amount > 0 {
			return c.NextResponse, true
		}
		return c.FirstResponse, true
	case Resolution:
		return c.Resolution, c.Resolution.Amount > 0
	}
	return clock.Target{}, false
}

// DurationFor is TargetFor as open time on the policy's calendar.
func (p *Policy) DurationFor(class, kind string) (time.Duration, bool) {
	t, ok := p.TargetFor(class, kind)
	if !ok {
		return 0, false
	}
	return t.Duration(p.cal.BusinessDay()), true
}

// UnknownKindError explains a kind that is not one of the promise kinds.
func UnknownKindError(kind string) error {
	return fmt.Errorf("unknown promise kind %q (kinds: first_response, next_response, resolution)", kind)
}
