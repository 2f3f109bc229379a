package store

import (
	"context"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/metrics"
	"github.com/slatrack/slatrack/internal/sla"
)

// MetricsSnapshot counts what /metrics reports, with a handful of grouped
// queries that use the queue and receipt indexes, and the inbound mail
// counters.
func (s *Store) MetricsSnapshot(ctx context.Context, now, atRiskUntil, since time.Time) (metrics.Snapshot, error) {
	db := s.db.WithContext(ctx)
	snap := metrics.Snapshot{Open: map[string]map[sla.State]int{}, FirstResponses: map[string]map[sla.State]int{}}
	for _, c := range sla.Classes() {
		snap.Open[c] = map[sla.State]int{}
		snap.FirstResponses[c] = map[sla.State]int{}
	}
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
			if into[r.Class] != nil {
				into[r.Class][st] = r.N
			}
		}
		return nil
	}
	open := `SELECT class, COUNT(*) AS n FROM tickets WHERE open = ? AND answered = ? AND `
	now, atRiskUntil, since = utc(now), utc(atRiskUntil), utc(since)
	err := count(snap.Open, sla.Breached, open+`response_due_at < ? GROUP BY class`, true, false, now)
	if err == nil {
		err = count(snap.Open, sla.AtRisk, open+`response_due_at >= ? AND response_due_at <= ? GROUP BY class`, true, false, now, atRiskUntil)
	}
	if err == nil {
		err = count(snap.Open, sla.OnTrack, open+`response_due_at > ? GROUP BY class`, true, false, atRiskUntil)
	}
	answered := `SELECT class, COUNT(*) AS n FROM tickets WHERE received_at >= ? AND answered = ? AND `
	if err == nil {
		err = count(snap.FirstResponses, sla.Met, answered+`first_response_at <= response_due_at GROUP BY class`, since, true)
	}
	if err == nil {
		err = count(snap.FirstResponses, sla.Breached, answered+`first_response_at > response_due_at GROUP BY class`, since, true)
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
