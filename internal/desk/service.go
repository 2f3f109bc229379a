package desk

import (
	"context"
	"fmt"
	netmail "net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/slatrack/slatrack/internal/classify"
	"github.com/slatrack/slatrack/internal/mail"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/sla"
)

// Limits on what a ticket may hold; they keep pages and mail sane.
const (
	MaxSubject = 300
	MaxBody    = 100_000
	MaxName    = 200
	MaxEmail   = 254
	MaxReason  = 500
)

// Service applies the desk's rules on top of a Store: it classifies, sets
// and recomputes deadlines, stops the response clock, and writes every
// change to the ticket's timeline. It is safe for concurrent use. Its
// store is reached only through its methods, so every rule about what is
// stored stays here, whoever calls.
type Service struct {
	Config
	tickets  TicketStore
	accounts AccountStore
	messages MailStore
	macros   MacroStore
	presence PresenceStore
	related  RelatedStore
	views    ViewStore

	dummyOnce sync.Once
	dummyHash []byte
}

// Config is how a Service applies the rules: the published policy, the
// classifier, and the settings for references, time, passwords and mail.
type Config struct {
	Policy     *sla.Policy
	Classifier *classify.Classifier
	RefPrefix  string
	// Now is the clock; tests stand it on a Saturday night or a holiday.
	Now func() time.Time
	// BcryptCost is the password hashing cost (0: DefaultBcryptCost).
	BcryptCost int
	// Mail turns on mail in and out; nil means no mail is sent.
	Mail *MailSettings
}

// NewService is a Service on st configured by c.
func NewService(st Store, c Config) *Service {
	return &Service{Config: c, tickets: st, accounts: st, messages: st, macros: st, presence: st, related: st, views: st}
}

// now is Service.Now truncated to what every database keeps.
func (s *Service) now() time.Time {
	n := time.Now
	if s.Now != nil {
		n = s.Now
	}
	return n().UTC().Truncate(time.Microsecond)
}

// NewTicket is a request as it arrives, from the form, the API or mail.
type NewTicket struct {
	Subject        string
	Body           string
	RequesterEmail string
	RequesterName  string
	Class          string // optional: the requester's (or API client's) choice
	Channel        string
	// ReceivedAt backdates an imported ticket; zero means now. Only admins
	// may set it (checked by the caller that knows who is asking).
	ReceivedAt time.Time
	// Flag starts the ticket flagged (Ticket.Flag), e.g. mail from an
	// unverified sender.
	Flag string
	// NoAck, when set, says why the requester gets no acknowledgement
	// (e.g. mail from a sender that could not be verified: answering a
	// forged address is backscatter).
	NoAck string
	// Files are attached by the requester (the web form, the API), under
	// inbound mail's limits and filename cleaning.
	Files []mail.Upload
}

// Validate checks a new ticket against the policy's classes and normalises
// it in place. The error carries every field problem at once.
func (n *NewTicket) Validate(p *sla.Policy) error {
	v := ValidationErrors{}
	n.Subject = strings.TrimSpace(oneLine(noNUL(n.Subject)))
	n.Body = strings.TrimSpace(noNUL(n.Body))
	n.RequesterName = strings.TrimSpace(oneLine(noNUL(n.RequesterName)))
	n.RequesterEmail = strings.TrimSpace(n.RequesterEmail)
	n.Class = strings.TrimSpace(strings.ToLower(n.Class))
	switch {
	case n.Subject == "":
		v.Add("subject", "please give a short summary")
	case utf8.RuneCountInString(n.Subject) > MaxSubject:
		v.Add("subject", "the subject must be at most 300 characters")
	}
	switch {
	case n.Body == "":
		v.Add("body", "please describe what you need")
	case len(n.Body) > MaxBody:
		v.Add("body", "the description must be at most 100,000 bytes")
	}
	if email, err := NormalizeEmail(n.RequesterEmail); err != nil {
		v.Add("requester_email", err.Error())
	} else {
		n.RequesterEmail = email
	}
	if utf8.RuneCountInString(n.RequesterName) > MaxName {
		v.Add("requester_name", "the name must be at most 200 characters")
	}
	if n.Class != "" && !p.ValidClass(n.Class) {
		v.Add("class", "the category must be one of "+p.ClassList()+" (or empty to let slatrack decide)")
	}
	if !utf8.ValidString(n.Subject + n.Body + n.RequesterName) {
		v.Add("body", "the text must be valid UTF-8")
	}
	return v.Err("requester_name", "requester_email", "subject", "body", "class")
}

// NormalizeEmail checks a bare address (no display name) and lowercases it.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Errorf(Invalid, "please give an email address")
	}
	if len(s) > MaxEmail {
		return "", Errorf(Invalid, "must be at most 254 characters")
	}
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", Errorf(Invalid, "%q is not an email address like name@agency.gov", s)
	}
	if err := routable(s); err != nil {
		return "", err
	}
	return strings.ToLower(s), nil
}

// noNUL drops NUL bytes, which no text field needs and PostgreSQL refuses.
func noNUL(s string) string { return strings.ReplaceAll(s, "\x00", "") }

func oneLine(s string) string {
	return strings.Join(strings.Fields(withoutBidi(s)), " ")
}

// CreateTicket classifies, sets the deadline and stores a new ticket with
// its first timeline entries, and queues the acknowledgement to the
// requester. actor is nil for anonymous intake.
func (s *Service) CreateTicket(ctx context.Context, n NewTicket, actor *User) (*Ticket, error) {
	if err := n.Validate(s.Policy); err != nil {
		return nil, err
	}
	now := s.now()
	if !n.ReceivedAt.IsZero() {
		if !actor.IsAdmin() {
			return nil, &Error{Code: Forbidden, Field: "received_at", Message: "only an admin may set received_at (for importing history)"}
		}
		if n.ReceivedAt.After(now) {
			return nil, FieldError("received_at", "the time of receipt may not be in the future")
		}
	}
	atts, err := s.checkFiles(n.Files)
	if err != nil {
		return nil, err
	}
	var extend func(*Ticket, *Writes)
	if len(atts) > 0 {
		extend = func(t *Ticket, w *Writes) {
			m := heldFiles(n.Channel, n.Subject, atts, t.ReceivedAt)
			m.FromAddr = n.RequesterEmail
			w.Messages = append(w.Messages, m)
			w.Events[0].Mail = m
		}
	}
	return s.createTicket(ctx, n, actor, now, extend, "")
}

// createTicket stores a validated ticket. extend adds rows to the same
// transaction; inReplyTo threads the acknowledgement under the requester's
// mail. Imported (backdated) tickets get no acknowledgement.
func (s *Service) createTicket(ctx context.Context, n NewTicket, actor *User, now time.Time, extend func(*Ticket, *Writes), inReplyTo string) (*Ticket, error) {
	received := now
	if !n.ReceivedAt.IsZero() {
		received = n.ReceivedAt.UTC().Truncate(time.Microsecond)
	}
	class, by, reason := DecideClass(s.Policy, s.Classifier.Classify(n.Subject, n.Body), n.Class)
	due, err := s.Policy.Due(class, received)
	if err != nil {
		return nil, &Error{Code: Internal, Err: err}
	}
	t := &Ticket{
		Subject:        n.Subject,
		Body:           n.Body,
		RequesterEmail: n.RequesterEmail,
		RequesterName:  n.RequesterName,
		Channel:        n.Channel,
		Class:          class,
		ClassBy:        by,
		ClassReason:    reason,
		Status:         StatusNew,
		Open:           true,
		ReceivedAt:     received,
		ResponseDueAt:  due.UTC(),
		Flag:           n.Flag,
	}
	s.startPromise(t, sla.FirstResponse, received, actor, now)
	_, resolutionEvent := s.startPromise(t, sla.Resolution, received, actor, now)
	requester := n.RequesterEmail
	if n.RequesterName != "" {
		requester = n.RequesterName + " <" + n.RequesterEmail + ">"
	}
	how := map[string]string{ChannelWeb: "web form", ChannelAPI: "API", ChannelEmail: "email"}[n.Channel]
	err = s.tickets.CreateTicketWith(ctx, s.RefPrefix, t, func(tx Tx, t *Ticket) (Writes, error) {
		w := Writes{Events: []*Event{
			{At: received, Actor: requester, Kind: EventMessageIn, Body: n.Body, New: n.Subject},
			{At: received, Actor: actorName(actor), ActorID: actorID(actor), Kind: EventCreated,
				Body: "Received via " + how + "; classified " + class + " (" + reason + "); first response due " + s.Policy.Promise(due) + "."},
		}}
		if resolutionEvent != nil {
			w.Events = append(w.Events, resolutionEvent)
		}
		if extend != nil {
			extend(t, &w)
		}
		switch {
		case !n.ReceivedAt.IsZero():
		case n.NoAck != "":
			w.Events = append(w.Events, &Event{At: now, Actor: "slatrack", Kind: EventAckSkipped, Body: n.NoAck})
		default:
			o, m, skipped, err := s.ackMail(tx, t, inReplyTo, now)
			if err != nil {
				return w, err
			}
			if skipped != "" {
				w.Events = append(w.Events, &Event{At: now, Actor: "slatrack", Kind: EventAckSkipped, Body: skipped})
			}
			if o != nil {
				w.Outbox = append(w.Outbox, o)
				w.Messages = append(w.Messages, m)
				w.Events = append(w.Events, &Event{At: now, Actor: "slatrack", Kind: EventAcknowledged, Mail: m,
					Body: "Acknowledgement sent to " + t.RequesterEmail + " (" + o.Subject + ")."})
			}
		}
		return w, nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// DecideClass applies the classifier's result res and the requester's
// choice requested ("" for none). A class with OverridesRequester wins when
// its rules say so, over any class without it (by default: a missed outage
// is the costliest mistake, so availability wins whenever either the
// requester or a rule says so).
func DecideClass(p *sla.Policy, res classify.Result, requested string) (class, by, reason string) {
	if requested == "" {
		return res.Class, ClassByRule, res.Reason()
	}
	ruled, _ := p.Class(res.Class)
	chosen, _ := p.Class(requested)
	if res.Class != requested && ruled.OverridesRequester && !chosen.OverridesRequester {
		return res.Class, ClassByRule, "requester chose " + requested + ", but " + res.Reason() + " (" + res.Class + " wins when in doubt)"
	}
	return requested, ClassByRequester, "chosen by the requester"
}

func actorName(u *User) string {
	if u == nil {
		return "slatrack"
	}
	return u.Display()
}

func actorID(u *User) *uint64 {
	if u == nil {
		return nil
	}
	id := u.ID
	return &id
}

// Get returns a ticket and its timeline.
func (s *Service) Get(ctx context.Context, ref string) (*Ticket, []*Event, error) {
	t, err := s.tickets.GetTicket(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	ev, err := s.tickets.Timeline(ctx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	return t, ev, nil
}

// Reply adds a staff message. A public reply is mailed to the requester
// (through the outbox) and keeps the response promise owed (the first
// response, or the next one after the requester wrote again); an internal
// note is staff-only.
func (s *Service) Reply(ctx context.Context, ref string, actor *User, body string, internal bool) (*Ticket, error) {
	return s.ReplyWith(ctx, ref, actor, ReplyInput{Body: body, Internal: internal})
}

// ReplyAt is Reply recorded at an earlier instant, for an admin importing a
// ticket's history (zero at means now; see when). A reply with at is
// recorded, not mailed: it was sent long ago.
func (s *Service) ReplyAt(ctx context.Context, ref string, actor *User, body string, internal bool, at time.Time) (*Ticket, error) {
	return s.ReplyWith(ctx, ref, actor, ReplyInput{Body: body, Internal: internal, At: at})
}

// ReplyInput is a staff reply or internal note as given.
type ReplyInput struct {
	Body     string
	Internal bool
	// At records it at an earlier instant (admins importing history).
	At time.Time
	// ExpectedVersion is the ticket's version the agent saw (0: no
	// check); when people changed the ticket since, the reply is refused
	// with what changed (a Conflict carrying a StaleError).
	ExpectedVersion int64
	// MacroID is the canned response the text came from (0: none): its
	// actions (status, class, assignee) apply with the reply, each logged.
	MacroID uint64
	// Files go out with the mail (the requester and every participant
	// receive them) and are kept for download on the ticket, under inbound
	// mail's limits and filename cleaning.
	Files []mail.Upload
}

// ReplyWith is Reply with every option: a history instant, the version
// check, a macro's actions and files. A public reply is copied to the
// ticket's participants.
func (s *Service) ReplyWith(ctx context.Context, ref string, actor *User, in ReplyInput) (*Ticket, error) {
	internal, at := in.Internal, in.At
	if err := canBackdate(actor, at); err != nil {
		return nil, err
	}
	// Browsers send a textarea's lines with CRLF: stored with LF, as
	// every other text.
	body := strings.TrimSpace(noNUL(strings.ReplaceAll(in.Body, "\r\n", "\n")))
	if body == "" {
		return nil, FieldError("body", "please write something")
	}
	if len(body) > MaxBody {
		return nil, &Error{Code: TooLarge, Field: "body", Message: "the message must be at most 100,000 bytes"}
	}
	if !utf8.ValidString(body) {
		return nil, FieldError("body", "the message must be valid UTF-8 text")
	}
	var (
		actions  Patch
		assignee *User
		macro    *Macro
	)
	if in.MacroID != 0 {
		m, err := s.macroActions(ctx, in.MacroID, actor)
		if err != nil {
			return nil, err
		}
		macro, actions = m, m.patch(actor)
		if assignee, err = s.patchAssignee(ctx, actions); err != nil {
			return nil, err
		}
	}
	atts, err := s.checkFiles(in.Files)
	if err != nil {
		return nil, err
	}
	var refs []string
	var lastIn string
	mailIt := !internal && s.Mail != nil && at.IsZero()
	if mailIt {
		t, err := s.tickets.GetTicket(ctx, ref)
		if err != nil {
			return nil, err
		}
		if refs, lastIn, err = s.threadIDs(ctx, t); err != nil {
			return nil, err
		}
	}
	return s.tickets.UpdateTicketWith(ctx, ref, func(tx Tx, t *Ticket) (Writes, error) {
		if err := s.checkFresh(tx, t, in.ExpectedVersion); err != nil {
			return Writes{}, err
		}
		now, err := s.when(tx, t, at)
		if err != nil {
			return Writes{}, err
		}
		if err := notMerged(tx, t); err != nil {
			return Writes{}, err
		}
		ev := &Event{At: now, ActorID: actorID(actor), Actor: actorName(actor), Body: body}
		w := Writes{Events: []*Event{ev}}
		if internal {
			ev.Kind, ev.Internal = EventNote, true
		} else {
			ev.Kind = EventReply
			if mailIt {
				cc, err := s.replyCopies(tx, t)
				if err != nil {
					return w, err
				}
				o, m, err := s.outgoingWith(t, OutboxReply, "Re: ["+t.Ref+"] "+t.Subject, body+"\r\n", lastIn, refs, "", now, cc, atts)
				if err != nil {
					return w, err
				}
				w.Outbox, w.Messages, ev.Mail = []*OutboxMail{o}, []*Message{m}, m
			}
			if t.FirstResponseAt == nil {
				t.FirstResponseAt = &now
				t.Answered = true
			}
			w.Events = append(w.Events, s.keepResponse(t, actor, now)...)
			if t.Status == StatusNew && actions.Status == nil {
				w.Events = append(w.Events, s.setStatus(t, StatusOpen, actor, now)...)
			}
		}
		if ev.Mail == nil && len(atts) > 0 {
			what := "Reply"
			if internal {
				what = "Internal note"
			}
			ev.Mail = heldFiles("staff", what, atts, now)
			w.Messages = []*Message{ev.Mail}
		}
		if macro != nil {
			done := s.applyPatch(t, actions, assignee, actor, now)
			for _, e := range done {
				if e.ActorID != nil && e.Reason == "" {
					e.Reason = "macro “" + macro.Name + "”"
				}
			}
			w.Events = append(w.Events, done...)
		}
		return w, nil
	})
}

// setStatus changes the ticket's status at now and moves its promises with
// it (see statusChanged), returning the timeline entries.
func (s *Service) setStatus(t *Ticket, status string, actor *User, now time.Time) []*Event {
	old := t.Status
	ev := &Event{At: now, ActorID: actorID(actor), Actor: actorName(actor), Kind: EventStatusChanged, Old: old, New: status}
	t.Status = status
	t.Open = IsOpenStatus(status)
	if t.Open {
		t.ClosedAt = nil
	} else {
		t.ClosedAt = &now
	}
	return append([]*Event{ev}, s.statusChanged(t, old, status, actor, now)...)
}

// Patch is a staff change to a ticket; nil fields stay as they are.
type Patch struct {
	Class         *string
	Status        *string
	AssigneeEmail *string // "" unassigns
	Reason        string  // why (recorded with a class change)
	// At records the change at an earlier instant, for an admin importing
	// history (zero: now; see when).
	At time.Time
	// ExpectedVersion is the ticket's version the agent saw (0: no
	// check); see ReplyInput.ExpectedVersion.
	ExpectedVersion int64
}

// Update applies a patch in one transaction, logging each change.
func (s *Service) Update(ctx context.Context, ref string, actor *User, p Patch) (*Ticket, error) {
	assignee, err := s.checkPatch(ctx, actor, &p)
	if err != nil {
		return nil, err
	}
	return s.patchTicket(ctx, ref, actor, p, assignee)
}

// checkPatch validates p (normalising its reason) and finds its assignee
// (nil when it unassigns or leaves the assignee alone).
func (s *Service) checkPatch(ctx context.Context, actor *User, p *Patch) (*User, error) {
	v := ValidationErrors{}
	if p.Class != nil && !s.Policy.ValidClass(*p.Class) {
		v.Add("class", "the class must be one of "+s.Policy.ClassList())
	}
	if p.Status != nil && !ValidStatus(*p.Status) {
		v.Add("status", "the status must be one of new, open, waiting, resolved, closed")
	}
	p.Reason = strings.TrimSpace(oneLine(noNUL(p.Reason)))
	if utf8.RuneCountInString(p.Reason) > MaxReason {
		v.Add("reason", "the reason must be at most 500 characters")
	}
	if err := v.Err("class", "status", "reason"); err != nil {
		return nil, err
	}
	if p.Class == nil && p.Status == nil && p.AssigneeEmail == nil {
		return nil, FieldError("class", "nothing to change: give class, status or assignee")
	}
	if err := canBackdate(actor, p.At); err != nil {
		return nil, err
	}
	return s.patchAssignee(ctx, *p)
}

// patchTicket applies a checked patch to one ticket in one transaction.
func (s *Service) patchTicket(ctx context.Context, ref string, actor *User, p Patch, assignee *User) (*Ticket, error) {
	return s.tickets.UpdateTicketWith(ctx, ref, func(tx Tx, t *Ticket) (Writes, error) {
		if err := s.checkFresh(tx, t, p.ExpectedVersion); err != nil {
			return Writes{}, err
		}
		now, err := s.when(tx, t, p.At)
		if err != nil {
			return Writes{}, err
		}
		return Writes{Events: s.applyPatch(t, p, assignee, actor, now)}, nil
	})
}

// patchAssignee is the active staff member p assigns to (nil when p
// unassigns or leaves the assignee).
func (s *Service) patchAssignee(ctx context.Context, p Patch) (*User, error) {
	if p.AssigneeEmail == nil || *p.AssigneeEmail == "" {
		return nil, nil
	}
	u, err := s.accounts.GetUserByEmail(ctx, strings.TrimSpace(*p.AssigneeEmail))
	if ErrorCode(err) == NotFound || (err == nil && !u.Active) {
		return nil, FieldError("assignee_email", "no active staff member has the address %q", *p.AssigneeEmail)
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// applyPatch makes p's changes to t at now (assignee is the user
// p.AssigneeEmail names), returning the timeline entries; what is already
// so is left alone.
func (s *Service) applyPatch(t *Ticket, p Patch, assignee *User, actor *User, now time.Time) []*Event {
	var events []*Event
	if p.Class != nil && *p.Class != t.Class {
		// The restarted promises are new ones: their warnings are armed.
		events = append(events, s.reclassify(t, *p.Class, p.Reason, actor, now)...)
	}
	if p.Status != nil && *p.Status != t.Status {
		events = append(events, s.setStatus(t, *p.Status, actor, now)...)
	}
	if p.AssigneeEmail != nil {
		old := ""
		if t.Assignee != nil {
			old = t.Assignee.Email
		}
		var newID *uint64
		newEmail := ""
		if assignee != nil {
			newID, newEmail = &assignee.ID, assignee.Email
		}
		if old != newEmail {
			t.AssigneeID, t.Assignee = newID, assignee
			events = append(events, &Event{At: now, ActorID: actorID(actor), Actor: actorName(actor), Kind: EventAssigned, Old: old, New: newEmail})
		}
	}
	return events
}

// canBackdate refuses an earlier instant from anyone but an admin: only
// imports of history may say when something happened.
func canBackdate(actor *User, at time.Time) error {
	if !at.IsZero() && !actor.IsAdmin() {
		return &Error{Code: Forbidden, Field: "at", Message: "only an admin may set at (for importing history)"}
	}
	return nil
}

// when is the instant a change to t is recorded at: now, or for an import
// of history at, which may not be in the future, before the ticket was
// received, or before its last timeline entry (history is told in order,
// so every promise is computed from the real instants).
func (s *Service) when(tx Tx, t *Ticket, at time.Time) (time.Time, error) {
	now := s.now()
	if at.IsZero() {
		return now, nil
	}
	at = at.UTC().Truncate(time.Microsecond)
	switch {
	case at.After(now):
		return time.Time{}, FieldError("at", "the time may not be in the future")
	case at.Before(t.ReceivedAt):
		return time.Time{}, FieldError("at", "the time may not be before the ticket was received (%s)", s.Policy.Promise(t.ReceivedAt))
	}
	last, err := tx.LastEventAt(t.ID)
	if err != nil {
		return time.Time{}, err
	}
	if at.Before(last) {
		return time.Time{}, FieldError("at", "the time may not be before the ticket's last timeline entry (%s): record history in order", s.Policy.Promise(last))
	}
	return at, nil
}

// NewMessage is a message from the requester recorded by staff or an
// import: a phone call, or mail that came some other way.
type NewMessage struct {
	Body string
	// FromEmail is who wrote ("" = the requester).
	FromEmail string
	// At is when they wrote (zero = now; admins only otherwise, see when).
	At time.Time
}

// AddMessage records a message from the requester on the ticket, as mail
// from them would be: a ticket waiting on them or resolved returns to
// open, and a response is owed again unless one already is.
func (s *Service) AddMessage(ctx context.Context, ref string, actor *User, n NewMessage) (*Ticket, error) {
	v := ValidationErrors{}
	n.Body = strings.TrimSpace(noNUL(n.Body))
	switch {
	case n.Body == "":
		v.Add("body", "please write what they said")
	case len(n.Body) > MaxBody:
		v.Add("body", "the message must be at most 100,000 bytes")
	case !utf8.ValidString(n.Body):
		v.Add("body", "the message must be valid UTF-8 text")
	}
	if strings.TrimSpace(n.FromEmail) != "" {
		email, err := NormalizeEmail(n.FromEmail)
		if err != nil {
			v.Add("from_email", ErrorMessage(err))
		}
		n.FromEmail = email
	}
	if err := v.Err("body", "from_email"); err != nil {
		return nil, err
	}
	if err := canBackdate(actor, n.At); err != nil {
		return nil, err
	}
	return s.tickets.UpdateTicketWith(ctx, ref, func(tx Tx, t *Ticket) (Writes, error) {
		at, err := s.when(tx, t, n.At)
		if err != nil {
			return Writes{}, err
		}
		from := n.FromEmail
		if from == "" {
			from = t.RequesterEmail
		}
		ev := &Event{At: at, Actor: from, Kind: EventMessageIn, Body: n.Body, Reason: "recorded by " + actorName(actor)}
		w := Writes{Events: []*Event{ev}}
		if t.Status == StatusWaiting || !t.Open {
			w.Events = append(w.Events, s.setStatus(t, StatusOpen, actor, at)...)
		}
		w.Events = append(w.Events, s.customerWrote(t, at, actor, at)...)
		return w, nil
	})
}

// reclassify changes the class and recomputes the deadline from the original
// receipt time with the new target, logging both changes.
func (s *Service) reclassify(t *Ticket, class, reason string, actor *User, now time.Time) []*Event {
	oldClass, oldDue := t.Class, t.ResponseDueAt
	loc := s.Policy.Calendar().Location()
	due, _ := s.Policy.Due(class, t.ReceivedAt) // class validated by the caller
	t.Class, t.ClassBy = class, ClassByStaff
	t.ClassReason = "reclassified by " + actorName(actor)
	if reason != "" {
		t.ClassReason += ": " + reason
	}
	t.ResponseDueAt = due.UTC()
	events := []*Event{{At: now, ActorID: actorID(actor), Actor: actorName(actor), Kind: EventClassChanged, Old: oldClass, New: class, Reason: reason}}
	if !due.Equal(oldDue) {
		events = append(events, &Event{At: now, ActorID: actorID(actor), Actor: actorName(actor), Kind: EventDueChanged,
			Old: oldDue.In(loc).Format(time.RFC3339Nano), New: due.In(loc).Format(time.RFC3339Nano), Reason: "class changed from " + oldClass + " to " + class})
	}
	if t.FirstResponseAt != nil {
		state, _ := s.Policy.Evaluate(t.ResponseDueAt, *t.FirstResponseAt, now)
		events = append(events, &Event{At: now, Actor: "slatrack", Kind: EventFirstResponse, New: string(state),
			Body: "First response re-evaluated against the new deadline: " + state.Label() + "."})
	}
	return append(events, s.reclassified(t, actor, now)...)
}

// SLA is a ticket's state and business time remaining (negative: overdue)
// as of now: the state of the promise it owes (on track, at risk,
// breached, by the policy's Bounds), or when it owes nothing how its last
// response promise that was kept or broken ended (met or breached: a late
// reply stays breached), with the time that was left then; StateNone when
// there is neither.
func (s *Service) SLA(t *Ticket, now time.Time) (sla.State, time.Duration) {
	cal := s.Policy.Calendar()
	if o := t.Owed(); o != nil {
		return s.Policy.Bounds(now).State(o.DueAt), cal.Remaining(now, o.DueAt)
	}
	for i := len(t.Promises) - 1; i >= 0; i-- {
		if p := t.Promises[i]; sla.IsResponse(p.Kind) && p.Outcome.Counts() {
			return sla.AnsweredState(p.DueAt, *p.EndedAt), cal.Remaining(*p.EndedAt, p.DueAt)
		}
	}
	return StateNone, 0
}

// PromiseState is one promise's state as of now and the business time
// left (negative: overdue; for an ended promise, what was left when it
// ended).
func (s *Service) PromiseState(p *Promise, now time.Time) (promise.State, time.Duration) {
	st, rem := p.State(s.Policy.Calendar(), now, s.Policy.AtRiskWindow())
	if p.Running() {
		// The one definition of at risk and breached.
		switch s.Policy.Bounds(now).State(p.DueAt) {
		case sla.Breached:
			st = promise.StateBreached
		case sla.AtRisk:
			st = promise.AtRisk
		default:
			st = promise.OnTrack
		}
	}
	return st, rem
}

// Filter is what people ask the queue for.
type Filter struct {
	Class    string
	Status   string // "" means all open statuses; "all" means every status
	Assignee string // "" any, "unassigned", or a staff email
	State    string // on_track, at_risk, breached, met
	Text     string // the search box (see ParseSearch)
	// Sort is the order (Sorts; "" is SortDue), descending when Desc;
	// a search with words comes in search order whatever Sort says.
	Sort   string
	Desc   bool
	Cursor string
	Limit  int
	// Me is who is asking (a user's id), for assignee:me in Text.
	Me uint64
}

// List returns one page of the queue, in due order (or f.Sort's), and the
// next cursor; with words or phrases in Text (see ParseSearch), the
// tickets that have them, by relevance then the newest first.
func (s *Service) List(ctx context.Context, f Filter) ([]*Ticket, string, error) {
	q, err := s.query(ctx, f)
	if err != nil {
		return nil, "", err
	}
	return s.tickets.ListTickets(ctx, q)
}

// query turns what people ask for into the store's query, checking it.
func (s *Service) query(ctx context.Context, f Filter) (TicketQuery, error) {
	q := TicketQuery{Limit: f.Limit, Sort: f.Sort, Desc: f.Desc}
	v := ValidationErrors{}
	if !ValidSort(f.Sort) {
		v.Add("sort", "the order must be one of "+strings.Join(Sorts(), ", "))
	}
	search, err := ParseSearch(strings.TrimSpace(f.Text), SearchSyntax{RefPrefix: s.RefPrefix, Classes: s.Policy.ClassNames()})
	if err != nil {
		v.Add("q", ErrorMessage(err))
	}
	// A filter written in the search box replaces the same one chosen
	// beside it.
	if search.Class != "" {
		f.Class = search.Class
	}
	if search.Status != "" {
		f.Status = search.Status
	}
	switch search.Assignee {
	case "":
	case "none":
		f.Assignee = "unassigned"
	case "me":
		f.Assignee = ""
		if f.Me == 0 {
			v.Add("q", "assignee:me needs someone signed in; use a staff email instead")
		} else {
			me := f.Me
			q.AssigneeID = &me
		}
	default:
		f.Assignee = search.Assignee
	}
	q.Class = f.Class
	q.Terms, q.Ref, q.RequesterEmail = search.Terms, search.Ref, search.From
	if q.Class != "" && !s.Policy.ValidClass(q.Class) {
		v.Add("class", "the class must be one of "+s.Policy.ClassList())
	}
	switch {
	case f.Status == "" && search.Ref != "":
		// A reference names one ticket: it is found whatever its status.
	case f.Status == "":
		q.OpenOnly = true
	case f.Status == "all":
	case ValidStatus(f.Status):
		q.Statuses = []string{f.Status}
	default:
		v.Add("status", "the status must be one of new, open, waiting, resolved, closed, all")
	}
	switch f.Assignee {
	case "":
	case "unassigned":
		q.Unassigned = true
	default:
		u, err := s.accounts.GetUserByEmail(ctx, f.Assignee)
		if err != nil {
			if ErrorCode(err) != NotFound {
				return q, err
			}
			if search.Assignee != "" {
				v.Add("q", fmt.Sprintf("assignee:%s: no staff member has that address", search.Assignee))
			} else {
				v.Add("assignee", "no staff member has that address")
			}
		} else {
			q.AssigneeID = &u.ID
		}
	}
	st := sla.State(f.State)
	switch r, owing := s.Policy.Bounds(s.now()).Range(st); {
	case st == "":
	case st == sla.Breached:
		// An owed promise due in the breached range, or nothing owed and
		// the last response late.
		q.LateOrOverdue, q.DueFrom, q.DueBefore = true, r.From, r.Before
	case owing:
		yes := true
		q.Owing, q.DueFrom, q.DueBefore = &yes, r.From, r.Before
	case st == sla.Met:
		no := false
		q.Owing, q.OnTimeOnly = &no, true
	default:
		v.Add("state", "the SLA state must be one of on_track, at_risk, breached, met")
	}
	if f.Limit < 0 || f.Limit > 200 {
		v.Add("limit", "the limit must be between 1 and 200")
	}
	if f.Cursor != "" && len(q.Terms) > 0 {
		c, err := DecodeSearchCursor(f.Cursor)
		if err != nil {
			return q, err
		}
		q.SearchAfter = &c
	} else if f.Cursor != "" {
		c, err := DecodeCursor(f.Cursor)
		if err != nil {
			return q, err
		}
		if sortOf(c.Sort) != sortOf(f.Sort) || c.Desc != f.Desc {
			return q, FieldError("cursor", "that page belongs to another order; start again from the first page")
		}
		q.After = &c
	}
	if err := v.Err("class", "status", "assignee", "state", "sort", "limit", "q"); err != nil {
		return q, err
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	return q, nil
}
