package desk_test

import (
	"context"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/sla"
	"github.com/slatrack/slatrack/internal/store"
)

// withResolution gives the fixture's policy a resolution promise of 5
// business days for provisioning and other tickets (availability keeps
// none), the published first-response targets otherwise.
func withResolution(t *testing.T, f *fixture) {
	t.Helper()
	classes := f.svc.Policy.Classes()
	for i := range classes {
		if classes[i].Name != "availability" {
			classes[i].Resolution = clock.Target{Amount: 5, Unit: 'd'}
		}
	}
	pol, err := sla.New(f.svc.Policy.Calendar(), classes, clock.Target{Amount: 1, Unit: 'h'})
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Policy = pol
}

// promiseOf is the ticket's latest promise of kind.
func promiseOf(t *testing.T, tk *desk.Ticket, kind string) *desk.Promise {
	t.Helper()
	for i := len(tk.Promises) - 1; i >= 0; i-- {
		if tk.Promises[i].Kind == kind {
			return tk.Promises[i]
		}
	}
	t.Fatalf("%s has no %s promise: %+v", tk.Ref, kind, tk.Promises)
	return nil
}

func nyAt(month time.Month, day, hour, min int) time.Time {
	return time.Date(2026, month, day, hour, min, 0, 0, ny)
}

// reload reads the ticket back from the store, as every page and the API
// see it.
func (f *fixture) reload(t *testing.T, ref string) *desk.Ticket {
	t.Helper()
	tk, _, err := f.svc.Get(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestPromises(t *testing.T) {
	ctx := context.Background()
	eachStore(t, "customer_reply_friday_1630_owes_a_next_response_by_monday_1130", func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		f.now = nyAt(12, 1, 10, 0) // Tuesday
		tk := f.create(t, desk.NewTicket{Subject: "Our app is down", Body: "502 on every request"})
		f.now = nyAt(12, 1, 11, 0)
		if _, err := f.svc.Reply(ctx, tk.Ref, f.staff, "Looking into it", false); err != nil {
			t.Fatal(err)
		}
		if got := f.reload(t, tk.Ref); !got.Idle || got.Owed() != nil {
			t.Fatalf("after the first reply the ticket owes %v", got.Owed())
		}
		f.now = nyAt(12, 4, 16, 30) // Friday 16:30
		if _, err := f.svc.AddMessage(ctx, tk.Ref, nil, desk.NewMessage{Body: "Still down"}); err != nil {
			t.Fatal(err)
		}
		got := f.reload(t, tk.Ref)
		o := got.Owed()
		if o == nil || o.Kind != sla.NextResponse || !o.DueAt.Equal(nyAt(12, 7, 11, 30)) {
			t.Fatalf("owed %+v, want a next response due Monday 11:30", o)
		}
		if got.Idle || got.OwedKind != sla.NextResponse || !got.QueueAt.Equal(o.DueAt) || !got.CustomerAt.Equal(f.now.UTC()) {
			t.Errorf("mirrors: idle %v owed %q queue %v customer %v", got.Idle, got.OwedKind, got.QueueAt, got.CustomerAt)
		}
		if state, rem := f.svc.SLA(got, nyAt(12, 7, 10, 45)); state != sla.AtRisk || rem != 45*time.Minute {
			t.Errorf("Monday 10:45: %s %v, want at risk with 45m", state, rem)
		}
		// A second message while a response is owed owes nothing more.
		f.now = nyAt(12, 7, 9, 15)
		if _, err := f.svc.AddMessage(ctx, tk.Ref, nil, desk.NewMessage{Body: "Any news?"}); err != nil {
			t.Fatal(err)
		}
		if n := countKind(f.reload(t, tk.Ref), sla.NextResponse); n != 1 {
			t.Errorf("%d next-response promises after two messages, want 1", n)
		}
		// Answered late: the promise is broken and stays so.
		f.now = nyAt(12, 7, 12, 0)
		if _, err := f.svc.Reply(ctx, tk.Ref, f.staff, "Fixed now", false); err != nil {
			t.Fatal(err)
		}
		got = f.reload(t, tk.Ref)
		if p := promiseOf(t, got, sla.NextResponse); p.Outcome != promise.Breached {
			t.Errorf("next response answered 30 min late: %s", p.Outcome)
		}
		if state, _ := f.svc.SLA(got, f.now); state != sla.Breached || got.LastOutcome != "breached" {
			t.Errorf("a late reply stays breached: %s (%s)", state, got.LastOutcome)
		}
	})

	eachStore(t, "resolution_waiting_two_business_days_is_due_two_days_later", func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		withResolution(t, f)
		f.now = nyAt(12, 7, 9, 0) // Monday
		tk := f.create(t, desk.NewTicket{Subject: "Raise our org's memory quota", Body: "we need 40G of memory quota"})
		if tk.Class != "provisioning" {
			t.Fatalf("class %s", tk.Class)
		}
		r := promiseOf(t, tk, sla.Resolution)
		if want := nyAt(12, 11, 17, 0); !r.DueAt.Equal(want) {
			t.Fatalf("resolution due %v, want %v", r.DueAt.In(ny), want)
		}
		f.now = nyAt(12, 8, 9, 0)
		waiting, open := desk.StatusWaiting, desk.StatusOpen
		if _, err := f.svc.Update(ctx, tk.Ref, f.staff, desk.Patch{Status: &waiting}); err != nil {
			t.Fatal(err)
		}
		got := f.reload(t, tk.Ref)
		if p := promiseOf(t, got, sla.Resolution); p.PausedAt == nil {
			t.Fatal("waiting on the customer did not pause the resolution clock")
		}
		// A reply during the pause keeps the first response (due Tuesday
		// 17:00: waiting on the customer never stops a response clock) and
		// leaves the resolution paused.
		f.now = nyAt(12, 8, 10, 0)
		if _, err := f.svc.Reply(ctx, tk.Ref, f.staff, "Which org?", false); err != nil {
			t.Fatal(err)
		}
		got = f.reload(t, tk.Ref)
		if p := promiseOf(t, got, sla.FirstResponse); p.Outcome != promise.Met {
			t.Errorf("first response during the pause: %s", p.Outcome)
		}
		if p := promiseOf(t, got, sla.Resolution); p.PausedAt == nil || got.Owed() != nil || !got.Idle {
			t.Errorf("a reply while waiting: resolution paused %v, owed %v", p.PausedAt, got.Owed())
		}
		f.now = nyAt(12, 10, 9, 0) // two business days after the pause began
		if _, err := f.svc.Update(ctx, tk.Ref, f.staff, desk.Patch{Status: &open}); err != nil {
			t.Fatal(err)
		}
		got = f.reload(t, tk.Ref)
		p := promiseOf(t, got, sla.Resolution)
		if want := nyAt(12, 15, 17, 0); !p.DueAt.Equal(want) || p.Paused != 16*time.Hour {
			t.Errorf("resumed: due %v paused %v, want %v after 2 business days", p.DueAt.In(ny), p.Paused, want)
		}
		if o := got.Owed(); o == nil || o.Kind != sla.Resolution {
			t.Errorf("owed %v, want the resolution", o)
		}
		// Resolved in time; reopened by the requester two business days
		// later, the clock resumes where it stopped.
		f.now = nyAt(12, 14, 12, 0)
		resolved := desk.StatusResolved
		if _, err := f.svc.Update(ctx, tk.Ref, f.staff, desk.Patch{Status: &resolved}); err != nil {
			t.Fatal(err)
		}
		got = f.reload(t, tk.Ref)
		if p := promiseOf(t, got, sla.Resolution); p.Outcome != promise.Met {
			t.Errorf("resolved before due: %s", p.Outcome)
		}
		f.now = nyAt(12, 16, 12, 0)
		if _, err := f.svc.AddMessage(ctx, tk.Ref, nil, desk.NewMessage{Body: "It came back"}); err != nil {
			t.Fatal(err)
		}
		got = f.reload(t, tk.Ref)
		if got.Status != desk.StatusOpen {
			t.Fatalf("status %s after the requester wrote", got.Status)
		}
		p = promiseOf(t, got, sla.Resolution)
		// 1d 5h were left when it was resolved (Mon 12:00 → Tue 17:00).
		if want := nyAt(12, 17, 17, 0); !p.Open() || !p.DueAt.Equal(want) {
			t.Errorf("reopened: resolution open %v due %v, want %v", p.Open(), p.DueAt.In(ny), want)
		}
		if n := countKind(got, sla.NextResponse); n != 1 {
			t.Errorf("%d next responses owed after the reopening mail, want 1", n)
		}
		// The next response (2 business days: Friday 12:00) is due after the
		// resumed resolution (Thursday 17:00).
		if o := got.Owed(); o == nil || o.Kind != sla.Resolution || !got.QueueAt.Equal(nyAt(12, 17, 17, 0).UTC()) {
			t.Errorf("owed %v, want the resolution (due sooner)", o)
		}
		superseded := 0
		for _, q := range got.Promises {
			if q.Kind == sla.Resolution && q.Outcome == promise.Superseded {
				superseded++
			}
		}
		if superseded != 1 {
			t.Errorf("%d superseded resolution promises after the reopen, want 1", superseded)
		}
	})

	eachStore(t, "reclassification_midway_restarts_from_the_original_start", func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		f.now = nyAt(12, 1, 10, 0)
		tk := f.create(t, desk.NewTicket{Subject: "Question about invoices", Body: "how do I download one"})
		if tk.Class != "other" {
			t.Fatalf("class %s", tk.Class)
		}
		f.now = nyAt(12, 1, 11, 0)
		class := "availability"
		got, err := f.svc.Update(ctx, tk.Ref, f.staff, desk.Patch{Class: &class, Reason: "their app is down"})
		if err != nil {
			t.Fatal(err)
		}
		o := got.Owed()
		if o == nil || o.Kind != sla.FirstResponse || o.Class != "availability" || !o.DueAt.Equal(nyAt(12, 1, 13, 0)) || !o.StartedAt.Equal(nyAt(12, 1, 10, 0).UTC()) {
			t.Fatalf("owed after reclassification %+v, want the first response due 13:00 from the 10:00 receipt", o)
		}
		if p := got.Promises[0]; p.Outcome != promise.Superseded {
			t.Errorf("the old promise %s, want superseded", p.Outcome)
		}
	})

	eachStore(t, "closing_unanswered_cancels_in_time_and_breaches_when_late", func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		f.now = nyAt(12, 1, 10, 0)
		a := f.create(t, desk.NewTicket{Subject: "Question about invoices", Body: "how do I download one"})
		b := f.create(t, desk.NewTicket{Subject: "Our app is down", Body: "502"})
		closed := desk.StatusClosed
		f.now = nyAt(12, 1, 14, 0) // the availability ticket was due at 13:00
		for _, tk := range []*desk.Ticket{a, b} {
			if _, err := f.svc.Update(ctx, tk.Ref, f.staff, desk.Patch{Status: &closed}); err != nil {
				t.Fatal(err)
			}
		}
		if p := promiseOf(t, f.reload(t, a.Ref), sla.FirstResponse); p.Outcome != promise.Cancelled {
			t.Errorf("closed before due: %s", p.Outcome)
		}
		if got := f.reload(t, b.Ref); promiseOf(t, got, sla.FirstResponse).Outcome != promise.Breached || got.LastOutcome != "breached" {
			t.Errorf("closed after due: %s", promiseOf(t, got, sla.FirstResponse).Outcome)
		}
	})
}

func countKind(tk *desk.Ticket, kind string) int {
	n := 0
	for _, p := range tk.Promises {
		if p.Kind == kind {
			n++
		}
	}
	return n
}
