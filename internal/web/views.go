package web

import (
	"strings"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/sla"
)

// ticketView is a ticket with its SLA standing as of one instant.
type ticketView struct {
	*desk.Ticket
	State     sla.State
	Remaining time.Duration
	// OwedWords is what the ticket owes, in words: "next response due in
	// 1h 20m", "resolution overdue by 2h 00m", "nothing owed — waiting on
	// the customer". OwedDue is the owed promise's due instant (zero when
	// nothing is owed) and Overdue whether it has passed.
	OwedWords string
	OwedDue   time.Time
	Overdue   bool
}

func (s *Server) view(t *desk.Ticket, now time.Time) ticketView {
	st, rem := s.svc.SLA(t, now)
	v := ticketView{Ticket: t, State: st, Remaining: rem}
	v.OwedWords, v.OwedDue, v.Overdue = s.owedWords(t, now)
	return v
}

// owedWords says what t owes as of now, with the due instant (business
// time left, as the rest of the queue).
func (s *Server) owedWords(t *desk.Ticket, now time.Time) (words string, due time.Time, overdue bool) {
	o := t.Owed()
	if o == nil {
		switch {
		case t.Status == desk.StatusWaiting:
			return "nothing owed — waiting on the customer", time.Time{}, false
		case !desk.IsOpenStatus(t.Status):
			return "nothing owed — " + strings.ToLower(desk.StatusLabel(t.Status)), time.Time{}, false
		}
		return "nothing owed — answered", time.Time{}, false
	}
	cal := s.svc.Policy.Calendar()
	what := sla.KindLabel(o.Kind)
	if s.svc.Policy.Bounds(now).State(o.DueAt) == sla.Breached {
		return what + " overdue by " + sla.FormatBusiness(-cal.Remaining(now, o.DueAt), cal.BusinessDay()), o.DueAt, true
	}
	return what + " due in " + sla.FormatBusiness(cal.Remaining(now, o.DueAt), cal.BusinessDay()), o.DueAt, false
}

// promiseView is one of a ticket's promises for people.
type promiseView struct {
	*desk.Promise
	Kind       string // "Next response"
	State      promise.State
	StateLabel string
	Remaining  time.Duration
	// PausedWords is the business time it was paused, in words ("" when
	// never paused).
	PausedWords string
	// Superseded promises were replaced by a later one (a reclassification,
	// a reopen): shown dimmed.
	Superseded bool
}

// promiseViews are the ticket's promises, oldest first, as of now.
func (s *Server) promiseViews(t *desk.Ticket, now time.Time) []promiseView {
	day := s.svc.Policy.Calendar().BusinessDay()
	var out []promiseView
	for _, p := range t.Promises {
		st, rem := s.svc.PromiseState(p, now)
		v := promiseView{Promise: p, Kind: upperFirst(sla.KindLabel(p.Kind)), State: st, StateLabel: promiseStateLabel(st),
			Remaining: rem, Superseded: p.Outcome == promise.Superseded}
		if p.Paused > 0 {
			v.PausedWords = sla.FormatBusiness(p.Paused, day) + " of business time"
		}
		out = append(out, v)
	}
	return out
}

// promiseStateLabel is a promise's state for people.
func promiseStateLabel(st promise.State) string {
	switch st {
	case promise.Paused:
		return "Paused"
	case promise.State(promise.Superseded):
		return "Superseded"
	case promise.State(promise.Cancelled):
		return "No longer owed"
	}
	return sla.State(st).Label() // on track, at risk, breached, met
}

// CustomerWrote is when the requester last wrote: CustomerAt, or the
// receipt when they have written only once.
func (v ticketView) CustomerWrote() time.Time {
	if v.CustomerAt.IsZero() {
		return v.ReceivedAt
	}
	return v.CustomerAt
}

// AssigneeEmail is "" when unassigned.
func (v ticketView) AssigneeEmail() string {
	if v.Assignee == nil {
		return ""
	}
	return v.Assignee.Email
}

// now is the server's clock (the service's, so tests can move it).
func (s *Server) now() time.Time {
	if s.svc.Now != nil {
		return s.svc.Now()
	}
	return time.Now()
}

// classOption is one choice in a class select, with its objective in words.
type classOption struct {
	Value, Label, Objective, Help string
}

// classOptions are the policy's classes, in its order, for forms,
// filters and the status page.
func (s *Server) classOptions() []classOption {
	var out []classOption
	for _, c := range s.svc.Policy.Classes() {
		out = append(out, classOption{Value: c.Name, Label: c.Title, Objective: c.FirstResponse.Words(), Help: c.Description})
	}
	return out
}
