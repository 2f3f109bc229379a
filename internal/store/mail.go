package store

import (
	"context"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/slatrack/slatrack/internal/desk"
)

// applyWrites adds a ticket change's rows in its transaction: messages (and
// their attachments) first, so events can point at them, then events,
// outbox mail and participants.
func applyWrites(tx *gorm.DB, ticketID uint64, w desk.Writes, now time.Time) error {
	for _, m := range w.Messages {
		id := ticketID
		m.TicketID = &id
		if err := insertMessage(tx, m, now); err != nil {
			return err
		}
	}
	for _, e := range w.Events {
		if e != nil && e.Mail != nil {
			mid := e.Mail.ID
			e.MailID = &mid
		}
	}
	if err := insertEvents(tx, ticketID, w.Events, now); err != nil {
		return err
	}
	for _, o := range w.Outbox {
		id := ticketID
		o.TicketID = &id
		if err := insertOutbox(tx, o, now); err != nil {
			return err
		}
	}
	for _, p := range w.Participants {
		p = normEmail(p)
		if p == "" {
			continue
		}
		if err := tx.Exec(
			`INSERT INTO participants (ticket_id, email) VALUES (?, ?) ON CONFLICT DO NOTHING`, ticketID, p).Error; err != nil {
			return err
		}
	}
	return applyPeople(tx, ticketID, w, now)
}

func insertMessage(tx *gorm.DB, m *desk.Message, now time.Time) error {
	m.ID = 0
	m.ReceivedAt = utc(m.ReceivedAt)
	if m.ReceivedAt.IsZero() {
		m.ReceivedAt = now
	}
	if err := tx.Omit("Attachments").Create(m).Error; err != nil {
		return err
	}
	for _, a := range m.Attachments {
		a.ID, a.MessageID, a.Size = 0, m.ID, int64(len(a.Data))
		if err := tx.Create(a).Error; err != nil {
			return err
		}
	}
	return nil
}

func insertOutbox(tx *gorm.DB, o *desk.OutboxMail, now time.Time) error {
	o.ID = 0
	if o.Status == "" {
		o.Status = desk.OutboxQueued
	}
	if o.Channel == "" {
		o.Channel = desk.DeliveryMail
	}
	o.CreatedAt = utc(o.CreatedAt)
	if o.CreatedAt.IsZero() {
		o.CreatedAt = now
	}
	o.NextAttemptAt = utc(o.NextAttemptAt)
	if o.NextAttemptAt.IsZero() {
		o.NextAttemptAt = o.CreatedAt
	}
	return tx.Create(o).Error
}

// SaveMessage stores a message that belongs to no ticket (automatic mail
// that opened nothing). Conflict when its DedupeKey was seen before.
func (s *Store) SaveMessage(ctx context.Context, m *desk.Message) error {
	err := s.write(ctx, func(tx *gorm.DB) error { return insertMessage(tx, m, utc(time.Now())) })
	return dbErr(err, "that message was already received")
}

// FindMessage finds a stored message by its dedupe key (without raw bytes).
func (s *Store) FindMessage(ctx context.Context, dedupeKey string) (*desk.Message, error) {
	var m desk.Message
	err := s.db.WithContext(ctx).Omit("raw").Where("dedupe_key = ?", dedupeKey).Take(&m).Error
	if err != nil {
		return nil, dbErr(err, "")
	}
	m.ReceivedAt = asUTC(m.ReceivedAt)
	return &m, nil
}

// TicketMessages is a ticket's stored mail, oldest first, with attachment
// names and sizes (not their bytes), without raw bytes.
func (s *Store) TicketMessages(ctx context.Context, ticketID uint64) ([]*desk.Message, error) {
	db := s.db.WithContext(ctx)
	var ms []*desk.Message
	if err := db.Omit("raw").Where("ticket_id = ?", ticketID).Order("id").Find(&ms).Error; err != nil {
		return nil, dbErr(err, "")
	}
	if len(ms) == 0 {
		return ms, nil
	}
	ids := make([]uint64, len(ms))
	byID := map[uint64]*desk.Message{}
	for i, m := range ms {
		m.ReceivedAt = asUTC(m.ReceivedAt)
		ids[i] = m.ID
		byID[m.ID] = m
	}
	var atts []*desk.Attachment
	if err := db.Select("id", "message_id", "filename", "content_type", "size").Where("message_id IN ?", ids).Order("id").Find(&atts).Error; err != nil {
		return nil, dbErr(err, "")
	}
	for _, a := range atts {
		byID[a.MessageID].Attachments = append(byID[a.MessageID].Attachments, a)
	}
	return ms, nil
}

// GetAttachment returns one attachment with its bytes and the ticket it
// belongs to (0 when none).
func (s *Store) GetAttachment(ctx context.Context, id uint64) (*desk.Attachment, uint64, error) {
	db := s.db.WithContext(ctx)
	var a desk.Attachment
	if err := db.Where("id = ?", id).Take(&a).Error; err != nil {
		return nil, 0, dbErr(err, "")
	}
	var m desk.Message
	if err := db.Select("id", "ticket_id").Where("id = ?", a.MessageID).Take(&m).Error; err != nil {
		return nil, 0, dbErr(err, "")
	}
	var tid uint64
	if m.TicketID != nil {
		tid = *m.TicketID
	}
	return &a, tid, nil
}

// IsParticipant reports whether email may thread mail into the ticket: the
// requester, or an address recorded as a participant.
func (s *Store) IsParticipant(ctx context.Context, ticketID uint64, email string) (bool, error) {
	email = normEmail(email)
	var n int64
	err := s.db.WithContext(ctx).Raw(
		`SELECT COUNT(*) FROM tickets WHERE id = ? AND requester_email = ?`, ticketID, email).Scan(&n).Error
	if err == nil && n == 0 {
		err = s.db.WithContext(ctx).Raw(
			`SELECT COUNT(*) FROM participants WHERE ticket_id = ? AND email = ?`, ticketID, email).Scan(&n).Error
	}
	return n > 0, dbErr(err, "")
}

// txReader is desk.Tx over an open write transaction.
type txReader struct {
	tx *gorm.DB
	d  dialect
}

// CountOutbox counts mail of kind to to ("" for anyone) created since a
// time, at most max rows (the count reads no further). On PostgreSQL it
// first takes a transaction-scoped advisory lock on (kind, to), so a
// concurrent transaction counting the same key waits for this one to
// commit and then sees its rows (READ COMMITTED takes each statement's
// snapshot when it starts). SQLite runs one write transaction at a time.
func (r txReader) CountOutbox(kind, to string, since time.Time, max int) (int, error) {
	to = normEmail(to)
	if r.d == postgresDialect {
		if err := r.tx.Exec(`SELECT pg_advisory_xact_lock(?)`, lockKey("outbox:"+kind+":"+to)).Error; err != nil {
			return 0, err
		}
	}
	q := `SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE kind = ? AND created_at >= ? LIMIT ?) AS recent`
	args := []any{kind, utc(since), max}
	if to != "" {
		q = `SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE kind = ? AND to_addrs = ? AND created_at >= ? LIMIT ?) AS recent`
		args = []any{kind, to, utc(since), max}
	}
	var n int
	err := r.tx.Raw(q, args...).Scan(&n).Error
	return n, err
}

// OtherTickets reports whether email requested any ticket but except.
func (r txReader) OtherTickets(email string, except uint64) (bool, error) {
	var ids []uint64
	err := r.tx.Raw(`SELECT id FROM tickets WHERE requester_email = ? AND id <> ? LIMIT 1`, normEmail(email), except).Scan(&ids).Error
	return len(ids) > 0, err
}

// LastEventAt is when the ticket's latest timeline entry happened.
func (r txReader) LastEventAt(ticketID uint64) (time.Time, error) {
	var evs []desk.Event
	if err := r.tx.Select("at").Where("ticket_id = ?", ticketID).Order("at DESC").Limit(1).Find(&evs).Error; err != nil || len(evs) == 0 {
		return time.Time{}, err
	}
	return asUTC(evs[0].At), nil
}

// lockKey is a stable 64-bit advisory-lock key for a name.
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64())
}

// TicketOutbox is the mail queued or sent for a ticket, oldest first (for
// the delivery state on the ticket page).
func (s *Store) TicketOutbox(ctx context.Context, ticketID uint64) ([]*desk.OutboxMail, error) {
	var out []*desk.OutboxMail
	err := s.db.WithContext(ctx).Where("ticket_id = ?", ticketID).Order("id").Find(&out).Error
	for _, o := range out {
		outboxFromDB(o)
	}
	return out, dbErr(err, "")
}

// EnqueueMail adds mail that belongs to no ticket (digests, notices).
func (s *Store) EnqueueMail(ctx context.Context, o *desk.OutboxMail) error {
	return dbErr(s.write(ctx, func(tx *gorm.DB) error { return insertOutbox(tx, o, utc(time.Now())) }), "")
}

func outboxFromDB(o *desk.OutboxMail) {
	o.NextAttemptAt = asUTC(o.NextAttemptAt)
	o.CreatedAt = asUTC(o.CreatedAt)
	o.SentAt = asUTCp(o.SentAt)
	o.LeaseUntil = asUTCp(o.LeaseUntil)
}

// outboxClaimOrder is the order senders claim due mail in: staff replies,
// warnings, digests and webhooks before acknowledgements (a burst of new
// tickets must not hold up a reply), then oldest due first. The index
// idx_outbox_claim (migration 9) has the same expression, written the same
// way, so both engines read due mail in this order from the index.
const outboxClaimOrder = "CASE WHEN kind = '" + desk.OutboxAck + "' THEN 1 ELSE 0 END, next_attempt_at, id"

// ClaimOutbox leases up to limit queued deliveries that are due and not
// leased by another sender, in one transaction: FOR UPDATE SKIP LOCKED on
// PostgreSQL lets several instances claim side by side without ever taking
// the same row; SQLite's write lock serialises claims. Acknowledgements
// come after every other kind (outboxClaimOrder).
// Only rows of the given channels are claimed (a sender passes those it has
// a sender for: mail waits while no relay is configured); no channels
// claims every channel.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration, channels []string) ([]*desk.OutboxMail, error) {
	now = utc(now)
	var out []*desk.OutboxMail
	err := s.write(ctx, func(tx *gorm.DB) error {
		out = nil
		if err := s.claimQuery(tx, now, limit, channels).Find(&out).Error; err != nil {
			return err
		}
		until := now.Add(lease)
		token := rand.Int64N(math.MaxInt64) + 1 // this claim's, never 0
		for _, o := range out {
			o.Attempts++
			o.LeaseUntil, o.LeaseToken = &until, token
			if err := tx.Model(&desk.OutboxMail{}).Where("id = ?", o.ID).
				Updates(map[string]any{"attempts": o.Attempts, "lease_until": until, "lease_token": token}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	for _, o := range out {
		outboxFromDB(o)
	}
	return out, dbErr(err, "")
}

// claimQuery selects (and on PostgreSQL locks) the rows ClaimOutbox takes.
func (s *Store) claimQuery(tx *gorm.DB, now time.Time, limit int, channels []string) *gorm.DB {
	q := tx.Where("status = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)", desk.OutboxQueued, now, now).
		Order(outboxClaimOrder).Limit(limit)
	if len(channels) > 0 {
		q = q.Where("channel IN ?", channels)
	}
	if s.d == postgresDialect {
		q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
	}
	return q
}

// RenewOutboxLeases extends to until the leases of claims (as ClaimOutbox
// returned them) that are still held: the row is queued, leased, and not
// claimed again since (its LeaseToken is the claim's). It returns the IDs
// renewed; a claim missing from them is no longer the caller's to send.
func (s *Store) RenewOutboxLeases(ctx context.Context, claims []*desk.OutboxMail, until time.Time) ([]uint64, error) {
	until = utc(until)
	var renewed []uint64
	err := s.write(ctx, func(tx *gorm.DB) error {
		renewed = renewed[:0]
		for _, c := range claims {
			res := heldClaim(tx, c).Update("lease_until", until)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected > 0 {
				renewed = append(renewed, c.ID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, dbErr(err, "")
	}
	return renewed, nil
}

// ReleaseOutbox gives back claims that were never tried (a sender stopping
// mid-batch): their lease is cleared and their attempt uncounted, so the
// next claim, by any instance, sends them at once. Claims no longer held
// are left alone.
func (s *Store) ReleaseOutbox(ctx context.Context, claims []*desk.OutboxMail) error {
	return dbErr(s.write(ctx, func(tx *gorm.DB) error {
		for _, c := range claims {
			err := heldClaim(tx, c).Updates(map[string]any{"lease_until": nil, "lease_token": 0, "attempts": gorm.Expr("attempts - 1")}).Error
			if err != nil {
				return err
			}
		}
		return nil
	}), "")
}

// heldClaim selects c's row if c's claim still holds it.
func heldClaim(tx *gorm.DB, c *desk.OutboxMail) *gorm.DB {
	return tx.Model(&desk.OutboxMail{}).Where("id = ? AND lease_token = ? AND status = ? AND lease_until IS NOT NULL",
		c.ID, c.LeaseToken, desk.OutboxQueued)
}

// MarkOutboxSent records a successful send.
func (s *Store) MarkOutboxSent(ctx context.Context, id uint64, at time.Time) error {
	return dbErr(s.write(ctx, func(tx *gorm.DB) error {
		return tx.Model(&desk.OutboxMail{}).Where("id = ?", id).
			Updates(map[string]any{"status": desk.OutboxSent, "sent_at": utc(at), "lease_until": nil, "last_error": ""}).Error
	}), "")
}

// MarkOutboxFailed records a failed attempt: retried at next, or given up
// when final. A row already marked sent is left alone.
func (s *Store) MarkOutboxFailed(ctx context.Context, id uint64, errMsg string, next time.Time, final bool) error {
	status := desk.OutboxQueued
	if final {
		status = desk.OutboxFailed
	}
	if len(errMsg) > 1000 {
		errMsg = errMsg[:1000]
	}
	return dbErr(s.write(ctx, func(tx *gorm.DB) error {
		// A row another sender has meanwhile sent (after this one's lease
		// ran out) stays sent: a late failure must not queue it again.
		return tx.Model(&desk.OutboxMail{}).Where("id = ? AND status <> ?", id, desk.OutboxSent).
			Updates(map[string]any{"status": status, "next_attempt_at": utc(next), "lease_until": nil, "last_error": errMsg}).Error
	}), "")
}

// OutboxBacklog counts mail still waiting to go out.
func (s *Store) OutboxBacklog(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&desk.OutboxMail{}).Where("status = ?", desk.OutboxQueued).Count(&n).Error
	return n, dbErr(err, "")
}

// Quarantine keeps mail that could not be processed.
func (s *Store) Quarantine(ctx context.Context, q *desk.Quarantined) error {
	q.ID = 0
	q.Size = int64(len(q.Raw))
	q.ReceivedAt = utc(q.ReceivedAt)
	if q.ReceivedAt.IsZero() {
		q.ReceivedAt = utc(time.Now())
	}
	if q.Status == "" {
		q.Status = desk.QuarantineHeld
	}
	return dbErr(s.write(ctx, func(tx *gorm.DB) error { return tx.Create(q).Error }), "")
}

// ListQuarantine lists quarantined mail with the given status, newest
// first, without raw bytes.
func (s *Store) ListQuarantine(ctx context.Context, status string, limit int) ([]*desk.Quarantined, error) {
	var out []*desk.Quarantined
	err := s.db.WithContext(ctx).Omit("raw").Where("status = ?", status).Order("id DESC").Limit(limit).Find(&out).Error
	for _, q := range out {
		q.ReceivedAt = asUTC(q.ReceivedAt)
		q.ResolvedAt = asUTCp(q.ResolvedAt)
	}
	return out, dbErr(err, "")
}

// GetQuarantined returns one quarantined mail with its raw bytes.
func (s *Store) GetQuarantined(ctx context.Context, id uint64) (*desk.Quarantined, error) {
	var q desk.Quarantined
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&q).Error; err != nil {
		return nil, dbErr(err, "")
	}
	q.ReceivedAt = asUTC(q.ReceivedAt)
	q.ResolvedAt = asUTCp(q.ResolvedAt)
	return &q, nil
}

// ResolveQuarantined marks a held mail reprocessed or discarded. Conflict
// when it is no longer held (another admin got there first).
func (s *Store) ResolveQuarantined(ctx context.Context, id uint64, status, by string, at time.Time) error {
	return dbErr(s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&desk.Quarantined{}).Where("id = ? AND status = ?", id, desk.QuarantineHeld).
			Updates(map[string]any{"status": status, "resolved_by": strings.ToLower(by), "resolved_at": utc(at)})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return &desk.Error{Code: desk.Conflict, Message: "that mail is no longer in quarantine"}
		}
		return nil
	}), "")
}

// CountStoredMail counts every inbound mail kept: messages received and
// mail in quarantine (whatever its status).
func (s *Store) CountStoredMail(ctx context.Context) (int64, error) {
	var in, q int64
	db := s.db.WithContext(ctx)
	err := db.Model(&desk.Message{}).Where("direction = ?", desk.DirectionIn).Count(&in).Error
	if err == nil {
		err = db.Model(&desk.Quarantined{}).Count(&q).Error
	}
	return in + q, dbErr(err, "")
}
