package store_test

import (
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/notify"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// notice is a notification of kind about tk: a warning about its owed
// promise, or its arrival notice.
func notice(kind string, tk *desk.Ticket, at time.Time) notify.Notification {
	id := tk.ID
	n := notify.Notification{Key: notify.Key(kind, id), TicketID: &id, Kind: kind, CreatedAt: at, IfDue: tk.ResponseDueAt}
	if kind == notify.KindAtRisk || kind == notify.KindBreached {
		o := tk.Owed()
		pid := o.ID
		n.Key, n.PromiseID, n.IfDue = notify.PromiseKey(kind, o.ID), &pid, o.DueAt
	}
	return n
}

func TestRecordNotification(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		c := ctx(t)
		tk := createTicket(t, s, newTicket("quota", base.Add(time.Hour)))
		row := func() []*desk.OutboxMail {
			id := tk.ID
			return []*desk.OutboxMail{
				{TicketID: &id, Kind: desk.OutboxNotify, From: "help@desk.test", To: "sam@agency.gov", Subject: "At risk", Raw: []byte("mail")},
				{Kind: "webhook", To: "https://hooks.example.test/x", Raw: []byte(`{"text":"x"}`)}, // on no ticket
			}
		}
		ev := &desk.Event{At: base, Actor: "slatrack", Kind: "notified", Internal: true, New: notify.KindAtRisk, Body: "At-risk warning sent."}
		ok, err := s.RecordNotification(c, notice(notify.KindAtRisk, tk, base), ev, row())
		if err != nil || !ok {
			t.Fatalf("first record: %v %v", ok, err)
		}
		// Again: nothing more is written.
		ok, err = s.RecordNotification(c, notice(notify.KindAtRisk, tk, base.Add(time.Minute)), &desk.Event{Actor: "slatrack", Kind: "notified"}, row())
		if err != nil || ok {
			t.Fatalf("second record: %v %v", ok, err)
		}
		out, _ := s.TicketOutbox(c, tk.ID)
		if len(out) != 1 || out[0].TicketID == nil || *out[0].TicketID != tk.ID || out[0].Kind != desk.OutboxNotify || out[0].Status != desk.OutboxQueued {
			t.Errorf("outbox %+v", out)
		}
		if n, _ := s.OutboxBacklog(c); n != 2 {
			t.Errorf("backlog %d, want 2", n)
		}
		evs, _ := s.Timeline(c, tk.ID)
		if n := len(evs); n != 2 || evs[1].Kind != "notified" || !evs[1].Internal {
			t.Errorf("timeline %+v", evs)
		}
		ns, err := s.Notifications(c, time.Time{})
		if err != nil || len(ns) != 1 || ns[0].Key != "at_risk:p"+strconv.FormatUint(tk.Promises[0].ID, 10) || !ns[0].CreatedAt.Equal(base) || *ns[0].TicketID != tk.ID {
			t.Errorf("notifications %+v %v", ns, err)
		}

		// A digest: no ticket, no event.
		ok, err = s.RecordNotification(c, notify.Notification{Key: "digest:2025-03-10", Kind: notify.KindDigest, CreatedAt: base},
			nil, []*desk.OutboxMail{{Kind: desk.OutboxDigest, From: "help@desk.test", To: "a@agency.gov, b@agency.gov", Raw: []byte("digest")}})
		if err != nil || !ok {
			t.Fatalf("digest: %v %v", ok, err)
		}
		got, err := s.NotifiedKeys(c, []string{"digest:2025-03-10", "digest:2025-03-11", "at_risk:p" + strconv.FormatUint(tk.Promises[0].ID, 10)})
		if err != nil || len(got) != 2 || !got["digest:2025-03-10"] || got["digest:2025-03-11"] {
			t.Errorf("notified keys %v %v", got, err)
		}
		if n, _ := s.OutboxBacklog(c); n != 3 {
			t.Errorf("backlog %d, want 3", n)
		}
	})
}

// TestRecordNotificationOnlyWhileRelevant: a warning is recorded only
// while its promise still runs, due when the warning was composed.
func TestRecordNotificationOnlyWhileRelevant(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		c := ctx(t)
		change := func(subject string, fn func(t *desk.Ticket, p *desk.Promise)) notify.Notification {
			tk := createTicket(t, s, newTicket(subject, base.Add(time.Hour)))
			n := notice(notify.KindAtRisk, tk, base)
			if _, err := s.UpdateTicket(c, tk.Ref, func(t *desk.Ticket) ([]*desk.Event, error) {
				fn(t, t.Owed())
				return nil, nil
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		stale := []notify.Notification{
			change("answered", func(t *desk.Ticket, p *desk.Promise) {
				now := base
				t.FirstResponseAt = &now
				p.Keep(promise.Wall{}, now, "public staff reply")
			}),
			change("closed", func(t *desk.Ticket, p *desk.Promise) {
				t.Status = desk.StatusClosed
				p.Cancel(promise.Wall{}, base, "ticket closed")
			}),
			change("paused", func(t *desk.Ticket, p *desk.Promise) { p.Pause(base) }),
			change("moved", func(t *desk.Ticket, p *desk.Promise) {
				t.ResponseDueAt = t.ResponseDueAt.Add(24 * time.Hour)
				p.DueAt = t.ResponseDueAt
			}),
		}
		for _, n := range stale {
			ok, err := s.RecordNotification(c, n, &desk.Event{Actor: "slatrack", Kind: "notified"}, []*desk.OutboxMail{{Kind: desk.OutboxNotify, To: "x@y.z", Raw: []byte("m")}})
			if err != nil || ok {
				t.Errorf("%s: recorded %v %v", n.Key, ok, err)
			}
		}
		if ns, _ := s.Notifications(c, time.Time{}); len(ns) != 0 {
			t.Errorf("notifications %+v", ns)
		}
		if n, _ := s.OutboxBacklog(c); n != 0 {
			t.Errorf("backlog %d", n)
		}
	})
}

func TestRecordNotificationConcurrently(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			dsn := e.NewDSN(t)
			stores := []*store.Store{storetest.OpenDSN(t, dsn), storetest.OpenDSN(t, dsn), storetest.OpenDSN(t, dsn)}
			c := ctx(t)
			tk := createTicket(t, stores[0], newTicket("race", base.Add(time.Hour)))
			var wg sync.WaitGroup
			var mu sync.Mutex
			wins := 0
			for i := range 12 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, err := stores[i%3].RecordNotification(c, notice(notify.KindBreached, tk, base),
						&desk.Event{Actor: "slatrack", Kind: "notified"}, []*desk.OutboxMail{{Kind: desk.OutboxNotify, To: "x@y.z", Raw: []byte("m")}})
					if err != nil {
						t.Error(err)
					}
					if ok {
						mu.Lock()
						wins++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			out, _ := stores[0].OutboxBacklog(c)
			evs, _ := stores[0].Timeline(c, tk.ID)
			if wins != 1 || out != 1 || len(evs) != 2 {
				t.Errorf("%d winners, %d outbox rows, %d events; want 1, 1, 2", wins, out, len(evs))
			}
		})
	}
}

func TestNotifyQueries(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		c := ctx(t)
		sam := createUser(t, s, "sam@agency.gov", "Sam")
		createUser(t, s, "ada@agency.gov", "Ada")
		gone := createUser(t, s, "gone@agency.gov", "Gone")
		gone.Active = false
		if err := s.UpdateUser(c, gone); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ActiveStaffEmails(c); err != nil || !slices.Equal(got, []string{"ada@agency.gov", "sam@agency.gov"}) {
			t.Errorf("active staff %v %v", got, err)
		}

		late := createTicket(t, s, newTicket("late", base.Add(-time.Hour)))
		soon := newTicket("soon", base.Add(30*time.Minute))
		soon.AssigneeID = &sam.ID
		createTicket(t, s, soon)
		exact := createTicket(t, s, newTicket("exact", base.Add(time.Hour)))
		createTicket(t, s, newTicket("later", base.Add(time.Hour+time.Microsecond)))
		done := newTicket("answered", base)
		fr := base.Add(-2 * time.Hour)
		done.FirstResponseAt = &fr
		createTicket(t, s, done)
		closed := newTicket("closed", base)
		closed.Status = desk.StatusResolved
		createTicket(t, s, closed)

		cands, err := s.NotifyCandidates(c, base.Add(time.Hour))
		got := candidateTickets(cands)
		if err != nil || !slices.Equal(subjects(got), []string{"late", "soon", "exact"}) {
			t.Fatalf("candidates %v %v", subjects(got), err)
		}
		if got[1].Assignee == nil || got[1].Assignee.Email != "sam@agency.gov" {
			t.Errorf("assignee not filled: %+v", got[1].Assignee)
		}
		for _, cd := range cands {
			if cd.Promise.Kind != "first_response" || cd.Promise.TicketID != cd.Ticket.ID || !cd.Promise.DueAt.Equal(cd.Ticket.ResponseDueAt) {
				t.Errorf("candidate %s: promise %+v", cd.Ticket.Subject, cd.Promise)
			}
		}
		// Once its breach notice is recorded, a ticket is no longer a candidate.
		if ok, err := s.RecordNotification(c, notice(notify.KindBreached, late, base), nil, nil); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if ok, err := s.RecordNotification(c, notice(notify.KindAtRisk, exact, base), nil, nil); err != nil || !ok {
			t.Fatal(ok, err)
		}
		cands, _ = s.NotifyCandidates(c, base.Add(time.Hour))
		if got = candidateTickets(cands); !slices.Equal(subjects(got), []string{"soon", "exact"}) {
			t.Errorf("candidates after notices %v", subjects(got))
		}

		// New tickets of a class, since a time, until their arrival notice.
		avail := newTicket("outage", base.Add(3*time.Hour))
		avail.Class, avail.ReceivedAt = "availability", base
		createTicket(t, s, avail)
		old := newTicket("old outage", base.Add(3*time.Hour))
		old.Class, old.ReceivedAt = "availability", base.Add(-48*time.Hour)
		createTicket(t, s, old)
		got, err = s.NewTickets(c, "availability", base.Add(-24*time.Hour))
		if err != nil || !slices.Equal(subjects(got), []string{"outage"}) {
			t.Fatalf("new tickets %v %v", subjects(got), err)
		}
		if ok, err := s.RecordNotification(c, notice(notify.KindArrival, avail, base), nil, nil); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if got, _ = s.NewTickets(c, "availability", base.Add(-24*time.Hour)); len(got) != 0 {
			t.Errorf("new tickets after the notice %v", subjects(got))
		}
	})
}

func candidateTickets(cs []notify.Candidate) []*desk.Ticket {
	var out []*desk.Ticket
	for _, c := range cs {
		out = append(out, c.Ticket)
	}
	return out
}
