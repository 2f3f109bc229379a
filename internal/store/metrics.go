package store

import (
	"context"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/metrics"
	"github.com/slatrack/slatrack/internal/sla"
)

// MetricsSnapshot counts what /metrics reports, with a handful of grouped
// queries that use the queue and receipt indexes: open, unanswered tickets
// by the state ranges b (the policy's, never worked out here), and first
// responses to tickets received since since.
func (s *Store) MetricsSnapshot(ctx context.Context, b sla.Bounds, since time.Time) (metrics.Snapshot, error) {
	db := s.db.WithContext(ctx)
	snap := metrics.Snapshot{Open: map[string]map[sla.State]int{}, FirstResponses: map[string]map[sla.State]int{}}
	type row struct {
		Class string
		N     int
	}
	count := func(into map[string]map[sla.State]int, st sla.State, q string, args ...any) error {
		var rows []row
		if err := db.Raw(q, args...).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if into[r.Class] == nil {
				into[r.Class] = map[sla.State]int{}
			}
			into[r.Class][st] = r.N
		}
		return nil
	}
	var err error
	for _, st := range []sla.State{sla.Breached, sla.AtRisk, sla.OnTrack} {
		r, _ := b.Range(st)
		cond, args := dueIn(r)
		if cond == "" {
			cond = "1 = 1" // an unbounded range holds every due time
		}
		if err == nil {
			err = count(snap.Open, st, `SELECT class, COUNT(*) AS n FROM tickets WHERE open = ? AND answered = ? AND `+cond+` GROUP BY class`,
				append([]any{true, false}, args...)...)
		}
	}
	since = utc(since)
	answered := `SELECT class, COUNT(*) AS n FROM tickets WHERE received_at >= ? AND answered = ? AND `
	if err == nil {
		err = count(snap.FirstResponses, sla.Met, answered+answeredOnTime+` GROUP BY class`, since, true)
	}
	if err == nil {
		err = count(snap.FirstResponses, sla.Breached, answered+answeredLate+` GROUP BY class`, since, true)
	}
	var n int64
	if err == nil {
		err = db.Model(&desk.Quarantined{}).Where("status = ?", desk.QuarantineHeld).Count(&n).Error
		snap.Quarantined = int(n)
	}
	if err == nil {
		err = db.Model(&desk.OutboxMail{}).Where("status = ?", desk.OutboxQueued).Count(&n).Error
		snap.OutboxBacklog = int(n)
	}
	if err == nil {
		// Kept by the triggers of migration 9 as mail is stored.
		err = db.Raw(`SELECT outcome, source, SUM(n) AS n FROM mail_counts GROUP BY outcome, source ORDER BY outcome, source`).Scan(&snap.Ingested).Error
	}
	return snap, dbErr(err, "")
}
