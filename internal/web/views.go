package web

import (
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/sla"
)

// ticketView is a ticket with its SLA standing as of one instant.
type ticketView struct {
	*desk.Ticket
	State     sla.State
	Remaining time.Duration
}

func (s *Server) view(t *desk.Ticket, now time.Time) ticketView {
	st, rem := s.svc.SLA(t, now)
	return ticketView{Ticket: t, State: st, Remaining: rem}
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
