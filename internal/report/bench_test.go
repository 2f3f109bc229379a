package report_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/report"
)

// BenchmarkBuildCompliance_Compute is the compliance report's own work,
// without a database: 90 days of a busy desk (12,000 tickets) from memory.
// The target is tens of nanoseconds a row.
func BenchmarkBuildCompliance_Compute(b *testing.B) {
	pol := testPolicy(b)
	cal := pol.Calendar()
	at := et(2026, 11, 18, 11, 0)
	from, to := report.PeriodLast(90, at)
	rng := rand.New(rand.NewPCG(1, 2))
	rows := make([]report.ResponseRow, 12_000)
	for i := range rows {
		class := []string{"availability", "provisioning", "other"}[rng.IntN(3)]
		target, _ := pol.TargetDuration(class)
		rec := from.Add(time.Duration(rng.Int64N(int64(to.Sub(from)))))
		r := report.ResponseRow{Class: class, ReceivedAt: rec, DueAt: cal.Due(rec, target), Open: i%10 == 0}
		if i%15 != 0 {
			r.FirstResponseAt = cal.Due(rec, target*time.Duration(20+rng.IntN(131))/100)
		}
		rows[i] = r
	}
	src := &fakeSource{rows: rows}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := report.BuildCompliance(ctx, src, pol, from, to, at); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(rows)), "ns/row")
}

func BenchmarkNextOpening(b *testing.B) {
	pol := testPolicy(b)
	at := et(2026, 11, 25, 14, 0)
	for b.Loop() {
		report.NextOpening(pol.Calendar(), at)
	}
}
