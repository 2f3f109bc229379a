package store

import (
	"time"

	"gorm.io/gorm"

	"github.com/slatrack/slatrack/internal/desk"
)

// preparePromise stores a promise's times in UTC at the database's
// precision.
func preparePromise(p *desk.Promise) {
	p.StartedAt = utc(p.StartedAt)
	p.DueAt = utc(p.DueAt)
	p.PausedAt = utcp(p.PausedAt)
	p.EndedAt = utcp(p.EndedAt)
	p.CreatedAt = utc(p.CreatedAt)
}

func promiseFromDB(p *desk.Promise) {
	p.StartedAt = asUTC(p.StartedAt)
	p.DueAt = asUTC(p.DueAt)
	p.PausedAt = asUTCp(p.PausedAt)
	p.EndedAt = asUTCp(p.EndedAt)
	p.CreatedAt = asUTC(p.CreatedAt)
}

// fillPromises sets Promises, oldest first, on every ticket of ts with one
// query.
func fillPromises(db *gorm.DB, ts []*desk.Ticket) error {
	if len(ts) == 0 {
		return nil
	}
	byID := make(map[uint64]*desk.Ticket, len(ts))
	ids := make([]uint64, 0, len(ts))
	for _, t := range ts {
		byID[t.ID] = t
		ids = append(ids, t.ID)
		t.Promises = nil
	}
	var ps []*desk.Promise
	if err := db.Where("ticket_id IN ?", ids).Order("ticket_id, id").Find(&ps).Error; err != nil {
		return err
	}
	for _, p := range ps {
		promiseFromDB(p)
		if t := byID[p.TicketID]; t != nil {
			t.Promises = append(t.Promises, p)
		}
	}
	return nil
}

// snapshotPromises copies a ticket's stored promises, to find the ones a
// change touched.
func snapshotPromises(t *desk.Ticket) map[uint64]desk.Promise {
	m := make(map[uint64]desk.Promise, len(t.Promises))
	for _, p := range t.Promises {
		if p.ID != 0 {
			m[p.ID] = copyPromise(p)
		}
	}
	return m
}

func copyPromise(p *desk.Promise) desk.Promise {
	c := *p
	c.PausedAt, c.EndedAt = utcp(p.PausedAt), utcp(p.EndedAt)
	return c
}

// savePromises inserts the ticket's new promises and writes the changes to
// the others (pauses, due instants, endings); a promise's kind, class,
// start and target never change once stored.
func savePromises(tx *gorm.DB, t *desk.Ticket, before map[uint64]desk.Promise, now time.Time) error {
	var fresh []*desk.Promise
	for _, p := range t.Promises {
		p.TicketID = t.ID
		preparePromise(p)
		if p.ID == 0 {
			if p.CreatedAt.IsZero() {
				p.CreatedAt = now
			}
			fresh = append(fresh, p)
			continue
		}
		if old, ok := before[p.ID]; ok && samePromise(old, *p) {
			continue
		}
		if err := tx.Model(&desk.Promise{}).Where("id = ? AND ticket_id = ?", p.ID, t.ID).Updates(map[string]any{
			"due_at": p.DueAt, "paused": int64(p.Paused), "paused_at": timeOrNil(p.PausedAt),
			"ended_at": timeOrNil(p.EndedAt), "outcome": string(p.Outcome), "end_reason": p.EndReason,
		}).Error; err != nil {
			return err
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	return tx.Create(&fresh).Error
}

func samePromise(a, b desk.Promise) bool {
	eq := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	return a.DueAt.Equal(b.DueAt) && a.Paused == b.Paused && eq(a.PausedAt, b.PausedAt) && eq(a.EndedAt, b.EndedAt) &&
		a.Outcome == b.Outcome && a.EndReason == b.EndReason
}
