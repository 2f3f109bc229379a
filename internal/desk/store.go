package desk

import (
	"context"
	"time"
)

// Store is what the Service needs from a database: one interface per
// concern, each declared here, where it is consumed. Implementations return
// *Error values with code NotFound (ErrNotFound), Conflict or Unavailable
// where those apply, and never leak SQL text in Message. What other parts
// need (the outbox's queue, the reports' rows, the scheduler's candidates)
// each of them declares for itself.
type Store interface {
	TicketStore
	AccountStore
	MailStore
	MacroStore
	PresenceStore
	RelatedStore
	ViewStore
}

// ViewStore keeps the queue views staff save.
type ViewStore interface {
	// CreateView stores v and gives it an ID; Conflict when its owner
	// already has a view of that name.
	CreateView(ctx context.Context, v *SavedView) error
	// ListViews is the views userID owns and those others shared, Owner
	// filled, by name.
	ListViews(ctx context.Context, userID uint64) ([]*SavedView, error)
	// GetView finds a view by ID, Owner filled; NotFound when missing.
	GetView(ctx context.Context, id uint64) (*SavedView, error)
	// DeleteView removes a view; NotFound when missing.
	DeleteView(ctx context.Context, id uint64) error
}

// TicketStore keeps tickets and their timelines.
type TicketStore interface {
	// CreateTicket inserts t, gives it an ID and a unique reference
	// (FormatRef(prefix, 1000+ID)), and appends events with TicketID set, all
	// in one transaction.
	CreateTicket(ctx context.Context, prefix string, t *Ticket, events []*Event) error
	// GetTicket finds a ticket by reference (case-insensitive), Assignee filled.
	GetTicket(ctx context.Context, ref string) (*Ticket, error)
	// CreateTicketWith is CreateTicket whose extra rows are made by then,
	// inside the transaction, once the ticket has its ID and reference.
	// then reads through tx only (see Tx).
	CreateTicketWith(ctx context.Context, prefix string, t *Ticket, then func(tx Tx, t *Ticket) (Writes, error)) error
	// UpdateTicketWith loads the ticket by reference with a row lock (so
	// concurrent changes on several instances serialise), calls change, and
	// saves the ticket and every row change returns in the same
	// transaction; if change returns an error nothing is written. change
	// reads through tx only (see Tx).
	UpdateTicketWith(ctx context.Context, ref string, change func(tx Tx, t *Ticket) (Writes, error)) (*Ticket, error)
	// ListTickets returns one page in q's order (by default the queue's:
	// owing first, then the owed promise's due instant, then id), or in
	// search order when q has Terms, Assignee filled, plus the cursor of
	// the page beyond it in the direction read ("" at the end): the next
	// page, or with After.Back the one before; a SearchCursor for a search.
	ListTickets(ctx context.Context, q TicketQuery) ([]*Ticket, string, error)
	// CountTickets counts the tickets q selects (its After and Limit
	// ignored), stopping at max+1 so a count stays cheap on a big desk.
	CountTickets(ctx context.Context, q TicketQuery, max int) (int, error)
	// Timeline is the ticket's events, oldest first.
	Timeline(ctx context.Context, ticketID uint64) ([]*Event, error)
	// MergeTickets locks both tickets (by reference) in one transaction,
	// calls change, and then moves the duplicate's messages, its
	// conversation (message, reply and note entries) and its participants
	// onto the survivor, records that the duplicate now answers to the
	// survivor (and so does every ticket merged into the duplicate before),
	// and saves both tickets with the rows change returned. If change
	// fails nothing is written. change reads through tx only.
	MergeTickets(ctx context.Context, dupRef, intoRef string, change func(tx Tx, dup, into *Ticket) (MergeWrites, error)) (dup, into *Ticket, err error)
}

// AccountStore keeps staff accounts, their sessions and their API tokens.
type AccountStore interface {
	CreateUser(ctx context.Context, u *User) error // Conflict when the email exists
	GetUser(ctx context.Context, id uint64) (*User, error)
	GetUserByEmail(ctx context.Context, email string) (*User, error) // case-insensitive
	ListUsers(ctx context.Context) ([]*User, error)
	CountUsers(ctx context.Context) (int64, error)
	// TouchLogin records a login only if the account is still active and its
	// password hash is still hash; false means it changed meanwhile.
	TouchLogin(ctx context.Context, id uint64, hash string, at time.Time) (bool, error)
	// ChangeUser applies ch to one user in one transaction; NotFound when
	// there is no such user.
	ChangeUser(ctx context.Context, id uint64, ch UserChange) error

	CreateSession(ctx context.Context, s *Session) error
	GetSession(ctx context.Context, id string) (*Session, error) // NotFound when missing; the caller checks expiry
	DeleteSession(ctx context.Context, id string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)

	CreateToken(ctx context.Context, t *Token) error
	GetTokenByHash(ctx context.Context, hash string) (*Token, error)
	// TouchToken sets the token's last use to at unless it is already at or
	// after since, so that use is written at most once per interval
	// whichever instance sees it; a missing token is no error.
	TouchToken(ctx context.Context, id uint64, at, since time.Time) error
	// ListTokens lists the tokens of one user (userID > 0) or of everyone
	// (0), Owner filled, by owner email, then newest first.
	ListTokens(ctx context.Context, userID uint64) ([]*Token, error)
	// DeleteToken removes a token and returns it; NotFound when missing.
	DeleteToken(ctx context.Context, id uint64) (*Token, error)
}

// MailStore keeps mail: messages in and out with their attachments, who
// may thread into a ticket, what was queued for a ticket, and quarantine.
type MailStore interface {
	// SaveMessage stores a message that belongs to no ticket (Conflict when
	// its DedupeKey was seen before).
	SaveMessage(ctx context.Context, m *Message) error
	// FindMessage looks a message up by DedupeKey.
	FindMessage(ctx context.Context, dedupeKey string) (*Message, error)
	// TicketMessages lists a ticket's mail with attachment names.
	TicketMessages(ctx context.Context, ticketID uint64) ([]*Message, error)
	// GetAttachment is an attachment and the ticket its message belongs to.
	GetAttachment(ctx context.Context, id uint64) (*Attachment, uint64, error)
	IsParticipant(ctx context.Context, ticketID uint64, email string) (bool, error)
	// Participants are a ticket's participants (not the requester), by address.
	Participants(ctx context.Context, ticketID uint64) ([]*Participant, error)
	// MergedInto is the reference of the ticket a merged ticket answers to
	// now ("" when it was never merged).
	MergedInto(ctx context.Context, ticketID uint64) (string, error)
	// TicketOutbox is the mail queued or sent for a ticket, oldest first.
	TicketOutbox(ctx context.Context, ticketID uint64) ([]*OutboxMail, error)

	Quarantine(ctx context.Context, q *Quarantined) error
	ListQuarantine(ctx context.Context, status string, limit int) ([]*Quarantined, error)
	GetQuarantined(ctx context.Context, id uint64) (*Quarantined, error)
	ResolveQuarantined(ctx context.Context, id uint64, status, by string, at time.Time) error
}

// Tx is what a change running inside a write transaction may read: the
// transaction itself, never the pool. A change that took a second
// connection while holding one is how a burst wider than the pool
// deadlocks: every transaction holds a connection and waits for another.
// So the store hands the open transaction to the change, and the change
// reads through it alone.
type Tx interface {
	// CountOutbox counts mail of kind to the recipient to ("" for anyone)
	// created since a time, stopping at max. It first takes a lock on
	// (kind, to) held until the transaction ends, so concurrent
	// transactions that count the same key and then queue mail for it see
	// each other's rows: a rate limit checked this way holds under
	// concurrency.
	CountOutbox(kind, to string, since time.Time, max int) (int, error)
	// OtherTickets reports whether email requested any ticket but except.
	OtherTickets(email string, except uint64) (bool, error)
	// LastEventAt is when the ticket's latest timeline entry happened
	// (zero when it has none).
	LastEventAt(ticketID uint64) (time.Time, error)
	// PeopleOn are the ticket's participant rows, by address.
	PeopleOn(ticketID uint64) ([]*Participant, error)
	// MergeTarget is the reference of the ticket a merged ticket answers
	// to ("" when it was never merged).
	MergeTarget(ticketID uint64) (string, error)
	// CountMessages counts a ticket's stored messages, stopping at max.
	CountMessages(ticketID uint64, max int) (int, error)
	// EventsSince is the ticket's events made after its version version,
	// oldest first.
	EventsSince(ticketID uint64, version int64) ([]*Event, error)
}

// TicketQuery selects tickets for the queue and the API. Zero values mean
// "any". Times are instants; the service turns SLA states into these bounds
// with the policy's sla.Bounds, so the store never decides what a state means.
type TicketQuery struct {
	IDs        []uint64 // only these tickets
	OpenOnly   bool     // only new, open, waiting
	Statuses   []string // any of these
	Class      string
	AssigneeID *uint64 // a user's id; with Unassigned false
	Unassigned bool
	// Owing selects tickets that owe a promise now (true) or owe nothing
	// (false, Ticket.Idle).
	Owing *bool
	// DueFrom and DueBefore bound the owed promise's due instant (and so
	// select owing tickets): due >= DueFrom, due < DueBefore.
	DueFrom   time.Time
	DueBefore time.Time
	// LateOrOverdue selects, OR-ed with the owing tickets in the due bounds,
	// the tickets that owe nothing and whose last response promise was
	// broken: "breached" in the queue's sense.
	LateOrOverdue bool
	// OnTimeOnly selects tickets that owe nothing and whose last response
	// promise was kept: "met".
	OnTimeOnly bool
	// Ref selects the ticket with this reference (upper case).
	Ref string
	// RequesterEmail selects a requester's tickets: a whole address, or a
	// mail domain when it starts with "@" (lower case).
	RequesterEmail string
	// Terms are full-text search terms every ticket matches (in its
	// subject, body, messages or notes); with any, tickets come in search
	// order (relevance, then the newest ticket first) and SearchAfter pages.
	Terms       []SearchTerm
	SearchAfter *SearchCursor
	// Sort is the order (Sorts; "" is SortDue), descending when Desc; the
	// tickets owing a promise always come first, whatever the order.
	Sort  string
	Desc  bool
	After *Cursor // page after this position (before it when After.Back)
	Limit int     // 1..200
}
