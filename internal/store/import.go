package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/slatrack/slatrack/internal/desk"
)

// ImportTicket is one ticket for ImportTickets with its timeline.
type ImportTicket struct {
	Ticket *desk.Ticket
	Events []*desk.Event
}

// Rows per multi-row INSERT. SQLite allows 32,766 bound values in one
// statement and PostgreSQL 65,535; a ticket row has 20 columns and an event
// row 11, so these stay well below both.
const (
	importTicketRows = 1000
	importEventRows  = 2500
)

// ImportTickets inserts a batch of tickets and their events in one
// transaction, with multi-row INSERTs: the bulk path for seeding and
// importing history, tens of times faster than CreateTicket per ticket.
//
// Each ticket gets an ID and the reference FormatRef(prefix, 1000+ID) in
// upper case, as CreateTicket gives; Open and Answered are set from Status
// and FirstResponseAt, and times are stored in UTC at microsecond
// precision. CreatedAt and UpdatedAt are kept when set (history keeps its
// own) and default to now. Events get their ticket's ID (At defaults to
// now; an event's Mail, when set, gives its MailID). Nil events are
// skipped; Assignee is not filled.
//
// Either the whole batch is stored or, on error, nothing is, and the
// tickets and events are left as they were.
func (s *Store) ImportTickets(ctx context.Context, prefix string, batch []ImportTicket) error {
	if prefix == "" {
		return &desk.Error{Code: desk.Internal, Message: "tickets cannot be numbered", Err: errors.New("store: ImportTickets with an empty reference prefix")}
	}
	if len(batch) == 0 {
		return nil
	}
	tickets := make([]*desk.Ticket, len(batch))
	origTickets := make([]desk.Ticket, len(batch))
	nEvents := 0
	for i, it := range batch {
		if it.Ticket == nil {
			return &desk.Error{Code: desk.Invalid, Message: "an imported ticket is missing", Err: errors.New("store: ImportTickets with a nil Ticket")}
		}
		tickets[i] = it.Ticket
		origTickets[i] = *it.Ticket
		for _, e := range it.Events {
			if e != nil {
				nEvents++
			}
		}
	}
	events := make([]*desk.Event, 0, nEvents)
	origEvents := make([]desk.Event, 0, nEvents)
	for _, it := range batch {
		for _, e := range it.Events {
			if e != nil {
				events = append(events, e)
				origEvents = append(origEvents, *e)
			}
		}
	}

	now := utc(time.Now())
	// Placeholders unique across batches and processes (a random token per
	// batch) and within the batch (the index); the UPDATE below replaces
	// them before anyone else can see them.
	token := make([]byte, 12)
	_, _ = rand.Read(token)
	placeholder := "~imp-" + hex.EncodeToString(token) + "-"
	for i, t := range tickets {
		t.ID = 0
		prepareTicket(t)
		if t.CreatedAt.IsZero() {
			t.CreatedAt = now
		}
		if t.UpdatedAt.IsZero() {
			t.UpdatedAt = now
		}
		t.Ref = placeholder + strconv.Itoa(i)
	}
	refPrefix := strings.ToUpper(prefix) + "-"

	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.CreateInBatches(tickets, importTicketRows).Error; err != nil {
			return err
		}
		lo, hi := tickets[0].ID, tickets[0].ID
		for _, t := range tickets {
			lo, hi = min(lo, t.ID), max(hi, t.ID)
		}
		// One statement numbers the whole batch. The id range may hold other
		// sessions' rows (PostgreSQL's identity values are not contiguous
		// under concurrency), so the placeholder picks out ours.
		res := tx.Exec(`UPDATE tickets SET ref = CAST(? AS TEXT) || CAST(1000 + id AS TEXT) WHERE id BETWEEN ? AND ? AND ref LIKE ?`,
			refPrefix, lo, hi, placeholder+"%")
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != int64(len(tickets)) {
			return errors.New("store: ImportTickets numbered " + strconv.FormatInt(res.RowsAffected, 10) + " tickets, want " + strconv.Itoa(len(tickets)))
		}
		for _, t := range tickets {
			t.Ref = refPrefix + strconv.FormatUint(1000+t.ID, 10)
		}
		for _, it := range batch {
			for _, e := range it.Events {
				if e == nil {
					continue
				}
				e.ID = 0
				e.TicketID = it.Ticket.ID
				if e.At.IsZero() {
					e.At = now
				} else {
					e.At = utc(e.At)
				}
				if e.Mail != nil {
					mid := e.Mail.ID
					e.MailID = &mid
				}
			}
		}
		if len(events) == 0 {
			return nil
		}
		return tx.CreateInBatches(events, importEventRows).Error
	})
	if err != nil {
		for i, t := range tickets {
			*t = origTickets[i]
		}
		for i, e := range events {
			*e = origEvents[i]
		}
		return dbErr(err, "a ticket with that reference already exists")
	}
	return nil
}
