package store

import (
	"context"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/metrics"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/sla"
)

// MetricsSnapshot counts what /metrics reports, with a handful of grouped
// queries that use the queue and receipt indexes: open, unanswered tickets
// and the promises open tickets owe by the state ranges b (the policy's,
// never worked out here), first responses to tickets received since since,
// and the promises started since since that were kept or broken.
func (s *Store) MetricsSnapshot(ctx context.Context, b sla.Bounds, since time.Time) (metrics.Snapshot, error) {
	db := s.db.WithContext(ctx)
	snap := metrics.Snapshot{Open: map[string]map[sla.State]int{}, FirstResponses: map[string]map[sla.State]int{},
		Owed: map[string]map[string]map[sla.State]int{}, Promises: map[string]map[string]map[promise.Outcome]int{}}
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
	type kindRow struct {
		Class, Kind, Outcome string
		N                    int
	}
	countKinds := func(add func(r kindRow), q string, args ...any) error {
		var rows []kindRow
		if err := db.Raw(q, args...).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			add(r)
		}
		return nil
	}
	for _, st := range []sla.State{sla.Breached, sla.AtRisk, sla.OnTrack} {
		rg, _ := b.Range(st)
		cond, args := owedDueIn(rg)
		if cond == "" {
			cond = "1 = 1"
		}
		if err == nil {
			// The queue's mirrors, through its index (open, idle, queue_at, id).
			err = countKinds(func(r kindRow) {
				if snap.Owed[r.Class] == nil {
					snap.Owed[r.Class] = map[string]map[sla.State]int{}
				}
				if snap.Owed[r.Class][r.Kind] == nil {
					snap.Owed[r.Class][r.Kind] = map[sla.State]int{}
				}
				snap.Owed[r.Class][r.Kind][st] = r.N
			}, `SELECT class, owed_kind AS kind, COUNT(*) AS n FROM tickets WHERE open = ? AND idle = ? AND `+cond+` GROUP BY class, owed_kind`,
				append([]any{true, false}, args...)...)
		}
	}
	since = utc(since)
	if err == nil {
		err = countKinds(func(r kindRow) {
			if snap.Promises[r.Class] == nil {
				snap.Promises[r.Class] = map[string]map[promise.Outcome]int{}
			}
			if snap.Promises[r.Class][r.Kind] == nil {
				snap.Promises[r.Class][r.Kind] = map[promise.Outcome]int{}
			}
			snap.Promises[r.Class][r.Kind][promise.Outcome(r.Outcome)] = r.N
		}, `SELECT class, kind, outcome, COUNT(*) AS n FROM promises WHERE started_at >= ? AND outcome IN ? GROUP BY class, kind, outcome`,
			since, []string{string(promise.Met), string(promise.Breached)})
	}
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
