package sla

import "time"

// Range is a half-open range of due instants, [From, Before); a zero bound
// is open (no lower or no upper limit). The store turns one into
// "response_due_at >= From AND response_due_at < Before".
type Range struct {
	From, Before time.Time
}

// Contains reports whether due lies in the range.
func (r Range) Contains(due time.Time) bool {
	return (r.From.IsZero() || !due.Before(r.From)) && (r.Before.IsZero() || due.Before(r.Before))
}

// Bounds are the states of an unanswered ticket at one instant, as ranges
// of its due instant. They are the one definition of "breached", "at risk"
// and "on track": Evaluate uses them, and every query (the queue's state
// filter, the metrics, the warning scheduler) is given them, so a page, a
// count and a notice never disagree about a ticket.
//
//   - Breached: due before now.
//   - AtRisk: due at or after now, and no later than the instant the
//     at-risk window of business time from now runs out.
//   - OnTrack: due after that.
//
// The three ranges do not overlap and together cover every instant.
type Bounds struct {
	Breached, AtRisk, OnTrack Range
	// AtRiskUntil is the last due instant that is at risk (AtRisk.Before
	// less a nanosecond): the warning scheduler looks at the tickets due
	// at or before it.
	AtRiskUntil time.Time
}

// Bounds gives the state ranges at now.
func (p *Policy) Bounds(now time.Time) Bounds {
	// The last due instant still at risk is when the window runs out; one
	// nanosecond later starts on track (the store rounds bounds up to its
	// microseconds, so "< end" there means "≤ window's end" too).
	until := p.cal.Due(now, p.atRisk)
	end := until.Add(time.Nanosecond)
	return Bounds{
		Breached:    Range{Before: now},
		AtRisk:      Range{From: now, Before: end},
		OnTrack:     Range{From: end},
		AtRiskUntil: until,
	}
}

// State is the state of an unanswered ticket due at due.
func (b Bounds) State(due time.Time) State {
	switch {
	case b.Breached.Contains(due):
		return Breached
	case b.AtRisk.Contains(due):
		return AtRisk
	}
	return OnTrack
}

// Range is the due range of an unanswered ticket's state; false for Met,
// which no unanswered ticket is.
func (b Bounds) Range(s State) (Range, bool) {
	switch s {
	case Breached:
		return b.Breached, true
	case AtRisk:
		return b.AtRisk, true
	case OnTrack:
		return b.OnTrack, true
	}
	return Range{}, false
}

// AnsweredState is the state of a ticket answered at firstResponse: met at
// or before the due instant, breached after it (a reply at 09:00 to a
// ticket due at the previous day's 17:00 closing is late, though no
// business time passed in between). The store's SQL mirrors it as
// "first_response_at <= response_due_at"; a store test holds them equal.
func AnsweredState(due, firstResponse time.Time) State {
	if firstResponse.After(due) {
		return Breached
	}
	return Met
}
