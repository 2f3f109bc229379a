package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
)

// base is a fixed instant the fixtures are laid around.
var base = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// newTicket is a valid new ticket due at due.
func newTicket(subject string, due time.Time) *desk.Ticket {
	return &desk.Ticket{
		Subject:        subject,
		Body:           "body of " + subject,
		RequesterEmail: "requester@example.org",
		RequesterName:  "Requester",
		Channel:        desk.ChannelWeb,
		Class:          "other",
		ClassBy:        desk.ClassByRule,
		ClassReason:    "no rule matched",
		Status:         desk.StatusNew,
		Open:           true,
		ReceivedAt:     due.Add(-4 * time.Hour),
		ResponseDueAt:  due,
	}
}

func createTicket(t testing.TB, s *store.Store, tk *desk.Ticket, events ...*desk.Event) *desk.Ticket {
	t.Helper()
	if len(events) == 0 {
		events = []*desk.Event{{At: tk.ReceivedAt, Actor: tk.RequesterEmail, Kind: desk.EventMessageIn, Body: tk.Body}}
	}
	if err := s.CreateTicket(ctx(t), "SR", tk, events); err != nil {
		t.Fatalf("CreateTicket(%q): %v", tk.Subject, err)
	}
	return tk
}

func createUser(t testing.TB, s *store.Store, email, name string) *desk.User {
	t.Helper()
	u := &desk.User{Email: email, Name: name, Role: desk.RoleStaff, PasswordHash: "x", Active: true, CreatedAt: base}
	if err := s.CreateUser(ctx(t), u); err != nil {
		t.Fatalf("CreateUser(%q): %v", email, err)
	}
	return u
}

func wantCode(t testing.TB, err error, code desk.Code) {
	t.Helper()
	if got := desk.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (err %v), want %q", got, err, code)
	}
	noSQL(t, err)
}

// noSQL fails if what a client would see of err mentions SQL or the engine.
func noSQL(t testing.TB, err error) {
	t.Helper()
	msg := strings.ToLower(desk.ErrorMessage(err))
	for _, bad := range []string{"select ", "insert ", "update ", "delete ", " from ", "where ", "constraint", "sqlite", "sqlstate", "pq:", "pgx", "gorm", "syntax", "duplicate key", "tickets.", "users."} {
		if strings.Contains(msg, bad) {
			t.Errorf("ErrorMessage(%v) = %q: mentions %q", err, msg, bad)
		}
	}
}

func subjects(ts []*desk.Ticket) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Subject
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// search is the query ListTickets gets for what was typed in a search box
// (words, phrases and a reference only; the "SR" prefix).
func search(t testing.TB, text string) desk.TicketQuery {
	t.Helper()
	sr, err := desk.ParseSearch(text, desk.SearchSyntax{RefPrefix: "SR", Classes: []string{"availability", "provisioning", "other"}})
	if err != nil {
		t.Fatalf("ParseSearch(%q): %v", text, err)
	}
	return desk.TicketQuery{Terms: sr.Terms, Ref: sr.Ref, RequesterEmail: sr.From}
}

// withQuery is q's search fields on top of the other fields of base.
func withQuery(q, base desk.TicketQuery) desk.TicketQuery {
	base.Terms, base.Ref, base.RequesterEmail = q.Terms, q.Ref, q.RequesterEmail
	return base
}
