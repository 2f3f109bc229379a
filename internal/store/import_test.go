package store_test

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// importBatch is n tickets, ticket i due at base+i minutes (odd ones
// answered, every third closed), each with three events.
func importBatch(tag string, n int) []store.ImportTicket {
	out := make([]store.ImportTicket, n)
	loc := time.FixedZone("EST", -5*3600)
	for i := range out {
		due := base.Add(time.Duration(i) * time.Minute).In(loc)
		tk := newTicket(fmt.Sprintf("%s-%d", tag, i), due)
		tk.Open, tk.Answered = false, false // the store sets them
		tk.CreatedAt = tk.ReceivedAt
		tk.UpdatedAt = due.Add(time.Hour)
		if i%2 == 1 {
			fr := tk.ReceivedAt.Add(time.Duration(i) * time.Second).Add(123 * time.Nanosecond)
			tk.FirstResponseAt = &fr
			tk.Status = desk.StatusOpen
		}
		if i%3 == 2 {
			tk.Status = desk.StatusClosed
			c := due.Add(2 * time.Hour)
			tk.ClosedAt = &c
		}
		out[i] = store.ImportTicket{Ticket: tk, Events: []*desk.Event{
			{At: tk.ReceivedAt, Actor: tk.RequesterEmail, Kind: desk.EventMessageIn, Body: tk.Body, New: tk.Subject},
			nil, // skipped
			{At: tk.ReceivedAt, Actor: "slatrack", Kind: desk.EventCreated, Body: "Imported"},
			{At: tk.ReceivedAt.Add(time.Minute + 999*time.Nanosecond), Actor: "Staff <s@example.org>", Kind: desk.EventNote, Internal: true, Body: "note " + tk.Subject},
		}}
	}
	return out
}

func TestImportTickets(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		before := createTicket(t, s, newTicket("before", base.Add(-time.Hour)))

		a := importBatch("a", 1500) // more than one INSERT's worth of tickets
		if err := s.ImportTickets(ctx(t), "sr", a); err != nil {
			t.Fatal(err)
		}
		mid := createTicket(t, s, newTicket("between", base.Add(-30*time.Minute)))
		b := importBatch("b", 7)
		if err := s.ImportTickets(ctx(t), "SR", b); err != nil {
			t.Fatal(err)
		}
		after := createTicket(t, s, newTicket("after", base.Add(-20*time.Minute)))
		if err := s.ImportTickets(ctx(t), "SR", nil); err != nil {
			t.Fatalf("empty batch: %v", err)
		}

		t.Run("refs unique and sequential", func(t *testing.T) {
			var all []*desk.Ticket
			all = append(all, before)
			for _, it := range a {
				all = append(all, it.Ticket)
			}
			all = append(all, mid)
			for _, it := range b {
				all = append(all, it.Ticket)
			}
			all = append(all, after)
			seen := map[string]bool{}
			for i, tk := range all {
				if tk.Ref != fmt.Sprintf("SR-%d", 1000+tk.ID) {
					t.Fatalf("ticket %q: ID %d, Ref %q", tk.Subject, tk.ID, tk.Ref)
				}
				if seen[tk.Ref] {
					t.Fatalf("ref %s twice", tk.Ref)
				}
				seen[tk.Ref] = true
				if i > 0 && tk.ID != all[i-1].ID+1 {
					t.Fatalf("ticket %q has ID %d after %d: not in insertion order", tk.Subject, tk.ID, all[i-1].ID)
				}
			}
		})

		t.Run("stored as given", func(t *testing.T) {
			for _, i := range []int{0, 1, 2, 777, 1499} {
				want := a[i].Ticket
				got, err := s.GetTicket(ctx(t), want.Ref)
				if err != nil {
					t.Fatal(err)
				}
				if got.Open != desk.IsOpenStatus(want.Status) || got.Answered != (want.FirstResponseAt != nil) {
					t.Errorf("%s: Open %v Answered %v for status %s", got.Ref, got.Open, got.Answered, got.Status)
				}
				if got.ClosedAt != nil {
					c := got.ClosedAt.UTC()
					got.ClosedAt = &c // ticketFromDB leaves ClosedAt in the driver's zone
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("GetTicket(%s) =\n%+v\nwant (as ImportTickets left it)\n%+v", want.Ref, got, want)
				}
				if want.ReceivedAt.Location() != time.UTC || want.ReceivedAt.Nanosecond()%1000 != 0 {
					t.Errorf("ReceivedAt not normalised: %v", want.ReceivedAt)
				}
				if !want.CreatedAt.Equal(want.ReceivedAt) || !want.UpdatedAt.Equal(want.ResponseDueAt.Add(time.Hour)) {
					t.Errorf("CreatedAt %v UpdatedAt %v were not kept", want.CreatedAt, want.UpdatedAt)
				}
			}
		})

		t.Run("events attached", func(t *testing.T) {
			for _, it := range []store.ImportTicket{a[0], a[1499], b[3]} {
				tl, err := s.Timeline(ctx(t), it.Ticket.ID)
				if err != nil {
					t.Fatal(err)
				}
				want := []*desk.Event{it.Events[0], it.Events[2], it.Events[3]}
				if len(tl) != 3 {
					t.Fatalf("%s: %d events, want 3", it.Ticket.Ref, len(tl))
				}
				for i, e := range want {
					if e.ID == 0 || e.TicketID != it.Ticket.ID {
						t.Errorf("event %+v not linked", e)
					}
					if !reflect.DeepEqual(tl[i], e) {
						t.Errorf("%s event %d =\n%+v\nwant\n%+v", it.Ticket.Ref, i, tl[i], e)
					}
				}
			}
		})

		t.Run("queue order", func(t *testing.T) {
			var got []*desk.Ticket
			q := desk.TicketQuery{OpenOnly: true, Limit: 200}
			for {
				page, next, err := s.ListTickets(ctx(t), q)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, page...)
				if next == "" {
					break
				}
				c, err := desk.DecodeCursor(next)
				if err != nil {
					t.Fatal(err)
				}
				q.After = &c
			}
			var want []*desk.Ticket
			for _, tk := range append(append([]*desk.Ticket{before, mid, after}, tickets(a)...), tickets(b)...) {
				if tk.Open {
					want = append(want, tk)
				}
			}
			sort.Slice(want, func(i, j int) bool {
				x, y := want[i], want[j]
				if x.Answered != y.Answered {
					return !x.Answered
				}
				if !x.ResponseDueAt.Equal(y.ResponseDueAt) {
					return x.ResponseDueAt.Before(y.ResponseDueAt)
				}
				return x.ID < y.ID
			})
			if len(got) != len(want) {
				t.Fatalf("queue has %d tickets, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i].ID != want[i].ID {
					t.Fatalf("queue[%d] = %s, want %s", i, got[i].Ref, want[i].Ref)
				}
			}
			// A filter the imported rows must satisfy through the index.
			late, _, err := s.ListTickets(ctx(t), withQuery(search(t, "a-7"), desk.TicketQuery{Limit: 200}))
			if err != nil || len(late) == 0 {
				t.Fatalf("text search on imported tickets: %d, %v", len(late), err)
			}
		})
	})
}

func tickets(batch []store.ImportTicket) []*desk.Ticket {
	out := make([]*desk.Ticket, len(batch))
	for i, it := range batch {
		out[i] = it.Ticket
	}
	return out
}

func TestImportTicketsRollsBack(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		countTickets := func() int {
			n := 0
			q := desk.TicketQuery{Limit: 200}
			for {
				page, next, err := s.ListTickets(ctx(t), q)
				if err != nil {
					t.Fatal(err)
				}
				n += len(page)
				if next == "" {
					return n
				}
				c, _ := desk.DecodeCursor(next)
				q.After = &c
			}
		}
		createTicket(t, s, newTicket("kept", base))

		cases := []struct {
			name  string
			spoil func(batch []store.ImportTicket)
			code  desk.Code
		}{
			{"event refers to a missing message", func(batch []store.ImportTicket) {
				batch[3].Events[0].MailID = ptr(uint64(987654))
			}, desk.Invalid},
			{"ticket with a missing assignee", func(batch []store.ImportTicket) {
				batch[len(batch)-1].Ticket.AssigneeID = ptr(uint64(987654))
			}, desk.Invalid},
			{"nil ticket", func(batch []store.ImportTicket) {
				batch[2].Ticket = nil
			}, desk.Invalid},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				batch := importBatch("bad", 1200)
				tc.spoil(batch)
				var before []store.ImportTicket
				for _, it := range batch {
					c := store.ImportTicket{}
					if it.Ticket != nil {
						tk := *it.Ticket
						c.Ticket = &tk
					}
					for _, e := range it.Events {
						if e == nil {
							c.Events = append(c.Events, nil)
							continue
						}
						ev := *e
						c.Events = append(c.Events, &ev)
					}
					before = append(before, c)
				}
				err := s.ImportTickets(ctx(t), "SR", batch)
				wantCode(t, err, tc.code)
				if n := countTickets(); n != 1 {
					t.Fatalf("%d tickets after a failed batch, want 1", n)
				}
				if !reflect.DeepEqual(batch, before) {
					t.Errorf("a failed batch changed its tickets or events")
				}
			})
		}
		t.Run("empty prefix", func(t *testing.T) {
			wantCode(t, s.ImportTickets(ctx(t), "", importBatch("p", 1)), desk.Internal)
		})
		// The store still works after the failures.
		if err := s.ImportTickets(ctx(t), "SR", importBatch("good", 5)); err != nil {
			t.Fatal(err)
		}
		if n := countTickets(); n != 6 {
			t.Fatalf("%d tickets, want 6", n)
		}
	})
}

// Imports and single creates from several goroutines (several instances
// on PostgreSQL, where identity values interleave) never share or skip a
// reference.
func TestImportTicketsConcurrent(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			all  []*desk.Ticket
			errs []error
		)
		keep := func(err error, ts ...*desk.Ticket) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			all = append(all, ts...)
		}
		for w := range 3 {
			wg.Go(func() {
				for i := range 5 {
					b := importBatch(fmt.Sprintf("w%d-%d", w, i), 40)
					err := s.ImportTickets(ctx(t), "SR", b)
					keep(err, tickets(b)...)
				}
			})
		}
		wg.Go(func() {
			for i := range 30 {
				tk := newTicket(fmt.Sprintf("single-%d", i), base)
				keep(s.CreateTicket(ctx(t), "SR", tk, nil), tk)
			}
		})
		wg.Wait()
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		seen := map[string]bool{}
		for _, tk := range all {
			if tk.Ref != fmt.Sprintf("SR-%d", 1000+tk.ID) || seen[tk.Ref] {
				t.Fatalf("ticket %d: ref %q (seen before: %v)", tk.ID, tk.Ref, seen[tk.Ref])
			}
			seen[tk.Ref] = true
			got, err := s.GetTicket(ctx(t), tk.Ref)
			if err != nil || got.Subject != tk.Subject {
				t.Fatalf("GetTicket(%s) = %v, %v; want %q", tk.Ref, got, err, tk.Subject)
			}
		}
		if len(all) != 3*5*40+30 {
			t.Fatalf("%d tickets", len(all))
		}
	})
}

// BenchmarkImportTickets stores batches of 1,000 tickets with 6 events each
// in SQLite, reporting tickets per second.
func BenchmarkImportTickets(b *testing.B) {
	s := storetest.Open(b)
	const n = 1000
	body := strings.Repeat("Our production app returns 502 Bad Gateway since this morning. ", 6)
	for b.Loop() {
		b.StopTimer()
		batch := importBatch("bench", n)
		for _, it := range batch {
			it.Ticket.Body = body
			it.Ticket.RequesterEmail = fmt.Sprintf("user%d@agency%d.gov", it.Ticket.ReceivedAt.UnixNano()%997, it.Ticket.ReceivedAt.UnixNano()%31)
			it.Events = append(it.Events,
				&desk.Event{At: it.Ticket.ResponseDueAt, Actor: "Staff <s@example.org>", Kind: desk.EventReply, Body: body},
				&desk.Event{At: it.Ticket.ResponseDueAt, Actor: "Staff <s@example.org>", Kind: desk.EventFirstResponse, New: "met"},
				&desk.Event{At: it.Ticket.ResponseDueAt, Actor: "Staff <s@example.org>", Kind: desk.EventStatusChanged, Old: "new", New: "open"})
		}
		b.StartTimer()
		if err := s.ImportTickets(ctx(b), "SR", batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "tickets/s")
}
