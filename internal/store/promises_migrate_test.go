package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// TestMigrate_PromisesBackfill: tickets stored before promises existed get
// the first-response promise and the queue's mirrors that desk.Settle
// derives from the same columns (the migration's SQL and the Go rule must
// agree), on both engines, in every state a ticket can be in.
func TestMigrate_PromisesBackfill(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, e.NewDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.MigrateTo(ctx, 13); err != nil {
				t.Fatal(err)
			}
			due := base.Add(3 * time.Hour)
			at := func(h int) *time.Time { x := base.Add(time.Duration(h) * time.Hour); return &x }
			cases := []struct {
				name        string
				status      string
				answered    *time.Time
				closed      *time.Time
				lastMessage *time.Time
			}{
				{"open_unanswered", desk.StatusNew, nil, nil, nil},
				{"answered_in_time", desk.StatusOpen, at(1), nil, at(2)},
				{"answered_late", desk.StatusWaiting, at(5), nil, nil},
				{"closed_unanswered_in_time", desk.StatusClosed, nil, at(2), nil},
				{"closed_unanswered_late", desk.StatusResolved, nil, at(4), nil},
			}
			for i, c := range cases {
				open := desk.IsOpenStatus(c.status)
				if err := s.ExecSQL(ctx, `INSERT INTO tickets (ref, subject, body, requester_email, requester_name, channel, class, class_by, class_reason,
					status, open, received_at, response_due_at, first_response_at, answered, flag, closed_at, created_at, updated_at)
					VALUES (?, ?, 'b', 'ann@agency.gov', '', 'web', 'availability', 'rule', '', ?, ?, ?, ?, ?, ?, '', ?, ?, ?)`,
					fmt.Sprintf("SR-%d", 2000+i), c.name, c.status, open, base, due, c.answered, c.answered != nil, c.closed, base, base.Add(6*time.Hour)); err != nil {
					t.Fatal(err)
				}
				if c.lastMessage != nil {
					if err := s.ExecSQL(ctx, `INSERT INTO events (ticket_id, at, actor, kind, internal, body, old, new, reason)
						SELECT id, ?, 'ann@agency.gov', 'message_in', ?, 'more', '', '', '' FROM tickets WHERE ref = ?`, *c.lastMessage, false, fmt.Sprintf("SR-%d", 2000+i)); err != nil {
						t.Fatal(err)
					}
				}
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for i, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					got, err := s.GetTicket(ctx, fmt.Sprintf("SR-%d", 2000+i))
					if err != nil {
						t.Fatal(err)
					}
					want := *got
					want.Promises = nil
					want.CustomerAt = base
					if c.lastMessage != nil {
						want.CustomerAt = *c.lastMessage
					}
					desk.Settle(&want)
					if len(got.Promises) != 1 {
						t.Fatalf("%d promises, want the first response", len(got.Promises))
					}
					g, w := got.Promises[0], want.Promises[0]
					same := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
					if g.Kind != w.Kind || g.Class != w.Class || !g.StartedAt.Equal(w.StartedAt) || !g.DueAt.Equal(w.DueAt) ||
						!same(g.EndedAt, w.EndedAt) || g.Outcome != w.Outcome || g.EndReason != w.EndReason {
						t.Errorf("backfilled %+v\nGo rule gives %+v", g.Promise, w.Promise)
					}
					if got.Idle != want.Idle || got.OwedKind != want.OwedKind || !got.QueueAt.Equal(want.QueueAt) ||
						got.LastOutcome != want.LastOutcome || !got.CustomerAt.Equal(want.CustomerAt) {
						t.Errorf("mirrors: idle %v owed %q queue %v last %q customer %v; Go rule: idle %v owed %q queue %v last %q customer %v",
							got.Idle, got.OwedKind, got.QueueAt, got.LastOutcome, got.CustomerAt, want.Idle, want.OwedKind, want.QueueAt, want.LastOutcome, want.CustomerAt)
					}
				})
			}
		})
	}
}
