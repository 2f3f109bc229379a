package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/desk/desktest"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/report"
	"github.com/slatrack/slatrack/internal/sla"
)

// The reports must stay fast on a desk with years of history: the overdue
// report and the 90-day compliance report over 100,000 tickets are
// measured on SQLite, each against a target of 200 ms, and against a naive
// baseline that loads whole tickets through gorm and feeds them to the same
// report code (the speedup is reported, not checked).

// reportBenchAt is the instant the benchmarks report at: a Wednesday
// morning, the desk open.
var reportBenchAt = time.Date(2026, 11, 18, 11, 0, 0, 0, clock.Default().Location())

func benchPolicy(tb testing.TB) *sla.Policy {
	tb.Helper()
	return desktest.Policy(tb)
}

// benchBody is a support request of typical length (~600 bytes), so rows
// are as wide on disk as real ones.
var benchBody = strings.Repeat("Since this morning our team cannot deploy to the sandbox space; "+
	"the push fails after staging with an unclear message. ", 5)

// seedReportTickets bulk-loads n tickets received over the two years
// before at, in one transaction, batched: three in four received during
// business hours (the rest any time, weekends and nights included), a
// class mix of 20 % availability, 40 % provisioning, 40 % other, deadlines
// from pol, and first responses at 20–150 % of the objective in business
// time (so about one in six late). One ticket in ten is open (new, open or
// waiting), two thirds of those unanswered; of the closed ones 2 % were
// closed without a reply. Half are assigned to one of five staff.
//
// Every ticket carries its promises in the promises table: its first
// response (as desk.Settle derives it from the columns), and for one
// answered ticket in three a customer message 1–48 hours after the reply,
// owing a next response with the class's target: kept at 20–150 % of it
// on a closed ticket, still owed on an open one.
//
// Open tickets are spread over the whole two years, so the overdue report
// has thousands of rows: a harsher case than a real desk's.
func seedReportTickets(tb testing.TB, s *Store, pol *sla.Policy, n int, at time.Time) {
	tb.Helper()
	userIDs := seedStaff(tb, s, "agent")
	cal := pol.Calendar()
	loc := cal.Location()
	var targets [3]time.Duration
	for i, c := range []string{"availability", "provisioning", "other"} {
		targets[i], _ = pol.TargetDuration(c)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	openStatuses := []string{desk.StatusNew, desk.StatusOpen, desk.StatusWaiting}
	start := at.AddDate(-2, 0, 0)
	days := int(at.Sub(start).Hours() / 24)
	// Receipt times first, in order: tickets are numbered as they arrive,
	// so ids (SQLite's rowids) follow receipt as they would on a real desk.
	received := make([]time.Time, n)
	for i := range received {
		for {
			y, m, d := start.AddDate(0, 0, rng.IntN(days)).Date()
			var t time.Time
			if rng.IntN(4) < 3 {
				t = time.Date(y, m, d, 8, 0, 0, 0, loc).Add(time.Duration(rng.Int64N(int64(10 * time.Hour))))
			} else {
				t = time.Date(y, m, d, 0, 0, 0, 0, loc).Add(time.Duration(rng.Int64N(int64(24 * time.Hour))))
			}
			if t.Before(at) {
				received[i] = utc(t.Add(time.Duration(rng.IntN(1_000_000)) * time.Microsecond))
				break
			}
		}
	}
	slices.SortFunc(received, func(a, b time.Time) int { return a.Compare(b) })
	insertTickets(tb, s, n, func(i int) *desk.Ticket {
		received := received[i]
		ci := 0
		switch r := rng.IntN(10); {
		case r < 2:
			ci = 0
		case r < 6:
			ci = 1
		default:
			ci = 2
		}
		class := []string{"availability", "provisioning", "other"}[ci]
		due := cal.Due(received, targets[ci])
		t := &desk.Ticket{
			Ref:            desk.FormatRef("SR", uint64(1000+i+1)),
			Subject:        fmt.Sprintf("Cannot deploy to sandbox (request %d)", i),
			Body:           benchBody,
			RequesterEmail: fmt.Sprintf("user%d@agency.gov", i%4999),
			RequesterName:  "A. User",
			Channel:        desk.ChannelEmail,
			Class:          class,
			ClassBy:        desk.ClassByRule,
			ClassReason:    "rule: provisioning (deploy)",
			Status:         desk.StatusClosed,
			ReceivedAt:     received,
			ResponseDueAt:  due,
			CreatedAt:      received,
			UpdatedAt:      received,
		}
		answered := true
		if i%10 == 0 {
			t.Status = openStatuses[(i/10)%3]
			answered = (i/10)%3 == 0
		} else if rng.IntN(50) == 0 {
			answered = false // closed without a reply
		}
		if answered {
			frt := targets[ci] * time.Duration(20+rng.IntN(131)) / 100
			fr := cal.Due(received, frt)
			if fr.After(at) { // not in the future
				fr = at.Add(-time.Minute)
			}
			t.FirstResponseAt = &fr
		}
		if i%2 == 0 {
			t.AssigneeID = &userIDs[i%len(userIDs)]
		}
		desk.Settle(t) // the first-response promise, from the columns
		if answered && rng.IntN(3) == 0 {
			wrote := t.FirstResponseAt.Add(time.Hour + time.Duration(rng.Int64N(int64(47*time.Hour))))
			if wrote.Before(at) {
				t.CustomerAt = utc(wrote)
				next := &desk.Promise{Class: class, Promise: promise.Start(cal, sla.NextResponse, wrote, targets[ci])}
				if !desk.IsOpenStatus(t.Status) {
					kept := cal.Due(wrote, targets[ci]*time.Duration(20+rng.IntN(131))/100)
					if kept.After(at) {
						kept = at.Add(-time.Minute)
					}
					next.Keep(cal, kept, "public staff reply")
				}
				t.Promises = append(t.Promises, next)
			}
		}
		return t
	})
	// insertTickets writes their promises with them.
}

// naiveSource is the baseline: whole tickets loaded with gorm, as a first
// version would, fed to the same report code.
type naiveSource struct{ s *Store }

func (n naiveSource) OpenOwing(ctx context.Context, before time.Time) ([]*desk.Ticket, error) {
	db := n.s.db.WithContext(ctx)
	var ts []*desk.Ticket
	if err := db.Where("open = ? AND idle = ? AND queue_at < ?", true, false, utcCeil(before)).Order("queue_at, id").Find(&ts).Error; err != nil {
		return nil, err
	}
	for _, t := range ts {
		ticketFromDB(t)
	}
	if err := fillPromises(db, ts); err != nil {
		return nil, err
	}
	return ts, fillAssignees(db, ts)
}

func (n naiveSource) PromiseRows(ctx context.Context, from, to time.Time, fn func(report.PromiseRow) error) error {
	var ps []*desk.Promise
	if err := n.s.db.WithContext(ctx).Where("started_at >= ? AND started_at < ?", utcCeil(from), utcCeil(to)).Find(&ps).Error; err != nil {
		return err
	}
	for _, p := range ps {
		promiseFromDB(p)
		if err := fn(report.PromiseRow{Class: p.Class, Promise: p.Promise}); err != nil {
			return err
		}
	}
	return nil
}

func (n naiveSource) ResponseRows(ctx context.Context, from, to time.Time, fn func(report.ResponseRow) error) error {
	var ts []desk.Ticket
	if err := n.s.db.WithContext(ctx).Where("received_at >= ? AND received_at < ?", utcCeil(from), utcCeil(to)).Find(&ts).Error; err != nil {
		return err
	}
	for i := range ts {
		t := &ts[i]
		ticketFromDB(t)
		r := report.ResponseRow{Class: t.Class, ReceivedAt: t.ReceivedAt, DueAt: t.ResponseDueAt, Open: t.Open}
		if t.FirstResponseAt != nil {
			r.FirstResponseAt = *t.FirstResponseAt
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// timeOp is the mean duration of fn over runs runs, after one warm-up.
func timeOp(b *testing.B, runs int, fn func() error) time.Duration {
	b.Helper()
	if err := fn(); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for i := 0; i < runs; i++ {
		if err := fn(); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start) / time.Duration(runs)
}

// reportBenchStore is a fresh SQLite store holding the 100,000 tickets.
func reportBenchStore(b *testing.B) (*Store, *sla.Policy) {
	b.Helper()
	s := openSQLite(b)
	// The naive baseline's statements take longer than the slow-statement
	// threshold; keep them out of the benchmark's output.
	s.db.Config.Logger = quietLogger{}
	pol := benchPolicy(b)
	start := time.Now()
	seedReportTickets(b, s, pol, 100_000, reportBenchAt)
	b.Logf("seeded 100,000 tickets over 2 years in %v", time.Since(start).Round(time.Millisecond))
	return s, pol
}

// reportMetrics reports ms/op of the measured loop, checks the 200 ms
// target, and times the naive baseline for the speedup.
func reportMetrics(b *testing.B, what string, naive func() error) {
	b.Helper()
	ms := float64(b.Elapsed().Nanoseconds()) / 1e6 / float64(b.N)
	b.ReportMetric(ms, "ms/op")
	base := timeOp(b, 3, naive)
	baseMs := float64(base.Nanoseconds()) / 1e6
	b.ReportMetric(baseMs, "naive-ms/op")
	b.ReportMetric(baseMs/ms, "speedup")
	if ms > 200 {
		b.Errorf("%s: %.1f ms, want under 200 ms", what, ms)
	}
}

// BenchmarkReportOverdue builds the overdue report at a Wednesday 11:00
// over 100,000 tickets (10,000 open, ~6,700 of them unanswered and nearly
// all overdue, ~1,100 more owing a next response).
func BenchmarkReportOverdue(b *testing.B) {
	s, pol := reportBenchStore(b)
	ctx := context.Background()
	var rows int
	b.ReportAllocs()
	for b.Loop() {
		r, err := report.BuildOverdue(ctx, s, pol, reportBenchAt, report.DefaultForecastHours*time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		rows = r.OverdueCount + r.ForecastCount
	}
	b.ReportMetric(float64(rows), "rows")
	if rows < 1000 {
		b.Fatalf("only %d rows: the seed is wrong", rows)
	}
	reportMetrics(b, "overdue report", func() error {
		r, err := report.BuildOverdue(ctx, naiveSource{s}, pol, reportBenchAt, report.DefaultForecastHours*time.Hour)
		if err == nil && r.OverdueCount+r.ForecastCount != rows {
			err = fmt.Errorf("naive baseline found %d rows, want %d", r.OverdueCount+r.ForecastCount, rows)
		}
		return err
	})
}

// BenchmarkReportCompliance90d builds the compliance report for the 90
// days up to a Wednesday 11:00 over 100,000 tickets received over two
// years (~12,300 of them in the period), with their ~16,000 promises.
func BenchmarkReportCompliance90d(b *testing.B) {
	s, pol := reportBenchStore(b)
	ctx := context.Background()
	from, to := report.PeriodLast(90, reportBenchAt)
	var received, made int
	madeOf := func(c *report.Compliance) int {
		n := 0
		for _, k := range c.Kinds {
			n += k.Total.Made
		}
		return n
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := report.BuildCompliance(ctx, s, pol, from, to, reportBenchAt)
		if err != nil {
			b.Fatal(err)
		}
		received, made = c.Total.Received, madeOf(c)
	}
	b.ReportMetric(float64(received), "tickets")
	b.ReportMetric(float64(made), "promises")
	if received < 10_000 || made < received+received/10 {
		b.Fatalf("only %d tickets and %d promises in 90 days: the seed is wrong", received, made)
	}
	reportMetrics(b, "90-day compliance report", func() error {
		c, err := report.BuildCompliance(ctx, naiveSource{s}, pol, from, to, reportBenchAt)
		if err == nil && (c.Total.Received != received || madeOf(c) != made) {
			err = fmt.Errorf("naive baseline counted %d tickets and %d promises, want %d and %d", c.Total.Received, madeOf(c), received, made)
		}
		return err
	})
}
