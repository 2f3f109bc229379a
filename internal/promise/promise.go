// Package promise is slatrack's one promise engine: a promise is started at
// an instant with a target amount of open time, falls due when that much
// open time has passed, can be paused (the pause's open time extends the
// due instant) and resumed, and ends kept (met), broken (breached),
// superseded by a new promise, or cancelled. The same rules time a
// ticket's responses and resolution on the business calendar and an
// incident's updates on the wall clock: only the Clock differs.
//
// Everything here is a pure function of its arguments; a Promise is a
// plain value the caller stores.
package promise

import "time"

// Clock counts open time: the business calendar (internal/clock's
// Calendar) or the wall clock (Wall).
type Clock interface {
	// Due is the earliest instant at which target of open time has passed
	// since start.
	Due(start time.Time, target time.Duration) time.Time
	// Elapsed is the open time between from and to (0 when to is not after
	// from).
	Elapsed(from, to time.Time) time.Duration
	// Remaining is the open time from now until due, negative when due has
	// passed.
	Remaining(now, due time.Time) time.Duration
}

// Wall is the clock on which every instant is open: for promises that run
// day and night (incident updates, reporting obligations).
type Wall struct{}

// Due is start + target.
func (Wall) Due(start time.Time, target time.Duration) time.Time { return start.Add(target) }

// Elapsed is to − from, or 0.
func (Wall) Elapsed(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	return to.Sub(from)
}

// Remaining is due − now.
func (Wall) Remaining(now, due time.Time) time.Duration { return due.Sub(now) }

// Outcome is how a promise ended.
type Outcome string

// The outcomes. Met and Breached count in compliance; Superseded (replaced
// by a new promise, e.g. after a reclassification or a reopen) and
// Cancelled (the promise stopped mattering before it fell due, e.g. the
// ticket was closed) do not.
const (
	Met        Outcome = "met"
	Breached   Outcome = "breached"
	Superseded Outcome = "superseded"
	Cancelled  Outcome = "cancelled"
)

// Counts reports whether o is kept or broken (not superseded, cancelled or
// still open).
func (o Outcome) Counts() bool { return o == Met || o == Breached }

// State is where a promise stands.
type State string

// The states of a promise: an open one is on track, at risk (within the
// at-risk window of its due instant), breached (past due) or paused; an
// ended one has its outcome as its state.
const (
	OnTrack       State = "on_track"
	AtRisk        State = "at_risk"
	StateBreached State = "breached"
	Paused        State = "paused"
	StateMet      State = "met"
)

// Promise is one timed promise. Its due instant moves only by extension
// (Due(due, pause) equals Due(start, target + pause): open time adds up),
// so a promise needs no more than its due instant to be paused and
// resumed; Target says what was promised (zero when not recorded, as for
// promises backfilled from history).
type Promise struct {
	Kind      string
	StartedAt time.Time
	// Target is the open time promised.
	Target time.Duration
	// DueAt is when Target (plus the open time spent paused) has passed.
	DueAt time.Time
	// Paused is the open time of the pauses that have ended and moved DueAt.
	Paused time.Duration
	// PausedAt is when the current pause began; nil when not paused.
	PausedAt *time.Time
	// EndedAt and Outcome say when and how it ended (nil and "" while open);
	// EndReason says why, for people.
	EndedAt   *time.Time
	Outcome   Outcome
	EndReason string
}

// Start is a new promise of kind, started at start, due after target of
// open time on c.
func Start(c Clock, kind string, start time.Time, target time.Duration) Promise {
	return Promise{Kind: kind, StartedAt: start, Target: target, DueAt: c.Due(start, target)}
}

// Open reports whether the promise has not ended.
func (p *Promise) Open() bool { return p.EndedAt == nil }

// Running reports whether the promise is open and not paused: it is owed.
func (p *Promise) Running() bool { return p.EndedAt == nil && p.PausedAt == nil }

// Pause stops the promise's clock at at; nothing happens when it is ended
// or already paused.
func (p *Promise) Pause(at time.Time) {
	if p.Running() {
		a := at
		p.PausedAt = &a
	}
}

// Resume restarts a paused promise's clock at at. The open time of the
// pause moves the due instant later, unless the promise was already broken
// when the pause began (a pause does not mend a broken promise).
func (p *Promise) Resume(c Clock, at time.Time) {
	if p.EndedAt != nil || p.PausedAt == nil {
		return
	}
	if p.PausedAt.Before(p.DueAt) {
		if e := c.Elapsed(*p.PausedAt, at); e > 0 {
			p.Paused += e
			p.DueAt = c.Due(p.DueAt, e) // = Due(start, target + every pause)
		}
	}
	p.PausedAt = nil
}

// Keep ends the promise at at because what was promised happened: met if
// at is not after the due instant, else breached. A paused promise is
// resumed at at first, so its pause counts. It returns the outcome.
func (p *Promise) Keep(c Clock, at time.Time, reason string) Outcome {
	if p.EndedAt != nil {
		return p.Outcome
	}
	p.Resume(c, at)
	o := Met
	if at.After(p.DueAt) {
		o = Breached
	}
	p.end(at, o, reason)
	return o
}

// Cancel ends the promise at at because it stopped mattering: cancelled,
// unless it was already broken by then (then breached: closing a ticket
// does not excuse a deadline already missed).
func (p *Promise) Cancel(c Clock, at time.Time, reason string) Outcome {
	if p.EndedAt != nil {
		return p.Outcome
	}
	p.Resume(c, at)
	o := Cancelled
	if at.After(p.DueAt) {
		o = Breached
	}
	p.end(at, o, reason)
	return o
}

// Supersede ends the promise at at because a new promise replaces it.
func (p *Promise) Supersede(at time.Time, reason string) {
	if p.EndedAt == nil {
		p.end(at, Superseded, reason)
	}
}

func (p *Promise) end(at time.Time, o Outcome, reason string) {
	a := at
	p.EndedAt, p.Outcome, p.EndReason, p.PausedAt = &a, o, reason, nil
}

// Restart is a new promise that continues p with another target (a
// reclassification) from p's start: the open time p spent paused, and the
// pause under way, carry over.
func (p *Promise) Restart(c Clock, target time.Duration) Promise {
	n := Promise{Kind: p.Kind, StartedAt: p.StartedAt, Target: target, Paused: p.Paused}
	n.DueAt = c.Due(n.StartedAt, n.Target+n.Paused)
	if p.PausedAt != nil {
		a := *p.PausedAt
		n.PausedAt = &a
	}
	return n
}

// Resumed is a new promise that continues an ended one from where it
// stopped (a ticket reopened after it was resolved): the same start and
// target, with the open time from the end to now added to the pauses.
func (p *Promise) Resumed(c Clock, now time.Time) Promise {
	n := Promise{Kind: p.Kind, StartedAt: p.StartedAt, Target: p.Target, Paused: p.Paused, DueAt: p.DueAt}
	if p.EndedAt != nil && p.EndedAt.Before(p.DueAt) {
		if e := c.Elapsed(*p.EndedAt, now); e > 0 {
			n.Paused += e
			n.DueAt = c.Due(p.DueAt, e)
		}
	}
	return n
}

// State is where the promise stands at now, and the open time left until
// it is due (negative: overdue by; for an ended promise, what was left when
// it ended). atRisk is the window before the due instant that is at risk.
func (p *Promise) State(c Clock, now time.Time, atRisk time.Duration) (State, time.Duration) {
	if p.EndedAt != nil {
		rem := c.Remaining(*p.EndedAt, p.DueAt)
		switch p.Outcome {
		case Met:
			return StateMet, rem
		case Breached:
			return StateBreached, rem
		}
		return State(p.Outcome), rem
	}
	if p.PausedAt != nil {
		if !p.PausedAt.Before(p.DueAt) {
			return StateBreached, c.Remaining(*p.PausedAt, p.DueAt)
		}
		return Paused, c.Remaining(*p.PausedAt, p.DueAt)
	}
	rem := c.Remaining(now, p.DueAt)
	switch {
	case now.After(p.DueAt):
		return StateBreached, rem
	case rem <= atRisk:
		return AtRisk, rem
	}
	return OnTrack, rem
}

// TimeToKeep is the open time from the start to the end, less the pauses:
// how long keeping (or breaking) the promise took. Zero while open.
func (p *Promise) TimeToKeep(c Clock) time.Duration {
	if p.EndedAt == nil {
		return 0
	}
	return max(c.Elapsed(p.StartedAt, *p.EndedAt)-p.Paused, 0)
}

// Owed is the running promise due soonest among ps, or nil: what a ticket
// owes now.
func Owed(ps []*Promise) *Promise {
	var o *Promise
	for _, p := range ps {
		if p.Running() && (o == nil || p.DueAt.Before(o.DueAt)) {
			o = p
		}
	}
	return o
}
