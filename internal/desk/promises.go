package desk

import (
	"time"

	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/sla"
)

// Promise is one of a ticket's timed promises (see package promise and the
// kinds in package sla), stored in its own table. Rows are appended, never
// replaced: a promise that stops applying ends (superseded, cancelled) and
// a new one carries on.
type Promise struct {
	ID       uint64
	TicketID uint64
	// Class is the class whose target the promise carries.
	Class string
	promise.Promise
	CreatedAt time.Time
}

// SLA states beyond the four of a response: a ticket that owes nothing and
// has no kept or broken response has none to show.
const (
	StateNone sla.State = "none"
)

// Owed is the promise a ticket owes now: its running promise due soonest,
// or nil.
func (t *Ticket) Owed() *Promise {
	var o *Promise
	for _, p := range t.Promises {
		if p.Running() && (o == nil || p.DueAt.Before(o.DueAt)) {
			o = p
		}
	}
	return o
}

// open is the ticket's open promise of kind (paused or running), or nil.
func (t *Ticket) open(kind string) *Promise {
	for i := len(t.Promises) - 1; i >= 0; i-- {
		if p := t.Promises[i]; p.Kind == kind && p.Open() {
			return p
		}
	}
	return nil
}

// openResponse is the open response promise (first or next), or nil.
func (t *Ticket) openResponse() *Promise {
	if p := t.open(sla.FirstResponse); p != nil {
		return p
	}
	return t.open(sla.NextResponse)
}

// last is the ticket's most recent promise of kind, open or ended, or nil.
func (t *Ticket) last(kind string) *Promise {
	for i := len(t.Promises) - 1; i >= 0; i-- {
		if t.Promises[i].Kind == kind {
			return t.Promises[i]
		}
	}
	return nil
}

// Settle sets the ticket's mirrors of its promises, which the queue's
// index reads: what is owed and when (QueueAt; when nothing is owed, the
// customer's last message), and how the last response promise that was
// kept or broken ended. The store calls it on every ticket it writes, so
// the mirrors never disagree with the promises.
//
// A ticket that carries no promises (one written by a path that predates
// them: a bulk import, a test) gets its first-response promise derived
// from its first-response columns, as the migration that introduced
// promises derived them for the tickets it found.
func Settle(t *Ticket) {
	if len(t.Promises) == 0 {
		t.Promises = []*Promise{firstResponseFromColumns(t)}
	}
	t.OwedKind, t.Idle = "", true
	t.QueueAt = t.CustomerAt
	if t.QueueAt.IsZero() {
		t.QueueAt = t.ReceivedAt
	}
	if o := t.Owed(); o != nil {
		t.OwedKind, t.Idle, t.QueueAt = o.Kind, false, o.DueAt
	}
	t.LastOutcome = ""
	for i := len(t.Promises) - 1; i >= 0; i-- {
		if p := t.Promises[i]; sla.IsResponse(p.Kind) && p.Outcome.Counts() {
			t.LastOutcome = string(p.Outcome)
			break
		}
	}
}

// firstResponseFromColumns is the first-response promise the ticket's
// first-response columns describe: started at receipt, due at
// ResponseDueAt, kept (met or breached) at FirstResponseAt; on a ticket
// closed without a reply, ended when it was closed (cancelled, or breached
// when already late). Its target is not recorded (zero).
func firstResponseFromColumns(t *Ticket) *Promise {
	p := &Promise{TicketID: t.ID, Class: t.Class, Promise: promise.Promise{Kind: sla.FirstResponse, StartedAt: t.ReceivedAt, DueAt: t.ResponseDueAt}}
	switch {
	case t.FirstResponseAt != nil:
		at := *t.FirstResponseAt
		p.EndedAt, p.Outcome, p.EndReason = &at, promise.Met, "public staff reply"
		if at.After(t.ResponseDueAt) {
			p.Outcome = promise.Breached
		}
	case !IsOpenStatus(t.Status):
		at := t.UpdatedAt
		if t.ClosedAt != nil {
			at = *t.ClosedAt
		}
		p.EndedAt, p.Outcome, p.EndReason = &at, promise.Cancelled, "ticket closed before a reply"
		if at.After(t.ResponseDueAt) {
			p.Outcome = promise.Breached
		}
	}
	return p
}

// promiseEvent is the timeline entry for a change to a promise.
func (s *Service) promiseEvent(p *Promise, action, body string, actor *User, at time.Time) *Event {
	return &Event{At: at, ActorID: actorID(actor), Actor: actorName(actor), Kind: EventPromise, Old: action, New: p.Kind, Body: body}
}

// startPromise begins a promise of kind for the ticket's class at start,
// or returns nil when the class makes no promise of that kind.
func (s *Service) startPromise(t *Ticket, kind string, start time.Time, actor *User, now time.Time) (*Promise, *Event) {
	d, ok := s.Policy.DurationFor(t.Class, kind)
	if !ok {
		return nil, nil
	}
	p := &Promise{Class: t.Class, Promise: promise.Start(s.Policy.Calendar(), kind, start, d)}
	p.DueAt = p.DueAt.UTC()
	t.Promises = append(t.Promises, p)
	target, _ := s.Policy.TargetFor(t.Class, kind)
	return p, s.promiseEvent(p, "started", capitalize(sla.KindLabel(kind))+" due "+s.Policy.Promise(p.DueAt)+" ("+target.Words()+").", actor, now)
}

// keepResponse ends the open response promise with a public staff reply at
// at, met or breached, and says so on the timeline.
func (s *Service) keepResponse(t *Ticket, actor *User, at time.Time) []*Event {
	p := t.openResponse()
	if p == nil {
		return nil
	}
	o := p.Keep(s.Policy.Calendar(), at, "public staff reply")
	rem := s.Policy.Calendar().Remaining(at, p.DueAt)
	day := s.Policy.Calendar().BusinessDay()
	what := capitalize(sla.KindLabel(p.Kind))
	words := what + " within the objective, " + sla.FormatBusiness(rem, day) + " of business time to spare."
	if o == promise.Breached {
		words = what + " after the objective: " + sla.FormatBusiness(rem, day) + " in business time."
	}
	if p.Kind == sla.FirstResponse {
		// The first response keeps its own entry (New: met or breached).
		return []*Event{{At: at, ActorID: actorID(actor), Actor: actorName(actor), Kind: EventFirstResponse, New: string(o), Body: words}}
	}
	return []*Event{s.promiseEvent(p, string(o), words, actor, at)}
}

// customerWrote records a message from the requester at at: a response is
// owed again (a next response) unless one is already owed.
func (s *Service) customerWrote(t *Ticket, at time.Time, actor *User, now time.Time) []*Event {
	if at.After(t.CustomerAt) {
		t.CustomerAt = at
	}
	if t.openResponse() != nil {
		return nil
	}
	if _, ev := s.startPromise(t, sla.NextResponse, at, actor, now); ev != nil {
		return []*Event{ev}
	}
	return nil
}

// statusChanged moves the promises with a status change at at: waiting on
// the customer pauses the resolution clock and leaving it resumes it;
// resolving keeps the resolution promise and drops the responses still
// owed (breached when already late); reopening resumes the resolution
// clock where it stopped.
func (s *Service) statusChanged(t *Ticket, old, status string, actor *User, at time.Time) []*Event {
	cal := s.Policy.Calendar()
	var events []*Event
	closing := !IsOpenStatus(status) && IsOpenStatus(old)
	reopening := IsOpenStatus(status) && !IsOpenStatus(old)
	if r := t.open(sla.Resolution); r != nil {
		switch {
		case closing:
			o := r.Keep(cal, at, "ticket "+status)
			events = append(events, s.promiseEvent(r, string(o), "Resolution "+outcomeWords(o)+".", actor, at))
		case status == StatusWaiting && r.Running():
			r.Pause(at)
			events = append(events, s.promiseEvent(r, "paused", "Resolution clock paused: waiting on the customer.", actor, at))
		case status != StatusWaiting && r.PausedAt != nil:
			r.Resume(cal, at)
			r.DueAt = r.DueAt.UTC()
			events = append(events, s.promiseEvent(r, "resumed", "Resolution clock resumed; due "+s.Policy.Promise(r.DueAt)+".", actor, at))
		}
	}
	if closing {
		for _, p := range t.Promises {
			if p.Open() && sla.IsResponse(p.Kind) {
				o := p.Cancel(cal, at, "ticket "+status+" before a reply")
				events = append(events, s.promiseEvent(p, string(o), capitalize(sla.KindLabel(p.Kind))+" "+outcomeWords(o)+": the ticket was "+status+" before a reply.", actor, at))
			}
		}
	}
	if reopening {
		if prev := t.last(sla.Resolution); prev != nil && prev.EndedAt != nil && prev.Outcome != promise.Superseded {
			n := &Promise{Class: prev.Class, Promise: prev.Resumed(cal, at)}
			n.DueAt = n.DueAt.UTC()
			prev.Outcome, prev.EndReason = promise.Superseded, "reopened"
			t.Promises = append(t.Promises, n)
			if status == StatusWaiting {
				n.Pause(at)
			}
			events = append(events, s.promiseEvent(n, "resumed", "Reopened: the resolution clock resumes; due "+s.Policy.Promise(n.DueAt)+".", actor, at))
		}
	}
	return events
}

// reclassified restarts the promises under the new class's targets, from
// their original start instants: every open one, and the first response
// even when kept (it is judged again against the new deadline). The old
// ones end as superseded. A resolution promise starts from receipt when
// the new class has one and the old did not; one the new class lacks ends.
func (s *Service) reclassified(t *Ticket, actor *User, now time.Time) []*Event {
	cal := s.Policy.Calendar()
	var events []*Event
	var restarted []*Promise
	for _, p := range t.Promises {
		first := p.Kind == sla.FirstResponse && p.Outcome != promise.Superseded && p.Outcome != promise.Cancelled
		if !p.Open() && !first {
			continue
		}
		d, ok := s.Policy.DurationFor(t.Class, p.Kind)
		if !ok {
			p.Cancel(cal, now, "class changed to "+t.Class)
			events = append(events, s.promiseEvent(p, string(p.Outcome), capitalize(sla.KindLabel(p.Kind))+" dropped: class "+t.Class+" makes no such promise.", actor, now))
			continue
		}
		n := &Promise{Class: t.Class, Promise: p.Restart(cal, d)}
		n.DueAt = n.DueAt.UTC()
		if !p.Open() { // the first response was already given: judge it again
			n.Keep(cal, *p.EndedAt, p.EndReason)
		}
		if p.Open() {
			p.Supersede(now, "class changed to "+t.Class)
		} else {
			p.Outcome, p.EndReason = promise.Superseded, "class changed to "+t.Class
		}
		restarted = append(restarted, n)
		if n.Kind == sla.FirstResponse {
			continue // its move is on the timeline already (due_changed, first_response)
		}
		words := capitalize(sla.KindLabel(n.Kind)) + " now due " + s.Policy.Promise(n.DueAt) + " (class " + t.Class + ")."
		if n.EndedAt != nil {
			words = capitalize(sla.KindLabel(n.Kind)) + " judged again against the new deadline: " + string(n.Outcome) + "."
		}
		events = append(events, s.promiseEvent(n, "restarted", words, actor, now))
	}
	t.Promises = append(t.Promises, restarted...)
	if t.open(sla.Resolution) == nil && t.last(sla.Resolution) == nil && t.Open {
		if _, ev := s.startPromise(t, sla.Resolution, t.ReceivedAt, actor, now); ev != nil {
			events = append(events, ev)
		}
	}
	return events
}

func outcomeWords(o promise.Outcome) string {
	switch o {
	case promise.Met:
		return "kept"
	case promise.Breached:
		return "broken"
	case promise.Cancelled:
		return "no longer owed"
	}
	return string(o)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
