package store_test

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// queueFixture stores 41 tickets with ties on every sort column: three
// classes, every status, answered and unanswered, received times in
// pairs, half assigned.
func queueFixture(t *testing.T, s *store.Store) (all []*desk.Ticket, sam *desk.User) {
	t.Helper()
	sam = createUser(t, s, "sam@example.org", "Sam")
	classes := []string{"availability", "provisioning", "other"}
	for i := 0; i < 41; i++ {
		tk := newTicket(fmt.Sprintf("t%02d", i), base.Add(time.Duration(i%13)*time.Hour))
		tk.ReceivedAt = base.Add(-time.Duration(i/2) * time.Hour) // pairs share a receipt
		tk.Class = classes[i%3]
		tk.Status = desk.Statuses()[i%5]
		if i%4 == 0 {
			fr := tk.ReceivedAt.Add(time.Hour)
			tk.FirstResponseAt = &fr
		}
		if i%2 == 0 {
			tk.AssigneeID = &sam.ID
		}
		all = append(all, createTicket(t, s, tk))
	}
	return all, sam
}

// orderOf is the order a TicketQuery with sort and desc promises, as the
// desk defines it: owing first; then the order's column, each way; ties
// by due, then id.
func orderOf(sort string, desc bool) func(a, b *desk.Ticket) int {
	dir := func(c int) int {
		if desc {
			return -c
		}
		return c
	}
	idle := func(a, b *desk.Ticket) int {
		switch {
		case a.Idle == b.Idle:
			return 0
		case !a.Idle:
			return -1
		}
		return 1
	}
	return func(a, b *desk.Ticket) int {
		if c := idle(a, b); c != 0 {
			return c
		}
		switch sort {
		case desk.SortReceived:
			return dir(cmp.Or(a.ReceivedAt.Compare(b.ReceivedAt), cmp.Compare(a.ID, b.ID)))
		case desk.SortUpdated:
			return dir(cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), cmp.Compare(a.ID, b.ID)))
		case desk.SortClass:
			return cmp.Or(dir(cmp.Compare(a.Class, b.Class)), a.QueueAt.Compare(b.QueueAt), cmp.Compare(a.ID, b.ID))
		case desk.SortStatus:
			return cmp.Or(dir(cmp.Compare(a.Status, b.Status)), a.QueueAt.Compare(b.QueueAt), cmp.Compare(a.ID, b.ID))
		}
		return dir(cmp.Or(a.QueueAt.Compare(b.QueueAt), cmp.Compare(a.ID, b.ID)))
	}
}

func TestListTickets_EveryOrderVisitsEachTicketOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		all, sam := queueFixture(t, s)
		views := []struct {
			name string
			q    desk.TicketQuery
			want func(*desk.Ticket) bool
		}{
			{"all", desk.TicketQuery{}, func(*desk.Ticket) bool { return true }},
			{"open", desk.TicketQuery{OpenOnly: true}, func(t *desk.Ticket) bool { return t.Open }},
			{"mine", desk.TicketQuery{OpenOnly: true, AssigneeID: &sam.ID}, func(t *desk.Ticket) bool { return t.Open && t.AssigneeID != nil }},
			{"unassigned", desk.TicketQuery{OpenOnly: true, Unassigned: true}, func(t *desk.Ticket) bool { return t.Open && t.AssigneeID == nil }},
		}
		for _, v := range views {
			for _, sort := range desk.Sorts() {
				for _, desc := range []bool{false, true} {
					name := fmt.Sprintf("%s/%s/desc=%v", v.name, sort, desc)
					t.Run(name, func(t *testing.T) {
						q := v.q
						q.Sort, q.Desc, q.Limit = sort, desc, 4
						var pages [][]*desk.Ticket
						for {
							ts, next, err := s.ListTickets(ctx(t), q)
							if err != nil {
								t.Fatal(err)
							}
							if len(ts) > 0 {
								pages = append(pages, ts)
							}
							if next == "" {
								break
							}
							c, err := desk.DecodeCursor(next)
							if err != nil {
								t.Fatal(err)
							}
							q.After = &c
							if len(pages) > 50 {
								t.Fatal("paging does not end")
							}
						}
						got := slices.Concat(pages...)
						seen := map[uint64]int{}
						for _, tk := range got {
							seen[tk.ID]++
						}
						wantN := 0
						for _, tk := range all {
							if !v.want(tk) {
								continue
							}
							wantN++
							if seen[tk.ID] != 1 {
								t.Errorf("%s seen %d times, want once", tk.Subject, seen[tk.ID])
							}
						}
						if len(got) != wantN {
							t.Errorf("%d tickets over %d pages, want %d", len(got), len(pages), wantN)
						}
						if !slices.IsSortedFunc(got, orderOf(sort, desc)) {
							t.Errorf("not in %s order (desc %v): %v", sort, desc, subjects(got))
						}
						// And back again from the last page, page by page.
						for i := len(pages) - 1; i > 0; i-- {
							c := desk.CursorIn(pages[i][0], sort, desc)
							c.Back = true
							q.After = &c
							prev, beyond, err := s.ListTickets(ctx(t), q)
							if err != nil {
								t.Fatal(err)
							}
							if !slices.Equal(subjects(prev), subjects(pages[i-1])) {
								t.Fatalf("page %d backwards = %v, forwards it was %v", i-1, subjects(prev), subjects(pages[i-1]))
							}
							if (beyond == "") != (i-1 == 0) {
								t.Errorf("page %d backwards: beyond cursor %q, want one only before the first page", i-1, beyond)
							}
						}
					})
				}
			}
		}
	})
}

func TestCountTickets_StopsAtTheCap(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		all, sam := queueFixture(t, s)
		open := 0
		for _, tk := range all {
			if tk.Open {
				open++
			}
		}
		for _, tc := range []struct {
			name string
			q    desk.TicketQuery
			max  int
			want int
		}{
			{"open", desk.TicketQuery{OpenOnly: true}, 500, open},
			{"all capped", desk.TicketQuery{}, 10, 11},
			{"mine", desk.TicketQuery{AssigneeID: &sam.ID}, 500, 21},
			{"one word", desk.TicketQuery{Terms: []desk.SearchTerm{{Words: []string{"t07"}}}}, 500, 1},
			// Every ticket's body says "body of": a search's count pages
			// through the search and stops at the cap too.
			{"search capped", desk.TicketQuery{Terms: []desk.SearchTerm{{Words: []string{"body"}}}}, 10, 11},
			{"search all", desk.TicketQuery{Terms: []desk.SearchTerm{{Words: []string{"body"}}}}, 500, 41},
		} {
			t.Run(tc.name, func(t *testing.T) {
				n, err := s.CountTickets(ctx(t), tc.q, tc.max)
				if err != nil {
					t.Fatal(err)
				}
				if n != tc.want {
					t.Errorf("count = %d, want %d", n, tc.want)
				}
			})
		}
	})
}

func TestSavedViews(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		sam := createUser(t, s, "sam@example.org", "Sam")
		kim := createUser(t, s, "kim@example.org", "Kim")
		mine := &desk.SavedView{OwnerID: sam.ID, Name: "My availability", Query: "class=availability", CreatedAt: base}
		shared := &desk.SavedView{OwnerID: kim.ID, Name: "Breached provisioning", Query: "class=provisioning&state=breached", Shared: true, CreatedAt: base}
		private := &desk.SavedView{OwnerID: kim.ID, Name: "Kim only", Query: "q=x", CreatedAt: base}
		for _, v := range []*desk.SavedView{mine, shared, private} {
			if err := s.CreateView(ctx(t), v); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("same name twice is a conflict", func(t *testing.T) {
			err := s.CreateView(ctx(t), &desk.SavedView{OwnerID: sam.ID, Name: "My availability", CreatedAt: base})
			wantCode(t, err, desk.Conflict)
		})
		t.Run("others may reuse a name", func(t *testing.T) {
			v := &desk.SavedView{OwnerID: kim.ID, Name: "My availability", CreatedAt: base}
			if err := s.CreateView(ctx(t), v); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteView(ctx(t), v.ID); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("list is own and shared", func(t *testing.T) {
			vs, err := s.ListViews(ctx(t), sam.ID)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, v := range vs {
				names = append(names, v.Name+" by "+v.Owner.Name)
			}
			want := []string{"Breached provisioning by Kim", "My availability by Sam"}
			if !slices.Equal(names, want) {
				t.Errorf("views = %v, want %v", names, want)
			}
		})
		t.Run("get and delete", func(t *testing.T) {
			got, err := s.GetView(ctx(t), shared.ID)
			if err != nil || got.Query != shared.Query || !got.Shared || got.Owner.Email != "kim@example.org" || !got.CreatedAt.Equal(base) {
				t.Fatalf("GetView = %+v, %v", got, err)
			}
			if err := s.DeleteView(ctx(t), mine.ID); err != nil {
				t.Fatal(err)
			}
			wantCode(t, s.DeleteView(ctx(t), mine.ID), desk.NotFound)
			_, err = s.GetView(ctx(t), mine.ID)
			wantCode(t, err, desk.NotFound)
		})
	})
}
