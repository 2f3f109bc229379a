package desk

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Change is one thing that happened to a ticket since a version, for the
// agent whose page went stale: who, when, and what in words.
type Change struct {
	Version int64
	At      time.Time
	// Actor is who did it, by name ("Ana Lopez"; the address when there
	// is no name).
	Actor string
	Kind  string
	// Words says what happened, the actor first: "Ana Lopez replied",
	// "Ana Lopez changed the status from Open to Waiting on customer".
	Words    string
	Internal bool
	// Body is the text of a message, reply or note ("" for changes).
	Body string
}

// StaleError is the detail of a Conflict refused because the ticket
// changed after the version the client saw: the version it is at now and
// what changed since, oldest first. It travels as the Err of a Conflict
// *Error (see Stale), so the one error mapping can show it.
type StaleError struct {
	Ref     string
	Version int64
	Changes []Change
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("desk: %s changed: at version %d, %d change(s) since", e.Ref, e.Version, len(e.Changes))
}

// Stale finds the StaleError in err, or nil.
func Stale(err error) *StaleError {
	var se *StaleError
	if errors.As(err, &se) {
		return se
	}
	return nil
}

// IsConversation reports whether the event is a message in, a reply or a
// note: what the ticket page shows prominently.
func (e *Event) IsConversation() bool {
	return e.Kind == EventMessageIn || e.Kind == EventReply || e.Kind == EventNote
}

// ByPerson reports whether a person made the event (a staff member, the
// requester or a third party writing), as opposed to slatrack's own
// bookkeeping (acknowledgements, notices, promises moving with a change):
// only these make a page stale. A reply's promise and first-response
// entries come with the reply itself, so they are not listed apart.
func (e *Event) ByPerson() bool {
	switch e.Kind {
	case EventPromise, EventFirstResponse, EventDueChanged, EventAcknowledged, EventAckSkipped, EventMailIgnored:
		return false
	case EventMessageIn, EventBounce:
		return true
	}
	return e.ActorID != nil
}

// ActorName is who made the event, by name: the display name of "Name
// <address>", else the address, else Actor as it is ("slatrack").
func (e *Event) ActorName() string {
	name, addr := splitActor(e.Actor)
	if name != "" {
		return name
	}
	return addr
}

// ActorEmail is the address of who made the event ("" for slatrack).
func (e *Event) ActorEmail() string {
	_, addr := splitActor(e.Actor)
	if strings.Contains(addr, "@") {
		return addr
	}
	return ""
}

func splitActor(actor string) (name, addr string) {
	if a, err := mail.ParseAddress(actor); err == nil {
		return a.Name, a.Address
	}
	return "", actor
}

// EventLabel is an event kind for people: "Reply", "Internal note",
// "Status changed".
func EventLabel(kind string) string {
	switch kind {
	case EventCreated:
		return "Ticket opened"
	case EventMessageIn:
		return "Message"
	case EventReply:
		return "Reply"
	case EventNote:
		return "Internal note"
	case EventClassChanged:
		return "Class changed"
	case EventStatusChanged:
		return "Status changed"
	case EventAssigned:
		return "Assignment"
	case EventDueChanged:
		return "Deadline moved"
	case EventFirstResponse:
		return "First response"
	case EventLinked:
		return "Linked ticket"
	case EventAcknowledged:
		return "Acknowledgement sent"
	case EventAckSkipped:
		return "No acknowledgement"
	case EventBounce:
		return "Delivery failed"
	case EventMailIgnored:
		return "Automatic mail ignored"
	case EventPromise:
		return "Promise"
	case "notified":
		return "Staff notified"
	case EventParticipantAdded:
		return "Person copied"
	case EventParticipantRemoved:
		return "Person no longer copied"
	case EventMerged:
		return "Merged"
	case "":
		return ""
	}
	return capitalize(strings.ReplaceAll(kind, "_", " "))
}

// Describe says what an event did, its actor's name first: "Ana Lopez
// replied", "Ana Lopez changed the status from Open to Waiting on
// customer", "slatrack sent the acknowledgement". staffName turns a staff
// address into a name (nil: addresses as they are).
func (s *Service) Describe(e *Event, staffName func(email string) string) string {
	who := e.ActorName()
	name := func(email string) string {
		if email == "" {
			return "nobody"
		}
		if staffName != nil {
			if n := staffName(email); n != "" {
				return n
			}
		}
		return email
	}
	title := func(class string) string {
		if s.Policy == nil {
			return class
		}
		return s.Policy.Title(class)
	}
	switch e.Kind {
	case EventMessageIn:
		return who + " wrote"
	case EventReply:
		return who + " replied"
	case EventNote:
		return who + " added an internal note"
	case EventCreated:
		return "Ticket opened: " + e.Body
	case EventStatusChanged:
		return who + " changed the status from " + StatusLabel(e.Old) + " to " + StatusLabel(e.New)
	case EventClassChanged:
		w := who + " changed the class from " + title(e.Old) + " to " + title(e.New)
		if e.Reason != "" {
			w += " (" + e.Reason + ")"
		}
		return w
	case EventAssigned:
		switch {
		case e.New == "":
			return who + " unassigned it (was " + name(e.Old) + ")"
		case e.Old == "" && name(e.New) == who:
			return who + " took it"
		case e.Old == "":
			return who + " assigned it to " + name(e.New)
		}
		return who + " reassigned it from " + name(e.Old) + " to " + name(e.New)
	case EventDueChanged:
		return "The first response is now due " + s.dueWords(e.New) + " (was " + s.dueWords(e.Old) + ")"
	case EventLinked:
		return "Linked to " + e.New + strings.TrimSpace(" "+e.Body)
	case EventBounce:
		return "A message to the requester could not be delivered" + strings.TrimSpace(" "+e.Body)
	}
	if e.Body != "" {
		return e.Body
	}
	return EventLabel(e.Kind)
}

// dueWords is a stored deadline (RFC 3339 in the event) as a promise in
// words.
func (s *Service) dueWords(v string) string {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil || s.Policy == nil {
		return v
	}
	return s.Policy.Promise(t)
}

// changesOf are the events that count as someone changing the ticket, as
// Changes.
func (s *Service) changesOf(events []*Event, staffName func(string) string) []Change {
	var out []Change
	for _, e := range events {
		if !e.ByPerson() {
			continue
		}
		c := Change{Version: e.Version, At: e.At, Actor: e.ActorName(), Kind: e.Kind, Words: s.Describe(e, staffName), Internal: e.Internal}
		if e.IsConversation() {
			c.Body = e.Body
		}
		out = append(out, c)
	}
	return out
}

// checkFresh refuses a change made on a ticket page or API read at
// version expected (0: the client did not say, no check) when someone has
// changed the ticket since: a Conflict carrying the StaleError. slatrack's
// own bookkeeping since (notices, acknowledgements) does not count.
func (s *Service) checkFresh(tx Tx, t *Ticket, expected int64) error {
	if expected > t.Version {
		return FieldError("expected_version", "expected_version %d is ahead of the ticket, which is at version %d: send the version you read", expected, t.Version)
	}
	if expected <= 0 || t.Version == expected {
		return nil
	}
	events, err := tx.EventsSince(t.ID, expected)
	if err != nil {
		return err
	}
	changes := s.changesOf(events, nil)
	if len(changes) == 0 {
		return nil
	}
	words := make([]string, 0, len(changes))
	for _, c := range changes {
		words = append(words, c.Words)
	}
	return &Error{Code: Conflict, Field: "expected_version",
		Message: t.Ref + " changed since you opened it: " + strings.Join(words, "; ") + ". Read the changes, then send again if you still want to.",
		Err:     &StaleError{Ref: t.Ref, Version: t.Version, Changes: changes}}
}

// ChangesSince is what people changed on the ticket after version (oldest
// first) and the version it is at now; staffName names staff addresses.
func (s *Service) ChangesSince(ctx context.Context, ref string, version int64, staffName func(string) string) (*Ticket, []Change, error) {
	t, events, err := s.Get(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	var after []*Event
	for _, e := range events {
		if e.Version > version {
			after = append(after, e)
		}
	}
	return t, s.changesOf(after, staffName), nil
}
