// Package desk is slatrack's domain: tickets, their timelines, staff users,
// sessions and API tokens, the rules for changing them (the Service), and
// the Store interfaces the database side implements. It imports no web or
// database framework. The migrations are the schema: the only gorm tags
// left on the types say which fields are not columns ("-") or where a
// column's name differs, and the store's TestDomainTypes_MatchTheSchema
// proves the types name exactly the migrated columns.
package desk

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Ticket statuses.
const (
	StatusNew      = "new"
	StatusOpen     = "open"
	StatusWaiting  = "waiting" // waiting on the customer
	StatusResolved = "resolved"
	StatusClosed   = "closed"
)

// Statuses lists every status in workflow order.
func Statuses() []string {
	return []string{StatusNew, StatusOpen, StatusWaiting, StatusResolved, StatusClosed}
}

// StatusLabel is a status for people.
func StatusLabel(s string) string {
	switch s {
	case StatusWaiting:
		return "Waiting on customer"
	case "":
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// IsOpenStatus reports whether a ticket with status s belongs in the queue.
func IsOpenStatus(s string) bool {
	return s == StatusNew || s == StatusOpen || s == StatusWaiting
}

// ValidStatus reports whether s is a status.
func ValidStatus(s string) bool {
	for _, v := range Statuses() {
		if s == v {
			return true
		}
	}
	return false
}

// Channels a ticket can arrive through.
const (
	ChannelWeb   = "web"
	ChannelEmail = "email"
	ChannelAPI   = "api"
)

// How a ticket's class was decided.
const (
	ClassByRule      = "rule"      // automatic classification
	ClassByRequester = "requester" // picked on the form or given by the API client
	ClassByStaff     = "staff"     // reclassified by staff
)

// Ticket is one support request.
type Ticket struct {
	ID             uint64
	Ref            string
	Subject        string
	Body           string
	RequesterEmail string
	RequesterName  string
	Channel        string
	Class          string
	ClassBy        string
	// ClassReason says why the ticket has its class: the rule that matched,
	// the requester's choice, or the staff member and their reason.
	ClassReason string
	Status      string
	// Open mirrors IsOpenStatus(Status); stored so the queue index can use it.
	Open       bool
	AssigneeID *uint64
	// Assignee is filled by the store when reading (nil when unassigned).
	Assignee        *User     `gorm:"-"`
	ReceivedAt      time.Time // when slatrack received it: the clock starts here
	ResponseDueAt   time.Time
	FirstResponseAt *time.Time
	// Answered mirrors FirstResponseAt != nil, for the queue's sort order.
	Answered bool
	// Flag is a problem staff should see, e.g. "bounce: mailbox full".
	Flag string
	// ClosedAt is when the ticket was last resolved or closed; a requester's
	// mail after mail.reopen_days from then opens a new ticket instead.
	ClosedAt *time.Time
	// CustomerAt is when the requester last wrote (zero: only at receipt).
	CustomerAt time.Time
	// Promises are the ticket's promises, oldest first, filled by the store
	// on reads; the service changes them and the store saves them with the
	// ticket.
	Promises []*Promise `gorm:"-"`
	// The mirrors of Promises the queue's index reads, set by the service
	// with every change (settle): OwedKind is the kind of the owed promise
	// ("" when nothing is owed, then Idle); QueueAt its due instant, or when
	// nothing is owed the customer's last message; LastOutcome how the last
	// response promise that was kept or broken ended ("met", "breached").
	OwedKind    string
	Idle        bool
	QueueAt     time.Time
	LastOutcome string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Version counts the changes to the ticket: the store moves it with
	// every write to the ticket's timeline (in one place, whoever writes),
	// and a change made on a stale version (ExpectedVersion) is refused
	// with what changed since.
	Version int64
}

// Event kinds on a ticket's timeline.
const (
	EventCreated       = "created"        // ticket opened (Body: how)
	EventMessageIn     = "message_in"     // a message from the requester or a third party
	EventReply         = "reply"          // a public staff reply (goes to the requester)
	EventNote          = "note"           // an internal note, staff only
	EventClassChanged  = "class_changed"  // Old → New, Reason
	EventStatusChanged = "status_changed" // Old → New
	EventAssigned      = "assigned"       // Old → New (user emails; "" = unassigned)
	EventDueChanged    = "due_changed"    // Old → New (RFC 3339), Reason
	EventFirstResponse = "first_response" // the response clock stopped: New = met|breached
	EventLinked        = "linked"         // related to another ticket (New = its ref)
	EventAcknowledged  = "acknowledged"   // the automatic acknowledgement was sent
	EventAckSkipped    = "ack_skipped"    // no acknowledgement: a rate limit held it back (Body: which)
	EventBounce        = "bounce"         // a message to the requester bounced
	EventMailIgnored   = "mail_ignored"   // automatic mail stored but not acted on
	EventPromise       = "promise"        // a promise started, paused, resumed or ended: New = kind, Old = what happened
)

// Event is one append-only entry on a ticket's timeline: every message in
// and out, internal notes, and every change, with actor and time.
type Event struct {
	ID       uint64
	TicketID uint64
	At       time.Time
	ActorID  *uint64
	// Actor is the display name of who did it ("Jane Doe <jane@example.gov>",
	// the requester's address, or "slatrack").
	Actor    string
	Kind     string
	Internal bool
	Body     string
	Old      string
	New      string
	Reason   string
	// MailID is the stored Message this event is about (messages in and out).
	MailID *uint64
	// Mail, when set on a new event, is a message in the same Writes whose
	// ID the store copies into MailID.
	Mail *Message `gorm:"-"`
	// Version is the ticket's version this event's change made (set by
	// the store): the events after version N are what changed since N.
	Version int64
}

// Roles.
const (
	RoleStaff = "staff"
	RoleAdmin = "admin"
)

// User is a staff member who logs in.
type User struct {
	ID           uint64
	Email        string
	Name         string
	Role         string
	PasswordHash string `json:"-"`
	Active       bool
	CreatedAt    time.Time
	LastLoginAt  *time.Time
}

// IsAdmin reports whether u may manage users and import history.
func (u *User) IsAdmin() bool { return u != nil && u.Role == RoleAdmin }

// Display is "Name <email>".
func (u *User) Display() string {
	if u == nil {
		return ""
	}
	if u.Name == "" {
		return u.Email
	}
	return u.Name + " <" + u.Email + ">"
}

// Session is a logged-in browser. ID is the SHA-256 of the cookie value, so
// a leaked database does not leak live sessions.
type Session struct {
	ID        string
	UserID    uint64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Token is an API bearer token; only its SHA-256 is stored. Revoking a
// token deletes it.
type Token struct {
	ID        uint64
	UserID    uint64
	Name      string
	Hash      string `json:"-"`
	CreatedAt time.Time
	// LastUsedAt is recorded at most once per TokenUseInterval.
	LastUsedAt *time.Time
	// ExpiresAt is when the token stops working; nil: never.
	ExpiresAt *time.Time
	// Owner is filled by the store when listing (nil otherwise).
	Owner *User `gorm:"-"`
}

// MaxSearchLen is the longest queue search (Filter.Text), in characters:
// enough for any reference or phrase, and far below what the databases'
// LIKE accepts (SQLite refuses patterns over 50,000 bytes).
const MaxSearchLen = 200

// searchTooLong says why text is too long a search, or "" when it is not.
func searchTooLong(text string) string {
	if n := utf8.RuneCountInString(text); n > MaxSearchLen {
		return fmt.Sprintf("the search is %d characters long; it may be at most %d", n, MaxSearchLen)
	}
	return ""
}

// Cursor is a position in the queue's order (tickets that owe a promise
// first, by when it is due, then those that owe nothing, by the customer's
// last message; then by id) or in one of the other orders (Sorts), for
// keyset pagination that stays fast however deep the page.
type Cursor struct {
	Idle bool
	// At is the position's time: the queue instant (QueueAt) for the due,
	// class and status orders, ReceivedAt or UpdatedAt for those orders.
	At time.Time
	ID uint64
	// Sort and Desc name the order ("" is SortDue); Key is the class or
	// status in those orders. Back asks for the page before the position
	// (the previous page) rather than after it.
	Sort string
	Desc bool
	Key  string
	Back bool
}

// Encode makes the cursor an opaque URL-safe string.
func (c Cursor) Encode() string {
	a := "0"
	if c.Idle {
		a = "1"
	}
	raw := a + "." + strconv.FormatInt(c.At.UnixMicro(), 10) + "." + strconv.FormatUint(c.ID, 10)
	if (c.Sort != "" && c.Sort != SortDue) || c.Desc || c.Back || c.Key != "" {
		// The longer form, for the other orders and previous pages; the
		// short one stays what API clients already hold.
		raw = "2." + c.Sort + "." + flag(c.Desc) + "." + flag(c.Back) + "." + raw + "." + base64.RawURLEncoding.EncodeToString([]byte(c.Key))
	}
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// DecodeCursor reads a cursor made by Encode.
func DecodeCursor(s string) (Cursor, error) {
	bad := FieldError("cursor", "cursor %q is not one this server made (use next_cursor from the previous page)", s)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, bad
	}
	parts := strings.Split(string(raw), ".")
	var c Cursor
	if len(parts) == 8 && parts[0] == "2" {
		key, err := base64.RawURLEncoding.DecodeString(parts[7])
		if err != nil || !ValidSort(parts[1]) || (parts[2] != "0" && parts[2] != "1") || (parts[3] != "0" && parts[3] != "1") {
			return Cursor{}, bad
		}
		c.Sort, c.Desc, c.Back, c.Key = parts[1], parts[2] == "1", parts[3] == "1", string(key)
		parts = parts[4:7]
	}
	if len(parts) != 3 || (parts[0] != "0" && parts[0] != "1") {
		return Cursor{}, bad
	}
	us, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseUint(parts[2], 10, 64)
	// Ids are signed 64-bit in both databases: a larger one was not made here.
	if err1 != nil || err2 != nil || id > math.MaxInt64 {
		return Cursor{}, bad
	}
	c.Idle, c.At, c.ID = parts[0] == "1", time.UnixMicro(us).UTC(), id
	return c, nil
}

// CursorIn is the cursor at t in the order sort (ascending unless desc).
func CursorIn(t *Ticket, sort string, desc bool) Cursor {
	c := Cursor{Idle: t.Idle, At: t.QueueAt, ID: t.ID, Sort: sort, Desc: desc}
	switch sort {
	case SortReceived:
		c.At = t.ReceivedAt
	case SortUpdated:
		c.At = t.UpdatedAt
	case SortClass:
		c.Key = t.Class
	case SortStatus:
		c.Key = t.Status
	}
	if c.Sort == SortDue {
		c.Sort = ""
	}
	return c
}

// FormatRef makes a reference like SR-1042 from a prefix and a number.
func FormatRef(prefix string, n uint64) string {
	return fmt.Sprintf("%s-%d", prefix, n)
}
