package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

func TestCreateTicket(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		t.Run("ref and events", func(t *testing.T) {
			tk := newTicket("first", base)
			tk.Open = false // the store sets it from Status
			tk.Answered = true
			evs := []*desk.Event{
				{At: base.Add(-time.Hour), Actor: "r@example.org", Kind: desk.EventMessageIn, Body: "hi"},
				{Actor: "slatrack", Kind: desk.EventCreated, Body: "Received via web form"},
			}
			if err := s.CreateTicket(ctx(t), "sr", tk, evs); err != nil {
				t.Fatal(err)
			}
			if tk.ID == 0 || tk.Ref != fmt.Sprintf("SR-%d", 1000+tk.ID) {
				t.Fatalf("ID %d, Ref %q", tk.ID, tk.Ref)
			}
			if !tk.Open || tk.Answered {
				t.Errorf("Open %v Answered %v, want true false", tk.Open, tk.Answered)
			}
			for _, e := range evs {
				if e.ID == 0 || e.TicketID != tk.ID {
					t.Errorf("event %+v not linked", e)
				}
			}
			if evs[1].At.IsZero() || time.Since(evs[1].At) > time.Minute {
				t.Errorf("default At = %v", evs[1].At)
			}
			got, err := s.GetTicket(ctx(t), strings.ToLower(tk.Ref))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tk) {
				t.Errorf("GetTicket =\n%+v\nwant\n%+v", got, tk)
			}
			tl, err := s.Timeline(ctx(t), tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(tl) != 2 || tl[0].Kind != desk.EventMessageIn || tl[1].Kind != desk.EventCreated || !reflect.DeepEqual(tl[0], evs[0]) {
				t.Errorf("Timeline = %+v", tl)
			}
		})
		t.Run("not found", func(t *testing.T) {
			_, err := s.GetTicket(ctx(t), "SR-999999")
			wantCode(t, err, desk.NotFound)
			if !errors.Is(err, desk.ErrNotFound) {
				t.Errorf("errors.Is(%v, ErrNotFound) = false", err)
			}
			tl, err := s.Timeline(ctx(t), 999999)
			if err != nil || len(tl) != 0 {
				t.Errorf("Timeline of a missing ticket = %v, %v", tl, err)
			}
		})
		t.Run("bad assignee leaves ticket untouched", func(t *testing.T) {
			tk := newTicket("orphan", base)
			tk.AssigneeID = ptr(uint64(424242))
			before := *tk
			err := s.CreateTicket(ctx(t), "SR", tk, nil)
			wantCode(t, err, desk.Invalid)
			if !reflect.DeepEqual(*tk, before) {
				t.Errorf("ticket changed by a failed create: %+v", tk)
			}
		})
		t.Run("assignee filled", func(t *testing.T) {
			u := createUser(t, s, "owner@example.org", "Owner")
			tk := newTicket("owned", base)
			tk.AssigneeID = &u.ID
			createTicket(t, s, tk)
			if tk.Assignee == nil || tk.Assignee.Email != "owner@example.org" {
				t.Errorf("Assignee = %+v", tk.Assignee)
			}
			got, err := s.GetTicket(ctx(t), tk.Ref)
			if err != nil || got.Assignee == nil || got.Assignee.ID != u.ID {
				t.Fatalf("GetTicket: %+v, %v", got, err)
			}
		})
		t.Run("concurrent refs unique", func(t *testing.T) {
			const workers, each = 8, 50
			var (
				wg   sync.WaitGroup
				mu   sync.Mutex
				refs = map[string]uint64{}
				errs []error
			)
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < each; i++ {
						tk := newTicket(fmt.Sprintf("w%d-%d", w, i), base.Add(time.Duration(i)*time.Minute))
						err := s.CreateTicket(ctx(t), "SR", tk, []*desk.Event{{Kind: desk.EventCreated, Actor: "slatrack"}})
						mu.Lock()
						if err != nil {
							errs = append(errs, err)
						} else if prev, dup := refs[tk.Ref]; dup {
							errs = append(errs, fmt.Errorf("ref %s given to tickets %d and %d", tk.Ref, prev, tk.ID))
						} else {
							refs[tk.Ref] = tk.ID
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if len(errs) > 0 {
				t.Fatalf("%d errors, first: %v", len(errs), errs[0])
			}
			if len(refs) != workers*each {
				t.Fatalf("%d refs, want %d", len(refs), workers*each)
			}
			shape := regexp.MustCompile(`^SR-[0-9]{4,}$`)
			for ref, id := range refs {
				if !shape.MatchString(ref) || ref != "SR-"+strconv.FormatUint(1000+id, 10) {
					t.Fatalf("ref %q for id %d", ref, id)
				}
			}
		})
	})
}

func TestUpdateTicket(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		alice := createUser(t, s, "alice@example.org", "Alice")
		t.Run("saves and appends", func(t *testing.T) {
			tk := createTicket(t, s, newTicket("to update", base))
			now := time.Now()
			got, err := s.UpdateTicket(ctx(t), strings.ToLower(tk.Ref), func(t *desk.Ticket) ([]*desk.Event, error) {
				t.Subject = "updated"
				t.Status = desk.StatusResolved
				t.FirstResponseAt = &now // Answered is the store's job
				t.AssigneeID = &alice.ID
				t.ID, t.Ref = 0, "hijack" // ignored
				return []*desk.Event{{Kind: desk.EventReply, Actor: "Alice", Body: "done"}}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != tk.ID || got.Ref != tk.Ref || got.Subject != "updated" || got.Open || !got.Answered {
				t.Errorf("returned %+v", got)
			}
			if got.Assignee == nil || got.Assignee.ID != alice.ID {
				t.Errorf("Assignee = %+v", got.Assignee)
			}
			if !got.UpdatedAt.After(tk.UpdatedAt) && !got.UpdatedAt.Equal(tk.UpdatedAt) {
				t.Errorf("UpdatedAt %v before %v", got.UpdatedAt, tk.UpdatedAt)
			}
			reread, err := s.GetTicket(ctx(t), tk.Ref)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(reread, got) {
				t.Errorf("GetTicket =\n%+v\nUpdateTicket returned\n%+v", reread, got)
			}
			tl, _ := s.Timeline(ctx(t), tk.ID)
			if len(tl) != 2 || tl[1].Kind != desk.EventReply || tl[1].At.IsZero() {
				t.Errorf("timeline %+v", tl)
			}
			// Unassign and reopen.
			got, err = s.UpdateTicket(ctx(t), tk.Ref, func(t *desk.Ticket) ([]*desk.Event, error) {
				if t.Assignee == nil || t.Assignee.ID != alice.ID {
					return nil, fmt.Errorf("change saw Assignee %+v", t.Assignee)
				}
				t.AssigneeID = nil
				t.Status = desk.StatusOpen
				t.FirstResponseAt = nil
				return nil, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got.Assignee != nil || got.AssigneeID != nil || !got.Open || got.Answered {
				t.Errorf("after unassign: %+v", got)
			}
		})
		t.Run("change error rolls back", func(t *testing.T) {
			tk := createTicket(t, s, newTicket("keep me", base))
			boom := &desk.Error{Code: desk.Conflict, Message: "no"}
			_, err := s.UpdateTicket(ctx(t), tk.Ref, func(t *desk.Ticket) ([]*desk.Event, error) {
				t.Subject = "changed"
				t.Status = desk.StatusClosed
				return []*desk.Event{{Kind: desk.EventNote, Body: "x"}}, boom
			})
			if err != boom {
				t.Fatalf("err = %v, want the change's error unchanged", err)
			}
			got, _ := s.GetTicket(ctx(t), tk.Ref)
			if got.Subject != "keep me" || got.Status != desk.StatusNew {
				t.Errorf("ticket changed: %+v", got)
			}
			tl, _ := s.Timeline(ctx(t), tk.ID)
			if len(tl) != 1 {
				t.Errorf("timeline has %d events, want 1", len(tl))
			}
		})
		t.Run("not found", func(t *testing.T) {
			called := false
			_, err := s.UpdateTicket(ctx(t), "SR-999999", func(*desk.Ticket) ([]*desk.Event, error) { called = true; return nil, nil })
			wantCode(t, err, desk.NotFound)
			if called {
				t.Error("change called for a missing ticket")
			}
		})
		t.Run("concurrent updates lose nothing", func(t *testing.T) {
			tk := createTicket(t, s, newTicket("0", base))
			const workers, each = 8, 10
			var wg sync.WaitGroup
			errs := make(chan error, workers*each)
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < each; i++ {
						_, err := s.UpdateTicket(ctx(t), tk.Ref, func(t *desk.Ticket) ([]*desk.Event, error) {
							// A read-modify-write: without the row lock two
							// changes would read the same count.
							n, err := strconv.Atoi(t.Subject)
							if err != nil {
								return nil, err
							}
							t.Subject = strconv.Itoa(n + 1)
							return []*desk.Event{{Kind: desk.EventNote, Body: fmt.Sprintf("w%d-%d", w, i)}}, nil
						})
						if err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			got, _ := s.GetTicket(ctx(t), tk.Ref)
			if got.Subject != strconv.Itoa(workers*each) {
				t.Errorf("counter = %s, want %d", got.Subject, workers*each)
			}
			tl, _ := s.Timeline(ctx(t), tk.ID)
			if len(tl) != 1+workers*each {
				t.Errorf("%d events, want %d", len(tl), 1+workers*each)
			}
		})
	})
}

// TestTimes checks times come back in UTC at microsecond precision, and
// that sub-second times sort and compare right (SQLite keeps them as text).
func TestTimes(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600)
	}
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		t.Run("round trip", func(t *testing.T) {
			received := time.Date(2025, 1, 2, 3, 4, 5, 123456789, ny)
			fr := time.Date(2025, 1, 2, 9, 0, 0, 999999999, ny)
			tk := newTicket("times", received.Add(time.Hour))
			tk.ReceivedAt = received
			tk.FirstResponseAt = &fr
			ev := &desk.Event{At: received, Kind: desk.EventMessageIn}
			if err := s.CreateTicket(ctx(t), "SR", tk, []*desk.Event{ev}); err != nil {
				t.Fatal(err)
			}
			got, err := s.GetTicket(ctx(t), tk.Ref)
			if err != nil {
				t.Fatal(err)
			}
			want := received.UTC().Truncate(time.Microsecond)
			for name, c := range map[string][2]time.Time{
				"received_at":          {got.ReceivedAt, want},
				"response_due_at":      {got.ResponseDueAt, received.Add(time.Hour).UTC().Truncate(time.Microsecond)},
				"first_response_at":    {*got.FirstResponseAt, fr.UTC().Truncate(time.Microsecond)},
				"caller's received_at": {tk.ReceivedAt, want},
			} {
				if c[0] != c[1] || c[0].Location() != time.UTC {
					t.Errorf("%s = %v (%v), want %v", name, c[0], c[0].Location(), c[1])
				}
			}
			if got.FirstResponseAt.Nanosecond() != 999999000 {
				t.Errorf("first_response_at = %v, want .999999", got.FirstResponseAt)
			}
			for _, tm := range []time.Time{got.CreatedAt, got.UpdatedAt} {
				if tm.Location() != time.UTC || tm.Nanosecond()%1000 != 0 {
					t.Errorf("created/updated_at %v not UTC µs", tm)
				}
			}
			tl, _ := s.Timeline(ctx(t), tk.ID)
			if len(tl) != 1 || tl[0].At != want {
				t.Errorf("event At = %v, want %v", tl[0].At, want)
			}
		})
		t.Run("sub-second order and bounds", func(t *testing.T) {
			t0 := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC) // apart from the other tickets
			offs := []time.Duration{time.Second, 0, time.Microsecond, 999999 * time.Microsecond, -time.Microsecond, 100 * time.Millisecond, 10 * time.Millisecond}
			for _, o := range offs {
				tk := newTicket("sub "+o.String(), t0.Add(o).In(ny))
				tk.Class = "subsecond"
				createTicket(t, s, tk)
			}
			list := func(q desk.TicketQuery) []string {
				q.Class = "subsecond"
				ts, _, err := s.ListTickets(ctx(t), q)
				if err != nil {
					t.Fatal(err)
				}
				return subjects(ts)
			}
			all := list(desk.TicketQuery{})
			want := []string{"sub -1µs", "sub 0s", "sub 1µs", "sub 10ms", "sub 100ms", "sub 999.999ms", "sub 1s"}
			if !reflect.DeepEqual(all, want) {
				t.Errorf("order %v, want %v", all, want)
			}
			if got := list(desk.TicketQuery{DueBefore: t0.Add(time.Microsecond).In(ny)}); !reflect.DeepEqual(got, want[:2]) {
				t.Errorf("due before t0+1µs: %v", got)
			}
			if got := list(desk.TicketQuery{DueFrom: t0, DueBefore: t0.Add(100 * time.Millisecond)}); !reflect.DeepEqual(got, want[1:4]) {
				t.Errorf("due in [t0, t0+100ms): %v", got)
			}
			if got := list(desk.TicketQuery{DueFrom: t0.Add(999999*time.Microsecond + time.Nanosecond)}); !reflect.DeepEqual(got, want[6:]) {
				t.Errorf("due after t0+999999µs: %v", got)
			}
			// Bounds finer than a microsecond keep their exact meaning.
			if got := list(desk.TicketQuery{DueFrom: t0.Add(500 * time.Nanosecond)}); !reflect.DeepEqual(got, want[2:]) {
				t.Errorf("due from t0+0.5µs: %v", got)
			}
			if got := list(desk.TicketQuery{DueBefore: t0.Add(500 * time.Nanosecond)}); !reflect.DeepEqual(got, want[:2]) {
				t.Errorf("due before t0+0.5µs: %v", got)
			}
			if got := list(desk.TicketQuery{DueFrom: t0.Add(501 * time.Nanosecond)}); !reflect.DeepEqual(got, want[2:]) {
				t.Errorf("due after t0+0.5µs: %v", got)
			}
		})
	})
}

// listFixture is one ticket of TestListTickets.
type listFixture struct {
	subject, status, class string
	assignee               string // "", "alice", "bob"
	due                    time.Duration
	answered               *time.Duration // first response, from base
	email, name, body      string
}

func TestListTickets(t *testing.T) {
	h := func(n float64) time.Duration { return time.Duration(n * float64(time.Hour)) }
	fixtures := []listFixture{
		{subject: "alpha outage", status: desk.StatusNew, class: "availability", due: -h(2)},
		{subject: "beta provisioning", status: desk.StatusOpen, class: "provisioning", assignee: "alice", due: h(1) + 500*time.Millisecond, email: "Bob.Builder@Example.org"},
		{subject: "gamma other", status: desk.StatusWaiting, class: "other", assignee: "bob", due: h(3), body: "The PRINTER is on fire"},
		{subject: "delta late", status: desk.StatusOpen, class: "availability", assignee: "alice", due: -h(5), answered: ptr(-h(4)), name: "Zoë Quinn"},
		{subject: "epsilon on time", status: desk.StatusResolved, class: "provisioning", due: -h(10), answered: ptr(-h(11))},
		{subject: "zeta closed late", status: desk.StatusClosed, class: "other", assignee: "bob", due: -h(20), answered: ptr(-h(19))},
		{subject: "eta 100% done", status: desk.StatusNew, class: "other", due: h(0.5)},
		{subject: "theta 1000 units", status: desk.StatusNew, class: "other", due: h(0.75)},
		{subject: "iota a_b", status: desk.StatusOpen, class: "provisioning", due: h(2)},
		{subject: "kappa axb!", status: desk.StatusOpen, class: "provisioning", due: h(2)},
		{subject: "lambda just in time", status: desk.StatusOpen, class: "availability", due: -h(1), answered: ptr(-h(1))},
	}
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		users := map[string]*desk.User{
			"alice": createUser(t, s, "alice@example.org", "Alice"),
			"bob":   createUser(t, s, "bob@example.org", "Bob"),
		}
		refs := map[string]string{}
		for _, f := range fixtures {
			tk := newTicket(f.subject, base.Add(f.due))
			tk.Status, tk.Class = f.status, f.class
			if f.assignee != "" {
				tk.AssigneeID = &users[f.assignee].ID
			}
			if f.answered != nil {
				tk.FirstResponseAt = ptr(base.Add(*f.answered))
			}
			if f.email != "" {
				tk.RequesterEmail = f.email
			}
			if f.name != "" {
				tk.RequesterName = f.name
			}
			if f.body != "" {
				tk.Body = f.body
			}
			createTicket(t, s, tk)
			refs[f.subject] = tk.Ref
		}
		// In queue order: owing (unanswered) by due, then owing nothing by the
		// customer's last message (here their receipt); iota and kappa are
		// due at the same time, so by id.
		all := []string{"alpha outage", "eta 100% done", "theta 1000 units", "beta provisioning", "iota a_b", "kappa axb!", "gamma other",
			"zeta closed late", "epsilon on time", "delta late", "lambda just in time"}
		betaDue := base.Add(h(1) + 500*time.Millisecond)
		for _, tc := range []struct {
			name string
			q    desk.TicketQuery
			want []string
		}{
			{"all", desk.TicketQuery{}, all},
			{"open only", desk.TicketQuery{OpenOnly: true}, without(all, "zeta closed late", "epsilon on time")},
			{"status new", desk.TicketQuery{Statuses: []string{desk.StatusNew}}, []string{"alpha outage", "eta 100% done", "theta 1000 units"}},
			{"statuses closed", desk.TicketQuery{Statuses: []string{desk.StatusResolved, desk.StatusClosed}}, []string{"zeta closed late", "epsilon on time"}},
			{"statuses mixed", desk.TicketQuery{Statuses: []string{desk.StatusOpen, desk.StatusClosed}},
				[]string{"beta provisioning", "iota a_b", "kappa axb!", "zeta closed late", "delta late", "lambda just in time"}},
			{"open only and closed status", desk.TicketQuery{OpenOnly: true, Statuses: []string{desk.StatusClosed}}, nil},
			{"class", desk.TicketQuery{Class: "availability"}, []string{"alpha outage", "delta late", "lambda just in time"}},
			{"assignee", desk.TicketQuery{AssigneeID: &users["alice"].ID}, []string{"beta provisioning", "delta late"}},
			{"unassigned", desk.TicketQuery{Unassigned: true},
				[]string{"alpha outage", "eta 100% done", "theta 1000 units", "iota a_b", "kappa axb!", "epsilon on time", "lambda just in time"}},
			{"owing", desk.TicketQuery{Owing: ptr(true)}, all[:7]},
			{"owing nothing", desk.TicketQuery{Owing: ptr(false)}, all[7:]},
			// Due bounds are on the owed promise: answered tickets owe nothing.
			{"due before", desk.TicketQuery{DueBefore: base}, []string{"alpha outage"}},
			{"due from (inclusive)", desk.TicketQuery{DueFrom: betaDue}, []string{"beta provisioning", "iota a_b", "kappa axb!", "gamma other"}},
			{"due after (exclusive)", desk.TicketQuery{DueFrom: betaDue.Add(time.Nanosecond)}, []string{"iota a_b", "kappa axb!", "gamma other"}},
			{"breached (late or overdue)", desk.TicketQuery{LateOrOverdue: true, DueBefore: base}, []string{"alpha outage", "zeta closed late", "delta late"}},
			{"breached and open", desk.TicketQuery{OpenOnly: true, LateOrOverdue: true, DueBefore: base}, []string{"alpha outage", "delta late"}},
			{"late only", desk.TicketQuery{LateOrOverdue: true}, []string{"zeta closed late", "delta late"}},
			{"met (on time)", desk.TicketQuery{Owing: ptr(false), OnTimeOnly: true}, []string{"epsilon on time", "lambda just in time"}},
			{"at risk", desk.TicketQuery{Owing: ptr(true), DueFrom: base, DueBefore: betaDue.Add(time.Nanosecond)},
				[]string{"eta 100% done", "theta 1000 units", "beta provisioning"}},
			{"on track", desk.TicketQuery{Owing: ptr(true), DueFrom: betaDue.Add(time.Nanosecond)}, []string{"iota a_b", "kappa axb!", "gamma other"}},
			{"combined", desk.TicketQuery{OpenOnly: true, Class: "provisioning", Unassigned: true}, []string{"iota a_b", "kappa axb!"}},
			{"text subject any case", search(t, "ALPHA"), []string{"alpha outage"}},
			{"text body", search(t, "printer is"), []string{"gamma other"}},
			{"text email", search(t, "builder@EXAMPLE"), []string{"beta provisioning"}},
			{"text name", search(t, "quinn"), []string{"delta late"}},
			{"text percent", search(t, "100%"), []string{"eta 100% done"}},
			{"text underscore splits words", search(t, "a_b"), []string{"iota a_b"}},
			{"text punctuation", search(t, "axb!"), []string{"kappa axb!"}},
			{"text ref lower case", desk.TicketQuery{Ref: strings.ToUpper(strings.ToLower(refs["delta late"]))}, []string{"delta late"}},
			{"text ref missing", desk.TicketQuery{Ref: "SR-999999"}, nil},
			{"text and filter", withQuery(search(t, "DONE"), desk.TicketQuery{Class: "other", OpenOnly: true}), []string{"eta 100% done"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ts, next, err := s.ListTickets(ctx(t), tc.q)
				if err != nil {
					t.Fatal(err)
				}
				if got := subjects(ts); !reflect.DeepEqual(got, tc.want) && (len(got) > 0 || len(tc.want) > 0) {
					t.Errorf("got  %q\nwant %q", got, tc.want)
				}
				if next != "" {
					t.Errorf("next cursor %q on the only page", next)
				}
				for _, tk := range ts {
					if (tk.AssigneeID == nil) != (tk.Assignee == nil) || (tk.Assignee != nil && tk.Assignee.ID != *tk.AssigneeID) {
						t.Errorf("%s: AssigneeID %v, Assignee %+v", tk.Subject, tk.AssigneeID, tk.Assignee)
					}
				}
			})
		}
	})
}

func without(list []string, drop ...string) []string {
	var out []string
	for _, s := range list {
		keep := true
		for _, d := range drop {
			keep = keep && s != d
		}
		if keep {
			out = append(out, s)
		}
	}
	return out
}

func TestListTicketsPages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		const n = 230
		owing := 0 // open and unanswered: they owe their first response
		for i := 0; i < n; i++ {
			if i%3 != 0 && i%5 != 0 {
				owing++
			}
			// Many equal dues (by id then), sub-second steps, a third
			// answered, a fifth closed.
			tk := newTicket(fmt.Sprintf("t%03d", i), base.Add(time.Duration(i%9)*250*time.Millisecond))
			if i%3 == 0 {
				tk.FirstResponseAt = ptr(base)
			}
			if i%5 == 0 {
				tk.Status = desk.StatusClosed
			}
			createTicket(t, s, tk)
		}
		full, next, err := s.ListTickets(ctx(t), desk.TicketQuery{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("limit capped at 200", func(t *testing.T) {
			if len(full) != store.MaxLimit || next == "" {
				t.Fatalf("Limit 1000 gave %d tickets, next %q", len(full), next)
			}
		})
		t.Run("default limit 50", func(t *testing.T) {
			ts, next, err := s.ListTickets(ctx(t), desk.TicketQuery{})
			if err != nil || len(ts) != store.DefaultLimit || next == "" {
				t.Fatalf("%d tickets, next %q, %v", len(ts), next, err)
			}
		})
		for _, tc := range []struct {
			name  string
			q     desk.TicketQuery
			total int
		}{
			{"all", desk.TicketQuery{}, n},
			{"open", desk.TicketQuery{OpenOnly: true}, n - n/5},
			{"owing", desk.TicketQuery{Owing: ptr(true)}, owing},
		} {
			for _, limit := range []int{1, 7, 50} {
				t.Run(fmt.Sprintf("%s by %d", tc.name, limit), func(t *testing.T) {
					var walked []*desk.Ticket
					q := tc.q
					q.Limit = limit
					for pages := 0; ; pages++ {
						if pages > n {
							t.Fatal("too many pages")
						}
						ts, next, err := s.ListTickets(ctx(t), q)
						if err != nil {
							t.Fatal(err)
						}
						if len(ts) > limit || (next != "" && len(ts) != limit) {
							t.Fatalf("page of %d with limit %d, next %q", len(ts), limit, next)
						}
						walked = append(walked, ts...)
						if next == "" {
							break
						}
						c, err := desk.DecodeCursor(next)
						if err != nil {
							t.Fatal(err)
						}
						q.After = &c
					}
					if len(walked) != tc.total {
						t.Fatalf("walked %d tickets, want %d", len(walked), tc.total)
					}
					seen := map[uint64]bool{}
					for i, tk := range walked {
						if seen[tk.ID] {
							t.Fatalf("ticket %d twice", tk.ID)
						}
						seen[tk.ID] = true
						if i > 0 && !queueLess(walked[i-1], tk) {
							t.Fatalf("out of order at %d: %+v then %+v", i, desk.CursorIn(walked[i-1], desk.SortDue, false), desk.CursorIn(tk, desk.SortDue, false))
						}
					}
				})
			}
		}
	})
}

// queueLess is the queue's order: owing before idle, then by QueueAt
// (the owed promise's due, or the customer's last message), then by id.
func queueLess(a, b *desk.Ticket) bool {
	if a.Idle != b.Idle {
		return !a.Idle
	}
	if !a.QueueAt.Equal(b.QueueAt) {
		return a.QueueAt.Before(b.QueueAt)
	}
	return a.ID < b.ID
}

// TestTwoInstances runs writers on two stores sharing one database, as two
// slatrack processes would: nothing fails (SQLite: BEGIN IMMEDIATE and the
// busy timeout; PostgreSQL: the row lock) and nothing is lost.
func TestTwoInstances(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			dsn := e.NewDSN(t)
			a, b := storetest.OpenDSN(t, dsn), storetest.OpenDSN(t, dsn)
			shared := createTicket(t, a, newTicket("0", base))
			const perWorker = 15
			var wg sync.WaitGroup
			errs := make(chan error, 8*perWorker*2)
			for w, s := range []*store.Store{a, b, a, b, a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < perWorker; i++ {
						tk := newTicket(fmt.Sprintf("w%d-%d", w, i), base)
						if err := s.CreateTicket(ctx(t), "SR", tk, nil); err != nil {
							errs <- err
						}
						_, err := s.UpdateTicket(ctx(t), shared.Ref, func(t *desk.Ticket) ([]*desk.Event, error) {
							n, _ := strconv.Atoi(t.Subject)
							t.Subject = strconv.Itoa(n + 1)
							return nil, nil
						})
						if err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			got, err := b.GetTicket(ctx(t), shared.Ref)
			if err != nil || got.Subject != strconv.Itoa(6*perWorker) {
				t.Fatalf("shared counter = %+v, %v; want %d", got, err, 6*perWorker)
			}
			ts, _, err := a.ListTickets(ctx(t), desk.TicketQuery{Limit: store.MaxLimit})
			if err != nil || len(ts) != 1+6*perWorker {
				t.Fatalf("%d tickets, %v; want %d", len(ts), err, 1+6*perWorker)
			}
		})
	}
}
