package store_test

import (
	"cmp"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/report"
	"github.com/slatrack/slatrack/internal/sla"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// TestOpenOwing: the overdue report reads the tickets owing a promise due
// before the bound through the queue's mirrors, with the owed promise's
// kind, start and due instant.
func TestOpenOwing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		sam := createUser(t, s, "sam@example.org", "Sam")
		mk := func(subject string, due time.Time, status string, answered bool, assignee *desk.User) *desk.Ticket {
			tk := newTicket(subject, due)
			tk.Status = status
			if answered {
				tk.FirstResponseAt = ptr(due.Add(-time.Hour))
			}
			if assignee != nil {
				tk.AssigneeID = &assignee.ID
			}
			return createTicket(t, s, tk)
		}
		// withPromises is a ticket answered on time whose customer wrote
		// again at wrote (a next response owed, due at due), and with a
		// resolution promise paused or running as given.
		withPromises := func(subject string, wrote, due time.Time, resolutionDue time.Time, paused bool) *desk.Ticket {
			tk := newTicket(subject, wrote.Add(-2*time.Hour))
			tk.Status = desk.StatusOpen
			fr := tk.ReceivedAt.Add(time.Hour)
			tk.FirstResponseAt = &fr
			tk.Promises = []*desk.Promise{
				{Class: tk.Class, Promise: promise.Promise{Kind: sla.FirstResponse, StartedAt: tk.ReceivedAt, DueAt: tk.ResponseDueAt, EndedAt: &fr, Outcome: promise.Met}},
				{Class: tk.Class, Promise: promise.Promise{Kind: sla.Resolution, StartedAt: tk.ReceivedAt, DueAt: resolutionDue}},
			}
			if !wrote.IsZero() {
				tk.Promises = append(tk.Promises, &desk.Promise{Class: tk.Class, Promise: promise.Promise{Kind: sla.NextResponse, StartedAt: wrote, DueAt: due}})
			}
			if paused {
				tk.Promises[1].PausedAt = ptr(tk.ReceivedAt.Add(2 * time.Hour))
			}
			return createTicket(t, s, tk)
		}
		a := mk("overdue assigned", base.Add(-2*time.Hour), desk.StatusNew, false, sam)
		mk("answered", base.Add(-3*time.Hour), desk.StatusOpen, true, nil)
		mk("closed unanswered", base.Add(-4*time.Hour), desk.StatusClosed, false, nil)
		mk("resolved unanswered", base.Add(-4*time.Hour), desk.StatusResolved, false, nil)
		// The next response is due before the resolution: it is owed.
		n := withPromises("next response owed", base.Add(-3*time.Hour), base.Add(-90*time.Minute), base.Add(time.Hour), false)
		b := mk("waiting", base.Add(-time.Hour), desk.StatusWaiting, false, nil)
		// The resolution is due before the next response: it is owed.
		r := withPromises("resolution owed", base.Add(-3*time.Hour), base.Add(time.Hour), base.Add(-30*time.Minute), false)
		// A paused resolution and no response owed: nothing is owed.
		withPromises("waiting on the customer", time.Time{}, time.Time{}, base.Add(-5*time.Hour), true)
		c := mk("just before", base.Add(-time.Microsecond), desk.StatusOpen, false, nil)
		mk("due exactly at before", base, desk.StatusNew, false, nil)
		mk("later", base.Add(time.Hour), desk.StatusNew, false, sam)

		// A bound in another zone, with a sub-microsecond part: still the
		// instant base − 0.5 µs, and c (base − 1 µs) is before it.
		before := base.Add(-500 * time.Nanosecond).In(time.FixedZone("EST", -5*3600))
		got, err := s.OpenOwing(ctx(t), before)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			tk    *desk.Ticket
			kind  string
			start time.Time
			due   time.Time
		}{
			{a, sla.FirstResponse, a.ReceivedAt, a.ResponseDueAt},
			{n, sla.NextResponse, base.Add(-3 * time.Hour), base.Add(-90 * time.Minute)},
			{b, sla.FirstResponse, b.ReceivedAt, b.ResponseDueAt},
			{r, sla.Resolution, r.ReceivedAt, base.Add(-30 * time.Minute)},
			{c, sla.FirstResponse, c.ReceivedAt, c.ResponseDueAt},
		}
		if len(got) != len(want) {
			t.Fatalf("tickets %q, want %d in due order", subjects(got), len(want))
		}
		for i, w := range want {
			g := got[i]
			if g.ID != w.tk.ID || g.Ref != w.tk.Ref || g.Status != w.tk.Status || g.Class != w.tk.Class ||
				g.RequesterEmail != w.tk.RequesterEmail || !g.Open || g.Idle ||
				!g.ReceivedAt.Equal(w.tk.ReceivedAt) || !g.ResponseDueAt.Equal(w.tk.ResponseDueAt) ||
				g.ReceivedAt.Location() != time.UTC || g.ResponseDueAt.Location() != time.UTC {
				t.Errorf("ticket %d (%s):\n got %+v\nwant %+v", i, w.tk.Subject, g, w.tk)
			}
			o := g.Owed()
			if len(g.Promises) != 1 || o == nil || o.Kind != w.kind || g.OwedKind != w.kind ||
				!o.StartedAt.Equal(w.start) || !o.DueAt.Equal(w.due) || o.StartedAt.Location() != time.UTC {
				t.Errorf("%s owes %+v, want a %s started %v due %v", w.tk.Subject, o, w.kind, w.start, w.due)
			}
			if g.Body != "" {
				t.Errorf("body read: %q", g.Body)
			}
		}
		if got[0].Assignee == nil || got[0].Assignee.Email != "sam@example.org" || got[1].Assignee != nil {
			t.Errorf("assignees %+v %+v", got[0].Assignee, got[1].Assignee)
		}
		// Nothing due: an empty, non-nil list.
		got, err = s.OpenOwing(ctx(t), base.Add(-24*time.Hour))
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("= %v, %v; want an empty list", got, err)
		}
	})
}

// TestPromiseRows: the compliance report reads every promise started in
// [from, to), whatever its kind and outcome, with its pauses and end.
func TestPromiseRows(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		from, to := base, base.Add(3*time.Hour)
		tk := newTicket("promises", from.Add(2*time.Hour))
		tk.ReceivedAt = from
		end := from.Add(90*time.Minute + 250*time.Microsecond)
		pausedAt := from.Add(2 * time.Hour)
		in := []*desk.Promise{
			{Class: "other", Promise: promise.Promise{Kind: sla.FirstResponse, StartedAt: from, Target: 2 * time.Hour, DueAt: from.Add(2 * time.Hour),
				EndedAt: &end, Outcome: promise.Met, EndReason: "public staff reply"}},
			{Class: "other", Promise: promise.Promise{Kind: sla.Resolution, StartedAt: from, Target: 40 * time.Hour, DueAt: from.Add(41 * time.Hour),
				Paused: time.Hour, PausedAt: &pausedAt}},
			{Class: "other", Promise: promise.Promise{Kind: sla.NextResponse, StartedAt: from.Add(-time.Microsecond), DueAt: from.Add(time.Hour)}}, // before from
			{Class: "other", Promise: promise.Promise{Kind: sla.NextResponse, StartedAt: to.Add(-time.Microsecond), DueAt: to.Add(time.Hour)}},     // in
			{Class: "other", Promise: promise.Promise{Kind: sla.NextResponse, StartedAt: to, DueAt: to.Add(time.Hour)}},                            // to is exclusive
		}
		tk.Promises = in
		createTicket(t, s, tk)

		var rows []report.PromiseRow
		err := s.PromiseRows(ctx(t), from.In(time.FixedZone("X", 3600)), to, func(r report.PromiseRow) error {
			c := r // the pointers are reused: copy what they point at
			if r.EndedAt != nil {
				c.EndedAt = ptr(*r.EndedAt)
			}
			if r.PausedAt != nil {
				c.PausedAt = ptr(*r.PausedAt)
			}
			rows = append(rows, c)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(rows, func(a, b report.PromiseRow) int {
			return cmp.Or(a.StartedAt.Compare(b.StartedAt), cmp.Compare(a.Kind, b.Kind))
		})
		want := []*desk.Promise{in[0], in[1], in[3]}
		if len(rows) != len(want) {
			t.Fatalf("rows %+v", rows)
		}
		eq := func(a, b *time.Time) bool {
			return (a == nil) == (b == nil) && (a == nil || (a.Equal(*b) && a.Location() == time.UTC))
		}
		for i, w := range want {
			r := rows[i]
			if r.Class != w.Class || r.Kind != w.Kind || !r.StartedAt.Equal(w.StartedAt) || r.StartedAt.Location() != time.UTC ||
				r.Target != w.Target || !r.DueAt.Equal(w.DueAt) || r.Paused != w.Paused ||
				!eq(r.PausedAt, w.PausedAt) || !eq(r.EndedAt, w.EndedAt) || r.Outcome != w.Outcome {
				t.Errorf("row %d:\n got %+v\nwant %+v", i, r, w.Promise)
			}
		}

		// An error from fn stops the scan and comes back as it is.
		stop := errors.New("stop")
		n := 0
		err = s.PromiseRows(ctx(t), from, to, func(report.PromiseRow) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("err %v after %d rows", err, n)
		}
	})
}

func TestResponseRows(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		from, to := base, base.Add(3*time.Hour)
		mk := func(class string, received time.Time, status string, answeredAt *time.Time) {
			tk := newTicket(class, received.Add(2*time.Hour))
			tk.Class = class
			tk.ReceivedAt = received
			tk.Status = status
			tk.FirstResponseAt = answeredAt
			createTicket(t, s, tk)
		}
		fr := base.Add(90*time.Minute + 250*time.Microsecond)
		mk("before", from.Add(-time.Microsecond), desk.StatusNew, nil)
		mk("availability", from, desk.StatusNew, nil)                                         // at from: in
		mk("provisioning", from.Add(time.Hour+1500*time.Microsecond), desk.StatusClosed, &fr) // answered
		mk("other", from.Add(2*time.Hour), desk.StatusResolved, nil)                          // closed unanswered
		mk("last", to.Add(-time.Microsecond), desk.StatusWaiting, nil)                        // in
		mk("at to", to, desk.StatusNew, nil)                                                  // to is exclusive

		var rows []report.ResponseRow
		err := s.ResponseRows(ctx(t), from.In(time.FixedZone("X", 3600)), to, func(r report.ResponseRow) error {
			rows = append(rows, r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(rows, func(a, b report.ResponseRow) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
		want := []report.ResponseRow{
			{Class: "availability", ReceivedAt: from, DueAt: from.Add(2 * time.Hour), Open: true},
			{Class: "provisioning", ReceivedAt: from.Add(time.Hour + 1500*time.Microsecond), DueAt: from.Add(3*time.Hour + 1500*time.Microsecond), FirstResponseAt: fr, Open: false},
			{Class: "other", ReceivedAt: from.Add(2 * time.Hour), DueAt: from.Add(4 * time.Hour), Open: false},
			{Class: "last", ReceivedAt: to.Add(-time.Microsecond), DueAt: to.Add(2*time.Hour - time.Microsecond), Open: true},
		}
		if len(rows) != len(want) {
			t.Fatalf("rows %+v", rows)
		}
		for i, w := range want {
			r := rows[i]
			// == on time.Time also checks the zone: every time must be UTC
			// and zero must be the zero Time.
			if r != w {
				t.Errorf("row %d:\n got %+v\nwant %+v", i, r, w)
			}
		}

		// An error from fn stops the scan and comes back as it is.
		stop := errors.New("stop")
		n := 0
		err = s.ResponseRows(ctx(t), from, to, func(report.ResponseRow) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("err %v after %d rows", err, n)
		}
		// Sub-microsecond bounds: "< to − 0.5 µs" keeps the row at to − 1 µs.
		n = 0
		if err := s.ResponseRows(ctx(t), to.Add(-time.Microsecond), to.Add(-500*time.Nanosecond), func(report.ResponseRow) error { n++; return nil }); err != nil || n != 1 {
			t.Errorf("%d rows, %v", n, err)
		}
	})
}
