package store

import (
	"context"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/slatrack/slatrack/internal/desk"
)

// EventsSince is the ticket's events made after version (see bumpVersion),
// oldest first, read in the write transaction.
func (r txReader) EventsSince(ticketID uint64, version int64) ([]*desk.Event, error) {
	return eventsSince(r.tx, ticketID, version)
}

func eventsSince(db *gorm.DB, ticketID uint64, version int64) ([]*desk.Event, error) {
	var evs []*desk.Event
	if err := db.Where("ticket_id = ? AND version > ?", ticketID, version).Order("version ASC, id ASC").Find(&evs).Error; err != nil {
		return nil, err
	}
	for _, e := range evs {
		e.At = asUTC(e.At)
	}
	return evs, nil
}

// emailDomain is the SQL for the domain of the address in col, the same
// expression as the index idx_tickets_requester_domain (so the planner
// uses it).
func (d dialect) emailDomain(col string) string {
	if d == postgresDialect {
		return "split_part(" + col + ", '@', 2)"
	}
	return "substr(" + col + ", instr(" + col + ", '@') + 1)"
}

// TicketsFrom lists up to limit tickets, newest first, but except, whose
// requester is email, or with domain set, whose requester is another
// address at domain; and counts them, up to desk.RelatedCountCap (a
// large organisation's count stops there rather than reading every row).
func (s *Store) TicketsFrom(ctx context.Context, email, domain string, except uint64, limit int) ([]*desk.Ticket, int64, error) {
	db := s.db.WithContext(ctx)
	where, args := "requester_email = ? AND id <> ?", []any{normEmail(email), except}
	if domain != "" {
		where = s.d.emailDomain("requester_email") + " = ? AND requester_email <> ? AND id <> ?"
		args = []any{strings.ToLower(domain), normEmail(email), except}
	}
	q := db.Model(&desk.Ticket{}).Where(where, args...)
	var n int64
	if err := db.Raw(`SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE `+where+` LIMIT ?) AS capped`,
		append(args, desk.RelatedCountCap)...).Scan(&n).Error; err != nil {
		return nil, 0, dbErr(err, "")
	}
	var rows []*desk.Ticket
	if n > 0 {
		if err := q.Session(&gorm.Session{}).Order("received_at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
			return nil, 0, dbErr(err, "")
		}
	}
	for _, t := range rows {
		ticketFromDB(t)
	}
	if err := fillAssignees(db, rows); err != nil {
		return nil, 0, dbErr(err, "")
	}
	return rows, n, nil
}

// ListMacros lists every macro by name.
func (s *Store) ListMacros(ctx context.Context) ([]*desk.Macro, error) {
	var out []*desk.Macro
	if err := s.db.WithContext(ctx).Order("LOWER(name), id").Find(&out).Error; err != nil {
		return nil, dbErr(err, "")
	}
	for _, m := range out {
		macroFromDB(m)
	}
	if out == nil {
		out = []*desk.Macro{}
	}
	return out, nil
}

// GetMacro is one macro; NotFound when missing.
func (s *Store) GetMacro(ctx context.Context, id uint64) (*desk.Macro, error) {
	var m desk.Macro
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&m).Error; err != nil {
		return nil, dbErr(err, "")
	}
	macroFromDB(&m)
	return &m, nil
}

// CreateMacro inserts m and gives it an ID; Conflict when the name is
// taken (ignoring case).
func (s *Store) CreateMacro(ctx context.Context, m *desk.Macro) error {
	m.ID = 0
	m.CreatedAt, m.UpdatedAt = utc(m.CreatedAt), utc(m.UpdatedAt)
	err := s.write(ctx, func(tx *gorm.DB) error { return tx.Create(m).Error })
	return dbErr(err, "a macro with that name exists")
}

// UpdateMacro saves every field of m but its creation time; NotFound when
// it is gone, Conflict on the name.
func (s *Store) UpdateMacro(ctx context.Context, m *desk.Macro) error {
	var n int64
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&desk.Macro{}).Where("id = ?", m.ID).Updates(map[string]any{
			"name": m.Name, "body": m.Body, "set_status": m.SetStatus, "set_class": m.SetClass,
			"assign_to": m.AssignTo, "updated_at": utc(m.UpdatedAt)})
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return dbErr(err, "a macro with that name exists")
	}
	if n == 0 {
		return desk.ErrNotFound
	}
	return nil
}

// DeleteMacro removes a macro; NotFound when missing.
func (s *Store) DeleteMacro(ctx context.Context, id uint64) error {
	var n int64
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ?", id).Delete(&desk.Macro{})
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return dbErr(err, "")
	}
	if n == 0 {
		return desk.ErrNotFound
	}
	return nil
}

func macroFromDB(m *desk.Macro) {
	m.CreatedAt, m.UpdatedAt = asUTC(m.CreatedAt), asUTC(m.UpdatedAt)
}

// TouchPresence records p's heartbeat, forgets every heartbeat from before
// before, and returns the others on the ticket seen at or
// after since, User filled, by name.
func (s *Store) TouchPresence(ctx context.Context, p *desk.Presence, since, before time.Time) ([]*desk.Presence, error) {
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO presence (ticket_id, user_id, typing, seen_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (ticket_id, user_id) DO UPDATE SET typing = excluded.typing, seen_at = excluded.seen_at`,
			p.TicketID, p.UserID, p.Typing, utc(p.SeenAt)).Error; err != nil {
			return err
		}
		// Every ticket's old heartbeats (closed tabs), through
		// idx_presence_seen: the table holds only the last minutes. On
		// PostgreSQL rows another heartbeat has locked are skipped (the
		// next one takes them), so two heartbeats never wait on each other
		// in a cycle; SQLite has one writer at a time.
		if s.d == postgresDialect {
			return tx.Exec(`DELETE FROM presence WHERE (ticket_id, user_id) IN
				(SELECT ticket_id, user_id FROM presence WHERE seen_at < ? FOR UPDATE SKIP LOCKED)`, utc(before)).Error
		}
		return tx.Exec(`DELETE FROM presence WHERE seen_at < ?`, utc(before)).Error
	})
	if err != nil {
		return nil, dbErr(err, "")
	}
	db := s.db.WithContext(ctx)
	var out []*desk.Presence
	if err := db.Where("ticket_id = ? AND user_id <> ? AND seen_at >= ?", p.TicketID, p.UserID, utc(since)).Find(&out).Error; err != nil {
		return nil, dbErr(err, "")
	}
	if len(out) == 0 {
		return []*desk.Presence{}, nil
	}
	ids := make([]uint64, len(out))
	for i, o := range out {
		o.SeenAt = asUTC(o.SeenAt)
		ids[i] = o.UserID
	}
	var users []*desk.User
	if err := db.Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, dbErr(err, "")
	}
	byID := map[uint64]*desk.User{}
	for _, u := range users {
		userFromDB(u)
		byID[u.ID] = u
	}
	kept := out[:0]
	for _, o := range out {
		if u := byID[o.UserID]; u != nil && u.Active {
			o.User = u
			kept = append(kept, o)
		}
	}
	sortPresence(kept)
	return kept, nil
}

func sortPresence(ps []*desk.Presence) {
	sort.SliceStable(ps, func(i, j int) bool { return strings.ToLower(ps[i].User.Name) < strings.ToLower(ps[j].User.Name) })
}

// LeavePresence forgets that a user has a ticket open.
func (s *Store) LeavePresence(ctx context.Context, ticketID, userID uint64) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		return tx.Exec(`DELETE FROM presence WHERE ticket_id = ? AND user_id = ?`, ticketID, userID).Error
	})
	return dbErr(err, "")
}

// QueueNeighbours are the references of the open tickets just before and
// after t in the queue's order (queueOrder), "" at either end or when t is
// not open, for stepping through the queue from a ticket.
func (s *Store) QueueNeighbours(ctx context.Context, t *desk.Ticket) (prev, next string, err error) {
	if !t.Open {
		return "", "", nil
	}
	db := s.db.WithContext(ctx)
	d := utc(t.QueueAt)
	// (idle, queue_at, id) > or < t's, spelt out as ListTickets' cursor is.
	after := "idle = ? AND queue_at >= ? AND (queue_at > ? OR id > ?)"
	before := "idle = ? AND queue_at <= ? AND (queue_at < ? OR id < ?)"
	var nq, pq *gorm.DB
	if t.Idle {
		nq = db.Model(&desk.Ticket{}).Where("open = ? AND "+after, true, true, d, d, t.ID)
		pq = db.Model(&desk.Ticket{}).Where("open = ? AND (("+before+") OR idle = ?)", true, true, d, d, t.ID, false)
	} else {
		nq = db.Model(&desk.Ticket{}).Where("open = ? AND (("+after+") OR idle = ?)", true, false, d, d, t.ID, true)
		pq = db.Model(&desk.Ticket{}).Where("open = ? AND "+before, true, false, d, d, t.ID)
	}
	var refs []string
	if err := nq.Order(queueOrder).Limit(1).Pluck("ref", &refs).Error; err != nil {
		return "", "", dbErr(err, "")
	}
	if len(refs) > 0 {
		next = refs[0]
	}
	refs = nil
	if err := pq.Order("idle DESC, queue_at DESC, id DESC").Limit(1).Pluck("ref", &refs).Error; err != nil {
		return "", "", dbErr(err, "")
	}
	if len(refs) > 0 {
		prev = refs[0]
	}
	return prev, next, nil
}
