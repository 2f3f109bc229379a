package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/report"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

func TestOpenUnanswered(t *testing.T) {
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
		a := mk("overdue assigned", base.Add(-2*time.Hour), desk.StatusNew, false, sam)
		mk("answered", base.Add(-3*time.Hour), desk.StatusOpen, true, nil)
		mk("closed unanswered", base.Add(-4*time.Hour), desk.StatusClosed, false, nil)
		mk("resolved unanswered", base.Add(-4*time.Hour), desk.StatusResolved, false, nil)
		b := mk("waiting", base.Add(-time.Hour), desk.StatusWaiting, false, nil)
		c := mk("just before", base.Add(-time.Microsecond), desk.StatusOpen, false, nil)
		mk("due exactly at before", base, desk.StatusNew, false, nil)
		mk("later", base.Add(time.Hour), desk.StatusNew, false, sam)

		// A bound in another zone, with a sub-microsecond part: still the
		// instant base − 0.5 µs, and c (base − 1 µs) is before it.
		before := base.Add(-500 * time.Nanosecond).In(time.FixedZone("EST", -5*3600))
		got, err := s.OpenUnanswered(ctx(t), before)
		if err != nil {
			t.Fatal(err)
		}
		if subs := subjects(got); !slices.Equal(subs, []string{"overdue assigned", "waiting", "just before"}) {
			t.Fatalf("tickets %q, want overdue assigned, waiting, just before (due order)", subs)
		}
		for i, want := range []*desk.Ticket{a, b, c} {
			g := got[i]
			if g.ID != want.ID || g.Ref != want.Ref || g.Status != want.Status || g.Class != want.Class ||
				g.RequesterEmail != want.RequesterEmail || !g.Open || g.Answered || g.FirstResponseAt != nil ||
				!g.ReceivedAt.Equal(want.ReceivedAt) || !g.ResponseDueAt.Equal(want.ResponseDueAt) ||
				g.ReceivedAt.Location() != time.UTC || g.ResponseDueAt.Location() != time.UTC {
				t.Errorf("ticket %d:\n got %+v\nwant %+v", i, g, want)
			}
			if g.Body != "" {
				t.Errorf("body read: %q", g.Body)
			}
		}
		if got[0].Assignee == nil || got[0].Assignee.Email != "sam@example.org" || got[1].Assignee != nil {
			t.Errorf("assignees %+v %+v", got[0].Assignee, got[1].Assignee)
		}
		// Nothing due: an empty, non-nil list.
		got, err = s.OpenUnanswered(ctx(t), base.Add(-24*time.Hour))
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("= %v, %v; want an empty list", got, err)
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
