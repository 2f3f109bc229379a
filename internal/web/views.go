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

func (s *Server) classOptions() []classOption {
	help := map[string]string{
		sla.Availability: "The platform or your application is down or badly degraded",
		sla.Provisioning: "Orgs, spaces, users, quotas, service instances, access",
		sla.Other:        "Questions, billing, documentation, compliance, feedback",
	}
	var out []classOption
	for _, c := range sla.Classes() {
		t, _ := s.svc.Policy.Target(c)
		out = append(out, classOption{Value: c, Label: titleCase(c), Objective: t.Words(), Help: help[c]})
	}
	return out
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
