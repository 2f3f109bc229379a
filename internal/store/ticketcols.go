package store

import "github.com/slatrack/slatrack/internal/desk"

// ticketColumn is one stored column of a ticket and the field it holds.
type ticketColumn struct {
	name string
	get  func(t *desk.Ticket) any
	// fixed columns never change after the insert (UpdateTicketWith
	// leaves them alone).
	fixed bool
}

// ticketColumns is the one list of a ticket's columns, but id (the
// database numbers it), in the table's order: inserts, updates and bulk
// imports all write from it, and reads fill the same fields by name.
// TestTicketColumns_EveryFieldRoundTrips fails when a field of desk.Ticket
// is not written, read, imported or copied.
var ticketColumns = []ticketColumn{
	{name: "ref", get: func(t *desk.Ticket) any { return t.Ref }, fixed: true},
	{name: "subject", get: func(t *desk.Ticket) any { return t.Subject }},
	{name: "body", get: func(t *desk.Ticket) any { return t.Body }},
	{name: "requester_email", get: func(t *desk.Ticket) any { return t.RequesterEmail }},
	{name: "requester_name", get: func(t *desk.Ticket) any { return t.RequesterName }},
	{name: "channel", get: func(t *desk.Ticket) any { return t.Channel }},
	{name: "class", get: func(t *desk.Ticket) any { return t.Class }},
	{name: "class_by", get: func(t *desk.Ticket) any { return t.ClassBy }},
	{name: "class_reason", get: func(t *desk.Ticket) any { return t.ClassReason }},
	{name: "status", get: func(t *desk.Ticket) any { return t.Status }},
	{name: "open", get: func(t *desk.Ticket) any { return t.Open }},
	{name: "assignee_id", get: func(t *desk.Ticket) any { return idOrNil(t.AssigneeID) }},
	{name: "received_at", get: func(t *desk.Ticket) any { return t.ReceivedAt }},
	{name: "response_due_at", get: func(t *desk.Ticket) any { return t.ResponseDueAt }},
	{name: "first_response_at", get: func(t *desk.Ticket) any { return timeOrNil(t.FirstResponseAt) }},
	{name: "answered", get: func(t *desk.Ticket) any { return t.Answered }},
	{name: "flag", get: func(t *desk.Ticket) any { return t.Flag }},
	{name: "closed_at", get: func(t *desk.Ticket) any { return timeOrNil(t.ClosedAt) }},
	{name: "created_at", get: func(t *desk.Ticket) any { return t.CreatedAt }, fixed: true},
	{name: "updated_at", get: func(t *desk.Ticket) any { return t.UpdatedAt }},
	{name: "customer_at", get: func(t *desk.Ticket) any { return t.CustomerAt }},
	{name: "owed_kind", get: func(t *desk.Ticket) any { return t.OwedKind }},
	{name: "idle", get: func(t *desk.Ticket) any { return t.Idle }},
	{name: "queue_at", get: func(t *desk.Ticket) any { return t.QueueAt }},
	{name: "last_outcome", get: func(t *desk.Ticket) any { return t.LastOutcome }},
	// version moves only in bumpVersion: updates leave it alone.
	{name: "version", get: func(t *desk.Ticket) any { return t.Version }, fixed: true},
}

// ticketColumnNames are the names of ticketColumns, in order.
func ticketColumnNames() []string {
	out := make([]string, len(ticketColumns))
	for i, c := range ticketColumns {
		out[i] = c.name
	}
	return out
}

// ticketValues are t's values for ticketColumns, appended to args.
func ticketValues(t *desk.Ticket, args []any) []any {
	for _, c := range ticketColumns {
		args = append(args, c.get(t))
	}
	return args
}

// ticketUpdates are the columns an update writes: every one but the fixed.
func ticketUpdates(t *desk.Ticket) map[string]any {
	m := make(map[string]any, len(ticketColumns))
	for _, c := range ticketColumns {
		if !c.fixed {
			m[c.name] = c.get(t)
		}
	}
	return m
}

func idOrNil(id *uint64) any {
	if id == nil {
		return nil
	}
	return int64(*id)
}
