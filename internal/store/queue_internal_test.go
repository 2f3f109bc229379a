package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/sla"
)

// The queue's first page must stay fast however many tickets there are:
// these tests check, without timing anything, that SQLite answers the
// queue's queries from the queue index, in index order (no sort), and the
// benchmark measures it on 100,000 tickets.

// openSQLite is a fresh migrated SQLite store (storetest cannot be used
// here: it imports this package).
func openSQLite(tb testing.TB) *Store {
	tb.Helper()
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+filepath.Join(tb.TempDir(), "queue.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return s
}

// seedTickets bulk-inserts n tickets in one transaction, one in ten open
// (a third of those answered), with five assignees, three classes and due
// times spread over ±30 days of now with sub-second parts.
func seedTickets(tb testing.TB, s *Store, n int, now time.Time) {
	tb.Helper()
	userIDs := seedStaff(tb, s, "staff")
	rng := rand.New(rand.NewPCG(1, 2))
	classes := []string{"availability", "provisioning", "other"}
	openStatuses := []string{desk.StatusNew, desk.StatusOpen, desk.StatusWaiting}
	insertTickets(tb, s, n, func(i int) *desk.Ticket {
		id := uint64(i + 1)
		due := utc(now.Add(time.Duration(rng.Int64N(int64(60*24*time.Hour))) - 30*24*time.Hour))
		t := &desk.Ticket{
			ID:             id,
			Ref:            desk.FormatRef("SR", 1000+id),
			Subject:        fmt.Sprintf("Ticket %d", i),
			Body:           "Something is not working as it should.",
			RequesterEmail: fmt.Sprintf("user%d@example.org", i%997),
			RequesterName:  "User",
			Channel:        desk.ChannelWeb,
			Class:          classes[i%3],
			ClassBy:        desk.ClassByRule,
			Status:         desk.StatusClosed,
			ReceivedAt:     due.Add(-8 * time.Hour),
			ResponseDueAt:  due,
			CreatedAt:      due.Add(-8 * time.Hour),
			UpdatedAt:      due,
		}
		if i%10 == 0 {
			t.Status = openStatuses[(i/10)%3]
		}
		if t.Status == desk.StatusClosed || i%30 == 0 || i%20 == 0 {
			fr := utc(due.Add(time.Duration(rng.Int64N(int64(4*time.Hour))) - 2*time.Hour))
			t.FirstResponseAt = &fr
		}
		if i%2 == 0 {
			t.AssigneeID = &userIDs[i%len(userIDs)]
		}
		if i%20 == 0 && t.Status != desk.StatusWaiting {
			// Answered, then the requester wrote again: a next response is
			// owed, due anywhere in the same two months.
			desk.Settle(t) // the first response, from the columns
			wrote := t.FirstResponseAt.Add(30 * time.Minute)
			next := utc(now.Add(time.Duration(rng.Int64N(int64(60*24*time.Hour))) - 30*24*time.Hour))
			t.Promises = append(t.Promises, &desk.Promise{Class: t.Class,
				Promise: promise.Promise{Kind: sla.NextResponse, StartedAt: wrote, Target: 3 * time.Hour, DueAt: next}})
			t.CustomerAt = wrote
		}
		return t
	})
}

// seedStaff adds five staff accounts (prefix0..4@example.org) to assign.
func seedStaff(tb testing.TB, s *Store, prefix string) []uint64 {
	tb.Helper()
	var ids []uint64
	for i := 0; i < 5; i++ {
		u := &desk.User{Email: fmt.Sprintf("%s%d@example.org", prefix, i), Name: fmt.Sprintf("%s %d", prefix, i), Role: desk.RoleStaff, Active: true}
		if err := s.CreateUser(context.Background(), u); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	return ids
}

// insertTickets bulk-inserts the n tickets mk makes, with their promises
// (desk.Settle derives the first response when mk gives none), in batches
// of 1,000 within one transaction, bypassing the service for fast
// benchmark setup.
func insertTickets(tb testing.TB, s *Store, n int, mk func(i int) *desk.Ticket) {
	tb.Helper()
	const batch = 1000
	err := s.write(context.Background(), func(tx *gorm.DB) error {
		tickets := make([]*desk.Ticket, 0, batch)
		for i := 0; i < n; i++ {
			t := mk(i)
			prepareTicket(t)
			tickets = append(tickets, t)
			if len(tickets) == batch || i == n-1 {
				if err := tx.Create(&tickets).Error; err != nil {
					return err
				}
				// Their promises, as the store writes them with a ticket.
				var ps []*desk.Promise
				for _, t := range tickets {
					for _, p := range t.Promises {
						p.TicketID = t.ID
						p.CreatedAt = t.CreatedAt
						preparePromise(p)
						ps = append(ps, p)
					}
				}
				if err := tx.CreateInBatches(ps, 500).Error; err != nil {
					return err
				}
				tickets = tickets[:0]
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// queuePlan is SQLite's EXPLAIN QUERY PLAN of ListTickets' query for q.
func queuePlan(t *testing.T, s *Store, q desk.TicketQuery) string {
	t.Helper()
	var rows []*desk.Ticket
	stmt := s.listQuery(s.db.Session(&gorm.Session{DryRun: true}), q).Limit(DefaultLimit + 1).Find(&rows).Statement
	type step struct {
		ID, Parent, Notused int
		Detail              string
	}
	var plan []step
	if err := s.db.Raw("EXPLAIN QUERY PLAN "+stmt.SQL.String(), stmt.Vars...).Scan(&plan).Error; err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, p := range plan {
		details = append(details, p.Detail)
	}
	return strings.Join(details, "\n")
}

func TestQueueQueryPlan(t *testing.T) {
	s := openSQLite(t)
	now := time.Now()
	yes := true
	mine := uint64(1)
	due := utc(now)
	cases := []struct {
		name string
		q    desk.TicketQuery
	}{
		{"open", desk.TicketQuery{OpenOnly: true}},
		{"open class", desk.TicketQuery{OpenOnly: true, Class: "provisioning"}},
		{"open owing due before", desk.TicketQuery{OpenOnly: true, Owing: &yes, DueBefore: now}},
		{"open at risk", desk.TicketQuery{OpenOnly: true, Owing: &yes, DueFrom: now, DueBefore: now.Add(time.Hour)}},
		{"open breached", desk.TicketQuery{OpenOnly: true, LateOrOverdue: true, DueBefore: now}},
		{"open unassigned", desk.TicketQuery{OpenOnly: true, Unassigned: true}},
		{"open statuses", desk.TicketQuery{Statuses: []string{desk.StatusNew, desk.StatusWaiting}}},
		{"open after owing cursor", desk.TicketQuery{OpenOnly: true, After: &desk.Cursor{Idle: false, At: due, ID: 7}}},
		{"open after idle cursor", desk.TicketQuery{OpenOnly: true, After: &desk.Cursor{Idle: true, At: due, ID: 7}}},
		{"open mine", desk.TicketQuery{OpenOnly: true, AssigneeID: &mine}},
		{"open by received", desk.TicketQuery{OpenOnly: true, Sort: desk.SortReceived}},
		{"open by updated", desk.TicketQuery{OpenOnly: true, Sort: desk.SortUpdated}},
		{"open by class", desk.TicketQuery{OpenOnly: true, Sort: desk.SortClass}},
		{"open by status", desk.TicketQuery{OpenOnly: true, Sort: desk.SortStatus}},
		{"open by received after cursor", desk.TicketQuery{OpenOnly: true, Sort: desk.SortReceived, After: &desk.Cursor{Sort: desk.SortReceived, At: due, ID: 7}}},
	}
	check := func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				plan := queuePlan(t, s, tc.q)
				if !queueIndexRE.MatchString(plan) {
					t.Errorf("the queue index is not used:\n%s", plan)
				}
				if strings.Contains(plan, "TEMP B-TREE") {
					t.Errorf("the rows are sorted, not read in index order:\n%s", plan)
				}
				if testing.Verbose() {
					t.Logf("plan:\n%s", plan)
				}
			})
		}
	}
	t.Run("empty", check)
	// With planner statistics from a realistic table, too.
	seedTickets(t, s, 3000, now)
	if err := s.db.Exec("ANALYZE").Error; err != nil {
		t.Fatal(err)
	}
	t.Run("analyzed", check)
}

// queueIndexRE matches the queue's indexes: the owed order's, the
// assignee's, and one per other order.
var queueIndexRE = regexp.MustCompile(`USING (COVERING )?INDEX idx_tickets_(owed|assignee_queue|open_received|open_updated|open_class|open_status)\b`)

// BenchmarkQueueFirstPage measures the queue's first page on 100,000
// tickets, 10,000 of them open; the target is under 20 ms per page.
func BenchmarkQueueFirstPage(b *testing.B) {
	s := openSQLite(b)
	now := time.Now()
	start := time.Now()
	seedTickets(b, s, 100_000, now)
	b.Logf("seeded 100,000 tickets in %v", time.Since(start).Round(time.Millisecond))
	yes := true
	ctx := context.Background()
	// Promises in play: the first page owes next responses too, and every
	// row has its promises read.
	first, _, err := s.ListTickets(ctx, desk.TicketQuery{OpenOnly: true, Limit: 50})
	if err != nil {
		b.Fatal(err)
	}
	kinds := map[string]int{}
	for _, t := range first {
		if o := t.Owed(); o != nil && len(t.Promises) > 0 {
			kinds[o.Kind]++
		}
	}
	if kinds[sla.NextResponse] == 0 || kinds[sla.FirstResponse] == 0 {
		b.Fatalf("the first page owes %v; want first and next responses", kinds)
	}
	// A cursor deep in the unanswered part of the queue, for the page after
	// it: keyset pagination should cost about what the first page does.
	var deep *desk.Cursor
	q := desk.TicketQuery{OpenOnly: true, Limit: MaxLimit}
	for i := 0; i < 25; i++ {
		_, next, err := s.ListTickets(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		c, err := desk.DecodeCursor(next)
		if err != nil {
			b.Fatal(err)
		}
		q.After, deep = &c, &c
	}
	for _, bc := range []struct {
		name string
		q    desk.TicketQuery
	}{
		{"open", desk.TicketQuery{OpenOnly: true, Limit: 50}},
		{"open_class", desk.TicketQuery{OpenOnly: true, Class: "provisioning", Limit: 50}},
		{"open_overdue", desk.TicketQuery{OpenOnly: true, Owing: &yes, DueBefore: now, Limit: 50}},
		{"open_breached", desk.TicketQuery{OpenOnly: true, LateOrOverdue: true, DueBefore: now, Limit: 50}},
		{"open_page_after_5000", desk.TicketQuery{OpenOnly: true, After: deep, Limit: 50}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ts, _, err := s.ListTickets(ctx, bc.q)
				if err != nil {
					b.Fatal(err)
				}
				if len(ts) != 50 {
					b.Fatalf("%d tickets on the first page", len(ts))
				}
			}
			ms := float64(b.Elapsed().Nanoseconds()) / 1e6 / float64(b.N)
			b.ReportMetric(ms, "ms/op")
			if ms > 20 {
				b.Errorf("queue page %s: %.2f ms, want under 20 ms", bc.name, ms)
			}
		})
	}
}
