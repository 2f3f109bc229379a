package desk

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slatrack/slatrack/internal/mail"
	"github.com/slatrack/slatrack/internal/sla"
)

// Bounds on people and merges.
const (
	// MaxParticipants bounds the people copied on a ticket's replies.
	MaxParticipants = 50
	// MaxMergeMessages bounds the mail one merge moves, so a merge stays
	// one short transaction.
	MaxMergeMessages = 5000
)

// Participants are a ticket's participants (besides the requester).
func (s *Service) Participants(ctx context.Context, t *Ticket) ([]*Participant, error) {
	ps, err := s.messages.Participants(ctx, t.ID)
	return others(t, ps), err
}

// others drops the requester from a ticket's participant rows: mail
// records everyone on it, the requester too.
func others(t *Ticket, ps []*Participant) []*Participant {
	out := ps[:0:0]
	for _, p := range ps {
		if !strings.EqualFold(p.Email, t.RequesterEmail) {
			out = append(out, p)
		}
	}
	return out
}

// MergedInto is the reference of the ticket t was merged into ("" when
// it was not merged).
func (s *Service) MergedInto(ctx context.Context, t *Ticket) (string, error) {
	return s.messages.MergedInto(ctx, t.ID)
}

// AddParticipant puts someone on a ticket: they are copied on every staff
// reply from now on and may reply by the subject tag. The change is on the
// timeline.
func (s *Service) AddParticipant(ctx context.Context, ref string, actor *User, email, name string) (*Ticket, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, FieldError("email", "%s", ErrorMessage(err))
	}
	name = strings.TrimSpace(oneLine(noNUL(name)))
	if utf8.RuneCountInString(name) > MaxName {
		return nil, FieldError("name", "a name may be at most 200 characters")
	}
	if s.Mail != nil && s.isDeskAddress(e) {
		return nil, FieldError("email", "%s is the desk's own address; it cannot be copied on its own mail", e)
	}
	return s.tickets.UpdateTicketWith(ctx, ref, func(tx Tx, t *Ticket) (Writes, error) {
		if err := notMerged(tx, t); err != nil {
			return Writes{}, err
		}
		if strings.EqualFold(t.RequesterEmail, e) {
			return Writes{}, FieldError("email", "%s is the requester, who receives every reply already", e)
		}
		ps, err := tx.PeopleOn(t.ID)
		if err != nil {
			return Writes{}, err
		}
		ps = others(t, ps)
		for _, p := range ps {
			if p.Email == e {
				return Writes{}, FieldError("email", "%s is already on this ticket", e)
			}
		}
		if len(ps) >= MaxParticipants {
			return Writes{}, FieldError("email", "a ticket can have at most %d people copied; remove someone first", MaxParticipants)
		}
		now := s.now()
		p := &Participant{Email: e, Name: name, AddedAt: now, AddedBy: actorName(actor)}
		return Writes{People: []*Participant{p}, Events: []*Event{{At: now, ActorID: actorID(actor), Actor: actorName(actor),
			Kind: EventParticipantAdded, New: e, Body: p.Display() + " added: copied on replies from now on."}}}, nil
	})
}

// RemoveParticipant takes someone off a ticket; NotFound when they were
// not on it.
func (s *Service) RemoveParticipant(ctx context.Context, ref string, actor *User, email string) (*Ticket, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	return s.tickets.UpdateTicketWith(ctx, ref, func(tx Tx, t *Ticket) (Writes, error) {
		ps, err := tx.PeopleOn(t.ID)
		if err != nil {
			return Writes{}, err
		}
		for _, p := range others(t, ps) {
			if p.Email == e {
				now := s.now()
				return Writes{Unpeople: []string{e}, Events: []*Event{{At: now, ActorID: actorID(actor), Actor: actorName(actor),
					Kind: EventParticipantRemoved, Old: e, Body: p.Display() + " removed: no longer copied on replies."}}}, nil
			}
		}
		return Writes{}, Errorf(NotFound, "%s is not on this ticket", e)
	})
}

// current is the ticket ref names, or the ticket it was merged into: mail
// naming a merged ticket goes where its conversation went.
func (s *Service) current(ctx context.Context, ref string) (*Ticket, error) {
	t, err := s.tickets.GetTicket(ctx, ref)
	if err != nil {
		return nil, err
	}
	into, err := s.messages.MergedInto(ctx, t.ID)
	if err != nil || into == "" {
		return t, err
	}
	return s.tickets.GetTicket(ctx, into)
}

// colleague reports whether email may reply by the subject tag as one of
// the requester's organisation: the same mail domain as the requester,
// never a public mail provider's (mail.SameOrganisation).
func colleague(t *Ticket, email string) bool {
	return mail.SameOrganisation(t.RequesterEmail, email)
}

// CheckMerge answers, without changing anything, whether ref may be merged
// into into, and returns both tickets for a confirmation: the errors Merge
// would give (Merge checks again, inside its transaction).
func (s *Service) CheckMerge(ctx context.Context, ref, into string) (dup, survivor *Ticket, err error) {
	into, err = s.mergeTarget(ctx, ref, into)
	if err != nil {
		return nil, nil, err
	}
	if dup, err = s.tickets.GetTicket(ctx, ref); err != nil {
		return nil, nil, err
	}
	if survivor, err = s.tickets.GetTicket(ctx, into); err != nil {
		return nil, nil, err
	}
	if err := s.mergeAllowed(dup, survivor, func(id uint64) (string, error) { return s.messages.MergedInto(ctx, id) }); err != nil {
		return nil, nil, err
	}
	return dup, survivor, nil
}

// mergeTarget checks the reference a merge goes into and returns it
// normalised.
func (s *Service) mergeTarget(ctx context.Context, ref, into string) (string, error) {
	into = strings.ToUpper(strings.TrimSpace(strings.Trim(strings.TrimSpace(into), "[]")))
	if into == "" {
		return "", FieldError("into", "please give the reference of the ticket to merge into, like %s", FormatRef(s.RefPrefix, 1042))
	}
	if strings.EqualFold(strings.TrimSpace(ref), into) {
		return "", FieldError("into", "a ticket cannot be merged into itself; give the reference of the other ticket")
	}
	if _, err := s.tickets.GetTicket(ctx, into); ErrorCode(err) == NotFound {
		return "", FieldError("into", "there is no ticket %s", into)
	} else if err != nil {
		return "", err
	}
	return into, nil
}

// mergeAllowed refuses a merge of a ticket already merged, into a merged
// ticket, or back into a ticket merged into the duplicate (a loop).
func (s *Service) mergeAllowed(d, t *Ticket, target func(uint64) (string, error)) error {
	if r, err := target(d.ID); err != nil {
		return err
	} else if r != "" {
		return Errorf(Conflict, "%s was already merged into %s", d.Ref, r)
	}
	if r, err := target(t.ID); err != nil {
		return err
	} else if r == d.Ref {
		return FieldError("into", "%s was merged into %s, so merging back would make a loop", t.Ref, d.Ref)
	} else if r != "" {
		return FieldError("into", "%s was itself merged into %s; merge into %s instead", t.Ref, r, r)
	}
	return nil
}

// vouched reports whether a colleague's mail may thread by tag: a
// colleague is nobody the desk has heard from, so where trusted MTAs judge
// mail (mail.trusted_authserv_ids) their mail must be found verified, not
// merely unjudged; without trusted MTAs, as for the requester, only
// nothing is known against it.
func (s *Service) vouched(auth mail.AuthVerdict) bool {
	if len(s.Mail.TrustedAuthservIDs) == 0 {
		return auth.Status != mail.AuthUnverified
	}
	return auth.Status == mail.AuthVerified
}

// Merge folds the duplicate ticket ref into the ticket into, in one
// transaction: the duplicate's messages, conversation and participants
// move to the survivor (its requester becomes a participant there when
// different), later mail naming either lands on the survivor, each open
// promise of the duplicate ends with the reason "merged into …" (the
// survivor's promises are kept as they are), and the duplicate closes.
// Both timelines say so.
func (s *Service) Merge(ctx context.Context, ref, into string, actor *User) (dup, survivor *Ticket, err error) {
	into, err = s.mergeTarget(ctx, ref, into)
	if err != nil {
		return nil, nil, err
	}
	return s.tickets.MergeTickets(ctx, ref, into, func(tx Tx, d, t *Ticket) (MergeWrites, error) {
		if err := s.mergeAllowed(d, t, tx.MergeTarget); err != nil {
			return MergeWrites{}, err
		}
		if n, err := tx.CountMessages(d.ID, MaxMergeMessages+1); err != nil {
			return MergeWrites{}, err
		} else if n > MaxMergeMessages {
			return MergeWrites{}, &Error{Code: TooLarge, Field: "into", Message: d.Ref + " holds more than 5,000 mails, too many to merge at once"}
		}
		now := s.now()
		who := actorName(actor)
		why := "merged into " + t.Ref
		cal := s.Policy.Calendar()
		var w MergeWrites
		for _, p := range d.Promises {
			if p.Open() {
				o := p.Cancel(cal, now, why)
				w.Duplicate.Events = append(w.Duplicate.Events, s.promiseEvent(p, string(o),
					capitalize(sla.KindLabel(p.Kind))+" "+outcomeWords(o)+": "+why+".", actor, now))
			}
		}
		if d.Status != StatusClosed {
			w.Duplicate.Events = append(w.Duplicate.Events, s.setStatus(d, StatusClosed, actor, now)...)
		}
		w.Duplicate.Events = append(w.Duplicate.Events, &Event{At: now, ActorID: actorID(actor), Actor: who, Kind: EventMerged,
			Old: d.Ref, New: t.Ref, Body: "Merged into " + t.Ref + ": its messages and people moved there, and mail naming " + d.Ref + " goes there from now on."})
		w.Survivor.Events = []*Event{{At: now, ActorID: actorID(actor), Actor: who, Kind: EventMerged,
			Old: d.Ref, New: t.Ref, Body: d.Ref + " (" + truncateRunes(d.Subject, 120) + ") was merged into this ticket: its messages and people are here now."}}
		if !strings.EqualFold(d.RequesterEmail, t.RequesterEmail) {
			w.Survivor.People = []*Participant{{Email: d.RequesterEmail, Name: d.RequesterName, AddedAt: now, AddedBy: who}}
			w.Survivor.Events = append(w.Survivor.Events, &Event{At: now, ActorID: actorID(actor), Actor: who, Kind: EventParticipantAdded,
				New: d.RequesterEmail, Body: (&Participant{Email: d.RequesterEmail, Name: d.RequesterName}).Display() + " (the requester of " + d.Ref + ") added: copied on replies from now on."})
		}
		return w, nil
	})
}

// notMerged refuses a change to a ticket merged into another: its
// conversation goes on there.
func notMerged(tx Tx, t *Ticket) error {
	into, err := tx.MergeTarget(t.ID)
	if err != nil {
		return err
	}
	if into != "" {
		return Errorf(Conflict, "%s was merged into %s; please continue there", t.Ref, into)
	}
	return nil
}

// replyCopies are the participants a staff reply is copied to.
func (s *Service) replyCopies(tx Tx, t *Ticket) ([]mail.Address, error) {
	ps, err := tx.PeopleOn(t.ID)
	if err != nil {
		return nil, err
	}
	var cc []mail.Address
	for _, p := range ps {
		if strings.EqualFold(p.Email, t.RequesterEmail) || s.isDeskAddress(p.Email) || mail.CheckRoutable(p.Email) != nil {
			continue
		}
		cc = append(cc, mail.Address{Name: p.Name, Email: p.Email})
	}
	return cc, nil
}

// checkFiles applies inbound mail's limits and filename cleaning to files
// a person attached; the error is on the "attachments" field.
func (s *Service) checkFiles(files []mail.Upload) ([]*Attachment, error) {
	l := mail.DefaultLimits()
	if s.Mail != nil {
		l = s.Mail.Limits
	}
	ok, err := mail.CheckUploads(files, l)
	if err != nil {
		return nil, &Error{Code: TooLarge, Field: "attachments", Message: err.Error()}
	}
	out := make([]*Attachment, 0, len(ok))
	for _, a := range ok {
		out = append(out, &Attachment{Filename: a.Filename, ContentType: a.ContentType, Data: a.Data})
	}
	return out, nil
}

// heldFiles is a stored message that only holds files attached by hand
// (a note, a reply not mailed, the web form), so they can be downloaded
// like mail attachments.
func heldFiles(source, subject string, files []*Attachment, now time.Time) *Message {
	return &Message{Direction: DirectionFiles, DedupeKey: "upload:" + RandomToken(), Subject: subject, Kind: "upload",
		Source: source, ReceivedAt: now, Attachments: files}
}
