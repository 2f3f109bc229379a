package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/notify"
	"github.com/slatrack/slatrack/internal/promise"
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
//
// A warning about a promise that replaced one with the same kind and due
// instant (a reclassification between classes with equal targets) is
// recorded without its event and outbox rows, and sent is false, when the
// promise it replaced had that warning: each deadline is warned about once.
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
	given := false
	err = s.write(ctx, func(tx *gorm.DB) error {
		given = false // each attempt afresh
		if n.TicketID != nil && !n.IfDue.IsZero() {
			ok, had, err := s.stillDue(tx, n)
			if err != nil {
				return err
			}
			if !ok {
				return errNotRecorded
			}
			given = had
		}
		res := tx.Exec(`INSERT INTO notifications ("key", ticket_id, kind, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			n.Key, n.TicketID, n.Kind, at)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotRecorded
		}
		if given {
			return nil // the key alone: the replaced promise's notice stands
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
	if err == nil && given {
		return false, nil
	}
	if err != nil {
		return false, dbErr(err, "")
	}
	return true, nil
}

// stillDue reports whether the notice n is still relevant, read under the
// ticket's row lock on PostgreSQL (which serialises it with UpdateTicket;
// SQLite's write transaction already excludes every other writer): the
// promise n.PromiseID still running and due at n.IfDue, or, for a notice
// about no promise (an arrival), the ticket open, unanswered and its first
// response due at n.IfDue. had reports that a superseded promise of the
// same kind and due instant on the ticket already had this notice.
func (s *Store) stillDue(tx *gorm.DB, n notify.Notification) (ok, had bool, err error) {
	lock := ""
	if s.d == postgresDialect {
		lock = " FOR UPDATE"
	}
	var rows []struct {
		Open          bool
		Answered      bool
		ResponseDueAt time.Time
	}
	if err := tx.Raw(`SELECT open, answered, response_due_at FROM tickets WHERE id = ?`+lock, *n.TicketID).Scan(&rows).Error; err != nil {
		return false, false, err
	}
	if len(rows) == 0 || !rows[0].Open {
		return false, false, nil
	}
	if n.PromiseID == nil {
		return !rows[0].Answered && asUTC(rows[0].ResponseDueAt).Equal(utc(n.IfDue)), false, nil
	}
	var ps []struct {
		Kind  string
		DueAt time.Time
	}
	if err := tx.Raw(`SELECT kind, due_at FROM promises WHERE id = ? AND ticket_id = ? AND ended_at IS NULL AND paused_at IS NULL`,
		*n.PromiseID, *n.TicketID).Scan(&ps).Error; err != nil {
		return false, false, err
	}
	if len(ps) != 1 || !asUTC(ps[0].DueAt).Equal(utc(n.IfDue)) {
		return false, false, nil
	}
	var prev []uint64
	if err := tx.Raw(`SELECT q.id FROM promises q WHERE q.ticket_id = ? AND q.kind = ? AND q.id <> ? AND q.outcome = ? AND q.due_at = ?
		AND EXISTS (SELECT 1 FROM notifications x WHERE x."key" = ? || CAST(q.id AS TEXT)) LIMIT 1`,
		*n.TicketID, ps[0].Kind, *n.PromiseID, string(promise.Superseded), utc(n.IfDue), n.Kind+":p").Scan(&prev).Error; err != nil {
		return false, false, err
	}
	return true, len(prev) > 0, nil
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

// NotifyCandidates are the promises the warning scheduler looks at:
// running (not ended, not paused), due at or before dueBy (the policy's
// sla.Bounds.AtRiskUntil), of open tickets, and not yet given their
// breach notice (key "breached:p<id>", notify.PromiseKey), earliest due
// first (at most 1000), each with its ticket, Assignee filled. They use
// the running promises' index (idx_promises_running).
func (s *Store) NotifyCandidates(ctx context.Context, dueBy time.Time) ([]notify.Candidate, error) {
	db := s.db.WithContext(ctx)
	var ps []*desk.Promise
	err := db.Where("ended_at IS NULL AND paused_at IS NULL AND due_at <= ?", utc(dueBy)).
		Where(`NOT EXISTS (SELECT 1 FROM notifications n WHERE n."key" = ? || CAST(promises.id AS TEXT))`, notify.KindBreached+":p").
		Order("due_at, id").Limit(maxNotifyCandidates).Find(&ps).Error
	if err != nil {
		return nil, dbErr(err, "")
	}
	if len(ps) == 0 {
		return nil, nil
	}
	ids := make([]uint64, 0, len(ps))
	for _, p := range ps {
		promiseFromDB(p)
		ids = append(ids, p.TicketID)
	}
	var rows []*desk.Ticket
	err = db.Model(&desk.Ticket{}).Where("id IN ? AND open = ?", ids, true).Find(&rows).Error
	rows, err = s.notifyTickets(db, rows, err)
	if err != nil {
		return nil, err
	}
	byID := make(map[uint64]*desk.Ticket, len(rows))
	for _, t := range rows {
		byID[t.ID] = t
	}
	out := make([]notify.Candidate, 0, len(ps))
	for _, p := range ps {
		if t := byID[p.TicketID]; t != nil {
			out = append(out, notify.Candidate{Ticket: t, Promise: p})
		}
	}
	return out, nil
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
