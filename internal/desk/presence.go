package desk

import (
	"context"
	"time"
)

// Presence is one staff member with a ticket's page open: the page sends
// a heartbeat every few seconds, saying whether they are typing.
type Presence struct {
	TicketID uint64
	UserID   uint64
	Typing   bool
	SeenAt   time.Time
	// User is filled by the store when listing.
	User *User `gorm:"-"`
}

// TableName keeps gorm's name for Presence singular.
func (Presence) TableName() string { return "presence" }

// PresenceTTL is how long a heartbeat counts: a page that stopped sending
// (closed, asleep, offline) drops off after it. Pages beat three times
// within it, so one lost request does not make anyone vanish.
const PresenceTTL = 30 * time.Second

// PresenceStore keeps who has which ticket open.
type PresenceStore interface {
	// TouchPresence records p (its SeenAt the heartbeat's time), forgets
	// every heartbeat older than before (on any ticket), and returns everyone
	// else on the ticket seen at or after since, User filled, by name.
	TouchPresence(ctx context.Context, p *Presence, since, before time.Time) ([]*Presence, error)
	// LeavePresence forgets that a user has a ticket open.
	LeavePresence(ctx context.Context, ticketID, userID uint64) error
}

// Heartbeat records that actor has the ticket open (and whether they are
// typing a reply) and returns the ticket, as it is now, and the other
// staff who have it open.
func (s *Service) Heartbeat(ctx context.Context, ref string, actor *User, typing bool) (*Ticket, []*Presence, error) {
	if actor == nil {
		return nil, nil, Errorf(Unauthorized, "please log in")
	}
	t, err := s.tickets.GetTicket(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	others, err := s.presence.TouchPresence(ctx, &Presence{TicketID: t.ID, UserID: actor.ID, Typing: typing, SeenAt: now},
		now.Add(-PresenceTTL), now.Add(-10*PresenceTTL))
	if err != nil {
		return nil, nil, err
	}
	return t, others, nil
}

// Leave forgets that actor has the ticket open (the page was closed).
func (s *Service) Leave(ctx context.Context, ref string, actor *User) error {
	t, err := s.tickets.GetTicket(ctx, ref)
	if err != nil {
		return err
	}
	return s.presence.LeavePresence(ctx, t.ID, actor.ID)
}
