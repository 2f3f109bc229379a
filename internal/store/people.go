package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/slatrack/slatrack/internal/desk"
)

// migratePeople gives participants a name and who added them when, and
// records merges: a merged ticket's row points at the ticket it answers
// to now, so mail naming it (by its subject tag or a signed Message-ID)
// lands there.
func migratePeople(tx *gorm.DB, d dialect) error {
	return execAll(tx, d,
		`ALTER TABLE participants ADD COLUMN name {TEXT} NOT NULL DEFAULT ''`,
		`ALTER TABLE participants ADD COLUMN added_at {TIME}`,
		`ALTER TABLE participants ADD COLUMN added_by {TEXT} NOT NULL DEFAULT ''`,
		`CREATE TABLE ticket_merges (
			ticket_id {BIGINT} NOT NULL PRIMARY KEY REFERENCES tickets (id),
			into_id   {BIGINT} NOT NULL REFERENCES tickets (id),
			merged_at {TIME} NOT NULL,
			merged_by {TEXT} NOT NULL DEFAULT ''
		)`,
		// A merge repoints every ticket that answered to the duplicate.
		`CREATE INDEX idx_ticket_merges_into ON ticket_merges (into_id)`,
	)
}

// participantRow is a participants row as gorm reads it.
type participantRow struct {
	TicketID uint64
	Email    string
	Name     string
	AddedAt  *time.Time
	AddedBy  string
}

// TableName is the participants table.
func (participantRow) TableName() string { return "participants" }

// applyPeople adds and removes a change's named participants.
func applyPeople(tx *gorm.DB, ticketID uint64, w desk.Writes, now time.Time) error {
	for _, p := range w.People {
		email := normEmail(p.Email)
		if email == "" {
			continue
		}
		at := utc(p.AddedAt)
		if at.IsZero() {
			at = now
		}
		// An address already on the ticket (say, from a mail's Cc) gains
		// the name it was added under, if it had none.
		err := tx.Exec(`INSERT INTO participants (ticket_id, email, name, added_at, added_by) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (ticket_id, email) DO UPDATE SET name = CASE WHEN participants.name = '' THEN excluded.name ELSE participants.name END`,
			ticketID, email, p.Name, at, p.AddedBy).Error
		if err != nil {
			return err
		}
	}
	for _, e := range w.Unpeople {
		if err := tx.Exec(`DELETE FROM participants WHERE ticket_id = ? AND email = ?`, ticketID, normEmail(e)).Error; err != nil {
			return err
		}
	}
	return nil
}

func participantsOf(db *gorm.DB, ticketID uint64) ([]*desk.Participant, error) {
	var rows []participantRow
	if err := db.Where("ticket_id = ?", ticketID).Order("email").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]*desk.Participant, 0, len(rows))
	for _, r := range rows {
		p := &desk.Participant{TicketID: r.TicketID, Email: r.Email, Name: r.Name, AddedBy: r.AddedBy}
		if r.AddedAt != nil {
			p.AddedAt = asUTC(*r.AddedAt)
		}
		out = append(out, p)
	}
	return out, nil
}

// maxMergeHops bounds following merges: a merge repoints the tickets that
// answered to the duplicate, so one hop is the rule and more is a leftover
// of a concurrent merge.
const maxMergeHops = 8

func mergedInto(db *gorm.DB, ticketID uint64) (string, error) {
	id, ref := ticketID, ""
	for range maxMergeHops {
		var rows []struct {
			IntoID uint64
			Ref    string
		}
		err := db.Raw(`SELECT m.into_id, t.ref FROM ticket_merges m JOIN tickets t ON t.id = m.into_id WHERE m.ticket_id = ?`, id).Scan(&rows).Error
		if err != nil {
			return "", err
		}
		if len(rows) == 0 || rows[0].IntoID == ticketID {
			break
		}
		id, ref = rows[0].IntoID, rows[0].Ref
	}
	return ref, nil
}

// Participants lists a ticket's participants by address.
func (s *Store) Participants(ctx context.Context, ticketID uint64) ([]*desk.Participant, error) {
	ps, err := participantsOf(s.db.WithContext(ctx), ticketID)
	return ps, dbErr(err, "")
}

// MergedInto is the reference of the ticket a merged ticket answers to.
func (s *Store) MergedInto(ctx context.Context, ticketID uint64) (string, error) {
	ref, err := mergedInto(s.db.WithContext(ctx), ticketID)
	return ref, dbErr(err, "")
}

// PeopleOn lists the ticket's participant rows, through the transaction.
func (r txReader) PeopleOn(ticketID uint64) ([]*desk.Participant, error) {
	return participantsOf(r.tx, ticketID)
}

// MergeTarget is the ticket a merged ticket answers to, through the
// transaction.
func (r txReader) MergeTarget(ticketID uint64) (string, error) { return mergedInto(r.tx, ticketID) }

// CountMessages counts a ticket's stored messages, at most max.
func (r txReader) CountMessages(ticketID uint64, max int) (int, error) {
	var n int
	err := r.tx.Raw(`SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE ticket_id = ? LIMIT ?) AS m`, ticketID, max).Scan(&n).Error
	return n, err
}

// conversationKinds are the timeline entries a merge moves with the
// messages: what people wrote. The rest (status changes, promises) stays
// the duplicate's history.
var conversationKinds = []string{desk.EventMessageIn, desk.EventReply, desk.EventNote, desk.EventAcknowledged, desk.EventBounce, desk.EventMailIgnored}

// MergeTickets folds the duplicate into the survivor in one transaction
// (see desk.TicketStore). Both rows are locked in id order, so two merges
// of the same pair cannot deadlock.
func (s *Store) MergeTickets(ctx context.Context, dupRef, intoRef string, change func(tx desk.Tx, dup, into *desk.Ticket) (desk.MergeWrites, error)) (*desk.Ticket, *desk.Ticket, error) {
	var (
		dupOut, intoOut *desk.Ticket
		changeErr       error
	)
	err := s.write(ctx, func(tx *gorm.DB) error {
		q := tx
		if s.d == postgresDialect {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var rows []*desk.Ticket
		if err := q.Where("ref IN ?", []string{normRef(dupRef), normRef(intoRef)}).Order("id").Find(&rows).Error; err != nil {
			return err
		}
		var dup, into *desk.Ticket
		for _, t := range rows {
			switch t.Ref {
			case normRef(dupRef):
				dup = t
			case normRef(intoRef):
				into = t
			}
		}
		if dup == nil || into == nil {
			return desk.ErrNotFound
		}
		both := []*desk.Ticket{dup, into}
		for _, t := range both {
			ticketFromDB(t)
		}
		if err := fillAssignees(tx, both); err != nil {
			return err
		}
		if err := fillPromises(tx, both); err != nil {
			return err
		}
		beforeDup, beforeInto := snapshotPromises(dup), snapshotPromises(into)
		dupID, dupRef2, dupCreated := dup.ID, dup.Ref, dup.CreatedAt
		intoID, intoRef2, intoCreated := into.ID, into.Ref, into.CreatedAt
		w, err := change(txReader{tx, s.d}, dup, into)
		if err != nil {
			changeErr = err
			return errChangeFailed
		}
		dup.ID, dup.Ref, dup.CreatedAt = dupID, dupRef2, dupCreated
		into.ID, into.Ref, into.CreatedAt = intoID, intoRef2, intoCreated
		now := utc(time.Now())
		for _, st := range []struct {
			q    string
			args []any
		}{
			// Conversation and mail first, then the people (an address on
			// both tickets keeps the survivor's row), then the merge record.
			{`UPDATE events SET ticket_id = ? WHERE ticket_id = ? AND kind IN ?`, []any{intoID, dupID, conversationKinds}},
			{`UPDATE messages SET ticket_id = ? WHERE ticket_id = ?`, []any{intoID, dupID}},
			{`INSERT INTO participants (ticket_id, email, name, added_at, added_by)
				SELECT ?, email, name, added_at, added_by FROM participants WHERE ticket_id = ?
				ON CONFLICT (ticket_id, email) DO NOTHING`, []any{intoID, dupID}},
			{`DELETE FROM participants WHERE ticket_id = ?`, []any{dupID}},
			{`UPDATE ticket_merges SET into_id = ? WHERE into_id = ?`, []any{intoID, dupID}},
			{`INSERT INTO ticket_merges (ticket_id, into_id, merged_at, merged_by) VALUES (?, ?, ?, ?)`, []any{dupID, intoID, now, mergedBy(w)}},
		} {
			if err := tx.Exec(st.q, st.args...).Error; err != nil {
				return err
			}
		}
		for _, x := range []struct {
			t      *desk.Ticket
			before map[uint64]desk.Promise
			w      desk.Writes
		}{{dup, beforeDup, w.Duplicate}, {into, beforeInto, w.Survivor}} {
			prepareTicket(x.t)
			x.t.UpdatedAt = now
			if err := tx.Model(&desk.Ticket{}).Where("id = ?", x.t.ID).Updates(ticketUpdates(x.t)).Error; err != nil {
				return err
			}
			if err := savePromises(tx, x.t, x.before, now); err != nil {
				return err
			}
			if err := applyWrites(tx, x.t.ID, x.w, now); err != nil {
				return err
			}
		}
		for _, t := range both {
			t.Assignee = nil
		}
		if err := fillAssignees(tx, both); err != nil {
			return err
		}
		dupOut, intoOut = dup, into
		return nil
	})
	if changeErr != nil {
		return nil, nil, changeErr
	}
	if err != nil {
		return nil, nil, dbErr(err, "")
	}
	return dupOut, intoOut, nil
}

// mergedBy is who merged, from the survivor's merge entry.
func mergedBy(w desk.MergeWrites) string {
	for _, e := range w.Survivor.Events {
		if e != nil && e.Kind == desk.EventMerged {
			return e.Actor
		}
	}
	return ""
}
