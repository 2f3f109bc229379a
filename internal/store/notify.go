package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/notify"
)

var _ notify.Store = (*Store)(nil)

// maxNotifyCandidates bounds one scheduler pass; the earliest due come
// first, and the rest are seen on the next pass.
const maxNotifyCandidates = 1000

// errNotRecorded rolls back RecordNotification when the key is taken or
// the ticket no longer qualifies.
var errNotRecorded = errors.New("store: notification not recorded")

// RecordNotification inserts n's key if it is absent and, only then, in the
// same transaction, the timeline event ev (on n.TicketID; may be nil) and
// the outbox rows, as given (a row's TicketID puts it in the ticket's list
// of mail sent). sent is false, and nothing is written, when the key was
// already recorded (by this or another instance) or when n.IfDue is set
// and the ticket no longer qualifies.
func (s *Store) RecordNotification(ctx context.Context, n notify.Notification, ev *desk.Event, outbox []*desk.OutboxMail) (sent bool, err error) {
	if n.Key == "" || (ev != nil && n.TicketID == nil) {
		return false, &desk.Error{Code: desk.Internal, Message: "cannot record the notification",
			Err: errors.New("store: RecordNotification needs a key, and a ticket for an event")}
	}
	now := utc(time.Now())
	at := utc(n.CreatedAt)
	if at.IsZero() {
		at = now
	}
	err = s.write(ctx, func(tx *gorm.DB) error {
		if n.TicketID != nil && !n.IfDue.IsZero() {
			lock := ""
			if s.d == postgresDialect {
				lock = " FOR UPDATE" // serialises with UpdateTicket's lock
			}
			var rows []struct {
				Open          bool
				Answered      bool
				ResponseDueAt time.Time
			}
			if err := tx.Raw(`SELECT open, answered, response_due_at FROM tickets WHERE id = ?`+lock, *n.TicketID).Scan(&rows).Error; err != nil {
				return err
			}
			if len(rows) == 0 || !rows[0].Open || rows[0].Answered || !asUTC(rows[0].ResponseDueAt).Equal(utc(n.IfDue)) {
				return errNotRecorded
			}
		}
		res := tx.Exec(`INSERT INTO notifications ("key", ticket_id, kind, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			n.Key, n.TicketID, n.Kind, at)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotRecorded
		}
		if ev != nil {
			if err := insertEvents(tx, *n.TicketID, []*desk.Event{ev}, now); err != nil {
				return err
			}
		}
		for _, o := range outbox {
			if err := insertOutbox(tx, o, now); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errNotRecorded) {
		return false, nil
	}
	if err != nil {
		return false, dbErr(err, "")
	}
	return true, nil
}

// NotifiedKeys reports which of keys are recorded notifications.
func (s *Store) NotifiedKeys(ctx context.Context, keys []string) (map[string]bool, error) {
	out := make(map[string]bool, len(keys))
	db := s.db.WithContext(ctx)
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), 500)]
		keys = keys[len(chunk):]
		var got []string
		if err := db.Raw(`SELECT "key" FROM notifications WHERE "key" IN ?`, chunk).Scan(&got).Error; err != nil {
			return nil, dbErr(err, "")
		}
		for _, k := range got {
			out[k] = true
		}
	}
	return out, nil
}

// Notifications lists the recorded notifications created at or after
// since, oldest first.
func (s *Store) Notifications(ctx context.Context, since time.Time) ([]notify.Notification, error) {
	var rows []struct {
		Key       string
		TicketID  *uint64
		Kind      string
		CreatedAt time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT "key", ticket_id, kind, created_at FROM notifications WHERE created_at >= ? ORDER BY created_at, "key"`,
		utcCeil(since)).Scan(&rows).Error
	if err != nil {
		return nil, dbErr(err, "")
	}
	out := make([]notify.Notification, len(rows))
	for i, r := range rows {
		out[i] = notify.Notification{Key: r.Key, TicketID: r.TicketID, Kind: r.Kind, CreatedAt: asUTC(r.CreatedAt)}
	}
	return out, nil
}

// NotifyCandidates are the tickets the warning scheduler looks at: open,
// unanswered, due at or before dueBy (the policy's sla.Bounds.AtRiskUntil),
// and not yet given their breach notice, earliest due first (at most
// 1000), Assignee filled. They use the queue index.
func (s *Store) NotifyCandidates(ctx context.Context, dueBy time.Time) ([]*desk.Ticket, error) {
	db := s.db.WithContext(ctx)
	var rows []*desk.Ticket
	err := db.Model(&desk.Ticket{}).
		Where("open = ? AND answered = ? AND response_due_at <= ?", true, false, utc(dueBy)).
		Where("NOT EXISTS (SELECT 1 FROM notifications n WHERE n.ticket_id = tickets.id AND n.kind = ?)", notify.KindBreached).
		Order("response_due_at, id").Limit(maxNotifyCandidates).Find(&rows).Error
	return s.notifyTickets(db, rows, err)
}

// NewTickets are the open, unanswered tickets of class received at or
// after since that have had no arrival notice yet, oldest first (at most
// 1000), Assignee filled. They use the received_at index.
func (s *Store) NewTickets(ctx context.Context, class string, since time.Time) ([]*desk.Ticket, error) {
	db := s.db.WithContext(ctx)
	var rows []*desk.Ticket
	err := db.Model(&desk.Ticket{}).
		Where("received_at >= ? AND class = ? AND open = ? AND answered = ?", utcCeil(since), class, true, false).
		Where("NOT EXISTS (SELECT 1 FROM notifications n WHERE n.ticket_id = tickets.id AND n.kind = ?)", notify.KindArrival).
		Order("received_at, id").Limit(maxNotifyCandidates).Find(&rows).Error
	return s.notifyTickets(db, rows, err)
}

func (s *Store) notifyTickets(db *gorm.DB, rows []*desk.Ticket, err error) ([]*desk.Ticket, error) {
	if err != nil {
		return nil, dbErr(err, "")
	}
	for _, t := range rows {
		ticketFromDB(t)
	}
	if err := fillAssignees(db, rows); err != nil {
		return nil, dbErr(err, "")
	}
	return rows, nil
}

// ActiveStaffEmails are the addresses of every active account, sorted.
func (s *Store) ActiveStaffEmails(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.WithContext(ctx).Raw(`SELECT email FROM users WHERE active = ? ORDER BY email`, true).Scan(&out).Error
	if err != nil {
		return nil, dbErr(err, "")
	}
	return out, nil
}
